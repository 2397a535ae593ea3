package results

import (
	"math"
	"math/rand"
	"testing"

	"github.com/loadline/loadline/engine/metrics"
)

// TestEncodeHistogramMatchesMetrics holds the pooled encoder to
// metrics.Histogram.Encode, byte for byte, over shapes that exercise every
// part of the format: empty, zero, 1-unit buckets, wide buckets, long zero
// runs, negative values, counts needing multi-byte varints, the clamp.
func TestEncodeHistogramMatchesMetrics(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, tc := range []struct {
		name   string
		values func() []float64
		n      int64 // occurrences per value
	}{
		{"empty", func() []float64 { return nil }, 1},
		{"zero", func() []float64 { return []float64{0} }, 1},
		{"single-unit buckets", func() []float64 { return []float64{0.001, 0.002, 1.5, 2.047} }, 1},
		{"log-normal latencies", func() []float64 {
			v := make([]float64, 500)
			for i := range v {
				v[i] = 20 * math.Exp(0.4*rng.NormFloat64())
			}
			return v
		}, 1},
		{"wide range", func() []float64 { return []float64{0.003, 1, 1000, 1e6, 1e9, 1e12} }, 1},
		{"beyond the range (clamped)", func() []float64 { return []float64{5e12, 1} }, 1},
		{"negative values", func() []float64 { return []float64{-3, -0.5, -2000, 0, 7, -0.0004} }, 1},
		{"only negative", func() []float64 { return []float64{-1, -1, -250} }, 1},
		{"big counts", func() []float64 { return []float64{10, 10.5, 3000} }, 1 << 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := metrics.NewHistogram()
			for _, v := range tc.values() {
				h.RecordN(v, tc.n)
			}
			want, err := h.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if got := encodeHistogram(h); got != string(want) {
				t.Fatalf("encoding differs from metrics.Histogram.Encode:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func BenchmarkEncodeHistogram(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	h := metrics.NewHistogram()
	for range 500 {
		h.Record(20 * math.Exp(0.4*rng.NormFloat64()))
	}
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = encodeHistogram(h)
		}
	})
	b.Run("metrics.Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = h.Encode()
		}
	})
}

// sameHistogram compares two histograms by their encodings and counts.
func sameHistogram(t *testing.T, got, want *metrics.Histogram) {
	t.Helper()
	ge, _ := got.Encode()
	we, _ := want.Encode()
	if string(ge) != string(we) || got.TotalCount() != want.TotalCount() {
		t.Fatalf("decoded histogram differs: %d values %s, want %d values %s", got.TotalCount(), ge, want.TotalCount(), we)
	}
}

func TestDecodeHistogramMatchesMetrics(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, tc := range []struct {
		name   string
		values []float64
		n      int64
	}{
		{"empty", nil, 1},
		{"zero", []float64{0}, 1},
		{"log-normal", func() []float64 {
			v := make([]float64, 2000)
			for i := range v {
				v[i] = 20 * math.Exp(0.6*rng.NormFloat64())
			}
			return v
		}(), 1},
		{"wide range", []float64{0.001, 2.047, 2.049, 1e3, 1e9, 1e12}, 3},
		{"negative", []float64{-3, -0.5, -2000, 0, 7}, 1},
		{"big counts", []float64{10, 3000}, 1 << 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := metrics.NewHistogram()
			for _, v := range tc.values {
				h.RecordN(v, tc.n)
			}
			enc := encodeHistogram(h)
			fast, ok := fastDecodeHistogram(enc)
			if !ok {
				t.Fatal("a well-formed encoding took the slow path")
			}
			sameHistogram(t, fast, h)
			slow, err := metrics.DecodeHistogram([]byte(enc))
			if err != nil {
				t.Fatal(err)
			}
			sameHistogram(t, fast, slow)
		})
	}
	for _, bad := range []string{"", "bm9wZQ==", "HISTFAAAAC", "!!!"} {
		if _, err := decodeHistogram(bad); err == nil {
			t.Errorf("decodeHistogram(%q) accepted garbage", bad)
		}
	}
}

// FuzzDecodeHistogram: whatever the fast decoder accepts, metrics'
// decoder accepts as the same histogram.
func FuzzDecodeHistogram(f *testing.F) {
	for _, vals := range [][]float64{nil, {0}, {1, 2, 3000, 5e6}, {-4, 2}} {
		h := metrics.NewHistogram()
		for _, v := range vals {
			h.Record(v)
		}
		f.Add(encodeHistogram(h))
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := fastDecodeHistogram(s)
		if !ok {
			return
		}
		slow, err := metrics.DecodeHistogram([]byte(s))
		if err != nil {
			t.Fatalf("the fast path accepted %q, metrics rejects it: %v", s, err)
		}
		sameHistogram(t, fast, slow)
	})
}

func BenchmarkDecodeHistogram(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	h := metrics.NewHistogram()
	for range 500 {
		h.Record(20 * math.Exp(0.4*rng.NormFloat64()))
	}
	enc := encodeHistogram(h)
	b.Run("pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = decodeHistogram(enc)
		}
	})
	b.Run("metrics.DecodeHistogram", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = metrics.DecodeHistogram([]byte(enc))
		}
	})
}
