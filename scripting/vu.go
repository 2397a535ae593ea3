package scripting

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// vu is one goja runtime with its modules and state. It implements
// engine.VU for iterations and modules.State for the JS modules. All of it
// belongs to one goroutine at a time.
type vu struct {
	r    *Runner
	mv   modules.VU
	rt   *goja.Runtime
	loop *eventLoop // nil until the first timer or asynchronous operation (eventLoop)

	tagCache *metrics.TagCache
	tagBuf   []metrics.Tag

	exports *goja.Object // the main module's exports
	fns     []exportedFn // resolved exported functions (a VU runs one or a few)

	// Small name-to-value lists, searched linearly (a Go map of one entry
	// costs ~300 B per VU): modules are the local module objects by
	// absolute path, builtins the built-in module objects and namespaces
	// their import namespaces (builtinESM) by canonical name.
	modules    modules.Values
	builtins   modules.Values
	namespaces modules.Values
	requireFns modules.Values // require (and module hub) by directory, see requireFunc

	metricProto *goja.Object                     // prototype of load/metrics objects
	metricObjs  map[*goja.Object]*metrics.Metric // metric objects of this VU
	metricAdd   goja.Value                       // add() of the metric prototypes, made once

	iter    int64             // __ITER of the next iteration
	curIter int64             // __ITER of the running (or last) iteration
	curEnv  *goja.Object      // __ENV: the running (or last) scenario's
	args    [1]goja.Value     // the argument of an iteration's call
	it      *engine.Iteration // the running iteration, nil outside
	group   string            // current group path
	vuTags  map[string]string // tags written through exec.vu.tags, nil before the first
	// vuTagsVer counts writes to vuTags; base is baseTags' list for
	// baseKey (valid when baseValid), iterTags its interned set (nil
	// until first use).
	vuTagsVer uint64
	base      []metrics.Tag
	baseKey   baseKey
	baseValid bool
	iterTags  *metrics.TagSet
	metadata  *goja.Object // exec.vu.metrics.metadata
	expected  *httpc.Expected

	setupValue   goja.Value // this VU's copy of setup data
	setupParsed  bool
	env          *goja.Object            // __ENV
	scenarioEnvs map[string]*goja.Object // __ENV with a scenario's env over it
	testOptions  goja.Value              // exec.test.options, parsed lazily

	unhandled []*goja.Promise // rejected promises nobody handled (yet)

	// Interrupt registration (watch): the context whose cancellation
	// interrupts the runtime, the function that drops it, and whether its
	// hook has run (set by the hook's goroutine).
	watched   context.Context
	stopWatch func() bool
	fired     atomic.Bool
	initProgs []initModule // the modules whose top level runs, innermost last
}

var (
	_ engine.VUCloser = (*vu)(nil)
	_ modules.State   = (*vu)(nil)
)

// newVU builds a runtime for VU id and runs the init context. ctx bounds
// the init code (open, sleep are not allowed there; require and metrics are).
func (r *Runner) newVU(ctx context.Context, id uint64, opts *engine.Options) (*vu, error) {
	rt := goja.New()
	rt.SetFieldNameMapper(goja.TagFieldNameMapper("js", true))
	v := &vu{
		r:        r,
		rt:       rt,
		expected: httpc.DefaultExpected,
	}
	v.mv = modules.VU{
		Runtime:  rt,
		Registry: r.cfg.Registry,
		Builtin:  r.cfg.Builtin,
		Options:  opts,
		ID:       id,
		InInit:   true,
		State:    v,
	}
	if r.cfg.Registry != nil {
		v.tagCache = r.cfg.Registry.NewTagCache()
	}
	if opts != nil && r.cfg.Aggregator != nil {
		v.mv.Recorder = r.recorderFor(id)
		if r.cfg.Registry != nil && r.cfg.Builtin != nil {
			v.mv.HTTP = httpc.NewClientTags(r.httpConfig(), r.cfg.Registry, r.cfg.Builtin, v.mv.Recorder, v.tagCache)
			// http.batch runs requests in parallel, each worker with a recorder of its own.
			v.mv.HTTP.SetRecorderFactory(r.cfg.Aggregator.NewRecorder)
		}
	}
	rt.SetPromiseRejectionTracker(v.trackRejection)
	if err := v.installGlobals(); err != nil {
		return nil, err
	}
	exports, err := v.runInit(ctx)
	v.mv.InInit = false
	if err != nil {
		return nil, err
	}
	v.exports = exports
	return v, nil
}

