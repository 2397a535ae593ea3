package runreport

import (
	"math"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// trendAcc merges many trend sinks into one. hdrhistogram-go's
// PackedHistogram.Merge is linear in the sizes of both histograms, so
// merging an hour of 1 s histograms one by one into a total costs the
// total's few thousand buckets 3,600 times over; here the non-negative
// buckets go into a dense array indexed like HdrHistogram's counts (3
// significant figures: 1,024 sub-buckets per power of two), so a merge
// costs only the merged histogram's own buckets, and the total becomes a
// metrics.Histogram once, at the end. Exact: every count lands in the bucket
// it came from. Negative values and histograms with clamped values take
// metrics' own Merge.
type trendAcc struct {
	sink   *metrics.Sink // Count, Sum, Min, Max, and the histogram parts merged directly
	counts []int64       // by counts index; grown on demand
	lo, hi int           // the populated index range [lo, hi)
}

func newTrendAcc() *trendAcc {
	return &trendAcc{sink: metrics.NewSink(metrics.Trend), lo: math.MaxInt}
}

// add merges the trend sink o.
func (a *trendAcc) add(o *metrics.Sink) {
	if o == nil || o.Count == 0 {
		return
	}
	h := o.Hist
	stats := *o
	stats.Hist = nil
	a.sink.Merge(&stats) // Count, Sum, Min and Max
	if h == nil {
		return
	}
	if h.Clamped() > 0 {
		a.sink.Hist.Merge(h)
		return
	}
	h.ForEach(func(v float64, c int64) bool {
		if v < 0 {
			a.sink.Hist.RecordN(v, c) // v stands for its bucket: the same bucket
			return true
		}
		i := int(results.CountsIndex(int64(math.Round(v * metrics.Scale))))
		if i >= len(a.counts) {
			a.counts = append(a.counts, make([]int64, i+1-len(a.counts)+len(a.counts)/2)...)
		}
		a.counts[i] += c
		a.lo, a.hi = min(a.lo, i), max(a.hi, i+1)
		return true
	})
}

// result moves the dense counts into the sink's histogram and returns the
// sink; a is empty (and reusable) afterwards.
func (a *trendAcc) result() *metrics.Sink {
	for i := a.lo; i < a.hi; i++ {
		if c := a.counts[i]; c > 0 {
			a.sink.Hist.RecordN(float64(results.CountsIndexValue(int64(i)))/metrics.Scale, c)
			a.counts[i] = 0
		}
	}
	s := a.sink
	a.sink, a.lo, a.hi = metrics.NewSink(metrics.Trend), math.MaxInt, 0
	return s
}

// empty reports whether nothing was added since the last result.
func (a *trendAcc) empty() bool { return a.sink.Count == 0 }
