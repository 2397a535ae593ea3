package engine

import (
	"context"
	"sync/atomic"
	"time"
)

// coarseMargin is how long before a start the arrival-rate scheduler stops
// trusting a runtime timer. Go's timers wake late by up to about 1 ms when
// the process is idle (the netpoller waits in whole milliseconds on Linux),
// which at 1,000 starts/s would be a full inter-arrival gap of schedule lag.
// So the scheduler sleeps on a timer until coarseMargin before the start
// (interruptible by Stop and ctx), then waits the rest on a fineTimer, which
// wakes within about 0.1 ms without spinning a CPU or holding a P.
const coarseMargin = 1500 * time.Microsecond

// fineMinGap is the least gap between two intended starts for which the
// second is waited for on the fineTimer. Each fine wait wakes the process
// once: about 40 µs of CPU on a virtual machine (a timerfd expiry, a
// thread's sleep and wake-up), which at 10,000 starts/s is half a core, and
// at 34,000/s more than one core can give, so most starts were dropped
// (bench/RESULTS.md, fifth round). Starts closer together than this wait on
// the runtime timer: in a busy process it is checked on every scheduling
// round, and in an idle one it wakes within about 1 ms, which groups the
// starts of each millisecond into one wake-up, as Go programs that sleep
// per start do (k6). So a schedule keeps sub-millisecond start times up to
// about 1,100 starts/s and pays at most that many fine wake-ups a second.
const fineMinGap = 900 * time.Microsecond

// fineWaits counts the waits that armed a fineTimer (the tests check that
// dense schedules do not).
var fineWaits atomic.Int64

// waitUntil waits until t; it returns false when stop closes or ctx is done
// first (checked again after the fine wait, which is not interruptible and
// lasts at most coarseMargin). With ft nil it is sleepUntil: the runtime
// timer alone, which is what a fake clock (testing/synctest) needs.
func waitUntil(ctx context.Context, stop <-chan struct{}, t time.Time, ft *fineTimer) bool {
	if ft == nil {
		return sleepUntil(ctx, stop, t)
	}
	if time.Until(t) > coarseMargin {
		if !sleepUntil(ctx, stop, t.Add(-coarseMargin)) {
			return false
		}
	}
	ft.sleepUntil(t)
	select {
	case <-stop:
		return false
	default:
	}
	return ctx.Err() == nil
}
