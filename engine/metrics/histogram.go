package metrics

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Trend values are recorded as round(v×Scale) integer
// units: Time trends (milliseconds) in microseconds, plain numbers and bytes
// with a resolution of 0.001.
const (
	// Scale is the factor from a trend value to the histogram's integer unit.
	Scale = 1000
	// SignificantFigures is the histogram precision: every recorded unit
	// value lands in a bucket whose width is at most 1/1024 of its value
	// (about 0.1%), and values below 2048 units are exact.
	SignificantFigures = 3
	// HighestTrackable is the largest unit value a histogram holds, 1e15
	// units: 1e12 in value terms (a Time trend of 31 years, a Data trend of
	// 1 TB). Larger magnitudes are clamped to it and counted by Clamped;
	// the exact Min, Max and Sum of the Sink are not affected.
	HighestTrackable = 1_000_000_000_000_000

	// subBucketHalfMag is log2 of half the sub-bucket count for 3
	// significant figures (2048 sub-buckets, so 1024 per half).
	subBucketHalfMag = 10
)

// Histogram is a trend's distribution: a sparse HDR histogram
// (hdrhistogram-go's PackedHistogram, 3 significant figures) of the
// non-negative values and, created on the first negative value, a mirrored
// one of the magnitudes of the negative values.
//
// Memory: a few hundred bytes of fixed overhead plus about 5 bytes per
// populated bucket (a 4-byte index and a 1- to 8-byte count), so a latency
// distribution that spans 1 ms..10 s with 3 digits fills at most ~14 k buckets
// (~70 KB) and usually far fewer. The full dense equivalent over this range
// would be ~330 KB.
//
// A Histogram is not safe for concurrent use.
type Histogram struct {
	pos     *hdr.PackedHistogram
	neg     *hdr.PackedHistogram // nil until a negative value arrives
	clamped int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{pos: newPacked()}
}

func newPacked() *hdr.PackedHistogram {
	return hdr.NewPacked(1, HighestTrackable, SignificantFigures)
}

// toUnits converts a value to histogram units: round(|v|×Scale), clamped to
// HighestTrackable. neg reports a negative unit value.
func toUnits(v float64) (u int64, neg, clamped bool) {
	f := math.Round(v * Scale)
	if f < 0 {
		neg = true
		f = -f
	}
	if !(f <= HighestTrackable) { // also catches +Inf
		return HighestTrackable, neg, true
	}
	return int64(f), neg, false
}

// Record adds one value. Values whose magnitude exceeds
// HighestTrackable/Scale are recorded as ±HighestTrackable/Scale and counted
// in Clamped. NaN is ignored.
func (h *Histogram) Record(v float64) {
	h.RecordN(v, 1)
}

// RecordN adds n occurrences of v (n ≥ 1), as Record.
func (h *Histogram) RecordN(v float64, n int64) {
	if math.IsNaN(v) || n <= 0 {
		return
	}
	u, neg, clamped := toUnits(v)
	if clamped {
		h.clamped += n
	}
	dst := h.pos
	if neg {
		if h.neg == nil {
			h.neg = newPacked()
		}
		dst = h.neg
	}
	// Cannot fail: u is in range and the total cannot reach MaxInt64 in practice.
	_ = dst.RecordValues(u, n)
}

// TotalCount returns the number of recorded values.
func (h *Histogram) TotalCount() int64 {
	if h == nil {
		return 0
	}
	n := h.pos.TotalCount()
	if h.neg != nil {
		n += h.neg.TotalCount()
	}
	return n
}

// Clamped returns how many recorded values were beyond the trackable range
// and clamped to it.
func (h *Histogram) Clamped() int64 { return h.clamped }

// Merge adds o's counts to h, bucket by bucket (exact).
func (h *Histogram) Merge(o *Histogram) {
	if o == nil {
		return
	}
	h.pos.Merge(o.pos)
	if o.neg != nil && o.neg.TotalCount() > 0 {
		if h.neg == nil {
			h.neg = newPacked()
		}
		h.neg.Merge(o.neg)
	}
	h.clamped += o.clamped
}