// runInit runs the main module (the init context) and returns its exports.
func (v *vu) runInit(ctx context.Context) (*goja.Object, error) {
	v.mv.Ctx = nil
	v.watch(ctx)
	exp, err := v.runModule(v.r.main)
	v.unwatch()
	v.rt.ClearInterrupt()
	if err == nil {
		err = v.loop.run(ctx)
	}
	v.loop.reset()
	if err != nil {
		return nil, toError(newException(err), "")
	}
	o, _ := exp.(*goja.Object)
	if o == nil {
		o = v.rt.NewObject()
	}
	return o, nil
}

// watch arranges for the runtime to be interrupted when ctx is done and
// clears an interrupt left by an earlier call, so the call about to start
// runs clean unless ctx is already done. The registration on ctx is kept
// from one call to the next while they share ctx (the engine runs all
// iterations of a scenario with one context), so a steady-state iteration
// registers and allocates nothing; a call with another context first drops
// the old registration (unwatch).
func (v *vu) watch(ctx context.Context) {
	if ctx != v.watched {
		v.unwatch()
		if ctx != nil && ctx.Done() != nil {
			v.watched = ctx
			// The hook also aborts the VU's HTTP request in flight, so the
			// client registers nothing of its own on ctx (WatchedBy).
			hc := v.mv.HTTP
			v.stopWatch = context.AfterFunc(ctx, func() {
				v.rt.Interrupt(ctx.Err())
				if hc != nil {
					hc.Abort()
				}
				v.fired.Store(true)
			})
			if hc != nil {
				hc.WatchedBy(ctx)
			}
		}
	}
	v.rt.ClearInterrupt()
	if ctx != nil && ctx.Err() != nil {
		// Done before the call: the hook may have fired before the clear.
		v.rt.Interrupt(ctx.Err())
	}
}

// settle is called when a call returns with its registration kept: if the
// watched context is done, it waits until the hook's interrupt has landed
// and clears it, so the runtime is usable (JSON.parse of setup data, the
// next call) without a stale interrupt.
func (v *vu) settle() {
	if v.watched == nil || v.watched.Err() == nil {
		return
	}
	for !v.fired.Load() {
		runtime.Gosched()
	}
	v.rt.ClearInterrupt()
}

// unwatch drops the registration on the watched context; if its hook
// already started, it waits for the hook to finish, then clears the
// interrupt, so a later call starts clean.
func (v *vu) unwatch() {
	if v.stopWatch == nil {
		return
	}
	if !v.stopWatch() {
		for !v.fired.Load() {
			runtime.Gosched()
		}
		v.fired.Store(false)
		v.rt.ClearInterrupt()
	}
	if v.mv.HTTP != nil {
		v.mv.HTTP.WatchedBy(nil)
	}
	v.watched, v.stopWatch = nil, nil
}

// function returns the exported function name ("default" for the default
// export), or nil when the script does not export one.
func (v *vu) function(name string) goja.Callable {
	if name == "" {
		name = "default"
	}
	for i := range v.fns {
		if v.fns[i].name == name {
			return v.fns[i].fn
		}
	}
	fn, _ := goja.AssertFunction(v.exports.Get(name))
	v.fns = append(v.fns, exportedFn{name, fn})
	return fn
}

