package scripting

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// installGlobals sets the globals every VU has: __ENV, __VU, __ITER,
// require, open, console, timers, TextEncoder and TextDecoder.
//
// None of them is an own property of the global object. They are found
// through the global object's prototype, a dynamic object (lazyGlobals)
// that builds each on first use and keeps it: most scripts touch few of
// them, and a function object costs a VU about 0.7 KiB. Setting an own
// property on the global object would make goja build its table of the
// ~60 standard globals (1.3 KiB per VU). __ITER is read from the VU when
// the script reads it, so starting an iteration sets nothing (a set boxed
// the number: an allocation per iteration above 255); __ENV is the
// running scenario's (vu.curEnv). Assigning to one of these names in a
// script makes it an own property of the global object, as for any
// inherited property, which then hides the VU's value.
func (v *vu) installGlobals() error {
	rt := v.rt
	v.env = newEnvObject(rt, v.r.envKeys, v.r.cfg.Env, nil)
	v.curEnv = v.env
	lazy := rt.NewDynamicObject(&lazyGlobals{v: v})
	if err := rt.GlobalObject().SetPrototype(lazy); err != nil {
		return fmt.Errorf("scripting: globals: %w", err)
	}
	return nil
}

// lazyGlobalNames are the globals lazyGlobals provides, in the order
// Object.keys(Object.getPrototypeOf(globalThis)) lists them.
var lazyGlobalNames = []string{
	"__ENV", "__VU", "__ITER", "require", "open", "console",
	"setTimeout", "clearTimeout", "setInterval", "clearInterval",
	"TextEncoder", "TextDecoder",
}

// lazyGlobals is the dynamic prototype of a VU's global object. Get builds
// a global on first use; a name it does not provide falls through to
// Object.prototype (goja's dynamic objects keep a prototype). Values set on
// it (through Object.getPrototypeOf(globalThis)) replace the built ones.
type lazyGlobals struct {
	v    *vu
	vals modules.Values
}

// Get implements goja.DynamicObject.
func (g *lazyGlobals) Get(key string) goja.Value {
	if val, ok := g.vals.Get(key); ok {
		return val
	}
	switch key {
	case "__ITER":
		return g.v.rt.ToValue(g.v.curIter)
	case "__ENV":
		return g.v.curEnv
	}
	val := g.build(key)
	if val == nil {
		return nil
	}
	g.vals.Set(key, val)
	return val
}

func (g *lazyGlobals) build(key string) goja.Value {
	v, rt := g.v, g.v.rt
	switch key {
	case "__VU":
		return rt.ToValue(v.mv.ID)
	case "require":
		return v.requireFunc(v.r.main.dir)
	case "open":
		return rt.ToValue(v.open)
	case "console":
		return v.console()
	case "setTimeout":
		return rt.ToValue(func(call goja.FunctionCall) goja.Value { return v.setTimer(call, false) })
	case "setInterval":
		return rt.ToValue(func(call goja.FunctionCall) goja.Value { return v.setTimer(call, true) })
	case "clearTimeout", "clearInterval":
		return rt.ToValue(func(call goja.FunctionCall) goja.Value {
			v.loop.clearTimer(call.Argument(0).ToInteger())
			return goja.Undefined()
		})
	case "TextEncoder":
		return rt.ToValue(v.textEncoder)
	case "TextDecoder":
		return rt.ToValue(v.textDecoder)
	}
	return nil
}

// Set implements goja.DynamicObject.
func (g *lazyGlobals) Set(key string, val goja.Value) bool {
	g.vals.Set(key, val)
	return true
}

// Has implements goja.DynamicObject.
func (g *lazyGlobals) Has(key string) bool {
	return g.vals.Has(key) || slices.Contains(lazyGlobalNames, key)
}

// Delete implements goja.DynamicObject: a built-in global cannot be
// deleted from the prototype (it would be rebuilt on the next use); a
// value set on it is.
func (g *lazyGlobals) Delete(key string) bool {
	g.vals.Delete(key)
	return true
}