// Clone returns an independent deep copy.
func (h *Histogram) Clone() *Histogram {
	if h == nil {
		return nil
	}
	c := &Histogram{pos: h.pos.Clone(), clamped: h.clamped}
	if h.neg != nil {
		c.neg = h.neg.Clone()
	}
	return c
}

// Reset empties the histogram, keeping its storage.
func (h *Histogram) Reset() {
	h.pos.Reset()
	if h.neg != nil {
		h.neg.Reset()
	}
	h.clamped = 0
}

// bucketWidth returns the width, in units, of the HDR bucket holding unit
// value u (u ≥ 0): 1 below 2048, doubling with every power of two above.
func bucketWidth(u int64) int64 {
	shift := bits.Len64(uint64(u)|(1<<(subBucketHalfMag+1)-1)) - 1 - subBucketHalfMag
	return 1 << shift
}

// flatIndex returns the HDR flat counts index of unit value u (0 ≤ u ≤
// HighestTrackable) in this package's geometry (lowest discernible value 1,
// 3 significant figures): the index hdrhistogram-go's countsIndexFor gives,
// computed here so that the aggregator's dense stage can count by bucket
// without the library. Values below 2048 are their own index; above, every
// power of two adds 1024 indexes.
func flatIndex(u int64) int {
	b := bits.Len64(uint64(u)|(1<<(subBucketHalfMag+1)-1)) - (subBucketHalfMag + 1)
	return (b+1)<<subBucketHalfMag + int(uint64(u)>>b) - 1<<subBucketHalfMag
}

// unitOfIndex returns the lowest unit value of the bucket of flat index i, the
// inverse of flatIndex on bucket boundaries: flatIndex(unitOfIndex(i)) == i.
func unitOfIndex(i int) int64 {
	b := i>>subBucketHalfMag - 1
	if b <= 0 {
		return int64(i)
	}
	return int64(i&(1<<subBucketHalfMag-1)|1<<subBucketHalfMag) << b
}

// recordUnits adds n occurrences of the non-negative unit value u
// (u ≤ HighestTrackable, n ≥ 1) to the non-negative side, as RecordN of
// u/Scale would, without rounding or clamping.
func (h *Histogram) recordUnits(u, n int64) {
	// Cannot fail: u is in range and the total cannot reach MaxInt64 in practice.
	_ = h.pos.RecordValues(u, n)
}

// representative returns the value (in trend terms) that stands for every
// sample of the bucket whose lowest unit value is lo: lo itself when the
// bucket is one unit wide, else the bucket's midpoint lo + width/2.
func representative(lo int64) float64 {
	if w := bucketWidth(lo); w > 1 {
		lo += w / 2
	}
	return float64(lo) / Scale
}

// ValueAtRank returns the representative value of the sample of 0-based rank
// i in ascending order (the midpoint of its bucket's equivalent range, or the
// value itself for 1-unit buckets; see representative). i is clamped to
// [0, TotalCount-1]; an empty histogram returns 0.
func (h *Histogram) ValueAtRank(i int64) float64 {
	v, _, _ := h.rankBucket(i)
	return v
}

// rankBucket returns the representative value of rank i (as ValueAtRank) and
// whether its bucket is the lowest and/or the highest populated bucket.
func (h *Histogram) rankBucket(i int64) (rep float64, lowest, highest bool) {
	n := h.TotalCount()
	if n == 0 {
		return 0, true, true
	}
	i = min(max(i, 0), n-1)
	var negN int64
	if h.neg != nil {
		negN = h.neg.TotalCount()
	}
	posN := n - negN
	if i < negN {
		// Ascending order over negatives is descending magnitude: rank i is
		// magnitude rank negN-1-i; the largest magnitude is the lowest value.
		lo, before, after := rankIn(h.neg, negN-1-i)
		return -representative(lo), after == negN, posN == 0 && before == 0
	}
	lo, before, after := rankIn(h.pos, i-negN)
	return representative(lo), negN == 0 && before == 0, after == posN
}