// exportedFn is a resolved exported function (nil when not exported).
type exportedFn struct {
	name string
	fn   goja.Callable
}

// call calls fn(args...) and runs the event loop until the loop is idle and
// a returned promise has settled. Exceptions come back as *exception,
// test.abort() as *abortError, cancellation as ctx.Err(). The interrupt
// registration on ctx is dropped when call returns (setup, teardown and
// handleSummary run with contexts their caller cancels right after).
func (v *vu) call(ctx context.Context, fn goja.Callable, args ...goja.Value) (goja.Value, error) {
	v.watch(ctx)
	defer v.unwatch()
	return v.run(ctx, fn, args)
}

// run is call without the registration handling: the caller has called
// watch(ctx) and settles or unwatches afterwards.
func (v *vu) run(ctx context.Context, fn goja.Callable, args []goja.Value) (goja.Value, error) {
	v.unhandled = v.unhandled[:0]
	res, err := fn(goja.Undefined(), args...)
	if err == nil {
		err = v.loop.run(ctx)
	}
	if err == nil && ctx != nil && ctx.Err() != nil {
		// Cut short: sleep() and other waits return early when ctx ends,
		// and the function can return before the hook's interrupt lands.
		err = ctx.Err()
	}
	if err == nil {
		var returned *goja.Promise
		if p, ok := res.Export().(*goja.Promise); ok {
			returned = p
			switch p.State() {
			case goja.PromiseStateRejected:
				err = rejectionException(p.Result(), "")
			case goja.PromiseStateFulfilled:
				res = p.Result()
			default:
				res = goja.Undefined()
			}
		}
		// A rejection no one handled fails the call, as in k6.
		for _, p := range v.unhandled {
			if err == nil && p != returned {
				err = rejectionException(p.Result(), "Uncaught (in promise) ")
			}
		}
		v.unhandled = v.unhandled[:0]
	}
	if err != nil {
		v.loop.reset()
		if ctx != nil && ctx.Err() != nil {
			var ie *goja.InterruptedError
			if errors.As(err, &ie) || errors.Is(err, ctx.Err()) {
				return nil, ctx.Err()
			}
		}
		return nil, newException(err)
	}
	return res, nil
}

// trackRejection keeps the rejected promises without a handler.
func (v *vu) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		v.unhandled = append(v.unhandled, p)
	case goja.PromiseRejectionHandle:
		for i, q := range v.unhandled {
			if q == p {
				v.unhandled = append(v.unhandled[:i], v.unhandled[i+1:]...)
				break
			}
		}
	}
}

// Close implements engine.VUCloser: it drops the VU's registration on the
// iteration context (the scenario's, which outlives the VU: the
// registration would keep the whole VU reachable) and closes its HTTP
// connections. The engine calls it when it retires the VU, never during an
// iteration.
func (v *vu) Close() {
	v.unwatch()
	if v.mv.HTTP != nil {
		v.mv.HTTP.Close()
	}
}

