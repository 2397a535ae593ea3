package engine

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadline/loadline/engine/internal/stackgrow"
	"github.com/loadline/loadline/engine/metrics"
)

// scenarioRun is one scenario of a run: its segmented parameters and live
// counters. The counters are atomics, read by Progress from any goroutine.
type scenarioRun struct {
	e    *Engine
	plan *ScenarioPlan
	cfg  ScenarioConfig
	sc   *Scenario

	// This instance's share of the scenario.
	vus        int64 // closed executors: VUs in the segment
	iterations int64 // shared-iterations: the segment's iterations; per-vu: per VU
	preAlloc   int64
	maxVUs     int64
	steps      []vuStep      // ramping-vus
	rate       *rateSchedule // arrival-rate (unsegmented)
	starts     int64         // arrival-rate: the segment's starts

	mu        sync.Mutex
	startedAt time.Time
	endedAt   time.Time // when the scheduling window closed
	finishAt  time.Time // when the last iteration ended

	begun       atomic.Bool
	done        atomic.Bool
	active      atomic.Int64
	started     atomic.Int64
	completed   atomic.Int64
	interrupted atomic.Int64
	dropped     atomic.Int64
	droppedLate atomic.Int64 // of dropped: not reached by the scheduler (dropDue late)
	queued      atomic.Int64
	inScenario  atomic.Int64 // counter for looping executors

	tags *metrics.TagSet // {scenario: name}
}

func newScenarioRun(e *Engine, sp *ScenarioPlan) *scenarioRun {
	c := sp.Config
	r := &scenarioRun{e: e, plan: sp, cfg: c}
	r.sc = &Scenario{Name: sp.Name, Executor: c.Executor, Exec: c.Exec, Env: c.Env, Tags: c.Tags, progress: r.fraction}
	sh := e.share
	switch c.Executor {
	case SharedIterations:
		r.vus, r.iterations = sh.Count(*c.VUs), sh.Count(*c.Iterations)
		r.maxVUs = r.vus
	case PerVUIterations:
		r.vus, r.iterations = sh.Count(*c.VUs), *c.Iterations
		r.maxVUs = r.vus
	case ConstantVUs:
		r.vus = sh.Count(*c.VUs)
		r.maxVUs = r.vus
	case RampingVUs:
		r.steps = scaleSteps(rampingVUSteps(*c.StartVUs, c.Stages), sh)
		r.maxVUs = sh.Count(sp.MaxVUs)
	case ConstantArrivalRate, RampingArrivalRate:
		r.rate = sp.rateSchedule()
	}
	if r.rate != nil {
		r.starts = sh.Count(r.rate.Count())
		r.preAlloc, r.maxVUs = sh.Count(*c.PreAllocatedVUs), sh.Count(*c.MaxVUs)
	} else {
		r.preAlloc = r.maxVUs
	}
	if e.cfg.Aggregator != nil {
		r.tags = e.cfg.Aggregator.Registry().Tags(metrics.Tag{Key: "scenario", Value: sp.Name})
	}
	return r
}

// run waits for the scenario's start time, runs its executor and returns
// when every iteration has ended.
func (r *scenarioRun) run(ctx context.Context, testStart time.Time) {
	defer func() {
		r.mu.Lock()
		r.finishAt = time.Now()
		r.mu.Unlock()
		r.done.Store(true)
	}()
	if !sleepUntil(ctx, r.e.stopCh, testStart.Add(time.Duration(*r.cfg.StartTime))) {
		return
	}
	start := time.Now()
	r.mu.Lock()
	r.startedAt = start
	r.sc.StartTime = start
	r.mu.Unlock()
	r.begun.Store(true)

	x := &execution{
		r:     r,
		start: start,
		end:   start.Add(r.plan.Duration),
		endCh: make(chan struct{}),
	}
	x.ctx, x.cancel = context.WithCancel(ctx)
	defer x.cancel()
	allDone := make(chan struct{})
	cutterDone := make(chan struct{})
	go func() {
		defer close(cutterDone)
		x.cutter(ctx, allDone)
	}()
	switch r.cfg.Executor {
	case SharedIterations, PerVUIterations, ConstantVUs:
		x.runLooping()
	case RampingVUs:
		x.runRamping()
	case ConstantArrivalRate, RampingArrivalRate:
		x.runArrivals()
	}
	close(allDone)
	<-cutterDone
}

