package scripting

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

func TestTimersAndPromises(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{"timeouts run in order", `
export default function () {
  const seen = [];
  setTimeout(() => seen.push(2), 20);
  setTimeout((x) => seen.push(x), 5, 1);
  const id = setTimeout(() => seen.push('cleared'), 10);
  clearTimeout(id);
  setTimeout(() => { if (seen.join() !== '1,2') throw new Error('order ' + seen.join()); }, 40);
}`, ""},
		{"interval until cleared", `
export default async function () {
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => { if (++n === 3) { clearInterval(id); resolve(); } }, 2);
  });
  if (n !== 3) throw new Error('n=' + n);
}`, ""},
		{"rejected async function fails the iteration", `
export default async function () {
  await new Promise((r) => setTimeout(r, 1));
  throw new Error('async boom');
}`, "main.js:4:9: Error: async boom"},
		{"unhandled rejection fails the iteration", `
export default function () {
  Promise.reject(new Error('nobody listens'));
}`, "main.js:3:18: Uncaught (in promise) Error: nobody listens"},
		{"handled rejection is fine", `
export default async function () {
  const p = Promise.reject(new Error('caught later'));
  await new Promise((r) => setTimeout(r, 1));
  try { await p; } catch (e) { return; }
  throw new Error('not caught');
}`, ""},
		{"exception in a timer callback fails the iteration", `
export default function () { setTimeout(() => { throw new Error('timer boom'); }, 1); }`, "timer boom"},
		{"promise chain settles before the iteration ends", `
let done = false;
export default function () {
  if (__ITER === 1 && !done) throw new Error('previous promise never ran');
  Promise.resolve(1).then(() => { done = true; });
}`, ""},
		{"TextEncoder and TextDecoder round trip utf-8", `
export default function () {
  const b = new TextEncoder().encode('São €');
  if (!(b instanceof Uint8Array) || b.length !== 8) throw new Error('len ' + b.length);
  const s = new TextDecoder().decode(b);
  if (s !== 'São €') throw new Error(s);
  if (new TextDecoder('utf-8').decode(b.buffer) !== 'São €') throw new Error('buffer');
}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.script(tc.src)
			errs := e.iterate(r, 1, testScenario("s"), 2)
			for _, err := range errs {
				if tc.wantErr == "" && err != nil {
					t.Fatal(err)
				}
				if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
			}
		})
	}
}

func TestOpen(t *testing.T) {
	e := newEnv(t)
	e.write(map[string]string{
		"scripts/main.js": `
import { fromLib } from './lib/reader.js';
const text = open('./data/hello.txt');
const bin = open('data/bytes.bin', 'b');
export default function () {
  if (text !== 'hi\n') throw new Error('text ' + JSON.stringify(text));
  if (fromLib !== 'beside the module') throw new Error('module-relative open: ' + fromLib);
  if (!(bin instanceof ArrayBuffer) || bin.byteLength !== 3 || new Uint8Array(bin)[2] !== 255) throw new Error('binary');
  let refused = false;
  try { open('./data/hello.txt'); } catch (e) { refused = String(e).indexOf('init context') >= 0; }
  if (!refused) throw new Error('open() outside init must throw');
}`,
		"scripts/data/hello.txt": "hi\n",
		"scripts/lib/reader.js":  "export const fromLib = open('./near.txt');\n",
		"scripts/lib/near.txt":   "beside the module",
		"scripts/data/bytes.bin": "\x00\x01\xff",
	})
	// Resolve against the script, not the working directory.
	t.Chdir(os.TempDir())
	r, err := Load(context.Background(), filepath.Join(e.dir, "scripts/main.js"), e.config())
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))

	e.write(map[string]string{"bad.js": "open('./missing.txt');\nexport default function () {}\n"})
	_, err = Load(context.Background(), filepath.Join(e.dir, "bad.js"), e.config())
	var se *Error
	if !errors.As(err, &se) || se.ExitCode != ExitScriptError || !strings.Contains(se.Message, "missing.txt") || !strings.Contains(se.Message, "bad.js:1:") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestSetupTeardown(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { Counter } from 'load/metrics';
const seen = new Counter('teardown_ok');
export function setup() {
  if (__VU !== 0) throw new Error('setup VU ' + __VU);
  return { items: [1, 2], nested: { s: 'x' } };
}
export default function (data) {
  if (data.items.join() !== '1,2' && data.items.join() !== '1,2,9') throw new Error('data ' + JSON.stringify(data));
  data.items.push(9);
}
export function teardown(data) {
  if (data.items.join() !== '1,2' || data.nested.s !== 'x') throw new Error('teardown saw ' + JSON.stringify(data));
  seen.add(1);
}
`)
	ctx := context.Background()
	if string(r.SetupData()) != "null" {
		t.Fatalf("SetupData before setup = %s", r.SetupData())
	}
	if err := r.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if got := string(r.SetupData()); got != `{"items":[1,2],"nested":{"s":"x"}}` {
		t.Fatalf("SetupData = %s", got)
	}
	noErrors(t, e.iterate(r, 1, testScenario("s"), 2))
	noErrors(t, e.iterate(r, 2, testScenario("s"), 1))
	if err := r.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if s := e.sink(e.agg.Flush(), "teardown_ok", tag("group", "::teardown")); s == nil || s.Sum != 1 {
		t.Fatalf("teardown sample = %+v", s)
	}
}