// RunIteration implements engine.VU. An interrupted iteration (ctx done)
// returns nil and records neither iterations nor iteration_duration; an
// exception is logged once per distinct message and returned; test.abort()
// returns an *Error with ExitAborted after calling the abort handler.
func (v *vu) RunIteration(ctx context.Context, it *engine.Iteration) error {
	r := v.r
	v.it = it
	v.mv.Ctx = ctx
	v.group = ""
	r.vusActive.Add(1)
	defer func() {
		r.vusActive.Add(-1)
		v.it = nil
		v.mv.Ctx = nil
	}()
	if v.mv.HTTP != nil {
		v.mv.HTTP.StartIteration()
	}
	r.markStart()
	// Interrupt on ctx (kept registered across iterations) and clear what
	// an earlier call left, before any JavaScript runs (setupData).
	v.watch(ctx)
	defer v.settle()
	v.curIter = v.iter // __ITER, served by lazyGlobals
	v.iter++
	v.curEnv = v.envFor(it.Scenario) // __ENV, served by lazyGlobals

	exec := "default"
	if it.Scenario != nil && it.Scenario.Exec != "" {
		exec = it.Scenario.Exec
	}
	fn := v.function(exec)
	if fn == nil {
		err := fmt.Errorf("scripting: function %q is not exported by the script", exec)
		r.logException(err.Error(), "")
		return err
	}
	data, err := v.setupData()
	if err != nil {
		return err
	}

	start := time.Now()
	v.args[0] = data
	_, err = v.run(ctx, fn, v.args[:])
	v.args[0] = nil
	end := time.Now()

	aborted, ae := asAbort(err)
	if !aborted && ctx.Err() != nil {
		r.iterationsInterrupted.Add(1)
		return nil
	}
	// An iteration that ends in test.abort() or an exception still counts in
	// `iterations`, as in k6.
	if v.mv.Recorder != nil {
		tags := v.iterationTags()
		rec, bi := v.mv.Recorder, r.cfg.Builtin
		rec.Add(bi.Iterations, tags, 1)
		rec.AddDuration(bi.IterationDuration, tags, end.Sub(start))
		if !it.IntendedStart.IsZero() {
			rec.AddDuration(bi.IterationLatency, tags, end.Sub(it.IntendedStart))
		}
	}
	if aborted {
		r.iterationsInterrupted.Add(1)
		return r.abort(ae)
	}
	if err != nil {
		r.iterationsInterrupted.Add(1)
		r.exceptions.Add(1)
		var ex *exception
		if errors.As(err, &ex) {
			r.logException(ex.msg, ex.stack)
		} else {
			r.logException(err.Error(), "")
		}
		return err
	}
	r.iterationsCompleted.Add(1)
	return nil
}

// asAbort returns err's *abortError; the target is declared only when
// there is an error, as errors.As moves it to the heap.
func asAbort(err error) (bool, *abortError) {
	if err == nil {
		return false, nil
	}
	var ae *abortError
	ok := errors.As(err, &ae)
	return ok, ae
}

// setupData returns this VU's copy of setup's data, parsed once.
func (v *vu) setupData() (goja.Value, error) {
	if v.setupParsed {
		return v.setupValue, nil
	}
	raw := v.r.setupJSON()
	v.setupValue = goja.Undefined()
	if raw != nil {
		val, err := v.parseJSON(string(raw))
		if err != nil {
			return nil, fmt.Errorf("scripting: setup data: %w", err)
		}
		v.setupValue = val
	}
	v.setupParsed = true
	return v.setupValue, nil
}

func (v *vu) parseJSON(s string) (goja.Value, error) {
	parse, _ := goja.AssertFunction(v.rt.Get("JSON").ToObject(v.rt).Get("parse"))
	return parse(goja.Undefined(), v.rt.ToValue(s))
}

// envFor returns __ENV for a scenario: the run's env, with the scenario's
// env over it (built once per scenario and VU).
func (v *vu) envFor(sc *engine.Scenario) *goja.Object {
	if sc == nil || len(sc.Env) == 0 {
		return v.env
	}
	if o, ok := v.scenarioEnvs[sc.Name]; ok {
		return o
	}
	o := newEnvObject(v.rt, v.r.scenarioEnvKeys(sc), v.r.cfg.Env, sc.Env)
	if v.scenarioEnvs == nil {
		v.scenarioEnvs = map[string]*goja.Object{}
	}
	v.scenarioEnvs[sc.Name] = o
	return o
}

// baseKey identifies what baseTags depends on: the run's options, the
// running scenario and the version of exec.vu.tags.
type baseKey struct {
	opts *engine.Options
	sc   *engine.Scenario
	ver  uint64
}

