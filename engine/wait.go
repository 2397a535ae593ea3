package engine

import (
	"context"
	"sync"
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

// fineWaitsPerSecond is how many waits a second an arrival-rate scheduler
// may make on its fineTimer (fineBudget). Each fine wait wakes the process
// once: about 40 µs of CPU on a virtual machine (a timerfd expiry, a
// thread's sleep and wake-up), which at 10,000 starts/s was half a core
// and at 34,000/s more than one core could give, so most starts were
// dropped (bench/RESULTS.md, fifth round). The other starts wait on the
// runtime timer alone: on time in a busy process (it is checked on every
// scheduling round), up to about 1 ms late in an idle one (the netpoller
// sleeps in whole milliseconds), where it groups the starts of each
// millisecond into one wake-up, as Go programs that sleep per start do
// (k6). So up to 1,000 starts/s in all (the budget is the engine's, shared
// by its scenarios) every start is on time, and above that the share of
// starts that can be up to 1 ms late grows with the rate (about half of
// them at 2,000/s), without a step at the limit. Only starts still to come
// draw on it: one already due starts at once.
const fineWaitsPerSecond = 1000

// fineBudgetBurst is how many fine waits fineBudget saves up: starts of
// several scenarios often fall due at the same instant (10 scenarios of
// 50/s all start every 20 ms), and each needs its own.
const fineBudgetBurst = 16

// fineBudget is a token bucket of fine waits: fineWaitsPerSecond a second,
// at most fineBudgetBurst saved up, for the whole engine (every
// arrival-rate scenario draws on it; safe for concurrent use). The zero
// value is full.
type fineBudget struct {
	mu     sync.Mutex
	tokens float64
	at     time.Time
	used   bool
}

// take reports whether a fine wait may be made at now, and counts it.
func (b *fineBudget) take(now time.Time) bool {
	const capacity = fineBudgetBurst
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.used {
		b.used, b.tokens, b.at = true, capacity, now
	}
	b.tokens = min(capacity, b.tokens+now.Sub(b.at).Seconds()*fineWaitsPerSecond)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

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
