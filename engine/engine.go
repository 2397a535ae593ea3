package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Config is what an Engine needs. Options must already be resolved
// (Options.Resolve). New does not modify it.
type Config struct {
	// Options are the run's final options; when Plan is nil, New resolves
	// them.
	Options *Options
	// Plan is the resolved plan; its Segment and Sequence select the share
	// of the plan this instance runs.
	Plan *Plan
	// NewVU creates VUs; required. Called from several goroutines at once.
	NewVU NewVUFunc
	// Aggregator receives the engine's samples (schedule_lag,
	// dropped_iterations, vus, vus_max) and is flushed every Interval. Nil
	// means no metrics and no flushing.
	Aggregator *metrics.Aggregator
	// Builtin holds the built-in metric handles; nil means
	// metrics.RegisterBuiltin on the Aggregator's registry.
	Builtin *metrics.Builtin
	// Interval is the metrics flush period (default 1 s).
	Interval time.Duration
	// OnInterval, when set, is called from the engine's flush goroutine
	// with each interval snapshot (after it was merged into the totals).
	// Calls are sequential; it should not block for long.
	OnInterval func(*metrics.Snapshot)
	// Logf reports warnings (e.g. insufficient VUs), once each. Called from
	// scenario goroutines, possibly concurrently. Nil discards them.
	Logf func(format string, args ...any)
}

// Engine runs a plan's scenarios on a pool of VUs. Create it with New, then
// call Init (optional: Run calls it when needed) and Run once. Stop and
// Progress may be called from any goroutine.
type Engine struct {
	cfg      Config
	plan     *Plan
	share    *SegmentShare
	interval time.Duration
	logf     func(format string, args ...any)
	builtin  *metrics.Builtin
	noTags   *metrics.TagSet

	pool *vuPool
	runs []*scenarioRun

	initOnce sync.Once
	initErr  error
	ran      atomic.Bool

	stopOnce   sync.Once
	stopCh     chan struct{}
	stopMu     sync.Mutex
	stopReason string

	active atomic.Int64 // VUs active in some scenario (the vus gauge)

	fine fineBudget // the arrival-rate schedulers' fine waits, shared
}

// New returns an engine for cfg. It fails when NewVU is missing or the
// options do not resolve.
func New(cfg Config) (*Engine, error) {
	if cfg.NewVU == nil {
		return nil, errors.New("engine: Config.NewVU is nil")
	}
	plan := cfg.Plan
	if plan == nil {
		if cfg.Options == nil {
			return nil, errors.New("engine: Config has neither Plan nor Options")
		}
		p, err := cfg.Options.Resolve()
		if err != nil {
			return nil, err
		}
		plan = p
	}
	share, err := NewSegmentShare(plan.Segment, plan.Sequence)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:      cfg,
		plan:     plan,
		share:    share,
		interval: cfg.Interval,
		logf:     cfg.Logf,
		stopCh:   make(chan struct{}),
	}
	if e.interval <= 0 {
		e.interval = time.Second
	}
	if e.logf == nil {
		e.logf = func(string, ...any) {}
	}
	if cfg.Aggregator != nil {
		e.builtin = cfg.Builtin
		if e.builtin == nil {
			e.builtin = metrics.RegisterBuiltin(cfg.Aggregator.Registry())
		}
		e.noTags = cfg.Aggregator.Registry().Tags()
	}
	e.pool = &vuPool{newVU: cfg.NewVU}
	for _, sp := range plan.Scenarios {
		r := newScenarioRun(e, sp)
		e.runs = append(e.runs, r)
		if (r.iterations > 0 && r.vus == 0 && sp.Config.Executor == SharedIterations) || (r.starts > 0 && r.maxVUs == 0) {
			e.logf("engine: scenario %q: this execution segment has work but no VU; give the scenario at least one VU per segment", sp.Name)
		}
	}
	return e, nil
}

