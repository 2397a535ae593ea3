package scripting

import (
	"context"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
)

// TestCheckSemantics pins down what a script sees of check(): the
// conditions run in the order of the set's own enumerable string keys, each
// with the value as its only argument; a value that is not a function
// counts by its truthiness; an exception from a condition is recorded as a
// failure and rethrown as the same object, and the conditions after it do
// not run; a condition may call check() itself; check's function object
// keeps its name.
func TestCheckSemantics(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { check } from 'load';
function eq(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want));
}
export default function () {
  const order = [];
  const proto = { inherited: () => { order.push('inherited'); return true; } };
  const sets = Object.create(proto);
  sets.b = (v) => { order.push('b:' + v); return true; };
  sets.a = function (v) { order.push('a:' + arguments.length + ':' + v); return 1; };
  Object.defineProperty(sets, 'hidden', { value: () => { order.push('hidden'); return false; }, enumerable: false });
  sets['2'] = () => { order.push('2'); return 'yes'; };
  sets.lit = 0;
  sets[Symbol('s')] = () => { order.push('symbol'); return false; };
  eq('result with a false literal', check('v', sets), false);
  eq('order', order, ['2', 'b:v', 'a:1:v']);
  delete sets.lit;
  eq('result when all pass', check('w', sets), true);

  eq('native condition', [check(5, { n: Boolean }), check(0, { n: Boolean })], [true, false]);
  eq('no sets', [check(1), check(1, null), check(1, 5)], [true, true, true]);

  const thrown = new Error('boom');
  const after = [];
  let caught;
  try {
    check(1, { first: () => true, throws: () => { throw thrown; }, later: () => { after.push('later'); return true; } });
  } catch (e) { caught = e; }
  eq('same exception rethrown', caught === thrown, true);
  eq('conditions after the exception', after, []);
  let primitive;
  try { check(1, { p: () => { throw 42; } }); } catch (e) { primitive = e; }
  eq('primitive exception', primitive, 42);

  const outer = { o: 1 }, inner = { i: 2 };
  const seen = [];
  const nested = check(outer, {
    'outer first': (x) => {
      seen.push(check(inner, { 'inner': (y) => { seen.push(y === inner); return y === inner; } }));
      seen.push(x === outer);
      return x === outer;
    },
    'outer second': (x) => x === outer,
  });
  eq('nested', [nested, seen], [true, [true, true, true]]);

  eq('name', [check.name, String(check), check.length],
    ['github.com/loadline/loadline/scripting.(*vu).check-fm', 'function github.com/loadline/loadline/scripting.(*vu).check-fm() { [native code] }', 0]);
  eq('own properties', Object.getOwnPropertyNames(check), ['length', 'name']);
  const d = Object.getOwnPropertyDescriptor(check, 'name');
  eq('name descriptor', [d.writable, d.enumerable, d.configurable], [false, false, true]);
  let stack = '';
  try { check(1, { s: () => { throw new Error('where'); } }); } catch (e) { stack = e.stack; }
  if (stack.indexOf('at github.com/loadline/loadline/scripting.(*vu).check-fm (native)') < 0) throw new Error('stack: ' + stack);
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 2))
	snap := e.agg.Flush()
	tests := []struct {
		check        string
		count, trues int64
	}{
		{"2", 4, 4}, {"b", 4, 4}, {"a", 4, 4}, {"lit", 2, 0},
		{"hidden", 0, 0}, {"inherited", 0, 0},
		{"first", 2, 2}, {"throws", 2, 0}, {"later", 0, 0}, {"p", 2, 0}, {"s", 2, 0},
		{"n", 4, 2}, {"outer first", 2, 2}, {"outer second", 2, 2}, {"inner", 2, 2},
	}
	for _, tc := range tests {
		s := e.sink(snap, "checks", tag("check", tc.check))
		var count, trues int64
		if s != nil {
			count, trues = s.Count, s.Trues
		}
		if count != tc.count || trues != tc.trues {
			t.Errorf("check %q: %d samples, %d passed; want %d, %d", tc.check, count, trues, tc.count, tc.trues)
		}
	}
}

// TestCheckAndAddTagsFollowTheVU: the tag sets of checks and of metric
// samples without tags of their own follow the group, exec.vu.tags and the
// scenario as they change, however often the same check runs.
func TestCheckAndAddTagsFollowTheVU(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { check, group } from 'load';
import exec from 'load/execution';
import { Trend } from 'load/metrics';
const tr = new Trend('follow_trend');
function both() {
  check(1, { 'c': (v) => v === 1, 'd': true });
  tr.add(1);
}
export default function () {
  delete exec.vu.tags.x;
  both(); both();
  group('g', () => { both(); group('h', both); both(); });
  both();
  exec.vu.tags.x = '1';
  both();
  group('g', both);
  exec.vu.tags.x = '2';
  both();
  tr.add(1, { own: 'o' });
  check(1, { 'c': true }, { extra: 'e' });
  both();
}`)
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "a"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := v.RunIteration(ctx, &engine.Iteration{Scenario: testScenario(name), VUID: 1, VUIDInTest: 1, Start: time.Now()})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	snap := e.agg.Flush()
	// Per iteration: 10 calls of both (3 of them in group g, 1 in g::h):
	// 6 without x, then 2 with x=1 (one in g), then 2 with x=2, with a
	// check and an add with tags of their own between those two.
	tests := []struct {
		metric string
		filter [][2]string
		count  int64
	}{
		{"checks", [][2]string{{"check", "c"}}, 3*10 + 3},
		{"checks", [][2]string{{"check", "d"}}, 3 * 10},
		{"checks", [][2]string{{"check", "c"}, {"scenario", "a"}}, 2 * 11},
		{"checks", [][2]string{{"check", "c"}, {"scenario", "b"}}, 11},
		{"checks", [][2]string{{"check", "c"}, {"group", ""}}, 3 * 7},
		{"checks", [][2]string{{"check", "c"}, {"group", "::g"}}, 3 * 3},
		{"checks", [][2]string{{"check", "c"}, {"group", "::g::h"}}, 3},
		{"checks", [][2]string{{"check", "d"}, {"x", "1"}}, 3 * 2},
		{"checks", [][2]string{{"check", "d"}, {"x", "1"}, {"group", "::g"}}, 3},
		{"checks", [][2]string{{"check", "d"}, {"x", "2"}}, 3 * 2},
		{"checks", [][2]string{{"check", "c"}, {"extra", "e"}}, 3},
		{"checks", [][2]string{{"check", "c"}, {"extra", "e"}, {"x", "2"}}, 3},
		{"follow_trend", nil, 3 * 11},
		{"follow_trend", [][2]string{{"scenario", "a"}}, 2 * 11},
		{"follow_trend", [][2]string{{"group", "::g"}}, 3 * 3},
		{"follow_trend", [][2]string{{"group", "::g::h"}}, 3},
		{"follow_trend", [][2]string{{"x", "1"}}, 3 * 2},
		{"follow_trend", [][2]string{{"x", "1"}, {"group", "::g"}}, 3},
		{"follow_trend", [][2]string{{"x", "2"}}, 3 * 3},
		{"follow_trend", [][2]string{{"own", "o"}, {"x", "2"}}, 3},
	}
	for _, tc := range tests {
		var filter []metrics.Tag
		for _, p := range tc.filter {
			filter = append(filter, tag(p[0], p[1]))
		}
		var count int64
		if s := e.sink(snap, tc.metric, filter...); s != nil {
			count = s.Count
		}
		if count != tc.count {
			t.Errorf("%s%v: %d samples, want %d", tc.metric, tc.filter, count, tc.count)
		}
	}
}
