package engine

import (
	"fmt"
	"testing"
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
		{rate: 4000, fineAtLeast: 0, fineAtMost: 400*fineWaitsPerSecond/1000 + 2},
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