// Plan returns the plan the engine runs (unsegmented; the engine runs its
// segment's share of it).
func (e *Engine) Plan() *Plan { return e.plan }

// ActiveVUs returns how many VUs are active in a scenario now (the vus
// gauge): looping, held by a ramping-vus stage or ramp-down, or running an
// arrival-rate iteration.
func (e *Engine) ActiveVUs() int64 { return e.active.Load() }

// InitializedVUs returns how many VUs have been created so far (the vus_max
// gauge).
func (e *Engine) InitializedVUs() int64 { return e.pool.created.Load() }

// VUs returns how many VUs Init creates: the sum over scenarios of their
// (segment's) pre-allocated VUs.
func (e *Engine) VUs() int64 {
	var n int64
	for _, r := range e.runs {
		n += r.preAlloc
	}
	return n
}

// Init creates the VUs the plan needs before it starts (see VUs), in
// parallel (at most GOMAXPROCS at once), with ids 1..VUs(). It returns the
// first error of NewVU as is, so callers can map script errors to exit
// codes, and cancels the other creations. Calling it again returns the
// first result.
func (e *Engine) Init(ctx context.Context) error {
	e.initOnce.Do(func() { e.initErr = e.pool.init(ctx, e.VUs()) })
	return e.initErr
}

// Run runs every scenario until all end, Stop is called, or ctx is cancelled
// (hard stop: running iterations are cut at once). It flushes metrics every
// interval and once more at the end. It returns nil after a normal end or a
// Stop, the Init error, or an error wrapping ctx.Err() after a hard stop.
// Run may be called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.ran.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	if err := e.Init(ctx); err != nil {
		return err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, r := range e.runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.run(ctx, start)
		}()
	}
	flushStop, flushDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(flushDone)
		e.flushLoop(flushStop)
	}()
	wg.Wait()
	close(flushStop)
	<-flushDone
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("engine: run cut short: %w", err)
	}
	return nil
}

// flushLoop samples the vus and vus_max gauges and flushes the aggregator
// every interval, and once more when stop closes.
func (e *Engine) flushLoop(stop <-chan struct{}) {
	if e.cfg.Aggregator == nil {
		<-stop
		return
	}
	rec := e.cfg.Aggregator.NewRecorder()
	flush := func() {
		rec.Add(e.builtin.VUs, e.noTags, float64(e.active.Load()))
		rec.Add(e.builtin.VUsMax, e.noTags, float64(e.pool.created.Load()))
		snap := e.cfg.Aggregator.Flush()
		if e.cfg.OnInterval != nil {
			e.cfg.OnInterval(snap)
		}
	}
	t := time.NewTicker(e.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			flush()
		case <-stop:
			flush()
			return
		}
	}
}

// Stop ends the run gracefully: no new iterations start, and running ones get
// their scenario's graceful stop. Scenarios that have not started never
// start. Safe to call from any goroutine, repeatedly; the first reason is
// kept (StopReason).
func (e *Engine) Stop(reason string) {
	e.stopOnce.Do(func() {
		e.stopMu.Lock()
		e.stopReason = reason
		e.stopMu.Unlock()
		close(e.stopCh)
	})
}

// StopReason returns the reason given to the first Stop, or "".
func (e *Engine) StopReason() string {
	e.stopMu.Lock()
	defer e.stopMu.Unlock()
	return e.stopReason
}

// Progress returns each scenario's live progress, in plan order. After Run
// returns it is the final per-scenario result (completed, interrupted and
// dropped iterations, offered rate) for summaries.
func (e *Engine) Progress() []Progress {
	out := make([]Progress, len(e.runs))
	for i, r := range e.runs {
		out[i] = r.progress()
	}
	return out
}

