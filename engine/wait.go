package engine

import (
	"context"
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
