package scripting

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/loadline/loadline/engine"
)

// The esbuild in go.mod emits the helpers helperRewrites knows; an upgrade
// that changes their text makes every VU ~20 KiB heavier, and this says so.
func TestHelperRewrites(t *testing.T) {
	src := `import lib from './lib.js'; import * as ns from './ns.js';
export const a = 1; export default function () { return lib + ns.b; }`
	res := api.Transform(src, api.TransformOptions{Loader: api.LoaderJS, Format: api.FormatCommonJS, Target: api.ES2017})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Text)
	}
	code := string(res.Code)
	got, n := rewriteHelpers(code)
	if n != len(helperRewrites) {
		t.Fatalf("%d of %d helper rewrites applied; esbuild's helpers changed:\n%s", n, len(helperRewrites), code)
	}
	if strings.Count(got, "\n") != strings.Count(code, "\n") {
		t.Errorf("rewrites changed the line count (%d -> %d): the source map would be off", strings.Count(code, "\n"), strings.Count(got, "\n"))
	}
	// User code with the same text is not touched.
	user := "export const s = 1;\n" + helperRewrites[2].from
	if out, _ := rewriteHelpers(user); out != user {
		t.Errorf("a later, non-helper occurrence was rewritten")
	}
}

// The esbuild in go.mod emits the helpers hubRewrites knows, and once they
// call the module hub, no line of the prologue reads Object's methods.
func TestHubRewrites(t *testing.T) {
	src := `import lib from './lib.js'; import * as ns from './ns.js';
export const a = 1; export default function () { return lib + ns.b; }`
	res := api.Transform(src, api.TransformOptions{Loader: api.LoaderJS, Format: api.FormatCommonJS, Target: api.ES2017})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Text)
	}
	code, _ := rewriteHelpers(string(res.Code))
	got, n, esm := hubHelpers(code)
	if n != len(hubRewrites) || !esm {
		t.Fatalf("%d of %d hub rewrites applied (toESM %v); esbuild's helpers changed:\n%s", n, len(hubRewrites), esm, code)
	}
	if strings.Count(got, "\n") != strings.Count(code, "\n") {
		t.Errorf("rewrites changed the line count (%d -> %d): the source map would be off", strings.Count(code, "\n"), strings.Count(got, "\n"))
	}
	if strings.Contains(got, "Object.") {
		t.Errorf("the prologue still reads Object's methods:\n%s", got)
	}
	// A helper esbuild adds for other syntax keeps the Object lines it uses.
	spread := `export default function (a) { const { x, ...rest } = a; return { ...rest, x }; }`
	res = api.Transform(spread, api.TransformOptions{Loader: api.LoaderJS, Format: api.FormatCommonJS, Target: api.ES2017})
	code, _ = rewriteHelpers(string(res.Code))
	got, _, _ = hubHelpers(code)
	for _, oh := range objectHelpers {
		if strings.Count(code, oh.name) > 1 && strings.Count(got, oh.name) > 1 && !strings.Contains(got, oh.line) {
			t.Errorf("%s is still used but its line was dropped:\n%s", oh.name, got)
		}
	}
}