func TestLifecycleErrors(t *testing.T) {
	tests := []struct {
		name, src string
		teardown  bool
		code      int
		want      string
	}{
		{"setup timeout", `export const options = { setupTimeout: '50ms' };
export function setup() { while (true) {} }
export default function () {}`, false, ExitSetupTimeout, "setup() execution timed out"},
		{"teardown timeout", `import { sleep } from 'load';
export const options = { teardownTimeout: '50ms' };
export function teardown() { sleep(5); for (;;) {} }
export default function () {}`, true, ExitTeardownTimeout, "teardown() execution timed out"},
		// sleep() returns when the timeout ends the context, and teardown
		// with it, possibly before the interrupt lands: still a timeout.
		{"teardown timeout ending in sleep", `import { sleep } from 'load';
export const options = { teardownTimeout: '50ms' };
export function teardown() { sleep(5); }
export default function () {}`, true, ExitTeardownTimeout, "teardown() execution timed out"},
		{"setup returns a function", `export function setup() { return () => 1; }
export default function () {}`, false, ExitScriptError, "serialised to JSON"},
		{"setup throws", `export function setup() {
  throw new Error('no setup for you');
}
export default function () {}`, false, ExitScriptError, "main.js:2:"},
		{"teardown throws", `export function teardown() { null.x; }
export default function () {}`, true, ExitScriptError, "TypeError"},
		{"setup aborts", `import exec from 'load/execution';
export function setup() { exec.test.abort('bad env'); }
export default function () {}`, false, ExitAborted, "test aborted: bad env"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.script(tc.src)
			start := time.Now()
			var err error
			if tc.teardown {
				err = r.Teardown(context.Background())
			} else {
				err = r.Setup(context.Background())
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error = %v (%T), want *Error", err, err)
			}
			if se.ExitCode != tc.code || !strings.Contains(se.Message, tc.want) {
				t.Fatalf("got %d %q, want %d with %q", se.ExitCode, se.Message, tc.code, tc.want)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
}

func TestInterruptAndAbort(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import exec from 'load/execution';
export default function () {
  if (__ENV.MODE === 'abort') exec.test.abort('enough');
  for (;;) {}
}
`)
	var aborted atomic.Value
	r.SetAbortHandler(func(reason string) { aborted.Store(reason) })
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := v.RunIteration(ctx, &engine.Iteration{Scenario: testScenario("s"), VUID: 1}); err != nil {
		t.Fatalf("interrupted iteration returned %v, want nil", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("infinite loop interrupted after %v", d)
	}
	if s := e.sink(e.agg.Flush(), "iteration_duration"); s != nil {
		t.Errorf("interrupted iteration recorded iteration_duration: %+v", s)
	}

	sc := testScenario("s")
	sc.Env = map[string]string{"MODE": "abort"}
	err = v.RunIteration(context.Background(), &engine.Iteration{Scenario: sc, VUID: 1})
	var se *Error
	if !errors.As(err, &se) || se.ExitCode != ExitAborted || aborted.Load() != "enough" {
		t.Fatalf("abort: err=%v handler=%v", err, aborted.Load())
	}
}
