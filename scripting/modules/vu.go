// Package modules holds what the JavaScript modules of one VU share: the
// VU's runtime and state. The core (package scripting) owns and fills a VU;
// module packages (httpjs, encodingjs, cryptojs, datajs) only read it and
// call its methods. Everything here belongs to one VU goroutine: not safe for
// concurrent use.
package modules

import (
	"context"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
)

// VU is one virtual user's JavaScript state, as modules see it.
type VU struct {
	Runtime  *goja.Runtime
	Registry *metrics.Registry
	Builtin  *metrics.Builtin
	Recorder *metrics.Recorder
	HTTP     *httpc.Client
	// Options are the run's final options (nil while the first, options-
	// reading init runs).
	Options *engine.Options
	// ID is __VU (0 in the options-reading init VU and in setup/teardown).
	ID uint64

	// Ctx is the context of the running iteration (or of setup/teardown);
	// nil in the init context.
	Ctx context.Context
	// InInit is true while the script's top level (init context) runs.
	InInit bool

	// State is the core's per-VU state behind the methods below.
	State State
}

// State is what the core implements for modules.
type State interface {
	// Tags returns the current base tags of samples: options.tags, the
	// scenario's tags, exec.vu.tags, `scenario` and `group`. The slice is
	// scratch owned by the caller until the next call.
	Tags(dst []metrics.Tag) []metrics.Tag
	// Group returns the current group path ("" at the root, "::a::b").
	Group() string
	// Throw reports whether the `throw` option is on.
	Throw() bool
	// Expected returns the VU's current response callback (http.setResponseCallback); nil means none.
	Expected() *httpc.Expected
	// SetExpected sets the response callback.
	SetExpected(e *httpc.Expected)
	// RunOnLoop schedules fn on the VU's event loop (for promise-returning
	// APIs such as http.asyncRequest). It must be called on the VU goroutine
	// and returns a function that, called from any goroutine, queues fn's
	// completion. Call the returned function exactly once: the iteration
	// does not end before it was called and fn ran on the VU goroutine
	// (fn's error fails the iteration). When the iteration is cut or fails
	// first, a later call is accepted and fn is dropped.
	RunOnLoop() func(fn func() error)
}

// ThrowError throws a JavaScript Error with message msg in rt.
func ThrowError(rt *goja.Runtime, msg string) {
	panic(rt.NewGoError(errorString(msg)))
}

type errorString string

func (e errorString) Error() string { return string(e) }

// Members is the fixed member list of a module object whose members are made
// on first use (see Object). Make one per module, at package level; it is
// read-only and shared by all VUs.
type Members struct {
	names []string
	index map[string]struct{}
}

// NewMembers returns the member list names, in the order Object.keys lists
// them.
func NewMembers(names ...string) *Members {
	m := &Members{names: names, index: make(map[string]struct{}, len(names))}
	for _, n := range names {
		m.index[n] = struct{}{}
	}
	return m
}

// Object returns a module object for rt whose members are made by build on
// first access and then kept, so a VU pays only for the members its script
// uses (a function object costs a VU about 0.7 KiB). Every member behaves
// as an own, writable, enumerable and configurable data property, as one
// set with Object.Set would: Object.keys, spread, Object.assign, `in`,
// assignment and delete work as on an ordinary object. Object.freeze and
// Object.defineProperty with other attributes fail on it (goja's dynamic
// objects). build must return a value for every name of m.
func (m *Members) Object(rt *goja.Runtime, build func(name string) goja.Value) *goja.Object {
	return rt.NewDynamicObject(&lazyObject{m: m, build: build})
}

// lazyObject is the goja.DynamicObject behind Members.Object.
type lazyObject struct {
	m     *Members
	build func(name string) goja.Value
	vals  Values          // built or assigned members
	gone  map[string]bool // deleted members of m
	added []string        // assigned names that m lacks, in order
}

// Get implements goja.DynamicObject: a member of m is built on first use.
func (o *lazyObject) Get(key string) goja.Value {
	if v, ok := o.vals.Get(key); ok {
		return v
	}
	if _, ok := o.m.index[key]; !ok || o.gone[key] {
		return nil
	}
	v := o.build(key)
	o.vals.Set(key, v)
	return v
}

// Set implements goja.DynamicObject.
func (o *lazyObject) Set(key string, v goja.Value) bool {
	if _, ok := o.m.index[key]; ok {
		delete(o.gone, key)
	} else if !o.vals.Has(key) {
		o.added = append(o.added, key)
	}
	o.vals.Set(key, v)
	return true
}

// Has implements goja.DynamicObject.
func (o *lazyObject) Has(key string) bool {
	if o.vals.Has(key) {
		return true
	}
	_, ok := o.m.index[key]
	return ok && !o.gone[key]
}

// Delete implements goja.DynamicObject.
func (o *lazyObject) Delete(key string) bool {
	o.vals.Delete(key)
	if _, ok := o.m.index[key]; ok {
		if o.gone == nil {
			o.gone = map[string]bool{}
		}
		o.gone[key] = true
		return true
	}
	for i, n := range o.added {
		if n == key {
			o.added = append(o.added[:i:i], o.added[i+1:]...)
			break
		}
	}
	return true
}

// Keys implements goja.DynamicObject: m's members, then assigned names.
func (o *lazyObject) Keys() []string {
	keys := make([]string, 0, len(o.m.names)+len(o.added))
	for _, n := range o.m.names {
		if !o.gone[n] {
			keys = append(keys, n)
		}
	}
	return append(keys, o.added...)
}
