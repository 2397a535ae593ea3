package scripting

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// installGlobals sets the globals every VU has: __ENV, __VU, __ITER,
// require, open, console, timers, TextEncoder and TextDecoder.
func (v *vu) installGlobals() error {
	rt := v.rt
	v.env = rt.NewObject()
	for k, val := range v.r.cfg.Env {
		_ = v.env.Set(k, val)
	}
	set := func(name string, val any) {
		_ = rt.Set(name, val)
	}
	set("__ENV", v.env)
	set("__VU", v.mv.ID)
	set("__ITER", 0)
	set("require", v.requireFunc(v.r.main.dir))
	set("open", v.open)
	v.lazyGlobal("console", func() goja.Value { return v.console() })
	set("setTimeout", func(call goja.FunctionCall) goja.Value { return v.setTimer(call, false) })
	set("setInterval", func(call goja.FunctionCall) goja.Value { return v.setTimer(call, true) })
	clear := func(call goja.FunctionCall) goja.Value {
		v.loop.clearTimer(call.Argument(0).ToInteger())
		return goja.Undefined()
	}
	set("clearTimeout", clear)
	set("clearInterval", clear)
	v.lazyGlobal("TextEncoder", func() goja.Value { return rt.ToValue(v.textEncoder) })
	v.lazyGlobal("TextDecoder", func() goja.Value { return rt.ToValue(v.textDecoder) })
	return nil
}

// lazyGlobal defines the global name as an accessor that builds its value
// on first use and then replaces itself with a plain data property. Globals
// many scripts never touch (console, TextEncoder) then cost a VU one small
// getter instead of their whole object graph.
func (v *vu) lazyGlobal(name string, build func() goja.Value) {
	global := v.rt.GlobalObject()
	var getter goja.Value
	getter = v.rt.ToValue(func(goja.FunctionCall) goja.Value {
		val := build()
		_ = global.DefineDataProperty(name, val, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		return val
	})
	setter := v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		_ = global.DefineDataProperty(name, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		return goja.Undefined()
	})
	_ = global.DefineAccessorProperty(name, getter, setter, goja.FLAG_TRUE, goja.FLAG_FALSE)
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
	id := v.loop.setTimer(fn, time.Duration(ms*float64(time.Millisecond)), repeat, args)
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
		if n := len(v.initDirs); n > 0 {
			dir = v.initDirs[n-1]
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

// console returns the console object. Lines go to Config.Console as
// `level=info msg="..." source=console`; debug lines only when
// Config.Verbose.
func (v *vu) console() *goja.Object {
	o := v.rt.NewObject()
	for _, lvl := range []struct{ method, level string }{
		{"log", "info"}, {"info", "info"}, {"warn", "warning"}, {"error", "error"}, {"debug", "debug"},
	} {
		level := lvl.level
		_ = o.Set(lvl.method, func(call goja.FunctionCall) goja.Value {
			if level == "debug" && !v.r.cfg.Verbose {
				return goja.Undefined()
			}
			v.r.consoleLine(level, v.formatArgs(call.Arguments))
			return goja.Undefined()
		})
	}
	return o
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
