package metrics

import (
	"math"
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// TestBucketWidthMatchesLibrary checks the package's bucket arithmetic
// against hdrhistogram-go's own geometry: a recorded value's bucket holds
// exactly [lo, lo+width).
func TestBucketWidthMatchesLibrary(t *testing.T) {
	for _, u := range []int64{0, 1, 1000, 2047, 2048, 2049, 4095, 4096, 10_000, 99_000, 500_000, 3_000_000, 123_456_789, 1e12, HighestTrackable} {
		p := newPacked()
		if err := p.RecordValue(u); err != nil {
			t.Fatalf("record %d: %v", u, err)
		}
		w := bucketWidth(u)
		lo := u &^ (w - 1)
		if p.CountAtValue(lo) != 1 || p.CountAtValue(lo+w-1) != 1 {
			t.Fatalf("u=%d: bucket [%d,%d) does not hold it", u, lo, lo+w)
		}
		if lo > 0 && p.CountAtValue(lo-1) != 0 {
			t.Fatalf("u=%d: bucket starts before %d", u, lo)
		}
		if p.CountAtValue(lo+w) != 0 {
			t.Fatalf("u=%d: bucket wider than %d", u, w)
		}
		for v, c := range p.ForEachBucket {
			if v != lo || c != 1 {
				t.Fatalf("u=%d: ForEachBucket gave (%d,%d), want (%d,1)", u, v, c, lo)
			}
		}
	}
}

func TestHistogramRecord(t *testing.T) {
	tests := []struct {
		name     string
		values   []float64
		ranks    []float64 // representative value of every rank
		clamped  int64
		relError float64
	}{
		{"exact small values", []float64{0.001, 1, 2.047}, []float64{0.001, 1, 2.047}, 0, 0},
		{"rounding to 0.001", []float64{1.0004, 1.0006}, []float64{1, 1.001}, 0, 0},
		{"negatives mirrored", []float64{3, -1, -2.5, 0}, []float64{-2.5, -1, 0, 3}, 0, 1e-3},
		{"midpoint of wide bucket", []float64{3000}, []float64{3000}, 0, 1e-3},
		{"clamped above range", []float64{5e12, -5e12}, []float64{-1e12, 1e12}, 2, 1e-3},
		{"infinity clamped", []float64{math.Inf(1)}, []float64{1e12}, 1, 1e-3},
		{"NaN ignored", []float64{math.NaN(), 1.5}, []float64{1.5}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistogram()
			for _, v := range tt.values {
				h.Record(v)
			}
			if h.TotalCount() != int64(len(tt.ranks)) {
				t.Fatalf("TotalCount = %d, want %d", h.TotalCount(), len(tt.ranks))
			}
			for i, want := range tt.ranks {
				got := h.ValueAtRank(int64(i))
				if math.Abs(got-want) > math.Abs(want)*tt.relError+1e-9 {
					t.Fatalf("rank %d = %v, want %v", i, got, want)
				}
			}
			if h.Clamped() != tt.clamped {
				t.Fatalf("Clamped = %d, want %d", h.Clamped(), tt.clamped)
			}
			var n int64
			prev := math.Inf(-1)
			h.ForEach(func(v float64, c int64) bool {
				if v < prev {
					t.Fatalf("ForEach not ascending: %v after %v", v, prev)
				}
				prev = v
				n += c
				return true
			})
			if n != h.TotalCount() {
				t.Fatalf("ForEach counted %d, want %d", n, h.TotalCount())
			}
		})
	}
}

func TestHistogramEncodeDecode(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
	}{
		{"empty", nil},
		{"latencies", []float64{0.5, 2, 2, 10, 1000, 3000.25}},
		{"with negatives", []float64{-3, -3, 4, 1e9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistogram()
			for _, v := range tt.values {
				h.Record(v)
			}
			b, err := h.Encode()
			if err != nil {
				t.Fatal(err)
			}
			d, err := DecodeHistogram(b)
			if err != nil {
				t.Fatal(err)
			}
			if d.TotalCount() != h.TotalCount() {
				t.Fatalf("count %d, want %d", d.TotalCount(), h.TotalCount())
			}
			for i := range h.TotalCount() {
				if d.ValueAtRank(i) != h.ValueAtRank(i) {
					t.Fatalf("rank %d: %v, want %v", i, d.ValueAtRank(i), h.ValueAtRank(i))
				}
			}
			// The non-negative part is the standard V2 encoding that
			// hdrhistogram-go itself decodes.
			first, _, _ := strings.Cut(string(b), " ")
			std, err := hdr.Decode([]byte(first))
			if err != nil {
				t.Fatalf("hdrhistogram-go cannot decode: %v", err)
			}
			if std.HighestTrackableValue() != HighestTrackable {
				t.Fatalf("highest = %d", std.HighestTrackableValue())
			}
		})
	}
}

func TestDecodeHistogramErrors(t *testing.T) {
	other, _ := hdr.NewPacked(1, 1_000_000, 2).Encode()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"garbage", "not base64!", "metrics: decode histogram"},
		{"short", "AAAA", "too short"},
		{"other geometry", string(other), "geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeHistogram([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestHistogramMergeExact(t *testing.T) {
	a, b, all := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 5000 {
		v := float64(i%977) * 1.37
		if i%3 == 0 {
			v = -v
		}
		all.Record(v)
		if i%2 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	if a.TotalCount() != all.TotalCount() {
		t.Fatalf("count %d, want %d", a.TotalCount(), all.TotalCount())
	}
	for i := int64(0); i < all.TotalCount(); i += 37 {
		if a.ValueAtRank(i) != all.ValueAtRank(i) {
			t.Fatalf("rank %d: merged %v, direct %v", i, a.ValueAtRank(i), all.ValueAtRank(i))
		}
	}
	c := a.Clone()
	a.Reset()
	if a.TotalCount() != 0 || c.TotalCount() != all.TotalCount() {
		t.Fatal("Clone shares storage with the original")
	}
}

// TestHistogramMemory documents the per-histogram memory: sparse storage
// grows with populated buckets only.
func TestHistogramMemory(t *testing.T) {
	h := NewHistogram()
	empty := h.MemoryBytes()
	if empty > 4096 {
		t.Fatalf("empty histogram holds %d bytes", empty)
	}
	for i := range 100_000 {
		h.Record(float64(i%5000) + 0.5) // 0.5 ms .. 5 s
	}
	if got := h.MemoryBytes(); got > 200_000 {
		t.Fatalf("histogram of 5000 distinct ms values holds %d bytes", got)
	}
}

func FuzzDecodeHistogram(f *testing.F) {
	h := NewHistogram()
	for _, v := range []float64{1, 2.5, 3000, -4} {
		h.Record(v)
	}
	enc, _ := h.Encode()
	f.Add(enc)
	f.Add([]byte("HISTFAAAACl4nJNpmSzMwMDAxQABzFCaEUzOmNZg"))
	f.Add([]byte(""))
	f.Add([]byte("a b c"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeHistogram(b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "metrics: decode histogram") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		// A decoded histogram must be usable and re-encodable.
		n := d.TotalCount()
		if n < 0 {
			t.Fatalf("negative count %d", n)
		}
		if n > 0 {
			lo, hi := d.ValueAtRank(0), d.ValueAtRank(n-1)
			if lo > hi {
				t.Fatalf("rank 0 %v > last rank %v", lo, hi)
			}
		}
		if _, err := d.Encode(); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}
