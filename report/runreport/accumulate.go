package runreport

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// The one pass over a run's intervals. A folder folds intervals in time
// order into one timeline point per interval and into partial totals; New
// runs one folder per contiguous range of intervals on GOMAXPROCS
// goroutines, Open one folder fed by the file's scan. finish then merges the
// partial totals and groups the points k intervals at a time. Every interval
// is read once and every histogram merged once into its point and once into
// the totals (and once more into its group when k > 1), so the cost is
// linear in the file's series.

// seriesKey identifies a series within one run. Tag sets of one registry are
// interned, so pointer equality is set equality; series of different
// registries with equal content are united by content at the end.
type seriesKey struct {
	metric *metrics.Metric
	tags   *metrics.TagSet
}

// partial is one worker's totals.
type partial struct {
	idx   map[seriesKey]*total
	order []*total
}

// total is one series' running total: trends accumulate in acc until done.
type total struct {
	s   *metrics.Series
	acc *trendAcc
}

func (p *partial) add(s *metrics.Series) {
	k := seriesKey{s.Metric, s.Tags}
	if mine := p.idx[k]; mine != nil {
		switch {
		case mine.acc != nil && s.Sink.Type == metrics.Trend:
			mine.acc.add(s.Sink)
		case mine.acc == nil && mine.s.Sink.Type == s.Sink.Type:
			mine.s.Sink.Merge(s.Sink)
		}
		return
	}
	t := &total{s: &metrics.Series{Metric: s.Metric, Tags: s.Tags}}
	if s.Sink.Type == metrics.Trend {
		t.acc = newTrendAcc()
		t.acc.add(s.Sink)
	} else {
		t.s.Sink = s.Sink.Clone()
	}
	p.idx[k] = t
	p.order = append(p.order, t)
}

// done completes the totals and returns them in first-seen order.
func (p *partial) done() []*metrics.Series {
	out := make([]*metrics.Series, len(p.order))
	for i, t := range p.order {
		if t.acc != nil {
			t.s.Sink, t.acc = t.acc.result(), nil
		}
		out[i] = t.s
	}
	return out
}

// span is one interval's bounds.
type span struct{ start, end time.Time }

// folder folds intervals, in time order, into one timeline point per
// interval and into partial totals. It belongs to one goroutine.
type folder struct {
	need   func(name string) bool // nil: every metric's totals
	tot    partial
	points []point // one per interval
	spans  []span
	// trends and touched merge the interval's series of each timeline
	// trend (point.trends) before they become the point's sinks.
	trends  [3]*trendAcc
	touched [3]bool
}

func newFolder(need func(string) bool) *folder {
	return &folder{need: need, tot: partial{idx: map[seriesKey]*total{}},
		trends: [3]*trendAcc{newTrendAcc(), newTrendAcc(), newTrendAcc()}}
}

// add folds one interval in. The interval's sinks are not modified or kept.
func (f *folder) add(iv results.Interval) {
	f.spans = append(f.spans, span{iv.Start, iv.End})
	f.points = append(f.points, point{})
	pt := &f.points[len(f.points)-1]
	if iv.Snapshot == nil {
		return
	}
	for _, s := range iv.Snapshot.Series {
		if s == nil || s.Metric == nil || s.Sink == nil {
			continue
		}
		if f.need == nil || f.need(s.Metric.Name) {
			f.tot.add(s)
		}
		if s.Sink.Type == metrics.Trend && isTimelineTrend(s.Metric.Name) {
			j := trendIndex(s.Metric.Name)
			f.trends[j].add(s.Sink)
			f.touched[j] = true
			continue
		}
		pt.add(s)
	}
	for j, acc := range f.trends {
		if f.touched[j] {
			pt.trends[j], f.touched[j] = acc.result(), false
		}
	}
}

// isTimelineTrend reports whether the timeline draws the trend called name.
func isTimelineTrend(name string) bool {
	return name == mHTTPReqDuration || name == mIterationLatency || name == mScheduleLag
}

// accumulate computes the run's totals, the timeline's points (k intervals
// per point) and the intervals' bounds from intervals already in memory,
// spread over GOMAXPROCS goroutines that each fold a contiguous range.
// need reports whether the totals of a metric are wanted (nil: all).
func accumulate(run *results.Run, k int, need func(name string) bool) (*metrics.Snapshot, []point, []span) {
	ivs := run.Intervals
	n := len(ivs)
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	folders := make([]*folder, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		folders[w] = newFolder(need)
		wg.Go(func() {
			for _, iv := range ivs[lo:hi] {
				folders[w].add(iv)
			}
		})
	}
	wg.Wait()
	return finish(folders, k)
}

// finish joins folders that folded consecutive ranges of intervals: their
// partial totals merge (equal series united by content), their points are
// grouped k intervals per point.
func finish(folders []*folder, k int) (*metrics.Snapshot, []point, []span) {
	var spans []span
	var perInterval []point
	for _, f := range folders {
		spans = append(spans, f.spans...)
		perInterval = append(perInterval, f.points...)
	}
	n := len(spans)
	pts := perInterval
	if k > 1 {
		pts = make([]point, (n+k-1)/k)
		for i := range perInterval {
			pts[i/k].merge(&perInterval[i])
		}
	}
	totals := &metrics.Snapshot{}
	if n > 0 {
		totals.Start, totals.End = spans[0].start, spans[n-1].end
		for _, sp := range spans {
			if !sp.start.IsZero() && sp.start.Before(totals.Start) {
				totals.Start = sp.start
			}
			if sp.end.After(totals.End) {
				totals.End = sp.end
			}
		}
	}
	byContent := map[string]*metrics.Series{}
	for _, f := range folders {
		for _, s := range f.tot.done() {
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
	return totals, pts, spans
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

// merge adds o, a point of later intervals, to p.
func (p *point) merge(o *point) {
	p.reqs += o.reqs
	p.dropped += o.dropped
	p.hasReqs = p.hasReqs || o.hasReqs
	p.hasDropped = p.hasDropped || o.hasDropped
	for _, pair := range [...][2]**metrics.Sink{{&p.failed, &o.failed}, {&p.vus, &o.vus}, {&p.vusMax, &o.vusMax},
		{&p.trends[0], &o.trends[0]}, {&p.trends[1], &o.trends[1]}, {&p.trends[2], &o.trends[2]}} {
		if *pair[1] != nil {
			*pair[0] = mergeInto(*pair[0], *pair[1])
		}
	}
}