// hubCallSites turns esbuild's calls of the hub helpers into calls of the
// hub without moving any position and drops the helpers left without a
// call; it keeps a helper another helper still uses (__reExport's
// __copyProps), and text that only looks like a call (with the helper it
// names).
func TestHubCallSites(t *testing.T) {
	src := `import lib from './lib.js'; import * as ns from './ns.js';
export * from './all.js';
const s = "x = __toESM(y)";
export const a = 1; export default function () { return lib + ns.b + s; }`
	res := api.Transform(src, api.TransformOptions{Loader: api.LoaderJS, Format: api.FormatCommonJS, Target: api.ES2017})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Text)
	}
	code, _ := rewriteHelpers(string(res.Code))
	code, _, _ = hubHelpers(code)
	got, n := hubCallSites(code)
	if n != 4 { // __export, __toCommonJS, two __toESM
		t.Errorf("%d calls rewritten, want 4:\n%s", n, got)
	}
	before, after := strings.Split(code, "\n"), strings.Split(got, "\n")
	if len(before) != len(after) {
		t.Fatalf("line count %d -> %d", len(before), len(after))
	}
	for i := range before {
		if after[i] != "" && len(after[i]) != len(before[i]) {
			t.Errorf("line %d changed length: %q -> %q", i+1, before[i], after[i])
		}
	}
	for _, gone := range []string{"var __export =", "var __toCommonJS ="} {
		if strings.Contains(got, gone) {
			t.Errorf("%s... is still defined:\n%s", gone, got)
		}
	}
	if !strings.Contains(got, "var __copyProps =") || !strings.Contains(got, "__reExport(") {
		t.Errorf("__copyProps, which __reExport calls, was dropped:\n%s", got)
	}
	if !strings.Contains(got, `"x = __toESM(y)"`) || !strings.Contains(got, "var __toESM =") {
		t.Errorf("a string was rewritten, or the helper it names was dropped:\n%s", got)
	}
	// Code that already uses the hub's name is left as it is.
	if out, n := hubCallSites(code + "\nvar __lh = 1;"); n != 0 || out != code+"\nvar __lh = 1;" {
		t.Errorf("code naming %s was rewritten", hubParam)
	}
}

// Modules keep ES module semantics with the rewritten helpers: named and
// default exports, namespaces, live bindings, CommonJS interop, circular
// imports and the exports object the runner reads options from.
func TestModuleSemantics(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{
		"counter.js": `export let count = 0; export function inc() { count++; } export default 'dflt';`,
		"cjs.js":     `module.exports = { x: 1, y: 2 };`,
		"a.js":       `import { b } from './b.js'; export const a = 'a'; export function ab() { return a + b(); }`,
		"b.js":       `import { a } from './a.js'; export function b() { return a + 'b'; }`,
		"main.js": `
import dflt, { count, inc } from './counter.js';
import * as ns from './counter.js';
import cjs, { y } from './cjs.js';
import { ab } from './a.js';
export const options = { vus: 1, tags: { t: 'v' } };
export default function () {
  const want = (cond, what) => { if (!cond) throw new Error(what); };
  want(dflt === 'dflt', 'default export');
  inc(); inc();
  want(count === 2 && ns.count === 2, 'live binding: ' + count + ' ' + ns.count);
  want(Object.keys(ns).sort().join() === 'count,default,inc', 'namespace keys ' + Object.keys(ns));
  want(cjs.x === 1 && y === 2, 'commonjs interop');
  want(ab() === 'aab', 'circular import: ' + ab());
}`,
	})
	r := e.load("main.js")
	if got := r.Options().Tags["t"]; got != "v" {
		t.Errorf("options.tags.t = %q, want v", got)
	}
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}

// fixedExports lists the exports whose binding cannot change: consts, and
// function declarations nothing else names.
func TestFixedExportsList(t *testing.T) {
	src := `export let counter = 0;
export var v = 1;
export const options = { vus: 1 };
export function setup() { counter++; return {}; }
export async function later() {}
export function moved() {}
export function move() { moved = null; }
export class K {}
export { options as opts2 };
export default function () {}
export const arrow = () => 1;`
	res := api.Transform(src, api.TransformOptions{Loader: api.LoaderJS, Format: api.FormatCommonJS, Target: api.ES2017})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Text)
	}
	code, _ := rewriteHelpers(string(res.Code))
	code, _, _ = hubHelpers(code)
	code, _ = hubCallSites(code)
	got := strings.Join(fixedExports(code), ",")
	if want := "arrow,default,later,move,options,opts2,setup"; got != want {
		t.Errorf("fixed exports %s, want %s:\n%s", got, want, code)
	}
}

