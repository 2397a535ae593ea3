package scripting

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// loadMembers are the `load` module's exports.
var loadMembers = modules.NewMembers("check", "group", "sleep", "fail", "randomSeed")

// loadModule builds the `load` module (k6's `k6`): check, group, sleep,
// fail, randomSeed, each made on first use.
func (v *vu) loadModule() goja.Value {
	return loadMembers.Object(v.rt, v.loadMember)
}

// loadMember builds the `load` export name.
func (v *vu) loadMember(name string) goja.Value {
	switch name {
	case "check":
		return v.newCheck()
	case "group":
		return v.rt.ToValue(v.groupFn)
	case "sleep":
		return v.rt.ToValue(v.sleep)
	case "fail":
		return v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			msg := "fail() called"
			if a := call.Argument(0); !goja.IsUndefined(a) {
				msg = a.String()
			}
			modules.ThrowError(v.rt, msg)
			return nil
		})
	}
	return v.rt.ToValue(func(call goja.FunctionCall) goja.Value { // randomSeed
		seed := uint64(call.Argument(0).ToInteger())
		src := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		v.rt.SetRandSource(src.Float64)
		return goja.Undefined()
	})
}

// checkName is the name check's function object has always had (goja
// names a Go function after its symbol, and check was the method value
// v.check): scripts see it as check.name, in String(check) and in stack
// traces, so it stays although check is now a method of checker.
const checkName = "github.com/loadline/loadline/scripting.(*vu).check-fm"

// newCheck makes check() for v.
func (v *vu) newCheck() goja.Value {
	c := &checker{v: v}
	fn := v.rt.ToValue(c.check).(*goja.Object)
	if err := fn.DefineDataProperty("name", v.rt.ToValue(checkName), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
	return fn
}

// checker is check() of one VU with what it keeps between calls: the
// argument list of its conditions and the tag sets of recent checks.
//
// The hot path of a check is goja's (enumerating the set's keys and
// calling each condition); the rest costs no allocation and, for a check
// without tags of its own, no tag list built and compared: its tag set is
// found by the VU's base tag set, group and check name.
type checker struct {
	v *vu

	// arg holds the value for a condition call while busy: goja copies a
	// JS function's arguments onto its own stack and hands a Go function
	// a view of its stack, so no callee keeps the slice. A check called
	// from inside a condition allocates its own.
	arg  [1]goja.Value
	busy bool

	sets [checkSets]checkSet // ring of recent tag sets
	next int                 // the ring's slot to replace next
}

// checkSets is how many check tag sets a checker remembers: more than a
// script's checks of one iteration usually number; a script with more
// distinct checks pays the full interning for the others.
const checkSets = 16

// checkSet is the tag set of check name for the VU's base tag set base
// (the interned set of its iteration tags) in group.
type checkSet struct {
	base        *metrics.TagSet
	group, name string
	ts          *metrics.TagSet
}

// check(val, sets, tags): one `checks` sample per condition (1 pass, 0
// fail), tagged check=<name> plus the VU's tags and tags; a condition that
// throws records 0 and the exception goes on. Returns true when all passed.
func (c *checker) check(call goja.FunctionCall) goja.Value {
	v := c.v
	if v.mv.InInit {
		modules.ThrowError(v.rt, "check: check() can't be used in the init context")
	}
	val := call.Argument(0)
	sets, ok := call.Argument(1).(*goja.Object)
	if !ok {
		return v.rt.ToValue(true)
	}
	extra := tagsArg(call.Argument(2))
	all := true
	for _, name := range sets.Keys() {
		cond := sets.Get(name)
		var pass bool
		var err error
		if fn, isFn := goja.AssertFunction(cond); isFn {
			var res goja.Value
			res, err = c.call(fn, val)
			pass = err == nil && res.ToBoolean()
		} else {
			pass = cond.ToBoolean()
		}
		c.record(name, extra, pass)
		if err != nil {
			v.rethrow(err)
		}
		if !pass {
			all = false
		}
	}
	return v.rt.ToValue(all)
}

// call calls the condition fn with val.
func (c *checker) call(fn goja.Callable, val goja.Value) (goja.Value, error) {
	if c.busy {
		return fn(goja.Undefined(), val)
	}
	c.busy = true
	defer c.release()
	c.arg[0] = val
	return fn(goja.Undefined(), c.arg[:]...)
}

// release ends call's use of arg.
func (c *checker) release() {
	c.arg[0] = nil
	c.busy = false
}

// record adds the sample of check name.
func (c *checker) record(name string, extra []metrics.Tag, pass bool) {
	v := c.v
	rec := v.mv.Recorder
	if rec == nil || v.r.cfg.Builtin == nil {
		return
	}
	x := 0.0
	if pass {
		x = 1
	}
	rec.Add(v.r.cfg.Builtin.Checks, c.tags(name, extra), x)
}

// tags is the tag set of check name with extra: the VU's tags, check=name
// and extra.
func (c *checker) tags(name string, extra []metrics.Tag) *metrics.TagSet {
	v := c.v
	var base *metrics.TagSet
	if len(extra) == 0 {
		base = v.iterationTags() // brings the base tags up to date
		for i := range c.sets {
			if s := &c.sets[i]; s.base == base && s.name == name && s.group == v.group {
				return s.ts
			}
		}
	}
	v.tagBuf = v.Tags(v.tagBuf[:0])
	v.tagBuf = append(v.tagBuf, metrics.Tag{Key: "check", Value: name})
	v.tagBuf = append(v.tagBuf, extra...)
	ts := v.intern(v.tagBuf)
	if base != nil {
		c.sets[c.next] = checkSet{base: base, group: v.group, name: name, ts: ts}
		c.next = (c.next + 1) % checkSets
	}
	return ts
}

// tagsArg converts a JS tags object to pairs (values as strings).
func tagsArg(val goja.Value) []metrics.Tag {
	o, ok := val.(*goja.Object)
	if !ok || goja.IsUndefined(val) || goja.IsNull(val) {
		return nil
	}
	keys := o.Keys()
	if len(keys) == 0 {
		return nil
	}
	out := make([]metrics.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, metrics.Tag{Key: k, Value: o.Get(k).String()})
	}
	return out
}

