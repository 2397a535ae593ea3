package scripting

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Each script fails its iteration (throws) unless the feature works.
func TestTransformFeatures(t *testing.T) {
	tests := []struct {
		name, file, src string
	}{
		{"typescript annotations and interfaces", "main.ts", `
interface P { readonly x: number; y?: string }
type N = number;
function f(p: P): N { return p.x * 2; }
export default function (): void { if (f({ x: 21 }) !== 42) throw new Error('bad'); }`},
		{"optional chaining and nullish", "main.js", `
export default function () {
  const o = { a: { b: null } };
  if (o?.a?.b?.c !== undefined) throw new Error('chain');
  if ((o.a.b ?? 7) !== 7) throw new Error('nullish');
}`},
		{"object rest and spread", "main.js", `
export default function () {
  const { a, ...rest } = { a: 1, b: 2, c: 3 };
  const m = { ...rest, d: 4 };
  if (a !== 1 || Object.keys(m).join() !== 'b,c,d') throw new Error('rest');
}`},
		{"class private fields", "main.js", `
class C { #n = 1; inc() { return ++this.#n; } }
export default function () { if (new C().inc() !== 2) throw new Error('private'); }`},
		{"async default awaiting a timer", "main.js", `
const wait = (ms) => new Promise((res) => setTimeout(() => res(ms), ms));
export default async function () {
  const got = await wait(5);
  if (got !== 5) throw new Error('await');
}`},
		{"commonjs module.exports", "main.js", `
module.exports.default = function () { if (typeof require !== 'function') throw new Error('require'); };`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{tc.file: tc.src})
			r := e.load(tc.file)
			noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		main  string
		code  int
		want  string // substring of the message
	}{
		{
			name:  "syntax error in typescript reports the user's position",
			files: map[string]string{"bad.ts": "const a: number = 1;\nconst b: string = 'x';\nlet c = (1 + ;\n"},
			main:  "bad.ts", code: ExitScriptError, want: "bad.ts:3:14: SyntaxError",
		},
		{
			name: "init exception in typescript maps to the original line and column",
			files: map[string]string{"boom.ts": `interface A { x: number }
const a: A = { x: 1 };

    throw new Error('boom at init');
export default function () {}
`},
			main: "boom.ts", code: ExitScriptError, want: "boom.ts:4:11: Error: boom at init",
		},
		{
			name:  "exception in an imported module names that module",
			files: map[string]string{"main.js": "import './lib/x.js';\nexport default function () {}\n", "lib/x.js": "\n\nnull.f();\n"},
			main:  "main.js", code: ExitScriptError, want: "lib/x.js:3:",
		},
		{
			name:  "unsupported k6 module",
			files: map[string]string{"main.js": "import ws from 'k6/ws';\nexport default function () {}\n"},
			main:  "main.js", code: ExitScriptError, want: `module "k6/ws" is not supported by loadline`,
		},
		{
			name:  "remote module",
			files: map[string]string{"main.js": "import x from 'https://jslib.k6.io/x.js';\nexport default function () {}\n"},
			main:  "main.js", code: ExitScriptError, want: `module "https://jslib.k6.io/x.js" is not supported by loadline`,
		},
		{
			name:  "missing local module",
			files: map[string]string{"main.js": "import x from './nope';\nexport default function () {}\n"},
			main:  "main.js", code: ExitScriptError, want: `cannot find module "./nope"`,
		},
		{
			name:  "no default function",
			files: map[string]string{"main.js": "export function other() {}\n"},
			main:  "main.js", code: ExitScriptError, want: "does not export a default function",
		},
		{
			name:  "scenario exec not exported",
			files: map[string]string{"main.js": "export const options = { scenarios: { a: { executor: 'shared-iterations', exec: 'missing' } } };\nexport default function () {}\n"},
			main:  "main.js", code: ExitScriptError, want: `exec function "missing" is not exported`,
		},
		{
			name:  "invalid option value",
			files: map[string]string{"main.js": "export const options = { vus: 'many' };\nexport default function () {}\n"},
			main:  "main.js", code: ExitInvalidOptions, want: `options: invalid value for "vus": string is not an integer`,
		},
		{
			name:  "fractional VU count",
			files: map[string]string{"main.js": "export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2.5, duration: '1s' } } };\nexport default function () {}\n"},
			main:  "main.js", code: ExitInvalidOptions, want: `options: invalid value for "scenarios.vus": number 2.5 is not an integer`,
		},
		{
			name:  "options holding a function",
			files: map[string]string{"main.js": "export const options = () => 1;\nexport default function () {}\n"},
			main:  "main.js", code: ExitInvalidOptions, want: "options:",
		},
		{
			name:  "test.abort in the init context",
			files: map[string]string{"main.js": "import exec from 'k6/execution';\nexec.test.abort('stop now');\nexport default function () {}\n"},
			main:  "main.js", code: ExitAborted, want: "test aborted: stop now",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(tc.files)
			_, err := Load(context.Background(), filepath.Join(e.dir, tc.main), e.config())
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Load error = %v (%T), want *Error", err, err)
			}
			if se.ExitCode != tc.code {
				t.Errorf("exit code = %d, want %d (%s)", se.ExitCode, tc.code, se.Message)
			}
			if !strings.Contains(se.Message, tc.want) {
				t.Errorf("message = %q, want it to contain %q", se.Message, tc.want)
			}
			if strings.Contains(se.Message, "goroutine") || strings.Contains(se.Message, ".go:") {
				t.Errorf("message leaks Go internals: %q", se.Message)
			}
		})
	}
}

func TestOptionsRead(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export const options = {
  vus: 3, iterations: 7, tags: { team: 'x' }, userAgent: 'ua/1', maxRedirects: 2,
  noSuchOption: true, anotherOne: 1,
};
export default function () {}
`)
	o := r.Options()
	if o.VUs == nil || *o.VUs != 3 || o.Iterations == nil || *o.Iterations != 7 {
		t.Fatalf("vus/iterations = %v/%v", o.VUs, o.Iterations)
	}
	if o.Tags["team"] != "x" || o.UserAgent == nil || *o.UserAgent != "ua/1" {
		t.Errorf("tags/userAgent not read: %+v", o)
	}
	logs := strings.Join(e.logged(), "\n")
	for _, k := range []string{`"noSuchOption"`, `"anotherOne"`} {
		if strings.Count(logs, k) != 1 {
			t.Errorf("want one warning naming %s, got logs %q", k, logs)
		}
	}
	if strings.Contains(logs, `"vus"`) {
		t.Errorf("known option warned about: %q", logs)
	}
	cfg := r.httpConfig()
	if cfg.UserAgent != "ua/1" || cfg.MaxRedirects != 2 || cfg.Timeout.Seconds() != 60 {
		t.Errorf("http config = %+v", cfg)
	}
}