// Fixed exports become values when the module's top level returns; the
// others keep their live bindings.
func TestFixedExports(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{
		"a.js": `export let counter = 0;
export const c = { x: 1 };
export function inc() { counter++; }
export function h() { return 1; }
export function swap() { h = () => 2; }
export default function () { return 'd'; }`,
		"main.js": `
import d, { counter, c, inc, h, swap } from './a.js';
import * as ns from './a.js';
const a = require('./a.js');
const want = (cond, what) => { if (!cond) throw new Error(what); };
const desc = (k) => Object.getOwnPropertyDescriptor(a, k);
want(desc('c').value === c && !desc('c').writable && desc('c').enumerable && !desc('c').configurable, 'c is a value');
want(desc('inc').value === inc && desc('default').value === d, 'functions are values');
want(typeof desc('counter').get === 'function' && !desc('counter').configurable, 'counter keeps its getter');
want(typeof desc('h').get === 'function', 'h, assigned in swap, keeps its getter');
inc(); inc();
want(counter === 2 && ns.counter === 2 && a.counter === 2, 'live counter ' + counter);
swap();
want(h() === 2 && ns.h() === 2, 'live h');
want(d() === 'd' && c.x === 1, 'values');
a.c = 5;
want(a.c === c, 'a fixed export is read-only');
export default function () {}`,
	})
	r := e.load("main.js")
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}

// The namespace of a built-in module: `default` is the module object, its
// members are inherited, and it takes no new properties.
func TestBuiltinNamespace(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import http from 'k6/http';
import * as ns from 'k6/http';
import k6, { sleep } from 'k6';
const want = (cond, what) => { if (!cond) throw new Error(what); };
want(ns.default === http && typeof ns.get === 'function' && ns.get === http.get, 'members');
want('get' in ns && 'default' in ns && !('nope' in ns), 'in');
want(Object.keys(ns).join() === 'default', 'keys ' + Object.keys(ns));
want(Object.getPrototypeOf(ns) === http, 'prototype');
want(k6.sleep === sleep, 'default and named imports of k6');
ns.added = 1;
want(ns.added === undefined, 'a new property');
export default function () {}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}

