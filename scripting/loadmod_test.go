package scripting

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

func TestCheckAndGroupSamples(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { check, group, sleep } from 'load';
import { Counter, Trend, Rate, Gauge } from 'load/metrics';
const c = new Counter('my_counter');
const same = new Counter('my_counter');
const tr = new Trend('my_trend', true);
if (!(c instanceof Counter) || c.name !== 'my_counter' || typeof c.add !== 'function') throw new Error('metric object');
export const options = { tags: { team: 'core' } };
export default function () {
  const all = check(1, { 'is one': (v) => v === 1, 'is two': (v) => v === 2, 'truthy literal': 'x' }, { kind: 'k' });
  if (all !== false) throw new Error('check must be false when one fails');
  const got = group('outer', () => {
    check(null, { 'in outer': true });
    return group('inner', () => {
      sleep(0.02);
      c.add(2, { where: 'inner' });
      return 'v';
    });
  });
  if (got !== 'v') throw new Error('group value');
  same.add(3);
  tr.add(12.5);
  let msg = '';
  try { check(0, { 'throws': () => { throw new Error('x'); } }); } catch (e) { msg = String(e); }
  if (msg.indexOf('x') < 0) throw new Error('exception from a check condition is rethrown');
}
`)
	sc := testScenario("probe")
	sc.Tags = map[string]string{"sctag": "s1"}
	noErrors(t, e.iterate(r, 1, sc, 2))
	snap := e.agg.Flush()

	tests := []struct {
		name   string
		metric string
		filter [][2]string
		count  int64
		trues  int64 // rates only
		sum    float64
	}{
		{"passing check", "checks", [][2]string{{"check", "is one"}, {"kind", "k"}, {"group", ""}, {"scenario", "probe"}, {"team", "core"}, {"sctag", "s1"}}, 2, 2, 0},
		{"failing check", "checks", [][2]string{{"check", "is two"}}, 2, 0, 0},
		{"literal check", "checks", [][2]string{{"check", "truthy literal"}}, 2, 2, 0},
		{"check in group", "checks", [][2]string{{"check", "in outer"}, {"group", "::outer"}}, 2, 2, 0},
		{"throwing check records a failure", "checks", [][2]string{{"check", "throws"}}, 2, 0, 0},
		{"all checks", "checks", nil, 10, 6, 0},
		{"counter in nested group", "my_counter", [][2]string{{"group", "::outer::inner"}, {"where", "inner"}}, 2, 0, 4},
		{"same name is the same counter", "my_counter", nil, 4, 0, 10},
		{"inner group duration", "group_duration", [][2]string{{"group", "::outer::inner"}}, 2, 0, -1},
		{"outer group duration", "group_duration", [][2]string{{"group", "::outer"}}, 2, 0, -1},
		{"iterations", "iterations", [][2]string{{"scenario", "probe"}, {"team", "core"}}, 2, 0, 2},
		{"iteration duration", "iteration_duration", [][2]string{{"scenario", "probe"}}, 2, 0, -1},
		{"trend", "my_trend", nil, 2, 0, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var filter []metrics.Tag
			for _, p := range tc.filter {
				filter = append(filter, tag(p[0], p[1]))
			}
			s := e.sink(snap, tc.metric, filter...)
			if s == nil {
				t.Fatalf("no samples of %s%v", tc.metric, tc.filter)
			}
			if s.Count != tc.count {
				t.Errorf("count = %d, want %d", s.Count, tc.count)
			}
			if tc.metric == "checks" && s.Trues != tc.trues {
				t.Errorf("passes = %d, want %d", s.Trues, tc.trues)
			}
			if tc.sum >= 0 && tc.metric != "checks" && math.Abs(s.Sum-tc.sum) > 1e-9 {
				t.Errorf("sum = %v, want %v", s.Sum, tc.sum)
			}
		})
	}
	inner := e.sink(snap, "group_duration", tag("group", "::outer::inner"))
	if inner.Min < 20 {
		t.Errorf("inner group_duration min = %v ms, want >= 20 (it sleeps 20 ms)", inner.Min)
	}
	if e.sink(snap, "iterations", tag("group", "::outer")) != nil {
		t.Errorf("iterations must not carry a group tag")
	}
}

func TestModuleErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
		inInit          bool
	}{
		{"declared outside init", `import { Counter } from 'load/metrics';
export default function () { new Counter('late'); }`, "custom metrics must be declared in the init context", false},
		{"same name other type", `import { Counter, Gauge } from 'load/metrics';
new Counter('dup'); new Gauge('dup');
export default function () {}`, `cannot create Gauge "dup"`, true},
		{"add in init", `import { Counter } from 'load/metrics';
new Counter('c').add(1);
export default function () {}`, "adding to metrics in the init context", true},
		{"async group", `import { group } from 'load';
export default function () { group('g', async () => {}); }`, "group() does not support async functions", false},
		{"group name with ::", `import { group } from 'load';
export default function () { group('a::b', () => {}); }`, "must not contain '::'", false},
		{"invalid value", `import { Counter } from 'load/metrics';
const c = new Counter('c');
export default function () { c.add('abc'); }`, `"abc" is not a valid value`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.write(map[string]string{"main.js": tc.src})
			r, err := Load(t.Context(), e.dir+"/main.js", e.config())
			if tc.inInit {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Load error = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			errs := e.iterate(r, 1, testScenario("s"), 1)
			if errs[0] == nil || !strings.Contains(errs[0].Error(), tc.want) {
				t.Fatalf("iteration error = %v, want %q", errs[0], tc.want)
			}
		})
	}
}

func TestSleepAndFail(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { sleep, fail } from 'load';
export default function () {
  const t0 = Date.now();
  sleep(0.05);
  const d = Date.now() - t0;
  if (d < 45) throw new Error('slept only ' + d);
  if (__ITER === 1) fail('stop here');
}
`)
	start := time.Now()
	errs := e.iterate(r, 1, testScenario("s"), 2)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "stop here") || !strings.Contains(errs[1].Error(), "main.js:8:") {
		t.Fatalf("fail() error = %v, want message with position main.js:8", errs[1])
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Errorf("two iterations with sleep(0.05) took %v", time.Since(start))
	}
	snap := e.agg.Flush()
	if s := e.sink(snap, "iterations"); s == nil || s.Sum != 2 {
		t.Errorf("iterations ended by fail() still count: got %+v", s)
	}
	if r.Exceptions() != 1 {
		t.Errorf("Exceptions() = %d, want 1", r.Exceptions())
	}
	if logs := e.logged(); len(logs) != 1 || !strings.Contains(logs[0], "stop here") {
		t.Errorf("logged %q, want the exception once", logs)
	}
}
