package compare

import (
	"math"
	"slices"
)

// estimator computes the statistics of a series over a multiset of
// intervals (a bootstrap resample), writing one value per stat to out.
type estimator interface {
	pooled(d *sideData, side int, idx []int, stats []string, out []float64)
}

// rateEstimator pools a Rate: Σtrues / Σcount.
type rateEstimator struct{}

func (rateEstimator) pooled(d *sideData, _ int, idx []int, stats []string, out []float64) {
	var t, n int64
	for _, i := range idx {
		t += d.sinks[i].Trues
		n += d.sinks[i].Count
	}
	v := 0.0
	if n > 0 {
		v = float64(t) / float64(n)
	}
	for k := range stats {
		out[k] = v
	}
}

// counterEstimator pools a Counter's rate per second: Σsum / Σseconds.
type counterEstimator struct{}

func (counterEstimator) pooled(d *sideData, _ int, idx []int, stats []string, out []float64) {
	var sum, secs float64
	for _, i := range idx {
		if sk := d.sinks[i]; sk != nil {
			sum += sk.Sum
		}
		secs += d.secs[i]
	}
	v := 0.0
	if secs > 0 {
		v = sum / secs
	}
	for k := range stats {
		out[k] = v
	}
}

// trendEstimator pools a Trend's histograms. Each interval's histogram is
// flattened once into (bucket index, count) pairs over a bucket table
// shared by both sides; a resample adds its intervals' counts into a dense
// array and reads percentiles from it by the same rule as
// metrics.Sink.Percentile (k6's interpolation between closest ranks; the
// exact pooled Min for ranks in the lowest populated bucket, the exact Max
// in the highest, else the bucket's representative value clamped to
// [Min, Max]). This is the exact merge of the resampled histograms, without
// allocating a histogram per resample.
type trendEstimator struct {
	values []float64          // representative value of each bucket, ascending
	flat   [2][][]bucketCount // per side, per interval
	counts []int64            // scratch, len(values)
}

type bucketCount struct {
	idx   int32
	count int64
}

func newTrendEstimator(b, c *sideData) *trendEstimator {
	e := &trendEstimator{}
	seen := map[float64]bool{}
	for _, d := range []*sideData{b, c} {
		for _, sk := range d.sinks {
			if sk == nil || sk.Hist == nil {
				continue
			}
			sk.Hist.ForEach(func(v float64, _ int64) bool {
				seen[v] = true
				return true
			})
		}
	}
	for v := range seen {
		e.values = append(e.values, v)
	}
	slices.Sort(e.values)
	index := make(map[float64]int32, len(e.values))
	for i, v := range e.values {
		index[v] = int32(i)
	}
	for s, d := range []*sideData{b, c} {
		e.flat[s] = make([][]bucketCount, len(d.sinks))
		for i, sk := range d.sinks {
			if sk == nil || sk.Hist == nil {
				continue
			}
			var bc []bucketCount
			sk.Hist.ForEach(func(v float64, n int64) bool {
				bc = append(bc, bucketCount{index[v], n})
				return true
			})
			e.flat[s][i] = bc
		}
	}
	e.counts = make([]int64, len(e.values))
	return e
}

func (e *trendEstimator) pooled(d *sideData, side int, idx []int, stats []string, out []float64) {
	clear(e.counts)
	var n int64
	var sum float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, i := range idx {
		sk := d.sinks[i]
		for _, bc := range e.flat[side][i] {
			e.counts[bc.idx] += bc.count
		}
		n += sk.Count
		sum += sk.Sum
		lo = min(lo, sk.Min)
		hi = max(hi, sk.Max)
	}
	for k, st := range stats {
		if st == "avg" {
			out[k] = sum / float64(n)
			continue
		}
		out[k] = e.percentile(percentOf(st), lo, hi)
	}
}

// percentile reads the p-th percentile from e.counts (see trendEstimator).
func (e *trendEstimator) percentile(p, lo, hi float64) float64 {
	var n int64
	first, last := -1, -1
	for i, c := range e.counts {
		if c > 0 {
			if first < 0 {
				first = i
			}
			last = i
			n += c
		}
	}
	if n == 0 {
		return 0
	}
	pos := p / 100 * float64(n-1)
	r0 := int64(math.Floor(pos))
	frac := pos - float64(r0)
	rankValue := func(r int64) float64 {
		var cum int64
		b := last
		for i := first; i <= last; i++ {
			cum += e.counts[i]
			if cum > r {
				b = i
				break
			}
		}
		switch {
		case b == first && b == last:
			return min(max(e.values[b], lo), hi)
		case b == first:
			return lo
		case b == last:
			return hi
		}
		return min(max(e.values[b], lo), hi)
	}
	v0 := rankValue(r0)
	if frac == 0 {
		return v0
	}
	return v0 + (rankValue(r0+1)-v0)*frac
}

var _ estimator = (*trendEstimator)(nil)