// groupFn(name, fn) runs fn inside the group name: samples get the group
// path ("::a::b"), group_duration is recorded, fn's value is returned.
func (v *vu) groupFn(call goja.FunctionCall) goja.Value {
	if v.mv.InInit {
		modules.ThrowError(v.rt, "group: group() can't be used in the init context")
	}
	name := call.Argument(0).String()
	if strings.Contains(name, "::") {
		modules.ThrowError(v.rt, fmt.Sprintf("group: group name %q must not contain '::'", name))
	}
	fn, ok := goja.AssertFunction(call.Argument(1))
	if !ok {
		modules.ThrowError(v.rt, "group: the second argument must be a function")
	}
	if isAsyncFunction(call.Argument(1)) {
		modules.ThrowError(v.rt, "group: group() does not support async functions: code after an await would run outside the group")
	}
	parent := v.group
	v.group = parent + "::" + name
	start := time.Now()
	res, err := fn(goja.Undefined())
	d := time.Since(start)
	if err == nil && v.mv.Recorder != nil && v.r.cfg.Builtin != nil {
		v.tagBuf = v.Tags(v.tagBuf[:0])
		v.mv.Recorder.AddDuration(v.r.cfg.Builtin.GroupDuration, v.intern(v.tagBuf), d)
	}
	v.group = parent
	if err != nil {
		v.rethrow(err)
	}
	return res
}

// sleep(seconds) blocks the VU; it returns early when the iteration's
// context is done.
func (v *vu) sleep(call goja.FunctionCall) goja.Value {
	s := call.Argument(0).ToFloat()
	if !(s > 0) {
		return goja.Undefined()
	}
	d := time.Duration(s * float64(time.Second))
	t := time.NewTimer(d)
	defer t.Stop()
	var done <-chan struct{}
	if v.mv.Ctx != nil {
		done = v.mv.Ctx.Done()
	}
	select {
	case <-t.C:
	case <-done:
	}
	return goja.Undefined()
}

// isAsyncFunction reports whether val is an `async function`.
func isAsyncFunction(val goja.Value) bool {
	o, ok := val.(*goja.Object)
	if !ok {
		return false
	}
	ctor, ok := o.Get("constructor").(*goja.Object)
	if !ok {
		return false
	}
	name := ctor.Get("name")
	return name != nil && name.String() == "AsyncFunction"
}
