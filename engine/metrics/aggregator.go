package metrics

import (
	"cmp"
	"math"
	"slices"
	"sync"
	"time"
)

// Trend buffer sizes of a Recorder series: the buffer starts at
// trendBufStart values and doubles up to trendBufMax (2 KB); a full buffer
// is drained into the aggregator series' stage (see trendStage), which Flush
// folds into the interval histogram.
const (
	trendBufStart = 16
	trendBufMax   = 256
)

// Aggregator collects samples from many Recorders into per-interval and total
// snapshots.
//
// Concurrency: every Recorder has its own mutex, taken by its owner on every
// Add and by Flush once per interval, so it is uncontended in steady state.
// Each (metric, tag set) series of the aggregator has a mutex taken when a
// recorder drains a full trend buffer into it (once per 256 samples; the
// values are counted into the series' dense stage, see trendStage) and by
// Flush, which folds the stage into the interval histogram. The aggregator's
// own mutex guards its recorder and series lists and
// is taken only when a recorder sees a series for the first time. Flush calls
// are serialized.
type Aggregator struct {
	reg *Registry

	mu        sync.Mutex
	recorders []*Recorder
	series    map[uint64]*aggSeries
	list      []*aggSeries // creation order

	flushMu sync.Mutex // serializes Flush; guards start and every aggSeries.total
	start   time.Time  // start of the current interval

	epoch     time.Time // monotonic base of gauge stamps
	epochNano int64
}

// aggSeries is the aggregator side of one (metric, tag set) series.
type aggSeries struct {
	metric *Metric
	tags   *TagSet

	mu  sync.Mutex
	cur *Sink // current interval; nil until a sample is drained into it
	// stage holds histogram counts of cur (trends) not yet in cur.Hist:
	// values of buffers drained mid-interval. Flush folds it into cur.Hist
	// before handing cur out. nil until a first mid-interval drain and again
	// after an interval without one.
	stage *trendStage

	total *Sink // guarded by Aggregator.flushMu
}

// NewAggregator returns an aggregator for metrics of r. Its first interval
// starts now.
func NewAggregator(r *Registry) *Aggregator {
	now := time.Now()
	return &Aggregator{
		reg:       r,
		series:    make(map[uint64]*aggSeries),
		start:     now,
		epoch:     now,
		epochNano: now.UnixNano(),
	}
}

// Registry returns the registry the aggregator was made with.
func (a *Aggregator) Registry() *Registry { return a.reg }

// stamp returns the current time in Unix nanoseconds, read from the
// monotonic clock since the aggregator's creation, for gauge ordering.
func (a *Aggregator) stamp() int64 {
	return a.epochNano + int64(time.Since(a.epoch))
}

func seriesKey(m *Metric, t *TagSet) uint64 {
	return uint64(m.ID)<<32 | uint64(t.ID)
}

// seriesFor returns the aggregator series of (m, t), creating it.
func (a *Aggregator) seriesFor(m *Metric, t *TagSet) *aggSeries {
	key := seriesKey(m, t)
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.series[key]
	if s == nil {
		s = &aggSeries{metric: m, tags: t}
		a.series[key] = s
		a.list = append(a.list, s)
	}
	return s
}

// NewRecorder returns a recorder for one goroutine (a VU) or a few that
// share it: every Add takes the recorder's own mutex, so goroutines of
// different recorders never contend. Recording is allocation-free in steady
// state.
func (a *Aggregator) NewRecorder() *Recorder {
	rc := &Recorder{agg: a, series: make(map[uint64]*recSeries)}
	a.mu.Lock()
	a.recorders = append(a.recorders, rc)
	a.mu.Unlock()
	return rc
}

