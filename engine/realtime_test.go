package engine

import (
	"testing"
	"time"
)

// TestRealClock runs an arrival-rate scenario on the real clock: the count
// is exact and the run lasts the scenario's duration.
func TestRealClock(t *testing.T) {
	h := newHarness(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":20,"duration":"500ms","preAllocatedVUs":2,"maxVUs":4}}}`, time.Millisecond)
	took := h.run(t, t.Context())
	p := h.progress(t, "s")
	if p.Started+p.Dropped != 10 {
		t.Fatalf("started %d + dropped %d, want 10", p.Started, p.Dropped)
	}
	if took < 500*time.Millisecond || took > 5*time.Second {
		t.Fatalf("run took %v, want about 500ms", took)
	}
	lag := h.total(h.builtin.ScheduleLag, "s")
	if lag.Count != p.Started || lag.Min < 0 {
		t.Fatalf("schedule_lag %d samples min %v ms", lag.Count, lag.Min)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1m30s", "500ms", "0", "12.5", "-1s", "1h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %v (%v)", s, d, back, err)
		}
	})
}

func FuzzParseExecutionSegment(f *testing.F) {
	for _, s := range []string{"1/3:2/3", "0.5:1", "0:25%", "", "1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg, err := ParseExecutionSegment(s)
		if err != nil {
			return
		}
		if seg.From.Sign() < 0 || seg.From.Cmp(seg.To) >= 0 || seg.To.Cmp(one()) > 0 {
			t.Fatalf("%q parsed to invalid segment %v", s, seg)
		}
		again, err := ParseExecutionSegment(seg.String())
		if err != nil || again.String() != seg.String() {
			t.Fatalf("%q -> %v -> %v (%v)", s, seg, again, err)
		}
	})
}
