package runreport

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// The one pass over a run's intervals. Each worker takes a contiguous range
// of timeline points (and so of intervals), folds its intervals into the
// points of its range and into partial totals; the partial totals are then
// merged. Every interval is read once and every histogram merged once into
// its point and once into the totals, so the cost is linear in the file's
// series and spread over GOMAXPROCS cores.

// seriesKey identifies a series within one run. Tag sets of one registry are
// interned, so pointer equality is set equality; series of different
// registries with equal content are united by content at the end.
type seriesKey struct {
	metric *metrics.Metric
	tags   *metrics.TagSet
}

// partial is one worker's totals.
type partial struct {
	idx   map[seriesKey]*metrics.Series
	order []*metrics.Series
}

func (p *partial) add(s *metrics.Series) {
	k := seriesKey{s.Metric, s.Tags}
	if mine := p.idx[k]; mine != nil {
		if mine.Sink.Type == s.Sink.Type {
			mine.Sink.Merge(s.Sink)
		}
		return
	}
	c := &metrics.Series{Metric: s.Metric, Tags: s.Tags, Sink: s.Sink.Clone()}
	p.idx[k] = c
	p.order = append(p.order, c)
}

// accumulate computes the run's totals and the timeline's points, k
// intervals per point.
// need reports whether the totals of a metric are wanted (nil: all).
func accumulate(run *results.Run, k int, need func(name string) bool) (*metrics.Snapshot, []point) {
	ivs := run.Intervals
	n := len(ivs)
	pts := (n + k - 1) / k
	acc := make([]point, pts)
	workers := min(runtime.GOMAXPROCS(0), max(1, pts/8))
	parts := make([]partial, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := pts*w/workers, pts*(w+1)/workers
		wg.Go(func() {
			p := &parts[w]
			p.idx = map[seriesKey]*metrics.Series{}
			for i := lo * k; i < min(hi*k, n); i++ {
				iv := ivs[i]
				pt := &acc[i/k]
				if iv.Snapshot == nil {
					continue
				}
				for _, s := range iv.Snapshot.Series {
					if s == nil || s.Metric == nil || s.Sink == nil {
						continue
					}
					if need == nil || need(s.Metric.Name) {
						p.add(s)
					}
					pt.add(s)
				}
			}
		})
	}
	wg.Wait()

	// Merge the partial totals, uniting equal series by content.
	totals := &metrics.Snapshot{}
	if n > 0 {
		totals.Start, totals.End = ivs[0].Start, ivs[n-1].End
		for _, iv := range ivs {
			if !iv.Start.IsZero() && iv.Start.Before(totals.Start) {
				totals.Start = iv.Start
			}
			if iv.End.After(totals.End) {
				totals.End = iv.End
			}
		}
	}
	byContent := map[string]*metrics.Series{}
	for _, p := range parts {
		for _, s := range p.order {
			key := contentKey(s)
			if mine := byContent[key]; mine != nil {
				if mine.Sink.Type == s.Sink.Type {
					mine.Sink.Merge(s.Sink)
				}
				continue
			}
			byContent[key] = s
			totals.Series = append(totals.Series, s)
		}
	}
	slices.SortStableFunc(totals.Series, func(a, b *metrics.Series) int {
		return cmp.Or(cmp.Compare(a.Metric.ID, b.Metric.ID), cmp.Compare(tagID(a.Tags), tagID(b.Tags)),
			cmp.Compare(a.Metric.Name, b.Metric.Name), cmp.Compare(contentKey(a), contentKey(b)))
	})
	return totals, acc
}

func tagID(t *metrics.TagSet) uint32 {
	if t == nil {
		return 0
	}
	return t.ID
}

// contentKey is a registry-independent identity of a series.
func contentKey(s *metrics.Series) string {
	var b strings.Builder
	b.WriteString(s.Metric.Name)
	if s.Tags != nil {
		for _, p := range s.Tags.Pairs {
			b.WriteByte(0)
			b.WriteString(p.Key)
			b.WriteByte(1)
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// point accumulates the series of the intervals of one timeline point.
type point struct {
	reqs, dropped       float64
	hasReqs, hasDropped bool
	failed              *metrics.Sink
	vus, vusMax         *metrics.Sink
	trends              [3]*metrics.Sink // latency, iteration_latency, schedule_lag
}

func (p *point) add(s *metrics.Series) {
	switch s.Metric.Name {
	case mHTTPReqs:
		p.reqs += s.Sink.Sum
		p.hasReqs = true
	case mHTTPReqFailed:
		p.failed = mergeInto(p.failed, s.Sink)
	case mVUs:
		p.vus = mergeInto(p.vus, s.Sink)
	case mVUsMax:
		p.vusMax = mergeInto(p.vusMax, s.Sink)
	case mDroppedIterations:
		p.dropped += s.Sink.Sum
		p.hasDropped = true
	case mHTTPReqDuration, mIterationLatency, mScheduleLag:
		if s.Sink.Type == metrics.Trend {
			j := trendIndex(s.Metric.Name)
			p.trends[j] = mergeInto(p.trends[j], s.Sink)
		}
	}
}
