package datajs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// Cache holds the SharedArrays of one run by name. Make one with NewCache per
// process and give it to every VU's New. Safe for concurrent use.
type Cache struct {
	mu     sync.Mutex
	arrays map[string]*entry
}

// entry is one name's array: being built until done is closed, then either
// arr is set or the entry has been removed from the cache (a failed build).
type entry struct {
	done    chan struct{}
	builder *goja.Runtime // the runtime calling the function; immutable
	arr     *Array        // written before done is closed
}

// NewCache returns an empty Cache.
func NewCache() *Cache {
	return &Cache{arrays: make(map[string]*entry)}
}

// Len returns the number of arrays built so far.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.arrays {
		if e.isDone() {
			n++
		}
	}
	return n
}

// Size returns the bytes of JSON text held by all built arrays (their
// offsets, 8 bytes per element, not counted).
func (c *Cache) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.arrays {
		if e.isDone() {
			n += e.arr.Size()
		}
	}
	return n
}

// Array returns the built array called name, if any.
func (c *Cache) Array(name string) (*Array, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.arrays[name]
	if !ok || !e.isDone() {
		return nil, false
	}
	return e.arr, true
}

func (e *entry) isDone() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// errRecursive is returned when a SharedArray's function constructs a
// SharedArray of the same name, which would wait for itself forever.
var errRecursive = errors.New("data: a SharedArray's function constructs a SharedArray of the same name")

// load returns the array called name, calling build (in runtime rt) if no VU
// has built it yet, or waiting for the VU that is building it. A failed build
// is not cached; waiters then try again themselves.
func (c *Cache) load(name string, rt *goja.Runtime, build func() (*Array, error)) (*Array, error) {
	for {
		c.mu.Lock()
		e, ok := c.arrays[name]
		if !ok {
			e = &entry{done: make(chan struct{}), builder: rt}
			c.arrays[name] = e
			c.mu.Unlock()
			return c.build(name, e, build)
		}
		c.mu.Unlock()
		if e.builder == rt && !e.isDone() {
			return nil, errRecursive
		}
		<-e.done
		if e.arr != nil {
			return e.arr, nil
		}
	}
}

// build runs fn for entry e and publishes its result; a failure or a panic
// (a goja interrupt, say) removes e so another VU can try again.
func (c *Cache) build(name string, e *entry, fn func() (*Array, error)) (arr *Array, err error) {
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if arr == nil {
			delete(c.arrays, name)
		}
		e.arr = arr
		close(e.done)
	}()
	return fn()
}

// Array is the shared, immutable content of one SharedArray: the JSON text
// of each element in one string, and the end offset of each; elements are
// back to back, or, when starts is set, at starts[i]:ends[i] of the text
// JSON.parse was given (see lazyArray). Safe for concurrent use.
type Array struct {
	data   string
	starts []int
	ends   []int
}

// Len returns the number of elements.
func (a *Array) Len() int { return len(a.ends) }

// Size returns the bytes of JSON text the array holds.
func (a *Array) Size() int { return len(a.data) }

// Element returns the JSON text of element i (0 <= i < Len()); it panics for
// an index out of range, like a slice.
func (a *Array) Element(i int) string {
	if a.starts != nil {
		return a.data[a.starts[i]:a.ends[i]]
	}
	start := 0
	if i > 0 {
		start = a.ends[i-1]
	}
	return a.data[start:a.ends[i]]
}