// execution is the state of a started scenario shared by its goroutines.
type execution struct {
	r          *scenarioRun
	start, end time.Time
	// ctx is the iterations' context: cancelled when the graceful stop
	// expires or on a hard stop.
	ctx    context.Context
	cancel context.CancelFunc
	// endCh is closed when no new iteration may start: the scenario's
	// duration is over, Stop was called, or the work is done.
	endCh   chan struct{}
	endOnce sync.Once
}

func (x *execution) closeEnd() {
	x.endOnce.Do(func() {
		r := x.r
		r.mu.Lock()
		r.endedAt = time.Now()
		r.mu.Unlock()
		close(x.endCh)
	})
}

// cutter closes endCh at the end of the scenario's duration (or on Stop),
// then cancels the iterations' context once the graceful stop has passed.
func (x *execution) cutter(ctx context.Context, allDone <-chan struct{}) {
	t := time.NewTimer(time.Until(x.end))
	defer t.Stop()
	select {
	case <-t.C:
	case <-x.r.e.stopCh:
	case <-ctx.Done():
	case <-allDone:
		x.closeEnd()
		return
	}
	x.closeEnd()
	g := time.NewTimer(time.Duration(*x.r.cfg.GracefulStop))
	defer g.Stop()
	select {
	case <-g.C:
		x.cancel()
	case <-allDone:
	}
}

// ended reports whether no new iteration may start now. The duration's end
// is checked against the clock, so an iteration that would start exactly at
// the end does not.
func (x *execution) ended() bool { return x.endedAt(time.Now()) }

// endedAt is ended with the clock read by the caller (who uses the same
// reading as the next iteration's start).
func (x *execution) endedAt(now time.Time) bool {
	select {
	case <-x.endCh:
		return true
	case <-x.r.e.stopCh: // Stop takes effect at once, before the cutter sees it
		return true
	default:
	}
	return x.ctx.Err() != nil || !now.Before(x.end)
}

// svu is a VU as one scenario uses it, with its per-scenario iteration count.
type svu struct {
	pv    *poolVU
	iters int64
	it    Iteration
	work  chan arrivalJob // arrival-rate executors only
	// retired is set (before work is closed) when an arrival-rate
	// scenario retires the VU instead of handing it back to the pool.
	retired bool
	// idleSince is the schedule second (runArrivals' epoch) at which the
	// VU last became idle; guarded by idleVUs.mu.
	idleSince int64
}

// idleVUs is an arrival-rate scenario's free VUs as a stack: a start takes
// the VU freed last, so the VUs at the bottom are the ones the load has not
// needed for longest, and those are the ones retired.
type idleVUs struct {
	mu    sync.Mutex
	vus   []*svu        // bottom (idle longest) first
	freed chan struct{} // a send (dropped when full) on every push
}

func (s *idleVUs) push(v *svu, epoch int64) {
	s.mu.Lock()
	v.idleSince = epoch
	s.vus = append(s.vus, v)
	s.mu.Unlock()
	select {
	case s.freed <- struct{}{}:
	default:
	}
}

// pop returns the VU freed last, or nil when none is free.
func (s *idleVUs) pop() *svu {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.vus)
	if n == 0 {
		return nil
	}
	v := s.vus[n-1]
	s.vus[n-1] = nil
	s.vus = s.vus[:n-1]
	return v
}

// takeIdle removes and returns up to max VUs idle since epoch before or
// earlier, longest idle first.
func (s *idleVUs) takeIdle(before int64, max int) []*svu {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.vus) && n < max && s.vus[n].idleSince <= before {
		n++
	}
	if n == 0 {
		return nil
	}
	out := slices.Clone(s.vus[:n])
	s.vus = slices.Delete(s.vus, 0, n)
	return out
}

