package scripting

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// builtinNames maps every accepted built-in module specifier to its
// canonical name. The k6 names are aliases of the load ones.
var builtinNames = map[string]string{
	"load":           "load",
	"k6":             "load",
	"load/http":      "load/http",
	"k6/http":        "load/http",
	"load/metrics":   "load/metrics",
	"k6/metrics":     "load/metrics",
	"load/execution": "load/execution",
	"k6/execution":   "load/execution",
	"load/encoding":  "load/encoding",
	"k6/encoding":    "load/encoding",
	"load/crypto":    "load/crypto",
	"k6/crypto":      "load/crypto",
	"load/data":      "load/data",
	"k6/data":        "load/data",
	"load/timers":    "load/timers",
	"k6/timers":      "load/timers",
}

// unsupportedError is the error for a module loadline does not provide: it
// names the module and says what to do instead.
func unsupportedError(spec string) error {
	hint := "the built-in modules are k6, k6/http, k6/metrics, k6/execution, k6/encoding, k6/crypto, k6/data and k6/timers (or load/...); other imports must be relative paths to local files"
	switch {
	case strings.Contains(spec, "://"):
		hint = "remote modules are not downloaded; save the file beside the script and import it by a relative path (./name.js)"
	case strings.HasPrefix(spec, "k6/x/"):
		hint = "k6 extensions (xk6) are not supported"
	}
	return fmt.Errorf("scripting: module %q is not supported by loadline: %s", spec, hint)
}

// runModule runs a local module in this VU (once; later calls return the
// same exports) and returns its module.exports.
func (v *vu) runModule(p *program) (goja.Value, error) {
	if m, ok := v.modules.Get(p.path); ok {
		return m.(*goja.Object).Get("exports"), nil
	}
	exports := v.rt.NewObject()
	module := v.rt.NewDynamicObject(&moduleObject{exports: exports})
	// Cached before it runs, so circular imports see the partial exports
	// as in CommonJS.
	v.modules.Set(p.path, module)
	fnv, err := v.rt.RunProgram(p.prog)
	if err != nil {
		v.modules.Delete(p.path)
		return nil, err
	}
	fn, ok := goja.AssertFunction(fnv)
	if !ok {
		v.modules.Delete(p.path)
		return nil, fmt.Errorf("scripting: %s did not compile to a module function", p.name)
	}
	// open() resolves against the module whose top level is running (as
	// k6 does), so a helper module can open files beside itself.
	v.initProgs = append(v.initProgs, initModule{p: p})
	// One function is the module's require, __builtinESM and hubParam.
	rf := v.requireFunc(p.dir)
	_, err = fn(goja.Undefined(), module, exports, rf, rf, rf)
	top := v.initProgs[len(v.initProgs)-1]
	v.initProgs = v.initProgs[:len(v.initProgs)-1]
	if err != nil {
		v.modules.Delete(p.path)
		return nil, err
	}
	if top.target != nil {
		fixExports(top.target, p.fixed)
	}
	return module.Get("exports"), nil
}

// initModule is a module whose top level runs: its program, and the
// object its __export call defined getters on (nil before the call).
type initModule struct {
	p      *program
	target *goja.Object
}