// New returns the exports object of `load/data` for vu: {SharedArray}, whose
// arrays live in c. The constructor throws an Error outside the init context
// (vu.InInit false), a TypeError for a missing name or function, an Error if
// the function returns a non-array, and rethrows what the function throws.
func New(vu *modules.VU, c *Cache) *goja.Object {
	rt := vu.Runtime
	m := &module{vu: vu, rt: rt, cache: c}
	json := rt.GlobalObject().Get("JSON").ToObject(rt)
	m.parse = mustFunc(json.Get("parse"))
	m.stringify = mustFunc(json.Get("stringify"))
	m.freeze = mustFunc(rt.GlobalObject().Get("Object").ToObject(rt).Get("freeze"))

	exports := rt.NewObject()
	ctor := rt.ToValue(m.construct).ToObject(rt)
	if err := ctor.DefineDataProperty("name", rt.ToValue("SharedArray"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
	if err := exports.Set("SharedArray", ctor); err != nil {
		panic(err)
	}
	return exports
}

// mustFunc asserts that a builtin is callable; the runtime was just made by
// the core, so a failure is a programming error.
func mustFunc(v goja.Value) goja.Callable {
	fn, ok := goja.AssertFunction(v)
	if !ok {
		panic("datajs: a JavaScript builtin is not a function")
	}
	return fn
}

type module struct {
	vu    *modules.VU
	rt    *goja.Runtime
	cache *Cache
	// Builtins captured when the module is made, so a script that replaces
	// JSON.parse later cannot change how elements are decoded.
	parse, stringify, freeze goja.Callable
	// lazy holds the lazy arrays JSON.parse returned during the running
	// SharedArray build (nil outside one).
	lazy map[*goja.Object]*lazyArray
}

func (m *module) construct(call goja.ConstructorCall) *goja.Object {
	if !m.vu.InInit {
		modules.ThrowError(m.rt, "data: new SharedArray must be called in the init context (the script's top level), not in setup, teardown or an iteration")
	}
	nameArg := call.Argument(0)
	if goja.IsUndefined(nameArg) || goja.IsNull(nameArg) || nameArg.String() == "" {
		panic(m.rt.NewTypeError("data: new SharedArray(name, fn) needs a non-empty name as its first argument"))
	}
	name := nameArg.String()
	fn, ok := goja.AssertFunction(call.Argument(1))
	if !ok {
		panic(m.rt.NewTypeError("data: new SharedArray(name, fn) needs a function as its second argument"))
	}
	arr, err := m.cache.load(name, m.rt, func() (*Array, error) { return m.build(name, fn) })
	if err != nil {
		if exc, ok := err.(*goja.Exception); ok {
			panic(exc) // what the function threw, with its stack
		}
		modules.ThrowError(m.rt, err.Error())
	}
	return m.rt.NewDynamicArray(&view{m: m, arr: arr})
}

// build calls fn and serialises its array result, one JSON text per element.
// While fn runs, the runtime's JSON.parse is lazyParse, so the usual
// JSON.parse(open(file)) costs offsets, not an object graph (lazy.go).
func (m *module) build(name string, fn goja.Callable) (*Array, error) {
	if m.lazy == nil { // the outermost build (a function may build others)
		m.lazy = make(map[*goja.Object]*lazyArray)
		defer func() { m.lazy = nil }()
	}
	res, err := m.callLazily(fn)
	if err != nil {
		return nil, err
	}
	obj, ok := res.(*goja.Object)
	if !ok || obj.ClassName() != "Array" {
		return nil, fmt.Errorf("data: the function of SharedArray %q must return an array, not %s", name, describe(res))
	}
	if la, ok := m.lazy[obj]; ok {
		return la.toArray(name)
	}
	n := int(obj.Get("length").ToInteger())
	ends := make([]int, 0, n)
	var b strings.Builder
	for i := range n {
		if err := m.writeJSON(&b, name, i, obj.Get(strconv.Itoa(i))); err != nil {
			return nil, err
		}
		ends = append(ends, b.Len())
	}
	// Clone to drop the builder's spare capacity (up to 2x): keep 1x.
	return &Array{data: strings.Clone(b.String()), ends: slices.Clip(ends)}, nil
}

// callLazily calls fn with JSON.parse replaced by lazyParse and restores
// the previous JSON.parse afterwards. The lazy arrays JSON.parse made are
// in m.lazy until the outermost build ends.
func (m *module) callLazily(fn goja.Callable) (goja.Value, error) {
	json := m.rt.GlobalObject().Get("JSON")
	jsonObj, ok := json.(*goja.Object)
	if !ok {
		return fn(goja.Undefined())
	}
	orig := jsonObj.Get("parse")
	if err := jsonObj.Set("parse", m.rt.ToValue(m.lazyParse)); err != nil {
		return fn(goja.Undefined())
	}
	defer func() { _ = jsonObj.Set("parse", orig) }()
	return fn(goja.Undefined())
}

func describe(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if obj, ok := v.(*goja.Object); ok {
		return "an object of class " + obj.ClassName()
	}
	return "a " + v.ExportType().Kind().String()
}

// view is one VU's handle on a shared Array (goja.DynamicArray).
type view struct {
	m   *module
	arr *Array
}

var _ goja.DynamicArray = (*view)(nil)

func (v *view) Len() int { return v.arr.Len() }

// Get decodes element idx into a fresh deep-frozen value; nil (undefined)
// out of range.
func (v *view) Get(idx int) goja.Value {
	if idx < 0 || idx >= v.arr.Len() {
		return nil
	}
	val, err := v.m.parse(goja.Undefined(), v.m.rt.ToValue(v.arr.Element(idx)))
	if err != nil {
		panic(err)
	}
	v.m.deepFreeze(val)
	return val
}

func (v *view) Set(int, goja.Value) bool {
	panic(v.m.rt.NewTypeError("data: a SharedArray is read-only: its elements cannot be set or deleted"))
}

func (v *view) SetLen(int) bool {
	panic(v.m.rt.NewTypeError("data: a SharedArray is read-only: its length cannot be changed"))
}

// deepFreeze freezes val and every object reachable through its own
// enumerable properties (JSON.parse output: plain objects and arrays).
func (m *module) deepFreeze(val goja.Value) {
	obj, ok := val.(*goja.Object)
	if !ok {
		return
	}
	for _, k := range obj.Keys() {
		if child, ok := obj.Get(k).(*goja.Object); ok {
			m.deepFreeze(child)
		}
	}
	if _, err := m.freeze(goja.Undefined(), obj); err != nil {
		panic(err)
	}
}
