package scripting

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
)

// The interrupt hook stays registered on a context across iterations: a
// context cancelled between two iterations still interrupts the next one
// that runs with it, and a later iteration with a fresh context runs clean.
func TestInterruptAcrossIterations(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export default function () {
  if (__ITER === 1) { for (;;) {} }
  let s = 0;
  for (let i = 0; i < 1000; i++) s += i;
  if (s !== 499500) throw new Error('sum ' + s);
}`)
	ev, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	sc := testScenario("s")
	run := func(ctx context.Context) (error, time.Duration) {
		start := time.Now()
		err := ev.RunIteration(ctx, &engine.Iteration{Scenario: sc, VUID: 1, Start: start})
		return err, time.Since(start)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err, _ := run(ctx); err != nil {
		t.Fatalf("iteration 0: %v", err)
	}
	cancel()
	// __ITER 1 loops forever: only the interrupt of the (already done)
	// context ends it.
	if err, took := run(ctx); err != nil || took > 5*time.Second {
		t.Fatalf("iteration 1 with a done context: err %v after %s, want nil at once", err, took)
	}
	if got := r.iterationsInterrupted.Load(); got != 1 {
		t.Errorf("iterations interrupted = %d, want 1", got)
	}
	// A fresh context: no interrupt left over.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err, _ := run(ctx2); err != nil {
		t.Fatalf("iteration 2 with a fresh context: %v", err)
	}
	// Cancelled while running.
	ev2, err := r.NewVU(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx3, cancel3 := context.WithCancel(context.Background())
	if err := ev2.RunIteration(ctx3, &engine.Iteration{Scenario: sc, VUID: 2}); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel3)
	start := time.Now()
	if err := ev2.RunIteration(ctx3, &engine.Iteration{Scenario: sc, VUID: 2}); err != nil {
		t.Fatalf("interrupted iteration: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("cancel during the loop took %s to interrupt", took)
	}
}

// baseTags is one pair per key, later sources winning (options, scenario,
// exec.vu.tags, scenario name), sorted by key, the same list on every
// call, and rebuilt after a write to exec.vu.tags.
func TestBaseTagsStable(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import exec from 'k6/execution';
export const options = { tags: { a: 'opt', b: 'opt', z: 'opt' } };
export default function () {
  if (__ITER === 0) exec.vu.tags.c = 'vu';
  if (__ITER === 1) exec.vu.tags.z = 'vu2';
}`)
	r.SetOptions(r.Options())
	ev, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	v := ev.(*vu)
	sc := testScenario("s1")
	sc.Tags = map[string]string{"b": "sc", "c": "sc", "d": "sc", "e": "sc", "f": "sc"}
	it := &engine.Iteration{Scenario: sc, VUID: 1}
	tags := func() []metrics.Tag {
		v.it = it
		defer func() { v.it = nil }()
		return v.baseTags(nil)
	}
	want := []metrics.Tag{tag("a", "opt"), tag("b", "sc"), tag("c", "sc"), tag("d", "sc"), tag("e", "sc"), tag("f", "sc"), tag("scenario", "s1"), tag("z", "opt")}
	for i := range 20 {
		if got := tags(); !slices.Equal(got, want) {
			t.Fatalf("call %d: %v, want %v", i, got, want)
		}
	}
	first := v.iterationTags()
	for iter, change := range []struct {
		key, val string
	}{{"c", "vu"}, {"z", "vu2"}} {
		if err := v.RunIteration(context.Background(), it); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if want[i].Key == change.key {
				want[i].Value = change.val
			}
		}
		if got := tags(); !slices.Equal(got, want) {
			t.Fatalf("after iteration %d: %v, want %v", iter, got, want)
		}
	}
	v.it = it
	if v.iterationTags() == first {
		t.Errorf("iteration tag set not rebuilt after exec.vu.tags changed")
	}
}

// The built-in modules whose members are made on first use list every
// member and return the same object on every read.
func TestLazyModuleMembers(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import * as k6 from 'k6';
import load from 'k6';
import metrics from 'k6/metrics';
import exec from 'k6/execution';
import { Trend } from 'k6/metrics';
const want = (cond, what) => { if (!cond) throw new Error(what); };
want(Object.keys(load).join() === 'check,group,sleep,fail,randomSeed', 'load keys ' + Object.keys(load));
want(Object.keys(metrics).join() === 'Counter,Gauge,Rate,Trend', 'metrics keys');
want(Object.keys(exec).join() === 'vu,scenario,instance,test', 'execution keys');
want(k6.check === load.check && load.sleep === load.sleep, 'identity');
want(metrics.Trend === Trend && new Trend('t1') instanceof Trend, 'Trend');
want(Object.getPrototypeOf(new metrics.Counter('c1')).add === Object.getPrototypeOf(new Trend('t2')).add, 'shared add');
export default function () {
  want(exec.vu === exec.vu && exec.vu.idInInstance === 1, 'exec.vu');
  want(exec.scenario.name === 's', 'exec.scenario');
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
}
