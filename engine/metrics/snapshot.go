package metrics

import (
	"cmp"
	"slices"
)

// sameMetric reports whether a and b name the same metric. Snapshots made by
// one Registry share pointers; snapshots decoded or from other processes are
// matched by name.
func sameMetric(a, b *Metric) bool {
	return a == b || (a != nil && b != nil && a.Name == b.Name)
}

// Merge returns the merge of all series of m whose tags contain filter, or nil
// when there is none. The result is a new Sink; s is not changed.
func (s *Snapshot) Merge(m *Metric, filter []Tag) *Sink {
	if s == nil {
		return nil
	}
	var out *Sink
	for _, ser := range s.Series {
		if !sameMetric(ser.Metric, m) || !ser.Tags.Contains(filter) {
			continue
		}
		if out == nil {
			out = NewSink(m.Type)
		}
		out.Merge(ser.Sink)
	}
	return out
}

// Clone returns a deep copy of s: new Series and Sinks, the same (immutable)
// Metric and TagSet pointers.
func (s *Snapshot) Clone() *Snapshot {
	if s == nil {
		return nil
	}
	c := &Snapshot{Start: s.Start, End: s.End, Series: make([]*Series, len(s.Series))}
	for i, ser := range s.Series {
		c.Series[i] = &Series{Metric: ser.Metric, Tags: ser.Tags, Sink: ser.Sink.Clone()}
	}
	return c
}

// MergeFrom adds o's series to s, for merging intervals of several workers or
// results files. Series match when their metrics have the same name and
// their tag sets the same pairs (pointers need not be equal); a matched sink
// is merged, an unmatched series is appended as a deep copy. s's span grows
// to cover o's (zero times are ignored). Series stay ordered by metric ID,
// then tag set ID, then metric name and tag pairs as a tie-breaker for
// snapshots from different registries.
func (s *Snapshot) MergeFrom(o *Snapshot) {
	if o == nil {
		return
	}
	if s.Start.IsZero() || (!o.Start.IsZero() && o.Start.Before(s.Start)) {
		s.Start = o.Start
	}
	if o.End.After(s.End) {
		s.End = o.End
	}
	index := make(map[string]*Series, len(s.Series))
	for _, ser := range s.Series {
		index[seriesIdent(ser)] = ser
	}
	for _, ser := range o.Series {
		k := seriesIdent(ser)
		if mine, ok := index[k]; ok {
			mine.Sink.Merge(ser.Sink)
			continue
		}
		c := &Series{Metric: ser.Metric, Tags: ser.Tags, Sink: ser.Sink.Clone()}
		s.Series = append(s.Series, c)
		index[k] = c
	}
	sortSeriesStable(s.Series)
}

// seriesIdent is a registry-independent identity of a series.
func seriesIdent(ser *Series) string {
	return ser.Metric.Name + "\x00" + tagsKey(ser.Tags)
}

// tagsKey is the registry-independent encoding of a tag set's pairs.
func tagsKey(t *TagSet) string {
	if t == nil {
		return ""
	}
	return string(encodePairs(nil, t.Pairs))
}

func sortSeriesStable(ss []*Series) {
	slices.SortStableFunc(ss, func(x, y *Series) int {
		if c := cmp.Compare(x.Metric.ID, y.Metric.ID); c != 0 {
			return c
		}
		if c := cmp.Compare(tagsID(x.Tags), tagsID(y.Tags)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Metric.Name, y.Metric.Name); c != 0 {
			return c
		}
		return cmp.Compare(tagsKey(x.Tags), tagsKey(y.Tags))
	})
}

func tagsID(t *TagSet) uint32 {
	if t == nil {
		return 0
	}
	return t.ID
}

// Find returns the series of metric m with exactly the tag set t, or nil.
func (s *Snapshot) Find(m *Metric, t *TagSet) *Series {
	if s == nil {
		return nil
	}
	for _, ser := range s.Series {
		if sameMetric(ser.Metric, m) && (ser.Tags == t || tagsKey(ser.Tags) == tagsKey(t)) {
			return ser
		}
	}
	return nil
}