// baseTags appends options.tags, the scenario's tags, exec.vu.tags and
// scenario to dst: one pair per key (a later source wins on a duplicate
// key), sorted by key, so the list is the same on every call. The list is
// built once per (options, scenario, exec.vu.tags version) and kept.
func (v *vu) baseTags(dst []metrics.Tag) []metrics.Tag {
	var sc *engine.Scenario
	if v.it != nil {
		sc = v.it.Scenario
	}
	key := baseKey{opts: v.mv.Options, sc: sc, ver: v.vuTagsVer}
	if !v.baseValid || key != v.baseKey {
		v.base = v.buildBaseTags(v.base[:0], sc)
		v.baseKey, v.baseValid, v.iterTags = key, true, nil
	}
	return append(dst, v.base...)
}

// buildBaseTags is baseTags without the cache.
func (v *vu) buildBaseTags(dst []metrics.Tag, sc *engine.Scenario) []metrics.Tag {
	put := func(k, val string) {
		for i := range dst {
			if dst[i].Key == k {
				dst[i].Value = val
				return
			}
		}
		dst = append(dst, metrics.Tag{Key: k, Value: val})
	}
	if o := v.mv.Options; o != nil {
		for k, val := range o.Tags {
			put(k, val)
		}
	}
	if sc != nil {
		for k, val := range sc.Tags {
			put(k, val)
		}
	}
	for k, val := range v.vuTags {
		put(k, val)
	}
	if sc != nil {
		put("scenario", sc.Name)
	}
	slices.SortFunc(dst, func(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) })
	return dst
}

// Tags implements modules.State.
func (v *vu) Tags(dst []metrics.Tag) []metrics.Tag {
	dst = v.baseTags(dst)
	return append(dst, metrics.Tag{Key: "group", Value: v.group})
}

// Group implements modules.State.
func (v *vu) Group() string { return v.group }

// Throw implements modules.State.
func (v *vu) Throw() bool {
	o := v.mv.Options
	return o != nil && o.Throw != nil && *o.Throw
}

// Expected implements modules.State.
func (v *vu) Expected() *httpc.Expected { return v.expected }

// SetExpected implements modules.State.
func (v *vu) SetExpected(e *httpc.Expected) { v.expected = e }

// RunOnLoop implements modules.State.
func (v *vu) RunOnLoop() func(fn func() error) { return v.eventLoop().register() }

// eventLoop returns the VU's event loop, made on first use: most scripts
// never need one (~0.2 KiB per VU).
func (v *vu) eventLoop() *eventLoop {
	if v.loop == nil {
		v.loop = newEventLoop()
	}
	return v.loop
}

// intern interns pairs through the VU's tag cache.
func (v *vu) intern(pairs []metrics.Tag) *metrics.TagSet {
	return v.tagCache.Intern(pairs)
}

// iterationTags is the tag set of iterations and iteration_duration,
// interned once per baseTags list.
func (v *vu) iterationTags() *metrics.TagSet {
	v.tagBuf = v.baseTags(v.tagBuf[:0])
	if v.iterTags == nil {
		v.iterTags = v.intern(v.tagBuf)
	}
	return v.iterTags
}

// rethrow continues unwinding the JS stack with err from a nested call.
func (v *vu) rethrow(err error) {
	var ex *goja.Exception
	var ie *goja.InterruptedError
	if errors.As(err, &ie) || errors.As(err, &ex) {
		panic(err)
	}
	panic(v.rt.NewGoError(err))
}

// counters of the Runner's VUs, for load/execution's instance object when
// no engine hook is set.
type counters struct {
	vusInitialized        atomic.Int64
	vusActive             atomic.Int64
	iterationsCompleted   atomic.Int64
	iterationsInterrupted atomic.Int64
	exceptions            atomic.Int64
	startNanos            atomic.Int64
}

func (c *counters) markStart() {
	if c.startNanos.Load() == 0 { // once: not a clock read per iteration
		c.startNanos.CompareAndSwap(0, time.Now().UnixNano())
	}
}