// fixExports replaces the getters of the exports named in fixed (see
// fixedExports) on o, the object the module's __export defined them on,
// configurable until now, by their values: read-only, enumerable and not
// configurable, as the getters were. A property the module deleted stays
// deleted.
func fixExports(o *goja.Object, fixed []string) {
	own := o.GetOwnPropertyNames()
	for _, key := range fixed {
		if !slices.Contains(own, key) {
			continue
		}
		if val := o.Get(key); val != nil {
			_ = o.DefineDataProperty(key, val, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
		}
	}
}

// fixable reports whether the module whose top level is running lists
// name among its fixed exports, and if so remembers target as the object
// whose getter fixExports replaces.
func (v *vu) fixable(target *goja.Object, name string) bool {
	n := len(v.initProgs)
	if n == 0 || !slices.Contains(v.initProgs[n-1].p.fixed, name) {
		return false
	}
	if t := v.initProgs[n-1].target; t != nil && t != target {
		return false // a second __export target: not esbuild's shape
	}
	v.initProgs[n-1].target = target
	return true
}

// moduleObject is a module's `module`: exports, and whatever else the
// module sets on it. A dynamic object: an ordinary one with the exports
// property cost goja's property table, ~0.3 KiB per module and VU.
type moduleObject struct {
	exports goja.Value
	other   modules.Values
}

func (m *moduleObject) Get(key string) goja.Value {
	if key == "exports" {
		return m.exports
	}
	val, _ := m.other.Get(key)
	return val
}

func (m *moduleObject) Set(key string, val goja.Value) bool {
	if key == "exports" {
		m.exports = val
	} else {
		m.other.Set(key, val)
	}
	return true
}

func (m *moduleObject) Has(key string) bool { return key == "exports" || m.other.Has(key) }

func (m *moduleObject) Delete(key string) bool {
	if key == "exports" {
		m.exports = goja.Undefined()
	} else {
		m.other.Delete(key)
	}
	return true
}

func (m *moduleObject) Keys() []string {
	keys := make([]string, 1, 1+m.other.Len())
	keys[0] = "exports"
	for i := range m.other.Len() {
		keys = append(keys, m.other.Name(i))
	}
	return keys
}

// requireFunc returns `require` for modules in directory dir, made once
// per VU and directory. The same function is __builtinESM (and hubParam)
// of the module functions: called with an object, or with a number and
// more arguments, it is builtinESM. One function object per directory
// instead of two per module is ~0.6 KiB less per VU.
func (v *vu) requireFunc(dir string) goja.Value {
	if f, ok := v.requireFns.Get(dir); ok {
		return f
	}
	f := v.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		arg := call.Argument(0)
		if _, op := arg.Export().(int64); op && len(call.Arguments) > 1 {
			return v.builtinESM(call)
		}
		_, str := arg.Export().(string)
		if _, sym := arg.(*goja.Symbol); sym || !str {
			panic(v.rt.NewTypeError("require: the module name must be a string, like require('k6/http') or require('./lib.js')"))
		}
		val, err := v.require(dir, arg.String())
		if err != nil {
			v.rethrow(err)
		}
		return val
	})
	v.requireFns.Set(dir, f)
	return f
}

// require resolves spec from a module in dir: a built-in module or a local
// file (relative or absolute path, extension optional).
func (v *vu) require(dir, spec string) (goja.Value, error) {
	if name, ok := builtinNames[spec]; ok {
		return v.builtin(name)
	}
	switch {
	case strings.HasPrefix(spec, "./"), strings.HasPrefix(spec, "../"), filepath.IsAbs(spec):
	default:
		// Bare names, URLs, and k6 modules loadline does not have
		// (k6/ws, k6/browser, k6/net/grpc, k6/experimental/*, k6/x/*).
		return nil, unsupportedError(spec)
	}
	abs := spec
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, spec)
	}
	path, err := resolveFile(abs)
	if err != nil {
		return nil, fmt.Errorf("scripting: cannot find module %q from %s", spec, displayName(dir))
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return v.requireJSON(path)
	}
	p, err := v.r.compiler.load(path)
	if err != nil {
		return nil, err
	}
	return v.runModule(p)
}

// requireJSON returns a .json file's parsed content (one copy per VU, the
// bytes read once per process).
func (v *vu) requireJSON(path string) (goja.Value, error) {
	if m, ok := v.modules.Get(path); ok {
		return m.(*goja.Object).Get("exports"), nil
	}
	b, err := v.r.compiler.readFile(path)
	if err != nil {
		return nil, fmt.Errorf("scripting: cannot read %s: %v", displayName(path), unwrapPathError(err))
	}
	val, err := v.parseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("scripting: %s is not valid JSON: %v", displayName(path), err)
	}
	v.modules.Set(path, v.rt.NewDynamicObject(&moduleObject{exports: val}))
	return val, nil
}

