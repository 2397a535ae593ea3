package runreport

import (
	"math"
	"math/rand"
	"testing"

	"github.com/loadline/loadline/engine/metrics"
)

// TestTrendAccMatchesMerge holds trendAcc to metrics' Sink.Merge: the same
// count, sum, min, max and the same buckets.
func TestTrendAccMatchesMerge(t *testing.T) {
	for _, tc := range []struct {
		name string
		draw func(r *rand.Rand) float64
	}{
		{"latencies in ms", func(r *rand.Rand) float64 { return 20 * math.Exp(0.8*r.NormFloat64()) }},
		{"exact small units and zeros", func(r *rand.Rand) float64 { return float64(r.Intn(3000)) / 1000 }},
		{"negative values", func(r *rand.Rand) float64 { return 50 * r.NormFloat64() }},
		{"huge and clamped values", func(r *rand.Rand) float64 { return math.Pow(10, float64(r.Intn(14))) * r.Float64() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(3))
			want := metrics.NewSink(metrics.Trend)
			acc := newTrendAcc()
			for range 50 {
				s := metrics.NewSink(metrics.Trend)
				for range 1 + r.Intn(300) {
					s.Add(tc.draw(r))
				}
				want.Merge(s)
				acc.add(s)
			}
			acc.add(metrics.NewSink(metrics.Trend)) // empty: no-op
			got := acc.result()
			if got.Count != want.Count || got.Sum != want.Sum || got.Min != want.Min || got.Max != want.Max ||
				got.Hist.TotalCount() != want.Hist.TotalCount() || got.Hist.Clamped() != want.Hist.Clamped() {
				t.Fatalf("got count %d sum %g min %g max %g (hist %d, clamped %d), want %d %g %g %g (%d, %d)",
					got.Count, got.Sum, got.Min, got.Max, got.Hist.TotalCount(), got.Hist.Clamped(),
					want.Count, want.Sum, want.Min, want.Max, want.Hist.TotalCount(), want.Hist.Clamped())
			}
			type bucket struct {
				v float64
				c int64
			}
			var gb, wb []bucket
			got.Hist.ForEach(func(v float64, c int64) bool { gb = append(gb, bucket{v, c}); return true })
			want.Hist.ForEach(func(v float64, c int64) bool { wb = append(wb, bucket{v, c}); return true })
			if len(gb) != len(wb) {
				t.Fatalf("%d buckets, want %d", len(gb), len(wb))
			}
			for i := range gb {
				if gb[i] != wb[i] {
					t.Fatalf("bucket %d: %+v, want %+v", i, gb[i], wb[i])
				}
			}
			if !acc.empty() || acc.result().Count != 0 {
				t.Error("the accumulator is not empty after result")
			}
		})
	}
}