// Progress is a scenario's live state for progress displays, and its final
// result once the run is over.
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
	// DroppedLate is the part of Dropped that the scheduler had not reached
	// when the window closed or the test stopped (its timer came late, or
	// Stop came first), as opposed to starts that found no free VU.
	DroppedLate int64
	// Queued is whether the scenario queues late starts (lateStarts
	// "queue"): its drops are the starts still waiting when it ended.
	Queued bool
	Done   bool

	// Started is the number of iterations started (completed, interrupted
	// or still running).
	Started int64
	// Scheduled is, for arrival-rate executors, the starts whose intended
	// time has come: Started + Dropped (+ starts queued, waiting for a VU).
	Scheduled int64
	// OfferedRate is, for arrival-rate executors, Scheduled per second of
	// the scheduling window (the scenario's duration, or less when it was
	// stopped early); 0 for other executors.
	OfferedRate float64
}

// vuPool holds the initialised VUs that are not in use by a scenario.
type vuPool struct {
	newVU   NewVUFunc
	mu      sync.Mutex
	idle    []*poolVU // sorted by id
	freeIDs []uint64  // ids of retired VUs, for reuse; guarded by mu
	nextID  atomic.Uint64
	created atomic.Int64 // vus_max: VUs initialised and not retired
}

type poolVU struct {
	id uint64
	vu VU
}

func (p *vuPool) init(ctx context.Context, n int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	vus := make([]*poolVU, n)
	// GOMAXPROCS workers take the next id until none is left. A worker,
	// rather than a goroutine per VU, grows its stack once: running a VU's
	// init code (a JavaScript runtime) needs a deep stack, and growing one
	// from scratch for each of thousands of VUs costs measurable start-up.
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		next     atomic.Int64
	)
	for range min(int64(runtime.GOMAXPROCS(0)), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				id := uint64(i) + 1
				v, err := p.newVU(ctx, id)
				if err == nil && v == nil {
					err = fmt.Errorf("engine: NewVU returned no VU for id %d", id)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				vus[i] = &poolVU{id: id, vu: v}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("engine: init cut short: %w", err)
	}
	p.nextID.Store(uint64(n))
	p.created.Store(n)
	p.put(vus...)
	return nil
}

// create makes one more VU (for arrival-rate scenarios growing past their
// pre-allocated VUs).
// A retired VU's id is reused (lowest first), so __VU stays within
// 1..the most VUs alive at once.
func (p *vuPool) create(ctx context.Context) (*poolVU, error) {
	id := p.takeID()
	v, err := p.newVU(ctx, id)
	if err == nil && v == nil {
		err = fmt.Errorf("engine: NewVU returned no VU for id %d", id)
	}
	if err != nil {
		p.releaseID(id)
		return nil, err
	}
	p.created.Add(1)
	return &poolVU{id: id, vu: v}, nil
}

func (p *vuPool) takeID() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.freeIDs) == 0 {
		return p.nextID.Add(1)
	}
	i := slices.Index(p.freeIDs, slices.Min(p.freeIDs))
	id := p.freeIDs[i]
	p.freeIDs = slices.Delete(p.freeIDs, i, i+1)
	return id
}

func (p *vuPool) releaseID(id uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.freeIDs = append(p.freeIDs, id)
}

// retire ends a VU that an arrival-rate scenario no longer needs: its
// connections are closed (VUCloser), vus_max drops by one and its id is
// free for the next VU created. v must be idle and never used again.
func (p *vuPool) retire(v *poolVU) {
	if c, ok := v.vu.(VUCloser); ok {
		c.Close()
	}
	p.created.Add(-1)
	p.releaseID(v.id)
}

// take removes up to n idle VUs, lowest ids first.
func (p *vuPool) take(n int64) []*poolVU {
	p.mu.Lock()
	defer p.mu.Unlock()
	n = min(n, int64(len(p.idle)))
	out := append([]*poolVU(nil), p.idle[:n]...)
	p.idle = p.idle[n:]
	return out
}

func (p *vuPool) put(vs ...*poolVU) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, vs...)
	sort.Slice(p.idle, func(i, j int) bool { return p.idle[i].id < p.idle[j].id })
}
