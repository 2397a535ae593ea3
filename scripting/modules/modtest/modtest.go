package modtest

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"
)

// Run evaluates src on rt and returns its value; a JavaScript error fails
// the test.
func Run(t testing.TB, rt *goja.Runtime, src string) goja.Value {
	t.Helper()
	v, err := rt.RunString(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return v
}

// Thrown evaluates the statement expr on rt and returns what it threw as
// "TypeError: <message>", "Error: <message>" (any other Error) or
// "non-error: <message>", or "no error" when it threw nothing.
func Thrown(t testing.TB, rt *goja.Runtime, expr string) string {
	t.Helper()
	src := `(function(){ try { ` + expr + `; return "no error"; } catch (e) { return (e instanceof TypeError ? "TypeError" : e instanceof Error ? "Error" : "non-error") + ": " + e.message; } })()`
	return Run(t, rt, src).String()
}

// WantThrown fails the test unless the statement expr throws an error of
// wantType ("TypeError", "Error" for any other Error, or "non-error") whose
// message contains wantMsg.
func WantThrown(t testing.TB, rt *goja.Runtime, expr, wantType, wantMsg string) {
	t.Helper()
	got := Thrown(t, rt, expr)
	if !strings.HasPrefix(got, wantType+": ") || !strings.Contains(got, wantMsg) {
		t.Errorf("%s threw %q, want %s containing %q", expr, got, wantType, wantMsg)
	}
}

// Import transforms the ES module src with esbuild to CommonJS, as the
// scripting core does, runs it on rt with a require that resolves name to
// exports (and throws a TypeError for any other name), and returns the
// module's exports object. A transform or run error fails the test.
func Import(t testing.TB, rt *goja.Runtime, name string, exports *goja.Object, src string) *goja.Object {
	t.Helper()
	res := api.Transform(src, api.TransformOptions{Format: api.FormatCommonJS, Target: api.ES2017, Loader: api.LoaderJS})
	if len(res.Errors) > 0 {
		t.Fatalf("esbuild: %v", res.Errors)
	}
	require := func(n string) *goja.Object {
		if n != name {
			panic(rt.NewTypeError("unknown module " + n))
		}
		return exports
	}
	fn, ok := goja.AssertFunction(Run(t, rt, "(function(module, exports, require){"+string(res.Code)+"\n})"))
	if !ok {
		t.Fatal("wrapper is not a function")
	}
	module := rt.NewObject()
	modExports := rt.NewObject()
	if err := module.Set("exports", modExports); err != nil {
		t.Fatal(err)
	}
	if _, err := fn(goja.Undefined(), module, modExports, rt.ToValue(require)); err != nil {
		t.Fatal(err)
	}
	return module.Get("exports").ToObject(rt)
}