// Flush hands every recorder's samples since the previous Flush to the
// aggregator, merges them into the totals and returns them as one interval
// snapshot [previous flush, now). Safe to call concurrently with Add.
//
// Every sample lands in exactly one interval: a sample added while Flush runs
// goes either into this interval or the next. The snapshot holds only series
// that got samples in the interval, ordered by metric ID then tag set ID. The
// caller owns it.
func (a *Aggregator) Flush() *Snapshot {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	now := time.Now()

	a.mu.Lock()
	recs := slices.Clone(a.recorders)
	a.mu.Unlock()
	for _, rc := range recs {
		rc.mu.Lock()
		rc.drainAll()
		rc.mu.Unlock()
	}

	a.mu.Lock()
	list := a.list[:len(a.list):len(a.list)]
	a.mu.Unlock()
	snap := &Snapshot{Start: a.start, End: now}
	for _, s := range list {
		s.mu.Lock()
		if s.stage != nil {
			// Staged counts belong to cur (they were staged after curSink):
			// cur is nil only when the stage holds none, in an interval
			// without samples, and fold then only frees chunks.
			var h *Histogram
			if s.cur != nil {
				h = s.cur.Hist
			}
			if !s.stage.fold(h) {
				s.stage = nil
			}
		}
		cur := s.cur
		s.cur = nil
		s.mu.Unlock()
		if cur == nil || cur.Count == 0 {
			continue
		}
		if s.total == nil {
			s.total = NewSink(s.metric.Type)
		}
		s.total.Merge(cur)
		snap.Series = append(snap.Series, &Series{Metric: s.metric, Tags: s.tags, Sink: cur})
	}
	sortSeries(snap.Series)
	a.start = now
	return snap
}

// Totals returns a deep copy of everything flushed so far: Start is the
// aggregator's creation, End the last Flush (the creation time before any).
func (a *Aggregator) Totals() *Snapshot {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	list := a.list[:len(a.list):len(a.list)]
	a.mu.Unlock()
	snap := &Snapshot{Start: a.epoch, End: a.start}
	for _, s := range list {
		if s.total != nil {
			snap.Series = append(snap.Series, &Series{Metric: s.metric, Tags: s.tags, Sink: s.total.Clone()})
		}
	}
	sortSeries(snap.Series)
	return snap
}

func sortSeries(ss []*Series) {
	slices.SortFunc(ss, func(x, y *Series) int {
		if c := cmp.Compare(x.Metric.ID, y.Metric.ID); c != 0 {
			return c
		}
		return cmp.Compare(x.Tags.ID, y.Tags.ID)
	})
}

// Recorder records samples for one goroutine.
//
// Hot path: Add takes the recorder's own mutex (uncontended except while
// Flush drains this recorder), finds the series (the one of the previous Add,
// else through a map keyed by metric ID<<32 | tag set ID), and accumulates:
// counters, rates and gauges into a few fields, trends into a per-series
// value buffer that is drained into the aggregator series' stage when full
// (an index computation and an increment per value, under the series mutex).
// Nothing allocates once a series exists, its trend buffer has reached its
// full size and the stage chunks its values use exist.
type Recorder struct {
	agg    *Aggregator
	mu     sync.Mutex
	series map[uint64]*recSeries
	groups map[uint64][]*recSeries // AddGroup: series by group ID<<32 | tag set ID
	list   []*recSeries            // creation order, for draining
	closed bool

	// The series of the previous Add and its key; a recorder's map entries
	// never change once made, so the pair stays valid.
	last    *recSeries
	lastKey uint64
}

// recSeries is a Recorder's accumulator for one series since its last drain.
type recSeries struct {
	agg *aggSeries
	typ Type

	count, trues int64   // counter, rate, gauge
	sum          float64 // counter
	value        float64 // gauge: last value
	stamp        int64   // gauge: when value was set
	min, max     float64 // gauge
	buf          []float64
}

// Add records value v for metric m with tags t (nil means the empty set). NaN
// values are ignored.
func (rc *Recorder) Add(m *Metric, t *TagSet, v float64) {
	if v != v { // NaN
		return
	}
	if t == nil {
		t = rc.agg.reg.empty
	}
	key := seriesKey(m, t)
	rc.mu.Lock()
	if rc.closed {
		rc.reattach()
	}
	s := rc.last
	if s == nil || rc.lastKey != key {
		if s = rc.series[key]; s == nil {
			s = rc.newSeries(m, t)
		}
		rc.last, rc.lastKey = s, key
	}
	s.add(v, rc.agg)
	rc.mu.Unlock()
}

// add accumulates v into s. Called with the recorder's mutex held.
func (s *recSeries) add(v float64, a *Aggregator) {
	switch s.typ {
	case Counter:
		s.sum += v
		s.count++
	case Rate:
		s.count++
		if v != 0 {
			s.trues++
		}
	case Gauge:
		if s.count == 0 {
			s.min, s.max = v, v
		} else {
			s.min = min(s.min, v)
			s.max = max(s.max, v)
		}
		s.count++
		s.value = v
		s.stamp = a.stamp()
	case Trend:
		if len(s.buf) == cap(s.buf) {
			if cap(s.buf) < trendBufMax {
				s.buf = append(make([]float64, 0, min(2*cap(s.buf), trendBufMax)), s.buf...)
			} else {
				s.drainTrend(true)
			}
		}
		s.buf = append(s.buf, v)
	}
}

