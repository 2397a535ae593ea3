package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestFineWaitsOnlyForSparseStarts: on the real clock, a schedule of 500
// starts/s waits for each on the fine timer, one of 4,000/s makes at most
// fineWaitsPerSecond fine waits a second (a fine wait's wake-up costs tens
// of µs of CPU; see fineWaitsPerSecond), and both start every iteration.
func TestFineWaitsOnlyForSparseStarts(t *testing.T) {
	for _, tc := range []struct {
		rate                    int // starts per second, for 400 ms
		fineAtLeast, fineAtMost int64
	}{
		{rate: 500, fineAtLeast: 100, fineAtMost: 201},
		// Tokens go only to starts still to come: about one per
		// millisecond here (the old rule spent them on overdue starts
		// and made ~10 fine waits a second at 3,000/s).
		{rate: 4000, fineAtLeast: 40, fineAtMost: 400*fineWaitsPerSecond/1000 + fineBudgetBurst},
	} {
		before := fineWaits.Load()
		h := newHarness(t, fmt.Sprintf(`{"scenarios":{"car":{"executor":"constant-arrival-rate","rate":%d,"timeUnit":"1s","duration":"400ms","preAllocatedVUs":20,"maxVUs":20}}}`, tc.rate), 0)
		h.run(t, t.Context())
		fine := fineWaits.Load() - before
		p := h.progress(t, "car")
		if want := int64(tc.rate) * 4 / 10; p.Started+p.Dropped != want || p.Started < want*9/10 {
			t.Errorf("%d/s: started %d dropped %d, want %d scheduled and started", tc.rate, p.Started, p.Dropped, want)
		}
		if fine < tc.fineAtLeast || fine > tc.fineAtMost {
			t.Errorf("%d/s: %d fine waits for %d starts, want %d to %d", tc.rate, fine, p.Started, tc.fineAtLeast, tc.fineAtMost)
		}
	}
}

// The budget is the engine's: two scenarios of 800 starts/s share its
// 1,000 fine waits a second.
func TestFineBudgetShared(t *testing.T) {
	before := fineWaits.Load()
	h := newHarness(t, `{"scenarios":{
		"a":{"executor":"constant-arrival-rate","rate":800,"timeUnit":"1s","duration":"400ms","preAllocatedVUs":20,"maxVUs":20},
		"b":{"executor":"constant-arrival-rate","rate":800,"timeUnit":"1s","duration":"400ms","preAllocatedVUs":20,"maxVUs":20}}}`, 0)
	h.run(t, t.Context())
	fine := fineWaits.Load() - before
	started := h.progress(t, "a").Started + h.progress(t, "b").Started
	if started < 576 {
		t.Errorf("started %d of 640", started)
	}
	if limit := int64(400*fineWaitsPerSecond/1000 + fineBudgetBurst + 2); fine > limit {
		t.Errorf("%d fine waits for two scenarios of 800/s over 400 ms, want at most %d (one budget)", fine, limit)
	}
}

// Starts of several scenarios that fall due at the same instant each get a
// fine wait (the budget saves up fineBudgetBurst): ten scenarios of 50/s.
func TestFineBudgetBurst(t *testing.T) {
	before := fineWaits.Load()
	opts := `{"scenarios":{`
	for i := range 10 {
		if i > 0 {
			opts += ","
		}
		opts += fmt.Sprintf(`"s%d":{"executor":"constant-arrival-rate","rate":50,"timeUnit":"1s","duration":"400ms","preAllocatedVUs":2,"maxVUs":2}`, i)
	}
	h := newHarness(t, opts+`}}`, 0)
	h.run(t, t.Context())
	if fine := fineWaits.Load() - before; fine < 150 {
		t.Errorf("%d fine waits for 200 starts due ten at a time, want most of them", fine)
	}
}

// A test stopped during an arrival-rate run does not blame the VUs for the
// starts its scheduler had not reached yet (its timer is up to ~1 ms late
// above 1,000 starts/s): no insufficient-VUs warning, every drop counted
// as late.
func TestStopDropsAreNotBlamedOnVUs(t *testing.T) {
	for round := range 5 {
		h := newHarness(t, `{"scenarios":{"a":{"executor":"constant-arrival-rate","rate":3000,"timeUnit":"1s","duration":"10s","preAllocatedVUs":50,"maxVUs":50}}}`, 0)
		time.AfterFunc(150*time.Millisecond, func() { h.e.Stop("test") })
		h.run(t, t.Context())
		p := h.progress(t, "a")
		if p.Dropped != p.DroppedLate {
			t.Errorf("round %d: %d dropped, %d of them late: want all late (50 idle VUs)", round, p.Dropped, p.DroppedLate)
		}
		for _, w := range h.warns {
			if strings.Contains(w, "insufficient VUs") {
				t.Errorf("round %d: warning %q after a stop", round, w)
			}
		}
	}
}
