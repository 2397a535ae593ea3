package scripting

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

func TestEventLoop(t *testing.T) {
	t.Run("completion from another goroutine", func(t *testing.T) {
		l := newEventLoop()
		done := l.register()
		ran := false
		go func() {
			time.Sleep(5 * time.Millisecond)
			done(func() error { ran = true; return nil })
		}()
		if err := l.run(context.Background()); err != nil || !ran {
			t.Fatalf("run = %v, ran = %v", err, ran)
		}
	})
	t.Run("callback error stops the loop", func(t *testing.T) {
		l := newEventLoop()
		boom := errors.New("boom")
		l.register()(func() error { return boom })
		l.register()(func() error { t.Error("ran after the error"); return nil })
		if err := l.run(context.Background()); !errors.Is(err, boom) {
			t.Fatalf("run = %v", err)
		}
	})
	t.Run("cancelled context ends the wait", func(t *testing.T) {
		l := newEventLoop()
		l.register() // never completes
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := l.run(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("run = %v", err)
		}
	})
	t.Run("ready callbacks run in deadline order", func(t *testing.T) {
		l := newEventLoop()
		now := time.Now()
		var order []int
		late := l.registerAt(now.Add(20 * time.Millisecond))
		early := l.registerAt(now.Add(5 * time.Millisecond))
		late(func() error { order = append(order, 20); return nil })
		early(func() error { order = append(order, 5); return nil })
		if err := l.run(context.Background()); err != nil || len(order) != 2 || order[0] != 5 {
			t.Fatalf("order = %v, err = %v", order, err)
		}
	})
	t.Run("reset drops late completions", func(t *testing.T) {
		l := newEventLoop()
		done := l.register()
		l.reset()
		done(func() error { t.Error("stale completion ran"); return nil })
		if err := l.run(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRunOnLoopAndLatency(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
export default async function () {
  const got = await globalThis.goAsync();
  if (got !== 'from go') throw new Error(got);
}`)
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	vu := v.(*vu)
	// What a module such as http.asyncRequest does: a promise settled from
	// another goroutine through RunOnLoop.
	_ = vu.rt.Set("goAsync", func() any {
		p, resolve, _ := vu.rt.NewPromise()
		complete := vu.RunOnLoop()
		go func() {
			time.Sleep(5 * time.Millisecond)
			complete(func() error { return resolve("from go") })
		}()
		return p
	})
	intended := time.Now().Add(-200 * time.Millisecond)
	it := &engine.Iteration{Scenario: testScenario("open"), VUID: 1, IntendedStart: intended, Start: time.Now()}
	if err := v.RunIteration(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	snap := e.agg.Flush()
	lat := e.sink(snap, "iteration_latency", tag("scenario", "open"))
	dur := e.sink(snap, "iteration_duration", tag("scenario", "open"))
	if lat == nil || dur == nil || lat.Count != 1 {
		t.Fatalf("latency %+v duration %+v", lat, dur)
	}
	if lat.Max < 200 || dur.Max < 5 || dur.Max >= lat.Max {
		t.Errorf("iteration_latency %v ms must include the 200 ms queue; iteration_duration %v ms the 5 ms wait", lat.Max, dur.Max)
	}
}
