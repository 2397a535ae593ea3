package report

import (
	"io"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
)

// Summary is what the end-of-test summary is made from.
type Summary struct {
	Registry   *metrics.Registry
	Totals     *metrics.Snapshot
	Thresholds []*threshold.Set // evaluated
	// TrendStats is summaryTrendStats (default avg min med max p(90) p(95)).
	TrendStats []string
	// TimeUnit is summaryTimeUnit ("" = automatic, or s, ms, us).
	TimeUnit string
	Duration time.Duration
	// SetupData is setup()'s JSON result, or nil.
	SetupData []byte
	// Scenarios lists per-scenario facts for the header and notes
	// (executor, completed and interrupted iterations, offered vs achieved).
	Scenarios []ScenarioSummary
	// Notes are one-line notes printed after the metrics (coordinated
	// omission, dropped iterations, ...).
	Notes []string
	NoColor       bool
	IsStdoutTTY   bool
	IsStderrTTY   bool
}

// ScenarioSummary is one scenario's line in the summary.
type ScenarioSummary struct {
	Name, Executor string
	Completed      int64
	Interrupted    int64
	Dropped        int64
	OfferedRate    float64 // iterations/s for arrival-rate executors, else 0
}

// Data returns the k6-shaped handleSummary data object.
func (s *Summary) Data() map[string]any { panic("report: stub") }

// WriteText writes the k6-style text summary.
func (s *Summary) WriteText(w io.Writer) error { panic("report: stub") }

// WriteExport writes the --summary-export JSON (k6's summary-export shape).
func (s *Summary) WriteExport(w io.Writer) error { panic("report: stub") }
