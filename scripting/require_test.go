package scripting

import (
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
