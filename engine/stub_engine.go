package engine

import (
	"context"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Config is what an Engine needs. Options must already be resolved
// (Options.Resolve).
type Config struct {
	Options    *Options
	Plan       *Plan
	NewVU      NewVUFunc
	Aggregator *metrics.Aggregator
	Builtin    *metrics.Builtin
	// Interval is the metrics flush period (default 1 s).
	Interval time.Duration
	// OnInterval, when set, is called from the engine's flush goroutine
	// with each interval snapshot (after it was merged into the totals).
	OnInterval func(*metrics.Snapshot)
	// Logf reports warnings (e.g. insufficient VUs), once each.
	Logf func(format string, args ...any)
}

// Plan is the resolved execution plan: scenarios with their executor
// parameters, ordered by start time then name.
type Plan struct {
	Scenarios []*ScenarioPlan
}

// ScenarioPlan is one scenario's resolved parameters.
type ScenarioPlan struct {
	Name   string
	Config ScenarioConfig // with every default filled in
	// MaxVUs is the most VUs the scenario can use at once.
	MaxVUs int64
	// PreAllocatedVUs is how many VUs are initialised before the start.
	PreAllocatedVUs int64
	// Duration is the scenario's length without its graceful stop.
	Duration time.Duration
	// MaxDuration includes the graceful stop.
	MaxDuration time.Duration
}

// Resolve applies k6's shortcut mapping (vus/duration/iterations/stages to a
// "default" scenario), fills in defaults and validates, returning the plan.
func (o *Options) Resolve() (*Plan, error) { panic("engine: stub") }

// Apply overlays the set fields of top onto o (used for the precedence
// defaults < script < env < CLI) and returns the result; o is not changed.
func (o Options) Apply(top Options) Options { panic("engine: stub") }

// Engine runs a plan's scenarios on a pool of VUs.
type Engine struct{ _ int }

// New returns an engine for cfg.
func New(cfg Config) (*Engine, error) { panic("engine: stub") }

// Init creates the VUs the plan needs before it starts.
func (e *Engine) Init(ctx context.Context) error { panic("engine: stub") }

// Run runs every scenario until all end, Stop is called, or ctx is cancelled
// (hard stop: running iterations are cut at once). It flushes metrics every
// interval and once more at the end.
func (e *Engine) Run(ctx context.Context) error { panic("engine: stub") }

// Stop ends the run gracefully: no new iterations start, and running ones get
// their scenario's graceful stop. Safe to call from any goroutine, repeatedly.
func (e *Engine) Stop(reason string) { panic("engine: stub") }

// Progress returns each scenario's live progress.
func (e *Engine) Progress() []Progress { panic("engine: stub") }

// Progress is a scenario's live state for progress displays.
type Progress struct {
	Name        string
	Executor    string
	Elapsed     time.Duration
	Total       time.Duration // planned duration without graceful stop; 0 if unbounded
	Fraction    float64       // 0..1
	ActiveVUs   int64
	MaxVUs      int64
	Iterations  int64 // completed
	Interrupted int64
	Dropped     int64
	Done        bool
}
