package scripting

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

func TestExecutionModule(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import exec from 'load/execution';
import { Counter } from 'load/metrics';
const c = new Counter('tagged');
export const options = { scenarios: { probe: { executor: 'per-vu-iterations', vus: 1, iterations: 2 } }, tags: { o: '1' } };
const eq = (what, got, want) => { if (got !== want) throw new Error(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); };
export default function () {
  const now = Date.now();
  eq('idInInstance', exec.vu.idInInstance, __VU);
  eq('idInTest', exec.vu.idInTest, 7);
  eq('iterationInInstance', exec.vu.iterationInInstance, __ITER);
  eq('iterationInScenario', exec.vu.iterationInScenario, __ITER);
  eq('tags.scenario', exec.vu.tags.scenario, 'probe');
  eq('tags.o', exec.vu.tags.o, '1');
  eq('scenario.name', exec.scenario.name, 'probe');
  eq('scenario.executor', exec.scenario.executor, 'per-vu-iterations');
  eq('startTime in the past', exec.scenario.startTime <= now && exec.scenario.startTime > now - 60000, true);
  eq('progress', exec.scenario.progress, 0);
  eq('iterationInTest', exec.scenario.iterationInTest, 10 + __ITER);
  eq('vusInitialized', exec.instance.vusInitialized, 1);
  eq('vusActive', exec.instance.vusActive, 1);
  eq('iterationsCompleted', exec.instance.iterationsCompleted, __ITER);
  eq('currentTestRunDuration is a number', typeof exec.instance.currentTestRunDuration, 'number');
  eq('test.options', exec.test.options.scenarios.probe.executor, 'per-vu-iterations');
  if (__ITER === 0) {
    exec.vu.tags.marker = 'm';
    exec.vu.tags.num = 5;
  }
  eq('written tag', exec.vu.tags.marker, 'm');
  eq('number tag', exec.vu.tags.num, '5');
  let threw = false;
  try { exec.vu.tags.bad = { x: 1 }; } catch (e) { threw = true; }
  eq('object tag refused', threw, true);
  c.add(1);
}
`)
	sc := &engine.Scenario{Name: "probe", Executor: "per-vu-iterations", StartTime: time.Now().Add(-time.Second)}
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		it := &engine.Iteration{Scenario: sc, VUID: 1, VUIDInTest: 7, InScenarioVU: int64(i), InScenario: int64(10 + i)}
		if err := v.RunIteration(context.Background(), it); err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
	}
	s := e.sink(e.agg.Flush(), "tagged", tag("marker", "m"), tag("o", "1"), tag("scenario", "probe"))
	if s == nil || s.Sum != 2 {
		t.Fatalf("samples with vu.tags = %+v", s)
	}

	e.write(map[string]string{"hook.js": `import exec from 'load/execution';
export default function () { if (exec.instance.vusActive !== 42) throw new Error('hook not used'); }`})
	r2 := e.load("hook.js")
	r2.SetExecutionState(func() ExecState { return ExecState{VUsActive: 42} })
	noErrors(t, e.iterate(r2, 1, testScenario("s"), 1))
}

func TestConsole(t *testing.T) {
	tests := []struct {
		name    string
		verbose bool
		want    []string
		notWant []string
	}{
		{"default", false, []string{
			`level=info msg="init line" source=console`,
			`level=info msg="a 42 {\"n\":{\"ok\":true}} [1,2] null undefined true" source=console`,
			`level=warning msg="w" source=console`,
			`level=error msg="e" source=console`,
		}, []string{"dbg"}},
		{"verbose shows debug", true, []string{`level=debug msg="dbg" source=console`}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{"main.js": `
console.log('init line');
export default function () {
  console.log('a', 42, { n: { ok: true } }, [1, 2], null, undefined, true);
  console.warn('w'); console.error('e'); console.debug('dbg');
}`})
			cfg := e.config()
			cfg.Verbose = tc.verbose
			r, err := Load(context.Background(), e.dir+"/main.js", cfg)
			if err != nil {
				t.Fatal(err)
			}
			noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
			out := e.console.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("console output lacks %s\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("console output has %s\n%s", w, out)
				}
			}
		})
	}
}

func TestHandleSummary(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export default function () {}
export function handleSummary(data) {
  return {
    stdout: 'count=' + data.metrics.iterations.values.count + '\n',
    'out/bin.dat': new Uint8Array([1, 2, 3]).buffer,
    'obj.json': { a: 1 },
  };
}`)
	if !r.HasHandleSummary() {
		t.Fatal("HasHandleSummary = false")
	}
	out, err := r.HandleSummary(context.Background(), map[string]any{
		"metrics": map[string]any{"iterations": map[string]any{"values": map[string]any{"count": 3}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"stdout": "count=3\n", "out/bin.dat": "\x01\x02\x03", "obj.json": `{"a":1}`}
	for k, w := range want {
		if string(out[k]) != w {
			t.Errorf("%s = %q, want %q", k, out[k], w)
		}
	}
	if len(out) != len(want) {
		t.Errorf("outputs = %v", out)
	}

	e.write(map[string]string{"none.js": "export default function () {}"})
	if e.load("none.js").HasHandleSummary() {
		t.Error("HasHandleSummary = true without handleSummary")
	}
}