// resolveFile finds abs as given, then with .js, .ts, then as a directory
// with index.js or index.ts; a missing "x.js" also tries "x.ts" (the
// TypeScript convention of importing a .ts file by its output name).
func resolveFile(abs string) (string, error) {
	candidates := []string{abs, abs + ".js", abs + ".ts", filepath.Join(abs, "index.js"), filepath.Join(abs, "index.ts")}
	if strings.HasSuffix(abs, ".js") {
		candidates = append(candidates, strings.TrimSuffix(abs, ".js")+".ts")
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", errors.New("not found")
}

// builtin returns this VU's instance of a built-in module, creating it on
// first use.
func (v *vu) builtin(name string) (goja.Value, error) {
	if m, ok := v.builtins.Get(name); ok {
		return m, nil
	}
	var m goja.Value
	switch name {
	case "load":
		m = v.loadModule()
	case "load/metrics":
		m = v.metricsModule()
	case "load/execution":
		m = v.executionModule()
	case "load/timers":
		m = v.timersModule()
	default:
		f := externalModules[name]
		if f == nil {
			return nil, unsupportedError(name)
		}
		m = f(v)
	}
	v.builtins.Set(name, m)
	return m, nil
}

// builtinESM (the module functions' __builtinESM, see requireFunc) is what
// a module's __toESM(mod) asks first: when mod is one of
// this VU's built-in module objects, the namespace that `import x from` and
// `import * as x from` see, made once per module and VU: `default` is the
// module object, and every member is inherited from it (live, as esbuild's
// getters are). Anything else gets undefined, and esbuild's own helper
// builds the namespace.
//
// Called with a number first, it is the module hub that esbuild's helpers
// call after hubRewrites (compile.go): 1 __export(target, all), 2
// __copyProps(to, from, except), 3 __toCommonJS(mod), 4 __toESM(mod,
// isNodeMode), each doing in Go what esbuild's JavaScript does.
func (v *vu) builtinESM(call goja.FunctionCall) goja.Value {
	if op, ok := call.Argument(0).Export().(int64); ok && len(call.Arguments) > 1 {
		return v.moduleHub(op, call.Arguments[1:])
	}
	return v.builtinNamespace(call.Argument(0))
}

// builtinNamespace is builtinESM for one argument.
func (v *vu) builtinNamespace(arg goja.Value) goja.Value {
	mod, ok := arg.(*goja.Object)
	if !ok {
		return goja.Undefined()
	}
	for i := range v.builtins.Len() {
		name, m := v.builtins.At(i)
		if m != goja.Value(mod) {
			continue
		}
		if ns, ok := v.namespaces.Get(name); ok {
			return ns
		}
		ns := v.rt.NewDynamicObject(builtinNS{mod})
		if err := ns.SetPrototype(mod); err != nil {
			return goja.Undefined()
		}
		v.namespaces.Set(name, ns)
		return ns
	}
	return goja.Undefined()
}

// builtinNS is the import namespace of a built-in module (builtinNamespace),
// whose prototype is the module object: its one own property is
// `default`, read-only and enumerable, and every member is inherited. A
// dynamic object: an ordinary one with the same property cost a VU ~0.5
// KiB per namespace (goja's property table). As an ES module namespace, it
// takes no new properties.
type builtinNS struct{ mod *goja.Object }

func (n builtinNS) Get(key string) goja.Value {
	if key == "default" {
		return n.mod
	}
	return nil // inherited from the module object
}

func (n builtinNS) Set(string, goja.Value) bool { return false }
func (n builtinNS) Has(key string) bool         { return key == "default" }
func (n builtinNS) Delete(key string) bool      { return key != "default" }
func (n builtinNS) Keys() []string              { return []string{"default"} }

// moduleHub runs esbuild's module helper op (see builtinESM) on args. An
// error of a property definition is thrown as the TypeError that
// Object.defineProperty would throw.
func (v *vu) moduleHub(op int64, args []goja.Value) goja.Value {
	arg := func(i int) goja.Value {
		if i < len(args) {
			return args[i]
		}
		return goja.Undefined()
	}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	switch op {
	case 1: // __export(target, all): a getter per member, enumerable
		// A getter runModule replaces by its value (fixExports) is
		// configurable until then.
		target, all := v.rt.ToValue(arg(0)).ToObject(v.rt), v.rt.ToValue(arg(1)).ToObject(v.rt)
		for _, name := range all.GetOwnPropertyNames() {
			configurable := goja.FLAG_FALSE
			if v.fixable(target, name) {
				configurable = goja.FLAG_TRUE
			}
			must(target.DefineAccessorProperty(name, all.Get(name), nil, configurable, goja.FLAG_TRUE))
		}
		return target
	case 2: // __copyProps(to, from, except)
		return v.copyProps(arg(0), arg(1), arg(2))
	case 3: // __toCommonJS(mod): mark the exports object
		mod := v.rt.ToValue(arg(0)).ToObject(v.rt)
		must(mod.DefineDataProperty("__esModule", v.rt.ToValue(true), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE))
		return mod
	case 4: // __toESM(mod, isNodeMode)
		mod, isNodeMode := arg(0), arg(1)
		if ns := v.builtinNamespace(mod); !goja.IsUndefined(ns) {
			return ns
		}
		var target *goja.Object
		if goja.IsUndefined(mod) || goja.IsNull(mod) {
			target = v.rt.NewObject()
		} else {
			target = v.rt.CreateObject(mod.ToObject(v.rt).Prototype())
		}
		esModule := false
		if mod.ToBoolean() {
			if es := mod.ToObject(v.rt).Get("__esModule"); es != nil {
				esModule = es.ToBoolean()
			}
		}
		if isNodeMode.ToBoolean() || !mod.ToBoolean() || !esModule {
			must(target.DefineDataProperty("default", mod, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE))
		}
		return v.copyProps(target, mod, goja.Undefined())
	case 5: // the built-in module's namespace, or undefined (routeToESM)
		return v.builtinNamespace(arg(0))
	}
	panic(v.rt.NewTypeError("module hub: unknown operation %d", op))
}

// copyProps is esbuild's __copyProps: every own string-keyed property of
// from that to does not have (and that is not except) becomes a getter of
// to reading from's current value, enumerable as in from. from that is not
// an object or function copies nothing. Returns to.
func (v *vu) copyProps(toV, fromV, except goja.Value) goja.Value {
	from, ok := fromV.(*goja.Object)
	if !ok {
		return toV
	}
	to := v.rt.ToValue(toV).ToObject(v.rt)
	have := map[string]bool{}
	for _, k := range to.GetOwnPropertyNames() {
		have[k] = true
	}
	enumerable := map[string]bool{}
	for _, k := range from.Keys() {
		enumerable[k] = true
	}
	skip, hasExcept := "", false
	if s, ok := except.Export().(string); ok {
		skip, hasExcept = s, true
	}
	for _, key := range from.GetOwnPropertyNames() {
		if have[key] || (hasExcept && key == skip) {
			continue
		}
		get := v.rt.ToValue(func(goja.FunctionCall) goja.Value {
			if x := from.Get(key); x != nil {
				return x
			}
			return goja.Undefined()
		})
		flag := goja.FLAG_FALSE
		if enumerable[key] {
			flag = goja.FLAG_TRUE
		}
		if err := to.DefineAccessorProperty(key, get, nil, goja.FLAG_FALSE, flag); err != nil {
			panic(err)
		}
	}
	return to
}