// Keys implements goja.DynamicObject.
func (g *lazyGlobals) Keys() []string {
	keys := append([]string(nil), lazyGlobalNames...)
	for i := range g.vals.Len() {
		if k := g.vals.Name(i); !slices.Contains(lazyGlobalNames, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// envObject is __ENV: a dynamic object over the run's environment, which
// all VUs share read-only, with this VU's own writes and deletions on top
// (k6 lets a script change __ENV; the change stays in its VU). base may be
// nil; over, when not nil, is a scenario's env, shared too, read over base.
type envObject struct {
	keys  []string          // keys of base and over, sorted, shared
	base  map[string]string // the run's env, shared, read-only
	over  map[string]string // a scenario's env, shared, read-only
	local modules.Values    // values read or written by this VU
	added []string          // keys written that base and over lack, in order
	gone  map[string]bool   // deleted keys of base or over
	rt    *goja.Runtime
}

// newEnvObject returns a VU's __ENV over base and over (see envObject);
// keys lists the keys of both, sorted.
func newEnvObject(rt *goja.Runtime, keys []string, base, over map[string]string) *goja.Object {
	return rt.NewDynamicObject(&envObject{keys: keys, base: base, over: over, rt: rt})
}

// envKeys returns the keys of the maps, sorted and without duplicates.
func envKeys(ms ...map[string]string) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (e *envObject) shared(key string) (string, bool) {
	if e.gone[key] {
		return "", false
	}
	if s, ok := e.over[key]; ok {
		return s, true
	}
	s, ok := e.base[key]
	return s, ok
}

// Get implements goja.DynamicObject.
func (e *envObject) Get(key string) goja.Value {
	if val, ok := e.local.Get(key); ok {
		return val
	}
	if s, ok := e.shared(key); ok {
		// Kept, so a script reading __ENV.X every iteration converts it once.
		val := e.rt.ToValue(s)
		e.local.Set(key, val)
		return val
	}
	return nil
}

// Set implements goja.DynamicObject.
func (e *envObject) Set(key string, val goja.Value) bool {
	delete(e.gone, key)
	if !e.local.Has(key) {
		if _, ok := e.shared(key); !ok {
			e.added = append(e.added, key)
		}
	}
	e.local.Set(key, val)
	return true
}

// Has implements goja.DynamicObject.
func (e *envObject) Has(key string) bool {
	if e.local.Has(key) {
		return true
	}
	_, ok := e.shared(key)
	return ok
}

// Delete implements goja.DynamicObject.
func (e *envObject) Delete(key string) bool {
	e.local.Delete(key)
	if i := slices.Index(e.added, key); i >= 0 {
		e.added = slices.Delete(e.added, i, i+1)
	}
	if _, ok := e.shared(key); ok {
		if e.gone == nil {
			e.gone = map[string]bool{}
		}
		e.gone[key] = true
	}
	return true
}

// Keys implements goja.DynamicObject: the shared keys, sorted, then the
// ones this VU added, in the order of their first write.
func (e *envObject) Keys() []string {
	keys := make([]string, 0, len(e.keys)+len(e.added))
	for _, k := range e.keys {
		if !e.gone[k] {
			keys = append(keys, k)
		}
	}
	return append(keys, e.added...)
}

// timersModule is load/timers (k6/timers): the timer globals as a module.
func (v *vu) timersModule() goja.Value {
	o := v.rt.NewObject()
	for _, n := range []string{"setTimeout", "clearTimeout", "setInterval", "clearInterval"} {
		_ = o.Set(n, v.rt.Get(n))
	}
	return o
}

func (v *vu) setTimer(call goja.FunctionCall, repeat bool) goja.Value {
	fn, ok := goja.AssertFunction(call.Argument(0))
	if !ok {
		panic(v.rt.NewTypeError("timers: the first argument must be a function"))
	}
	ms := call.Argument(1).ToFloat()
	if ms != ms { // NaN
		ms = 0
	}
	var args []goja.Value
	if len(call.Arguments) > 2 {
		args = append(args, call.Arguments[2:]...)
	}
	id := v.eventLoop().setTimer(fn, time.Duration(ms*float64(time.Millisecond)), repeat, args)
	return v.rt.ToValue(id)
}

// open reads a file (init context only) relative to the directory of the
// module whose top level is running: the script's, or an imported
// module's while it initialises. Mode "b" returns an ArrayBuffer, anything
// else a string. Files are read once per process.
func (v *vu) open(call goja.FunctionCall) goja.Value {
	if !v.mv.InInit {
		modules.ThrowError(v.rt, "open: open() can only be called in the init context")
	}
	name := call.Argument(0).String()
	if name == "" {
		modules.ThrowError(v.rt, "open: a file path is required")
	}
	abs := name
	if !filepath.IsAbs(abs) {
		dir := v.r.main.dir
		if n := len(v.initProgs); n > 0 {
			dir = v.initProgs[n-1].p.dir
		}
		abs = filepath.Join(dir, name)
	}
	b, err := v.r.compiler.readFile(abs)
	if err != nil {
		modules.ThrowError(v.rt, fmt.Sprintf("open: cannot read %q: %v", name, unwrapPathError(err)))
	}
	if call.Argument(1).String() == "b" {
		// The ArrayBuffer gets its own copy: scripts may write into it.
		return v.rt.ToValue(v.rt.NewArrayBuffer([]byte(b)))
	}
	return v.rt.ToValue(b)
}

// consoleMembers are console's methods, made per VU on first use.
var consoleMembers = modules.NewMembers("log", "info", "warn", "error", "debug")

// console returns the console object. Lines go to Config.Console as
// `level=info msg="..." source=console`; debug lines only when
// Config.Verbose. Each method is made on its first use (modules.Members).
func (v *vu) console() *goja.Object {
	return consoleMembers.Object(v.rt, func(method string) goja.Value {
		level := method
		switch method {
		case "log":
			level = "info"
		case "warn":
			level = "warning"
		}
		return v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			if level == "debug" && !v.r.cfg.Verbose {
				return goja.Undefined()
			}
			v.r.consoleLine(level, v.formatArgs(call.Arguments))
			return goja.Undefined()
		})
	})
}

// formatArgs joins console arguments with spaces: strings as they are,
// objects as JSON, everything else as String(v).
func (v *vu) formatArgs(args []goja.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v.display(a))
	}
	return b.String()
}