// iterate runs one iteration of v with ctx and counts it as completed or
// interrupted (ctx cancelled before it returned).
func (x *execution) iterate(ctx context.Context, v *svu, inScenario int64, intended, now time.Time) {
	r := x.r
	v.it = Iteration{
		Scenario:      r.sc,
		VUID:          v.pv.id,
		VUIDInTest:    v.pv.id,
		InScenarioVU:  v.iters,
		InScenario:    inScenario,
		IntendedStart: intended,
		Start:         now,
	}
	v.iters++
	r.started.Add(1)
	_ = v.pv.vu.RunIteration(ctx, &v.it) // failures are the VU's to count and log
	if ctx.Err() != nil {
		r.interrupted.Add(1)
	} else {
		r.completed.Add(1)
	}
}

func (x *execution) activate(d int64) {
	x.r.active.Add(d)
	x.r.e.active.Add(d)
}

// runLooping runs shared-iterations, per-vu-iterations and constant-vus:
// each VU loops until its work or the scenario's time is over.
func (x *execution) runLooping() {
	r := x.r
	vus := r.e.pool.take(r.vus)
	defer r.e.pool.put(vus...)
	var next atomic.Int64 // shared-iterations: the next local iteration
	var wg sync.WaitGroup
	for k, pv := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stackgrow.To8KiB() // the 8 KiB an iteration needs, at once
			x.activate(1)
			defer x.activate(-1)
			v := &svu{pv: pv}
			globalVU := r.e.share.Global(int64(k))
			for i := int64(0); ; i++ {
				now := time.Now()
				if x.endedAt(now) {
					return
				}
				var inScenario int64
				switch r.cfg.Executor {
				case SharedIterations:
					n := next.Add(1) - 1
					if n >= r.iterations {
						return
					}
					inScenario = r.e.share.Global(n)
				case PerVUIterations:
					if i >= r.iterations {
						return
					}
					inScenario = globalVU*r.iterations + i
				default:
					inScenario = r.inScenario.Add(1) - 1
				}
				x.iterate(x.ctx, v, inScenario, time.Time{}, now)
			}
		}()
	}
	wg.Wait()
}

// rampSlot is the i-th VU of a ramping-vus scenario.
type rampSlot struct {
	mu      sync.Mutex
	wanted  bool
	gen     uint64             // bumped each time wanted turns false
	cancel  context.CancelFunc // of the running iteration, nil when idle
	timer   *time.Timer        // pending ramp-down cut
	wake    chan struct{}
	rampDwn time.Duration
}

