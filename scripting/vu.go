package scripting

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	loop *eventLoop

	tagCache *metrics.TagCache
	tagBuf   []metrics.Tag

	exports *goja.Object             // the main module's exports
	fns     map[string]goja.Callable // resolved exported functions

	modules  map[string]*goja.Object // local module objects, by absolute path
	builtins map[string]goja.Value   // built-in module objects, by canonical name
	// namespaces are the import namespaces of built-in modules, by
	// canonical name (builtinESM); esmFunc is the __builtinESM every
	// module function receives. Both made on first use.
	namespaces map[string]*goja.Object
	esmFunc    goja.Value

	metricProto *goja.Object                     // prototype of load/metrics objects
	metricObjs  map[*goja.Object]*metrics.Metric // metric objects of this VU

	iter     int64             // __ITER of the next iteration
	it       *engine.Iteration // the running iteration, nil outside
	group    string            // current group path
	vuTags   map[string]string // tags written through exec.vu.tags
	metadata *goja.Object      // exec.vu.metrics.metadata
	expected *httpc.Expected

	setupValue   goja.Value // this VU's copy of setup data
	setupParsed  bool
	env          *goja.Object            // __ENV
	scenarioEnvs map[string]*goja.Object // __ENV with a scenario's env over it
	testOptions  goja.Value              // exec.test.options, parsed lazily

	unhandled []*goja.Promise // rejected promises nobody handled (yet)
	initDirs  []string        // directories of the modules whose top level runs
}

var (
	_ engine.VU     = (*vu)(nil)
	_ modules.State = (*vu)(nil)
)

// newVU builds a runtime for VU id and runs the init context. ctx bounds
// the init code (open, sleep are not allowed there; require and metrics are).
func (r *Runner) newVU(ctx context.Context, id uint64, opts *engine.Options) (*vu, error) {
	rt := goja.New()
	rt.SetFieldNameMapper(goja.TagFieldNameMapper("js", true))
	v := &vu{
		r:        r,
		rt:       rt,
		loop:     newEventLoop(),
		modules:  map[string]*goja.Object{},
		builtins: map[string]goja.Value{},
		fns:      map[string]goja.Callable{},
		vuTags:   map[string]string{},
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
		v.mv.Recorder = r.cfg.Aggregator.NewRecorder()
		if r.cfg.Registry != nil && r.cfg.Builtin != nil {
			v.mv.HTTP = httpc.NewClient(r.httpConfig(), r.cfg.Registry, r.cfg.Builtin, v.mv.Recorder)
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
	stop := v.interruptOn(ctx)
	exp, err := v.runModule(v.r.main)
	stop()
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

// interruptOn interrupts the runtime when ctx is done; the returned stop
// function waits until a racing interrupt has landed and clears it, so the
// next call starts clean.
func (v *vu) interruptOn(ctx context.Context) (stop func()) {
	v.rt.ClearInterrupt()
	if ctx == nil || ctx.Done() == nil {
		return func() {}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	cancelAfter := context.AfterFunc(ctx, func() {
		defer wg.Done()
		v.rt.Interrupt(ctx.Err())
	})
	return func() {
		if cancelAfter() {
			wg.Done()
		}
		wg.Wait()
	}
}

// function returns the exported function name ("default" for the default
// export), or nil when the script does not export one.
func (v *vu) function(name string) goja.Callable {
	if name == "" {
		name = "default"
	}
	if fn, ok := v.fns[name]; ok {
		return fn
	}
	fn, _ := goja.AssertFunction(v.exports.Get(name))
	v.fns[name] = fn
	return fn
}

// call calls fn(args...) and runs the event loop until the loop is idle and
// a returned promise has settled. Exceptions come back as *exception,
// test.abort() as *abortError, cancellation as ctx.Err().
func (v *vu) call(ctx context.Context, fn goja.Callable, args ...goja.Value) (goja.Value, error) {
	stop := v.interruptOn(ctx)
	defer stop()
	v.unhandled = v.unhandled[:0]
	res, err := fn(goja.Undefined(), args...)
	if err == nil {
		err = v.loop.run(ctx)
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
	iter := v.iter
	v.iter++
	v.rt.Set("__ITER", iter)
	v.rt.Set("__ENV", v.envFor(it.Scenario))

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
	_, err = v.call(ctx, fn, data)
	end := time.Now()

	var ae *abortError
	aborted := errors.As(err, &ae)
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

// baseTags appends options.tags, the scenario's tags, exec.vu.tags and
// scenario to dst (later entries win on a duplicate key).
func (v *vu) baseTags(dst []metrics.Tag) []metrics.Tag {
	if o := v.mv.Options; o != nil {
		for k, val := range o.Tags {
			dst = append(dst, metrics.Tag{Key: k, Value: val})
		}
	}
	if v.it != nil && v.it.Scenario != nil {
		for k, val := range v.it.Scenario.Tags {
			dst = append(dst, metrics.Tag{Key: k, Value: val})
		}
	}
	for k, val := range v.vuTags {
		dst = append(dst, metrics.Tag{Key: k, Value: val})
	}
	if v.it != nil && v.it.Scenario != nil {
		dst = append(dst, metrics.Tag{Key: "scenario", Value: v.it.Scenario.Name})
	}
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
func (v *vu) RunOnLoop() func(fn func() error) { return v.loop.register() }

// intern interns pairs through the VU's tag cache.
func (v *vu) intern(pairs []metrics.Tag) *metrics.TagSet {
	return v.tagCache.Intern(pairs)
}

// iterationTags is the tag set of iterations and iteration_duration.
func (v *vu) iterationTags() *metrics.TagSet {
	v.tagBuf = v.baseTags(v.tagBuf[:0])
	return v.intern(v.tagBuf)
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
	c.startNanos.CompareAndSwap(0, time.Now().UnixNano())
}