// rankIn returns the lowest unit value of the bucket of p holding 0-based
// rank i, and the cumulative counts before and after that bucket.
func rankIn(p *hdr.PackedHistogram, i int64) (lo, before, after int64) {
	for v, c := range p.ForEachBucket {
		lo, before, after = v, after, after+c
		if after > i {
			break
		}
	}
	return lo, before, after
}

// ForEach calls fn for every populated bucket in ascending value order with
// the bucket's representative value (as ValueAtRank) and its count. It stops
// when fn returns false.
func (h *Histogram) ForEach(fn func(value float64, count int64) bool) {
	if h.neg != nil && h.neg.TotalCount() > 0 {
		// Negative buckets in ascending value order: descending magnitude.
		type bucket struct{ v, c int64 }
		var bs []bucket
		for v, c := range h.neg.ForEachBucket {
			bs = append(bs, bucket{v, c})
		}
		for i := len(bs) - 1; i >= 0; i-- {
			if !fn(-representative(bs[i].v), bs[i].c) {
				return
			}
		}
	}
	for v, c := range h.pos.ForEachBucket {
		if !fn(representative(v), c) {
			return
		}
	}
}

// negSeparator separates the non-negative and negative encodings in Encode.
const negSeparator = ' '

// Encode returns the histogram in HdrHistogram's standard V2 compressed
// encoding (base64 text, as hdrhistogram-go's Encode and the Java and C
// libraries' log formats use), with values in units of 1/Scale. When the
// histogram holds negative values, a space and the V2 encoding of the
// mirrored histogram of their magnitudes follow. Clamped counts are not
// encoded.
func (h *Histogram) Encode() ([]byte, error) {
	out, err := h.pos.Encode()
	if err != nil {
		return nil, fmt.Errorf("metrics: encode histogram: %w", err)
	}
	if h.neg != nil && h.neg.TotalCount() > 0 {
		neg, err := h.neg.Encode()
		if err != nil {
			return nil, fmt.Errorf("metrics: encode histogram: %w", err)
		}
		out = append(out, negSeparator)
		out = append(out, neg...)
	}
	return out, nil
}

// DecodeHistogram parses the output of Encode. It rejects encodings whose
// geometry differs from this package's (1 unit lowest, HighestTrackable,
// SignificantFigures), since their buckets would not merge exactly.
func DecodeHistogram(b []byte) (*Histogram, error) {
	posB, negB, hasNeg := bytes.Cut(bytes.TrimSpace(b), []byte{negSeparator})
	pos, err := decodePacked(posB)
	if err != nil {
		return nil, err
	}
	h := &Histogram{pos: pos}
	if hasNeg {
		if h.neg, err = decodePacked(negB); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func decodePacked(b []byte) (*hdr.PackedHistogram, error) {
	p, err := hdr.DecodePacked(b)
	if err != nil {
		return nil, fmt.Errorf("metrics: decode histogram: %w", err)
	}
	if p.LowestTrackableValue() != 1 || p.HighestTrackableValue() != HighestTrackable || p.SignificantFigures() != SignificantFigures {
		return nil, fmt.Errorf("metrics: decode histogram: geometry (%d, %d, %d digits) differs from (1, %d, %d digits)",
			p.LowestTrackableValue(), p.HighestTrackableValue(), p.SignificantFigures(), int64(HighestTrackable), SignificantFigures)
	}
	return p, nil
}

// MemoryBytes returns the approximate bytes the histogram holds.
func (h *Histogram) MemoryBytes() int {
	n := h.pos.GetMemorySize()
	if h.neg != nil {
		n += h.neg.GetMemorySize()
	}
	return n
}
