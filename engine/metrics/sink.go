package metrics

import (
	"math"
	"time"
)

// NewSink returns an empty sink of type t. A Trend sink gets an empty
// Histogram.
func NewSink(t Type) *Sink {
	s := &Sink{Type: t}
	if t == Trend {
		s.Hist = NewHistogram()
	}
	return s
}

// Add adds one sample. NaN samples are ignored for every type. A Gauge sample
// is stamped with the current wall-clock time (see Stamp).
func (s *Sink) Add(v float64) {
	if math.IsNaN(v) {
		return
	}
	switch s.Type {
	case Counter:
		s.Sum += v
		s.Count++
	case Gauge:
		s.addGauge(v, time.Now().UnixNano())
	case Rate:
		s.Count++
		if v != 0 {
			s.Trues++
		}
	case Trend:
		if s.Hist == nil {
			s.Hist = NewHistogram()
		}
		s.Hist.Record(v)
		s.addMinMax(v)
		s.Sum += v
		s.Count++
	}
}

// addGauge sets the gauge to v at stamp, keeping Min and Max.
func (s *Sink) addGauge(v float64, stamp int64) {
	s.addMinMax(v)
	s.Count++
	if stamp >= s.Stamp {
		s.Value, s.Stamp = v, stamp
	}
}

// addMinMax folds v into Min and Max; the first sample sets both. It must be
// called before Count is incremented.
func (s *Sink) addMinMax(v float64) {
	if s.Count == 0 {
		s.Min, s.Max = v, v
		return
	}
	s.Min = min(s.Min, v)
	s.Max = max(s.Max, v)
}

// Merge adds o's samples to s. Histograms merge bucket by bucket (exact).
// Counter: sums add; Rate: trues and counts add; Gauge: Min and Max combine
// and Value becomes the one with the later Stamp (o's on a tie); Trend: Min,
// Max, Sum, Count and the histogram combine. A nil or empty o changes
// nothing. s and o must have the same Type.
func (s *Sink) Merge(o *Sink) {
	if o == nil || o.Count == 0 {
		return
	}
	switch s.Type {
	case Counter:
		s.Sum += o.Sum
		s.Count += o.Count
	case Rate:
		s.Trues += o.Trues
		s.Count += o.Count
	case Gauge:
		s.mergeMinMax(o)
		s.Count += o.Count
		if o.Stamp >= s.Stamp {
			s.Value, s.Stamp = o.Value, o.Stamp
		}
	case Trend:
		s.mergeMinMax(o)
		s.Sum += o.Sum
		s.Count += o.Count
		if s.Hist == nil {
			s.Hist = NewHistogram()
		}
		s.Hist.Merge(o.Hist)
	}
}

func (s *Sink) mergeMinMax(o *Sink) {
	if s.Count == 0 {
		s.Min, s.Max = o.Min, o.Max
		return
	}
	s.Min = min(s.Min, o.Min)
	s.Max = max(s.Max, o.Max)
}

// Clone returns a deep copy of s (nil for nil).
func (s *Sink) Clone() *Sink {
	if s == nil {
		return nil
	}
	c := *s
	c.Hist = s.Hist.Clone()
	return &c
}

// Avg returns Sum/Count for trends, 0 when empty.
func (s *Sink) Avg() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / float64(s.Count)
}

// Rate returns Trues/Count for rates, 0 when empty.
func (s *Sink) Rate() float64 {
	if s.Count == 0 {
		return 0
	}
	return float64(s.Trues) / float64(s.Count)
}

// Percentile returns the p-th percentile (p in 0..100, clamped) of a trend,
// 0 when empty, by the package's one rule (k6's linear interpolation between
// closest ranks, see the package doc): with n samples and v[i] the
// value of rank i, pos = p/100·(n−1),
// P = v[⌊pos⌋] + (v[⌊pos⌋+1] − v[⌊pos⌋])·(pos − ⌊pos⌋). v[i] is the exact Min
// for ranks in the lowest populated histogram bucket, the exact Max for ranks
// in the highest, and otherwise the bucket's representative value
// (Histogram.ValueAtRank) clamped to [Min, Max]. Percentile(50) is the median.
func (s *Sink) Percentile(p float64) float64 {
	n := s.Hist.TotalCount()
	if n == 0 {
		return 0
	}
	if math.IsNaN(p) {
		p = 0
	}
	p = min(max(p, 0), 100)
	pos := p / 100 * float64(n-1)
	lo := math.Floor(pos)
	frac := pos - lo
	v0 := s.rankValue(int64(lo))
	if frac == 0 {
		return v0
	}
	v1 := s.rankValue(int64(lo) + 1)
	return v0 + (v1-v0)*frac
}

// rankValue returns v[i] of the percentile rule: the exact Min for a rank in
// the lowest populated bucket, the exact Max for one in the highest, else the
// bucket's representative value clamped to [Min, Max].
func (s *Sink) rankValue(i int64) float64 {
	v, lowest, highest := s.Hist.rankBucket(i)
	switch {
	case s.Count == 0:
		return v
	case lowest && highest:
		return s.clampToRange(v)
	case lowest:
		return s.Min
	case highest:
		return s.Max
	}
	return s.clampToRange(v)
}

// Med returns Percentile(50).
func (s *Sink) Med() float64 { return s.Percentile(50) }

// clampToRange clamps a representative value to the exact [Min, Max].
func (s *Sink) clampToRange(v float64) float64 {
	if s.Count == 0 {
		return v
	}
	return min(max(v, s.Min), s.Max)
}
