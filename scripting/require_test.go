package scripting

import (
	"strings"
	"testing"
)

func TestModuleResolution(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{
		"main.js": `
import { check } from 'k6';
import loadDefault, { sleep } from 'load';
import * as metricsNS from 'load/metrics';
import esm, { twice, counter } from './lib/esm.js';
import { typed } from './lib/typed';
import { typed as typedByJsName } from './lib/typed.js';
import cfg from './lib/cfg.json';
const cjs = require('./lib/cjs.js');
const again = require('./lib/esm');

export default function () {
  if (typeof check !== 'function' || typeof sleep !== 'function') throw new Error('named built-in imports');
  if (loadDefault.check !== check) throw new Error('default import of a built-in is the module object');
  if (typeof metricsNS.Counter !== 'function') throw new Error('namespace import');
  if (esm.label !== 'esm default' || twice(4) !== 8) throw new Error('local ESM');
  if (typed(2) !== 'n=2') throw new Error('TypeScript module without extension');
  if (typedByJsName !== typed) throw new Error('a .ts module imported by its .js name');
  if (cfg.answer !== 42 || cfg.list.length !== 2) throw new Error('JSON module');
  if (cjs.sum(2, 3) !== 5 || cjs.fromEsm !== 8) throw new Error('CommonJS module requiring ESM');
  if (again.twice !== twice) throw new Error('one instance per VU');
  if (counter() !== __ITER + 1) throw new Error('module state kept across iterations: ' + counter());
}
`,
		"lib/esm.js": `
import { helper } from '../lib/sub/helper.js';
let n = 0;
export function twice(x) { return helper(x) * 2; }
export function counter() { return ++n; }
export default { label: 'esm default' };
`,
		"lib/sub/helper.js": "export const helper = (x) => x;\n",
		"lib/cfg.json":      `{"answer": 42, "list": [1, 2]}`,
		"lib/typed.ts":      "export function typed(n: number): string { return `n=${n}`; }\n",
		"lib/cjs.js":        "const { twice } = require('./esm.js');\nmodule.exports = { sum: (a, b) => a + b, fromEsm: twice(4) };\n",
	})
	r := e.load("main.js")
	noErrors(t, e.iterate(r, 1, testScenario("s"), 3))
	// A second VU has its own module state (counter starts again).
	noErrors(t, e.iterate(r, 2, testScenario("s"), 2))
}

// TestBuiltinModuleObjects checks the ways k6 scripts use a built-in
// module's object: each row is an expression that must be true, in a script
// that imports load/http every usual way.
func TestBuiltinModuleObjects(t *testing.T) {
	tests := []struct{ name, expr string }{
		{"default import has own members", `Object.keys(http).includes('get') && http.hasOwnProperty('post')`},
		{"require gives the same object", `require('k6/http') === http`},
		{"spread", `typeof ({ ...http }).get === 'function'`},
		{"Object.assign", `typeof Object.assign({}, http, { extra: 1 }).batch === 'function'`},
		{"Object.entries", `Object.entries(http).some(([k, v]) => k === 'request' && typeof v === 'function')`},
		{"namespace import", `typeof ns.get === 'function' && ns.default === http`},
		{"named import", `get === http.get`},
		{"destructuring", `(() => { const { get: g, del } = http; return g === http.get && typeof del === 'function'; })()`},
		{"dynamic member", `typeof http['GET'.toLowerCase()] === 'function'`},
		{"replacing a member is seen by every import", `(() => { const orig = http.get; http.get = () => 'wrapped'; const r = ns.get() === 'wrapped'; http.get = orig; return r; })()`},
		{"one namespace per module and VU", `ns === nsAgain`},
		{"k6 module keys", `['check', 'group', 'sleep', 'fail'].every((k) => Object.keys(k6).includes(k))`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{
				"lib.js": "import * as nsAgain from 'k6/http';\nexport { nsAgain };\n",
				"main.js": `
import http, { get } from 'k6/http';
import * as ns from 'k6/http';
import k6 from 'k6';
import { nsAgain } from './lib.js';
export default function () {
  if (!(` + tc.expr + `)) throw new Error('false: ' + ` + "`" + tc.expr + "`" + `);
}
`,
			})
			noErrors(t, e.iterate(e.load("main.js"), 1, testScenario("s"), 1))
		})
	}
}

// require() of something other than a module name is a TypeError that says
// what require takes, not a silent undefined (require is also the module
// hub's function, which takes a number first).
func TestRequireNonString(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export default function () {
  for (const bad of [{}, [], () => 1, 42, null, undefined, true, Symbol('x'), new String('k6')]) {
    let msg = '';
    try { require(bad); } catch (e) { msg = String(e); }
    if (!msg.startsWith('TypeError: require: the module name must be a string')) throw new Error('require(' + typeof bad + '): ' + (msg || 'no error'));
  }
  let msg = '';
  try { require(); } catch (e) { msg = String(e); }
  if (!msg.startsWith('TypeError: require: the module name must be a string')) throw new Error('require(): ' + (msg || 'no error'));
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}

// routeToESM's __toESM (used when esbuild's helpers are not the ones the
// hub rewrites know) asks the hub for a built-in module's namespace with
// operation 5, and gets undefined for any other object.
func TestRouteToESMHubOp(t *testing.T) {
	if got := routeToESM("var __toESM = (mod) => mod;\n"); !strings.Contains(got, "__builtinESM(5, mod) || __esbuildToESM(") {
		t.Fatalf("routeToESM output:\n%s", got)
	}
	e := newEnv(t)
	r := e.script(`
import http from 'k6/http';
export default function () {
  const ns = require(5, require('k6/http'));
  if (typeof ns !== 'object' || ns.get !== http.get) throw new Error('namespace of k6/http: ' + ns);
  if (require(5, {}) !== undefined) throw new Error('a plain object has no built-in namespace');
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}