// AddDuration records d in milliseconds (for Time metrics).
func (rc *Recorder) AddDuration(m *Metric, t *TagSet, d time.Duration) {
	rc.Add(m, t, float64(d)/float64(time.Millisecond))
}

// Close hands the recorder's pending samples to the aggregator (they appear
// in the next Flush) and detaches it, so that a VU that goes away costs
// nothing later. Adding to a closed recorder is allowed and reattaches it.
func (rc *Recorder) Close() {
	rc.mu.Lock()
	rc.drainAll()
	rc.closed = true
	rc.mu.Unlock()
	a := rc.agg
	a.mu.Lock()
	if i := slices.Index(a.recorders, rc); i >= 0 {
		a.recorders = slices.Delete(a.recorders, i, i+1)
	}
	a.mu.Unlock()
}

// newSeries creates the recorder's accumulator for (m, t). Called with rc.mu
// held.
func (rc *Recorder) newSeries(m *Metric, t *TagSet) *recSeries {
	s := &recSeries{agg: rc.agg.seriesFor(m, t), typ: m.Type}
	if m.Type == Trend {
		s.buf = make([]float64, 0, trendBufStart)
	}
	rc.series[seriesKey(m, t)] = s
	rc.list = append(rc.list, s)
	return s
}

// reattach registers a closed recorder with its aggregator again. Called
// with rc.mu held.
func (rc *Recorder) reattach() {
	rc.closed = false
	a := rc.agg
	a.mu.Lock()
	a.recorders = append(a.recorders, rc)
	a.mu.Unlock()
}

// drainAll moves every pending sample of rc into the aggregator's current
// interval. Called with rc.mu held.
func (rc *Recorder) drainAll() {
	for _, s := range rc.list {
		if s.typ == Trend {
			s.drainTrend(false)
		} else if s.count > 0 {
			s.drainScalar()
		}
	}
}

// drainTrend records the buffered trend values into the aggregator series,
// with their exact count, sum, min and max, and empties the buffer. A full
// buffer drained mid-interval (full is true) goes to the series' stage,
// allocating it and its chunks as needed; a drain at Flush or Close uses the
// chunks the stage already has and records the other values into the
// interval histogram directly, so a series that never fills a buffer gets
// no stage.
func (s *recSeries) drainTrend(full bool) {
	if len(s.buf) == 0 {
		return
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range s.buf {
		lo = min(lo, v)
		hi = max(hi, v)
		sum += v
	}
	a := s.agg
	a.mu.Lock()
	cur := a.curSink()
	if full && a.stage == nil {
		a.stage = new(trendStage)
	}
	if a.stage != nil {
		a.stage.record(cur.Hist, s.buf, full)
	} else {
		// Runs of equal values are recorded at once: a request's blocked,
		// connecting and TLS times are 0 on every kept-alive connection.
		for i := 0; i < len(s.buf); {
			j := i + 1
			for j < len(s.buf) && s.buf[j] == s.buf[i] {
				j++
			}
			cur.Hist.RecordN(s.buf[i], int64(j-i))
			i = j
		}
	}
	if cur.Count == 0 {
		cur.Min, cur.Max = lo, hi
	} else {
		cur.Min = min(cur.Min, lo)
		cur.Max = max(cur.Max, hi)
	}
	cur.Sum += sum
	cur.Count += int64(len(s.buf))
	a.mu.Unlock()
	s.buf = s.buf[:0]
}

// drainScalar moves a counter, rate or gauge accumulator into the aggregator
// series and resets it.
func (s *recSeries) drainScalar() {
	a := s.agg
	a.mu.Lock()
	cur := a.curSink()
	switch s.typ {
	case Counter:
		cur.Sum += s.sum
		cur.Count += s.count
	case Rate:
		cur.Trues += s.trues
		cur.Count += s.count
	case Gauge:
		cur.Merge(&Sink{Type: Gauge, Count: s.count, Min: s.min, Max: s.max, Value: s.value, Stamp: s.stamp})
	}
	a.mu.Unlock()
	s.count, s.trues, s.sum = 0, 0, 0
}

// curSink returns the series' current interval sink, creating it. Called
// with s.mu held.
func (s *aggSeries) curSink() *Sink {
	if s.cur == nil {
		s.cur = NewSink(s.metric.Type)
	}
	return s.cur
}