// __ENV reads the shared environment; a VU's writes and deletions stay in
// that VU; a scenario's env is read over the run's.
func TestEnvObject(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export default function () {
  const want = (cond, what) => { if (!cond) throw new Error(what + ': ' + JSON.stringify(__ENV)); };
  if (__ITER === 0) {
    want(__ENV.TARGET === 'http://127.0.0.1:1' && __ENV.FROM_ENV === 'yes', 'read');
    want('FROM_ENV' in __ENV && !('NOPE' in __ENV) && __ENV.NOPE === undefined, 'in');
    want(Object.keys(__ENV).join() === 'FROM_ENV,SC,TARGET', 'keys');
    want(__ENV.SC === 'scenario', 'scenario env');
    __ENV.ADDED = 'x';
    __ENV.FROM_ENV = 'changed';
    delete __ENV.TARGET;
    want(Object.keys(__ENV).join() === 'FROM_ENV,SC,ADDED', 'keys after writes');
    want(JSON.stringify(__ENV) === '{"FROM_ENV":"changed","SC":"scenario","ADDED":"x"}', 'stringify');
    want(__ENV.TARGET === undefined && !__ENV.hasOwnProperty('TARGET'), 'deleted');
    __ENV.TARGET = 'back';
    want(Object.keys(__ENV).join() === 'FROM_ENV,SC,TARGET,ADDED', 'keys after re-adding');
  } else {
    want(__ENV.ADDED === 'x' && __ENV.FROM_ENV === 'changed' && __ENV.TARGET === 'back', 'writes persist in the VU');
  }
}`)
	sc := testScenario("s")
	sc.Env = map[string]string{"SC": "scenario"}
	noErrors(t, e.iterate(r, 1, sc, 2))
	// VU 2 starts from the shared environment: its first iteration's checks
	// would fail on VU 1's writes.
	noErrors(t, e.iterate(r, 2, sc, 1))
}

// The globals built on first use behave as plain globals.
func TestLazyGlobals(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
const want = (cond, what) => { if (!cond) throw new Error(what); };
want(typeof require === 'function' && typeof open === 'function', 'init functions');
export default async function () {
  for (const n of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'TextEncoder', 'TextDecoder']) {
    want(typeof globalThis[n] === 'function', n);
    want(n in globalThis, n + ' in globalThis');
  }
  want(typeof console.log === 'function' && console === globalThis.console, 'console');
  want(typeof toString === 'function' && typeof hasOwnProperty === 'function', 'Object.prototype still inherited');
  want(new TextDecoder().decode(new TextEncoder().encode('hé')) === 'hé', 'text codec');
  await new Promise((res) => setTimeout(res, 1));
  const log = console.log;
  console = { log: () => 'mine' };
  want(console.log() === 'mine', 'assigning a global');
  globalThis.console = { log };
  want(typeof Object.keys(globalThis).find === 'function', 'keys');
  want(typeof nosuchglobal === 'undefined', 'unknown global');
  let threw = false;
  try { nosuchglobal; } catch (e) { threw = e instanceof ReferenceError; }
  want(threw, 'ReferenceError for an unknown global');
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 2))
}

// TestVUFootprint bounds the heap a VU keeps, for a script with no imports
// (the runtime, globals, module wrapper and per-VU state) and for the
// memory benchmark's script (bench/scenarios/sleep.js: load/http and
// load), after two GCs. Budgets have ~25% headroom over what was
// measured on 2026-11-30 at 04:40 UTC (8.4 and 9.3 KiB: __ENV and __VU
// lazy, small name lists for maps, helper calls straight to the hub, one
// require and hub function, dynamic namespace and module objects, fixed
// exports as values; 11.4 and 14.3 KiB that morning, read after one GC,
// with esbuild's helpers run by the module hub, one TagCache shared by the
// VU and its HTTP client and shared recorders; 16.1 and 22.7 KiB the
// night before, 33 and 69 KiB before the lazy globals, shared __ENV and
// helper rewrites).
func TestVUFootprint(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		budget int64
	}{
		{"no imports", `export default function () {}`, 10752}, // 10.5 KiB
		{"bench sleep.js", `
import http from 'k6/http';
import { sleep } from 'k6';
const TARGET = __ENV.TARGET;
export const options = { vus: 1000, duration: '20s' };
export default function () { http.get(TARGET); sleep(1); }`, 11776}, // 11.5 KiB
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{"main.js": tc.src})
			r, err := Load(context.Background(), filepath.Join(e.dir, "main.js"), e.config())
			if err != nil {
				t.Fatal(err)
			}
			r.SetOptions(r.Options())
			const n = 50
			vus := make([]engine.VU, 0, n)
			before := settledHeap()
			for i := range n {
				v, err := r.NewVU(context.Background(), uint64(i+1))
				if err != nil {
					t.Fatal(err)
				}
				vus = append(vus, v)
			}
			per := (settledHeap() - before) / n
			runtime.KeepAlive(vus)
			t.Logf("heap per VU: %.1f KiB (budget %.1f KiB)", float64(per)/1024, float64(tc.budget)/1024)
			if per > tc.budget {
				t.Errorf("heap per VU = %.1f KiB, over the budget of %.1f KiB", float64(per)/1024, float64(tc.budget)/1024)
			}
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// Distinct exception messages are remembered up to maxLoggedExceptions, so
// a long run whose messages are all different does not grow without bound.
func TestLoggedExceptionsBounded(t *testing.T) {
	e := newEnv(t)
	r := e.script(`export default function () { throw new Error('request ' + __ITER); }`)
	n := maxLoggedExceptions + 50
	errs := e.iterate(r, 1, testScenario("s"), n)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("iteration %d: no error", i)
		}
	}
	logs := e.logged()
	if len(logs) != maxLoggedExceptions+1 {
		t.Fatalf("%d log lines, want %d (one per distinct message up to the limit, then one note)", len(logs), maxLoggedExceptions+1)
	}
	if last := logs[len(logs)-1]; !strings.Contains(last, "further new ones are not") {
		t.Errorf("last line %q, want the note on further messages", last)
	}
	if len(r.seen) != maxLoggedExceptions {
		t.Errorf("%d messages remembered, want %d", len(r.seen), maxLoggedExceptions)
	}
	if got := r.Exceptions(); got != int64(n) {
		t.Errorf("Exceptions() = %d, want %d", got, n)
	}
}
