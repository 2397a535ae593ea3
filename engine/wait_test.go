package engine

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// TestFineClock: the fine timer is used on the real clock (on Linux) and
// never under testing/synctest's fake clock, where a real nanosleep would
// not advance time.
func TestFineClock(t *testing.T) {
	if got, want := fineClock(), runtime.GOOS == "linux"; got != want {
		t.Fatalf("fineClock() on the real clock = %v, want %v on %s", got, want, runtime.GOOS)
	}
	synctest.Test(t, func(t *testing.T) {
		if fineClock() {
			t.Fatal("fineClock() = true under synctest's fake clock")
		}
	})
}

func TestWaitUntil(t *testing.T) {
	closed := make(chan struct{})
	close(closed)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		stop chan struct{}
		in   time.Duration
		fine bool
		want bool
	}{
		{"fine, due in 300µs", context.Background(), nil, 300 * time.Microsecond, true, true},
		{"fine, due in 5ms (timer, then fine sleep)", context.Background(), nil, 5 * time.Millisecond, true, true},
		{"fine, already due", context.Background(), nil, -time.Millisecond, true, true},
		{"coarse, due in 2ms", context.Background(), nil, 2 * time.Millisecond, false, true},
		{"fine, stop closed", context.Background(), closed, 300 * time.Microsecond, true, false},
		{"fine, stop closed before a long wait", context.Background(), closed, time.Hour, true, false},
		{"fine, ctx cancelled", cancelled, nil, 300 * time.Microsecond, true, false},
		{"coarse, ctx cancelled", cancelled, nil, time.Hour, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ft *fineTimer
			if tc.fine {
				if ft = newFineTimer(); ft != nil {
					defer ft.Close()
				}
			}
			at := time.Now().Add(tc.in)
			got := waitUntil(tc.ctx, tc.stop, at, ft)
			if got != tc.want {
				t.Fatalf("waitUntil = %v, want %v", got, tc.want)
			}
			// A completed wait never returns early (no timing bound on
			// lateness here: that is the benchmark's job, bench/arrival).
			if got && time.Now().Before(at) {
				t.Fatalf("waitUntil returned %v before the due time", time.Until(at))
			}
		})
	}
}

// TestFineTimerNeverEarly: back-to-back waits of 0 to 1.5 ms on one
// fineTimer (as the scheduler does at high rates) never return before their
// due time, whether the timerfd or the deadline ended the previous wait.
func TestFineTimerNeverEarly(t *testing.T) {
	ft := newFineTimer()
	if ft == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("newFineTimer() = nil on Linux")
		}
		ft = &fineTimer{}
	} else {
		defer ft.Close()
	}
	for i := range 200 {
		at := time.Now().Add(time.Duration(i%16) * 100 * time.Microsecond)
		ft.sleepUntil(at)
		if early := time.Until(at); early > 0 {
			t.Fatalf("wait %d returned %v early", i, early)
		}
	}
}

// fineBudget grants fineWaitsPerSecond fine waits a second, fineBudgetBurst
// saved up at most: all of them when asked less often, that many (and the
// saved ones) when asked more often.
func TestFineBudget(t *testing.T) {
	t0 := time.Unix(1000, 0)
	for _, tc := range []struct {
		every time.Duration // between requests, for one second
		want  int           // granted
	}{
		{every: 2 * time.Millisecond, want: 500},
		{every: time.Millisecond, want: 1000},
		{every: 250 * time.Microsecond, want: fineWaitsPerSecond + fineBudgetBurst - 1},
		{every: 10 * time.Microsecond, want: fineWaitsPerSecond + fineBudgetBurst - 1},
	} {
		var b fineBudget
		got := 0
		for at := t0; at.Before(t0.Add(time.Second)); at = at.Add(tc.every) {
			if b.take(at) {
				got++
			}
		}
		if got < tc.want-1 || got > tc.want+1 {
			t.Errorf("every %v: %d fine waits in a second, want %d", tc.every, got, tc.want)
		}
	}
	// After a pause, fineBudgetBurst at once, then the rate again.
	var b fineBudget
	b.take(t0)
	at := t0.Add(time.Second)
	for i := range fineBudgetBurst {
		if !b.take(at) {
			t.Fatalf("after a pause: fine wait %d of %d at once refused", i+1, fineBudgetBurst)
		}
	}
	if b.take(at) {
		t.Errorf("after a pause: more than %d fine waits at once", fineBudgetBurst)
	}
	if !b.take(at.Add(time.Millisecond)) {
		t.Error("a millisecond later: want one more")
	}
}

// lateAtEnd: a start due inside the window whose wait the window's own end
// cut short is still made if at most endGrace late; not after Stop, not
// when the run is cancelled, not for a start due at or after the end, and
// not when it is later than that.
func TestLateAtEnd(t *testing.T) {
	now := time.Now()
	mk := func() *execution {
		e := &Engine{stopCh: make(chan struct{})}
		x := &execution{r: &scenarioRun{e: e}, end: now.Add(-300 * time.Microsecond)}
		x.ctx, x.cancel = context.WithCancel(context.Background())
		return x
	}
	x := mk()
	defer x.cancel()
	if !x.lateAtEnd(now.Add(-600 * time.Microsecond)) {
		t.Error("a start due 0.3 ms before the end, 0.6 ms late: want it made")
	}
	if x.lateAtEnd(x.end) {
		t.Error("a start due at the end (outside the half-open window): want it not made")
	}
	if x.lateAtEnd(now.Add(-endGrace - time.Millisecond)) {
		t.Error("a start more than endGrace late: want it not made")
	}
	stopped := mk()
	defer stopped.cancel()
	close(stopped.r.e.stopCh)
	if stopped.lateAtEnd(now.Add(-600 * time.Microsecond)) {
		t.Error("after Stop: want no start")
	}
	cancelled := mk()
	cancelled.cancel()
	if cancelled.lateAtEnd(now.Add(-600 * time.Microsecond)) {
		t.Error("run cancelled: want no start")
	}
}