// setWanted turns the slot on or off. Turning off a slot that runs an
// iteration lets it finish within gracefulRampDown, then cuts it.
func (s *rampSlot) setWanted(w bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wanted == w {
		return
	}
	s.wanted = w
	if !w {
		s.gen++
		if s.cancel != nil {
			if s.rampDwn <= 0 {
				s.cancel()
			} else {
				gen := s.gen
				if s.timer != nil {
					s.timer.Stop()
				}
				s.timer = time.AfterFunc(s.rampDwn, func() {
					s.mu.Lock()
					defer s.mu.Unlock()
					if !s.wanted && s.gen == gen && s.cancel != nil {
						s.cancel()
					}
				})
			}
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// runRamping runs ramping-vus: a controller applies the VU-count steps at
// their offsets; each slot loops while it is wanted.
func (x *execution) runRamping() {
	r := x.r
	vus := r.e.pool.take(r.maxVUs)
	defer r.e.pool.put(vus...)
	slots := make([]*rampSlot, len(vus))
	for i := range slots {
		slots[i] = &rampSlot{wake: make(chan struct{}, 1), rampDwn: time.Duration(*r.cfg.GracefulRampDown)}
	}
	var wg sync.WaitGroup
	for i, pv := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stackgrow.To8KiB() // the 8 KiB an iteration needs, at once
			x.runSlot(slots[i], &svu{pv: pv})
		}()
	}
	for _, st := range r.steps {
		if st.At >= r.plan.Duration || !sleepUntil(x.ctx, x.endCh, x.start.Add(st.At)) {
			break
		}
		for i, s := range slots {
			s.setWanted(int64(i) < st.VUs)
		}
	}
	// Stay until the end of the last stage, even when it targets 0 VUs.
	select {
	case <-x.endCh:
	case <-x.ctx.Done():
	}
	wg.Wait()
	for _, s := range slots {
		s.mu.Lock()
		if s.timer != nil {
			s.timer.Stop()
		}
		s.mu.Unlock()
	}
}

func (x *execution) runSlot(s *rampSlot, v *svu) {
	for {
		s.mu.Lock()
		w := s.wanted
		s.mu.Unlock()
		if !w {
			select {
			case <-s.wake:
				continue
			case <-x.endCh:
				return
			case <-x.ctx.Done():
				return
			}
		}
		x.activate(1)
		for {
			s.mu.Lock()
			if !s.wanted || x.ended() {
				s.mu.Unlock()
				break
			}
			ictx, cancel := context.WithCancel(x.ctx)
			s.cancel = cancel
			s.mu.Unlock()
			x.iterate(ictx, v, x.r.inScenario.Add(1)-1, time.Time{}, time.Now())
			s.mu.Lock()
			s.cancel = nil
			s.mu.Unlock()
			cancel()
		}
		x.activate(-1)
		if x.ended() {
			return
		}
	}
}

// runArrivals runs the arrival-rate executors: the k-th start of this
// segment is the unsegmented schedule's start number share.Global(k), at its
// absolute offset from the scenario's start. A start that finds no free VU is
// dropped (or, with lateStarts "queue", waits for the next free VU).
func (x *execution) runArrivals() {
	r := x.r
	e := r.e
	queue := r.cfg.LateStarts == LateStartsQueue
	// idle holds the free VUs, last freed on top; each VU has its own
	// goroutine (one goroutine per VU, as the scripting runtime wants) fed
	// through its work channel.
	idle := &idleVUs{freed: make(chan struct{}, 1)}
	var (
		mu       sync.Mutex // guards all, growing, growErr
		all      []*svu
		growing  bool
		growErr  bool
		growWG   sync.WaitGroup
		workerWG sync.WaitGroup
		rec      *metrics.Recorder
		epoch    atomic.Int64 // seconds of schedule time since the start
	)
	if e.cfg.Aggregator != nil {
		rec = e.cfg.Aggregator.NewRecorder()
	}
	addVU := func(pv *poolVU) { // with mu held
		v := &svu{pv: pv, work: make(chan arrivalJob, 1)}
		all = append(all, v)
		workerWG.Add(1)
		go func() {
			defer workerWG.Done()
			stackgrow.To8KiB() // the 8 KiB an iteration needs, at once
			for j := range v.work {
				x.iterate(x.ctx, v, j.inScenario, j.intended, j.start)
				x.activate(-1)
				idle.push(v, epoch.Load())
			}
			if v.retired {
				e.pool.retire(v.pv)
			}
		}()
		idle.push(v, epoch.Load())
	}
	mu.Lock()
	for _, pv := range e.pool.take(r.preAlloc) {
		addVU(pv)
	}
	mu.Unlock()
	grow := func() {
		mu.Lock()
		defer mu.Unlock()
		if growing || growErr || int64(len(all)) >= r.maxVUs {
			return
		}
		growing = true
		growWG.Add(1)
		go func() {
			defer growWG.Done()
			pv, err := e.pool.create(x.ctx)
			mu.Lock()
			defer mu.Unlock()
			growing = false
			if err != nil {
				if x.ctx.Err() == nil {
					growErr = true
					e.logf("engine: scenario %q: cannot initialise another VU: %v", r.plan.Name, err)
				}
				return
			}
			addVU(pv)
		}()
	}
	// retire retires the VUs idle since epoch before or earlier, longest
	// idle first, keeping at least preAllocatedVUs.
	retire := func(before int64) {
		mu.Lock()
		defer mu.Unlock()
		gone := idle.takeIdle(before, len(all)-int(r.preAlloc))
		for _, v := range gone {
			v.retired = true
			close(v.work)
		}
		if len(gone) > 0 {
			all = slices.DeleteFunc(all, func(w *svu) bool { return w.retired })
		}
	}
	nextEpoch := x.start.Add(time.Second)
	drop := func() {
		r.dropped.Add(1)
		if rec != nil {
			rec.Add(e.builtin.DroppedIterations, r.tags, 1)
		}
	}
	due := func(k int64) time.Time { return x.start.Add(r.rate.At(e.share.Global(k))) }
	var fine *fineTimer // sub-millisecond waits (see waitUntil)
	if fineClock() {
		if fine = newFineTimer(); fine != nil {
			defer fine.Close()
		}
	}
	// dropDue counts starts k, k+1, ... that came due inside the window but
	// were never handled (the window closed, or Stop came, while the
	// scheduler was behind or a queued start waited), so that started +
	// dropped equals the starts scheduled. late says the scheduler had not
	// reached them (its timer, or Stop, came first), rather than a queued
	// start waiting for a VU: such drops are not blamed on the VUs.
	dropDue := func(k int64, late bool) {
		now := time.Now()
		for ; k < r.starts && due(k).Before(now) && due(k).Before(x.end); k++ {
			drop()
			if late {
				r.droppedLate.Add(1)
			}
		}
	}
loop:
	for k := int64(0); k < r.starts; k++ {
		intended := due(k)
		// A start still to come waits on the fine timer if the process's
		// budget allows (fineBudget); one already due needs no wait.
		ft := fine
		if ft != nil {
			if now := time.Now(); !now.Before(intended) || !e.fine.take(now) {
				ft = nil
			}
		}
		// Idle VUs are retired each second of the schedule, also while no
		// start comes due (a ramp down to 0, starts far apart).
		for !intended.Before(nextEpoch) {
			if !waitUntil(x.ctx, x.endCh, nextEpoch, fine) {
				if x.lateAtEnd(intended) {
					break
				}
				if x.ctx.Err() == nil {
					dropDue(k, true)
				}
				break loop
			}
			nextEpoch = nextEpoch.Add(time.Second)
			retire(epoch.Add(1) - int64(vuRetireIdle/time.Second))
		}
		if !waitUntil(x.ctx, x.endCh, intended, ft) && !x.lateAtEnd(intended) {
			if x.ctx.Err() == nil {
				dropDue(k, true)
			}
			break
		}
		v := idle.pop()
		if v == nil {
			grow()
			if !queue {
				drop()
				continue
			}
			r.queued.Add(1)
			for v == nil {
				select {
				case <-idle.freed:
					v = idle.pop()
				case <-x.endCh:
					r.queued.Add(-1)
					dropDue(k, false) // this start and the ones due since
					break loop
				case <-x.ctx.Done():
					r.queued.Add(-1)
					break loop
				}
			}
			r.queued.Add(-1)
		}
		now := time.Now()
		if rec != nil {
			rec.AddDuration(e.builtin.ScheduleLag, r.tags, now.Sub(intended))
		}
		x.activate(1)
		v.work <- arrivalJob{inScenario: e.share.Global(k), intended: intended, start: now}
	}
	// The scenario lasts its whole duration, even after its last start.
	select {
	case <-x.endCh:
	case <-x.ctx.Done():
	}
	growWG.Wait()
	mu.Lock()
	for _, v := range all {
		close(v.work)
	}
	mu.Unlock()
	workerWG.Wait()
	// Starts the scheduler had not reached when the window closed or the
	// test stopped are in dropped_iterations but are not the VUs' fault.
	if n := r.dropped.Load() - r.droppedLate.Load(); n > 0 && queue {
		e.logf("engine: scenario %q: insufficient VUs (preAllocatedVUs %d, maxVUs %d): %d queued starts were still waiting for a VU when the scenario ended and were dropped; raise preAllocatedVUs/maxVUs",
			r.plan.Name, r.preAlloc, r.maxVUs, n)
	} else if n > 0 {
		e.logf("engine: scenario %q: insufficient VUs (preAllocatedVUs %d, maxVUs %d): %d iterations dropped; raise preAllocatedVUs/maxVUs",
			r.plan.Name, r.preAlloc, r.maxVUs, n)
	}
	back := make([]*poolVU, len(all))
	for i, v := range all {
		back[i] = v.pv
	}
	e.pool.put(back...)
}

// vuRetireIdle is how long a VU an arrival-rate scenario added above its
// preAllocatedVUs may stay idle before it is retired (closed, vus_max
// lowered, its id reused by the next VU created). Starts take the VU freed
// last, so only VUs the load stopped needing stay idle that long: the pool
// keeps what the recurring peaks need (including the bursts after the load
// generator's own stalls) and lets go of what one stall needed once. k6
// keeps every VU it adds, so its pool holds the most any moment of the run
// ever needed.
const vuRetireIdle = 30 * time.Second

// arrivalJob is one arrival-rate start handed to a VU's goroutine.
type arrivalJob struct {
	inScenario      int64
	intended, start time.Time
}

// endGrace is how late a start due before the end of the window may still
// be made once the window has closed: the runtime timer that the scheduler
// waited on can wake it up to about 1 ms late (fineBudget), and a start
// due 0.3 ms before the end must not be dropped (and blamed on the VUs) for
// that.
const endGrace = 2 * time.Millisecond

// lateAtEnd reports whether a wait for a start due at intended, cut short
// because the window closed, should still make the start: the window
// closed on its own (not on Stop or a cancelled run), the start was due
// inside it, and it is at most endGrace late.
func (x *execution) lateAtEnd(intended time.Time) bool {
	select {
	case <-x.r.e.stopCh:
		return false
	default:
	}
	return x.ctx.Err() == nil && intended.Before(x.end) && time.Since(intended) <= endGrace
}

// sleepUntil waits until t; it returns false when stop closes or ctx is done
// first.
func sleepUntil(ctx context.Context, stop <-chan struct{}, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
		}
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// fraction is the scenario's progress in [0, 1].
func (r *scenarioRun) fraction() float64 {
	if r.done.Load() {
		return 1
	}
	if !r.begun.Load() {
		return 0
	}
	switch r.cfg.Executor {
	case SharedIterations:
		if r.iterations > 0 {
			return min(1, float64(r.completed.Load()+r.interrupted.Load())/float64(r.iterations))
		}
	case PerVUIterations:
		if n := r.iterations * r.vus; n > 0 {
			return min(1, float64(r.completed.Load()+r.interrupted.Load())/float64(n))
		}
	}
	r.mu.Lock()
	el := time.Since(r.startedAt)
	r.mu.Unlock()
	return min(1, max(0, float64(el)/float64(r.plan.Duration)))
}

func (r *scenarioRun) progress() Progress {
	p := Progress{
		Name:        r.plan.Name,
		Executor:    r.cfg.Executor,
		Total:       r.plan.Duration,
		ActiveVUs:   r.active.Load(),
		MaxVUs:      r.maxVUs,
		Iterations:  r.completed.Load(),
		Interrupted: r.interrupted.Load(),
		Dropped:     r.dropped.Load(),
		DroppedLate: r.droppedLate.Load(),
		Queued:      r.cfg.LateStarts == LateStartsQueue,
		Started:     r.started.Load(),
		Done:        r.done.Load(),
		Fraction:    r.fraction(),
	}
	r.mu.Lock()
	startedAt, endedAt, finishAt := r.startedAt, r.endedAt, r.finishAt
	r.mu.Unlock()
	if !startedAt.IsZero() {
		p.Elapsed = time.Since(startedAt)
		if p.Done {
			p.Elapsed = finishAt.Sub(startedAt)
		}
	}
	if r.rate != nil {
		p.Scheduled = p.Started + p.Dropped + r.queued.Load()
		window := p.Elapsed
		if !endedAt.IsZero() {
			window = endedAt.Sub(startedAt)
		}
		if w := min(window, r.plan.Duration); w > 0 {
			p.OfferedRate = float64(p.Scheduled) / w.Seconds()
		}
	}
	return p
}
