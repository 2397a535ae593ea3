package engine

import (
	"fmt"
	"testing"
)

// TestFineWaitsOnlyForSparseStarts: on the real clock, a schedule whose
// starts are 2 ms apart waits for each on the fine timer, one whose starts
// are 0.25 ms apart on the runtime timer alone (a fine wait's wake-up costs
// tens of µs of CPU, more than such a gap can pay for; see fineMinGap), and
// both start every iteration.
func TestFineWaitsOnlyForSparseStarts(t *testing.T) {
	for _, tc := range []struct {
		rate                    int // starts per second, for 400 ms
		fineAtLeast, fineAtMost int64
	}{
		{rate: 500, fineAtLeast: 100, fineAtMost: 201},
		{rate: 4000, fineAtLeast: 0, fineAtMost: 3},
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