func (v *vu) display(a goja.Value) string {
	if a == nil {
		return "undefined"
	}
	if o, ok := a.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(o); isFn {
			return "[function]"
		}
		if m := o.Get("message"); m != nil && o.Get("stack") != nil {
			return valueString(o)
		}
		if b, err := json.Marshal(o); err == nil {
			return string(b)
		}
	}
	return a.String()
}

// textEncoder is the TextEncoder constructor (UTF-8 only).
func (v *vu) textEncoder(call goja.ConstructorCall) *goja.Object {
	o := call.This
	_ = o.Set("encoding", "utf-8")
	_ = o.Set("encode", func(c goja.FunctionCall) goja.Value {
		s := ""
		if a := c.Argument(0); !goja.IsUndefined(a) {
			s = a.String()
		}
		return v.uint8Array([]byte(s))
	})
	return nil
}

func (v *vu) uint8Array(b []byte) goja.Value {
	ctor, _ := goja.AssertConstructor(v.rt.Get("Uint8Array"))
	arr, err := ctor(nil, v.rt.ToValue(v.rt.NewArrayBuffer(b)))
	if err != nil {
		v.rethrow(err)
	}
	return arr
}

// textDecoder is the TextDecoder constructor (UTF-8 only; invalid bytes
// become U+FFFD, or throw with {fatal: true}).
func (v *vu) textDecoder(call goja.ConstructorCall) *goja.Object {
	label := "utf-8"
	if a := call.Argument(0); !goja.IsUndefined(a) {
		label = strings.ToLower(strings.TrimSpace(a.String()))
	}
	if label != "utf-8" && label != "utf8" && label != "unicode-1-1-utf-8" {
		panic(v.rt.NewTypeError(fmt.Sprintf("TextDecoder: encoding %q is not supported (only utf-8)", label)))
	}
	fatal := false
	if opts, ok := call.Argument(1).(*goja.Object); ok {
		fatal = opts.Get("fatal") != nil && opts.Get("fatal").ToBoolean()
	}
	o := call.This
	_ = o.Set("encoding", "utf-8")
	_ = o.Set("fatal", fatal)
	_ = o.Set("decode", func(c goja.FunctionCall) goja.Value {
		b := bytesOf(c.Argument(0))
		if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
			b = b[3:]
		}
		if fatal && !utf8.Valid(b) {
			panic(v.rt.NewTypeError("TextDecoder: the data is not valid utf-8"))
		}
		return v.rt.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	})
	return nil
}

// bytesOf returns the bytes of an ArrayBuffer, typed array or DataView
// (nil for anything else).
func bytesOf(val goja.Value) []byte {
	if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
		return nil
	}
	switch x := val.Export().(type) {
	case goja.ArrayBuffer:
		return x.Bytes()
	case []byte:
		return x
	}
	o, ok := val.(*goja.Object)
	if !ok {
		return nil
	}
	// Other views: slice their buffer.
	bv := o.Get("buffer")
	if bv == nil {
		return nil
	}
	buf, ok := bv.Export().(goja.ArrayBuffer)
	if !ok {
		return nil
	}
	off := o.Get("byteOffset").ToInteger()
	n := o.Get("byteLength").ToInteger()
	b := buf.Bytes()
	if off < 0 || off+n > int64(len(b)) {
		return nil
	}
	return b[off : off+n]
}
