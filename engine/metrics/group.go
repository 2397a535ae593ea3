package metrics

import "sync/atomic"

// groupIDs numbers Groups process-wide, so that a Recorder can key its
// cache by (group, tag set) without a registry lock.
var groupIDs atomic.Uint32

// Group is a fixed list of metrics that are recorded together, with one tag
// set, many times: the eleven samples of an HTTP request, say. Recording a
// group (Recorder.AddGroup) takes the recorder's mutex once and finds every
// series with one map lookup, where one Add per metric would take the mutex
// and look up a series per sample. A Group is immutable and may be shared by
// any number of goroutines and recorders.
type Group struct {
	id      uint32
	metrics []*Metric
}

// NewGroup returns the group of metrics ms, in that order: AddGroup's i-th
// value is a sample of ms[i]. It panics if ms is empty or holds nil (a
// programming error: metric handles are resolved before the hot path).
func NewGroup(ms ...*Metric) *Group {
	if len(ms) == 0 {
		panic("metrics: NewGroup needs at least one metric")
	}
	for _, m := range ms {
		if m == nil {
			panic("metrics: NewGroup with a nil metric")
		}
	}
	return &Group{id: groupIDs.Add(1), metrics: append([]*Metric(nil), ms...)}
}

// Len returns the number of metrics in g.
func (g *Group) Len() int { return len(g.metrics) }

// AddGroup records vs[i] for g's i-th metric, all with tags t (nil means the
// empty set), as len(vs) calls of Add would, but under one lock and with one
// map lookup once the (group, tag set) pair has been seen. A NaN value
// records nothing for its metric (use it for a sample that does not apply,
// such as http_req_failed without an expected-status rule). vs must have
// g.Len() values; extra values are ignored, missing ones record nothing.
// Allocation-free in steady state, like Add.
func (rc *Recorder) AddGroup(g *Group, t *TagSet, vs []float64) {
	if t == nil {
		t = rc.agg.reg.empty
	}
	key := uint64(g.id)<<32 | uint64(t.ID)
	rc.mu.Lock()
	if rc.closed {
		rc.reattach()
	}
	ss := rc.groups[key]
	if ss == nil {
		ss = make([]*recSeries, len(g.metrics))
		for i, m := range g.metrics {
			s := rc.series[seriesKey(m, t)]
			if s == nil {
				s = rc.newSeries(m, t)
			}
			ss[i] = s
		}
		if rc.groups == nil {
			rc.groups = make(map[uint64][]*recSeries)
		}
		rc.groups[key] = ss
	}
	n := min(len(ss), len(vs))
	for i := range n {
		if v := vs[i]; v == v { // not NaN
			ss[i].add(v, rc.agg)
		}
	}
	rc.mu.Unlock()
}
