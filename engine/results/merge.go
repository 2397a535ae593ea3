package results

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Merge combines runs of the same test (e.g. one per worker, or repeated
// files): intervals with the same start are merged series by series
// (histograms add exactly), marks are united, and the header of the first
// run is kept with Members united.
//
// Alignment: interval k of a run is the one that ends k whole intervals
// (Header.Interval, 1 s when unset; rounded to the nearest) after the run's
// first interval ends, and every run's times are shifted by the same
// constant into the first run's frame. So the workers of one distributed run
// (same absolute times) merge interval by interval, and two runs of a test
// made at different times overlay second by second. A merged interval spans
// the union of its contributors' shifted spans.
//
// The merged Summary is nil unless every run has one; then End is the
// latest End, ExitCode and EndReason are those of the run with the highest
// exit code, Scenarios add up by name (completed, interrupted, dropped,
// offered rate), and a threshold (by key and source) passed only if it
// passed in every run; its Value is the first run's (re-evaluate on the
// merged Totals for a merged value). Warnings are concatenated. The inputs
// are not modified; the result has its own Registry.
func Merge(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("results: merge: no runs")
	}
	for i, r := range runs {
		if r == nil {
			return nil, fmt.Errorf("results: merge: run %d is nil", i)
		}
	}
	out := &Run{Header: runs[0].Header, Registry: metrics.NewRegistry()}
	out.Header.Members = nil
	step := runs[0].Header.Interval
	if step <= 0 {
		step = time.Second
	}

	type slot struct {
		iv  Interval
		idx map[def]*metrics.Series
	}
	slots := map[int64]*slot{}
	var ref time.Time // the first run's first interval end
	conv := map[ptrKey]def{}
	seenMember := map[string]bool{}
	seenMark := map[string]bool{}

	for ri, r := range runs {
		for _, m := range r.Header.Members {
			if !seenMember[m] {
				seenMember[m] = true
				out.Header.Members = append(out.Header.Members, m)
			}
		}
		out.Warnings = append(out.Warnings, r.Warnings...)
		var shift time.Duration
		if len(r.Intervals) > 0 {
			first := r.Intervals[0].End
			if ref.IsZero() {
				ref = first
			}
			shift = ref.Sub(first)
		}
		for _, mk := range r.Marks {
			mk.Start, mk.End = shiftTime(mk.Start, shift), shiftTime(mk.End, shift)
			key := fmt.Sprintf("%s\x00%d\x00%d", mk.Name, mk.Start.UnixNano(), mk.End.UnixNano())
			if !seenMark[key] {
				seenMark[key] = true
				out.Marks = append(out.Marks, mk)
			}
		}
		for _, iv := range r.Intervals {
			start, end := shiftTime(iv.Start, shift), shiftTime(iv.End, shift)
			k := int64(math.Round(float64(end.Sub(ref)) / float64(step)))
			s := slots[k]
			if s == nil {
				s = &slot{iv: Interval{Start: start, End: end, Snapshot: &metrics.Snapshot{Start: start, End: end}}, idx: map[def]*metrics.Series{}}
				slots[k] = s
			}
			if start.Before(s.iv.Start) {
				s.iv.Start = start
			}
			if end.After(s.iv.End) {
				s.iv.End = end
			}
			s.iv.Snapshot.Start, s.iv.Snapshot.End = s.iv.Start, s.iv.End
			if iv.Snapshot == nil {
				continue
			}
			for _, ser := range iv.Snapshot.Series {
				if ser == nil || ser.Sink == nil || ser.Metric == nil {
					continue
				}
				pk := ptrKey{ser.Metric, ser.Tags}
				d, ok := conv[pk]
				if !ok {
					m, err := out.Registry.New(ser.Metric.Name, ser.Metric.Type, ser.Metric.Contains)
					if err != nil {
						return nil, fmt.Errorf("results: merge: run %d: %w", ri, err)
					}
					var pairs []metrics.Tag
					if ser.Tags != nil {
						pairs = ser.Tags.Pairs
					}
					d = def{m: m, t: out.Registry.Tags(pairs...)}
					conv[pk] = d
				}
				if mine := s.idx[d]; mine != nil {
					mine.Sink.Merge(ser.Sink)
					continue
				}
				c := &metrics.Series{Metric: d.m, Tags: d.t, Sink: ser.Sink.Clone()}
				s.idx[d] = c
				s.iv.Snapshot.Series = append(s.iv.Snapshot.Series, c)
			}
		}
	}
	keys := make([]int64, 0, len(slots))
	for k := range slots {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sortSnapshot(slots[k].iv.Snapshot)
		out.Intervals = append(out.Intervals, slots[k].iv)
	}
	slices.SortStableFunc(out.Marks, func(a, b Mark) int { return a.Start.Compare(b.Start) })
	out.Summary = mergeSummaries(runs)
	return out, nil
}

func shiftTime(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Add(d)
}

// mergeSummaries combines the runs' summaries as Merge documents; nil when
// a run has none.
func mergeSummaries(runs []*Run) *Summary {
	var out *Summary
	scen := map[string]int{}
	thr := map[string]int{}
	for _, r := range runs {
		s := r.Summary
		if s == nil {
			return nil
		}
		if out == nil {
			out = &Summary{End: s.End, EndReason: s.EndReason, ExitCode: s.ExitCode}
		}
		if s.End.After(out.End) {
			out.End = s.End
		}
		if s.ExitCode > out.ExitCode {
			out.ExitCode, out.EndReason = s.ExitCode, s.EndReason
		}
		for _, sc := range s.Scenarios {
			i, ok := scen[sc.Name]
			if !ok {
				scen[sc.Name] = len(out.Scenarios)
				out.Scenarios = append(out.Scenarios, sc)
				continue
			}
			o := &out.Scenarios[i]
			o.Completed += sc.Completed
			o.Interrupted += sc.Interrupted
			o.Dropped += sc.Dropped
			o.OfferedRate += sc.OfferedRate
		}
		for _, t := range s.Thresholds {
			key := t.Key + "\x00" + t.Source
			i, ok := thr[key]
			if !ok {
				thr[key] = len(out.Thresholds)
				out.Thresholds = append(out.Thresholds, t)
				continue
			}
			o := &out.Thresholds[i]
			o.Passed = o.Passed && t.Passed
			o.Evaluated = o.Evaluated || t.Evaluated
		}
	}
	return out
}

// Totals returns the merge of every interval: one series per (metric, tag
// set), spanning the first interval's start to the last one's end. A run
// with no intervals gives an empty snapshot. The result is the caller's.
func (r *Run) Totals() *metrics.Snapshot {
	out := &metrics.Snapshot{}
	idx := map[def]*metrics.Series{}
	byName := map[string]*metrics.Series{}
	for _, iv := range r.Intervals {
		if out.Start.IsZero() || (!iv.Start.IsZero() && iv.Start.Before(out.Start)) {
			out.Start = iv.Start
		}
		if iv.End.After(out.End) {
			out.End = iv.End
		}
		if iv.Snapshot == nil {
			continue
		}
		for _, ser := range iv.Snapshot.Series {
			if ser == nil || ser.Sink == nil || ser.Metric == nil {
				continue
			}
			d := def{m: ser.Metric, t: ser.Tags}
			mine := idx[d]
			if mine == nil {
				// Snapshots of another registry match by content.
				var pairs []metrics.Tag
				if ser.Tags != nil {
					pairs = ser.Tags.Pairs
				}
				name := seriesName(ser.Metric.Name, pairs)
				mine = byName[name]
				if mine == nil {
					mine = &metrics.Series{Metric: ser.Metric, Tags: ser.Tags, Sink: metrics.NewSink(ser.Metric.Type)}
					byName[name] = mine
					out.Series = append(out.Series, mine)
				}
				idx[d] = mine
			}
			mine.Sink.Merge(ser.Sink)
		}
	}
	sortSnapshot(out)
	return out
}

// sortSnapshot orders series by metric ID, then tag set ID (the order the
// metrics package uses), then by name and tags for ties across registries.
func sortSnapshot(s *metrics.Snapshot) {
	slices.SortStableFunc(s.Series, func(x, y *metrics.Series) int {
		if c := cmp.Compare(x.Metric.ID, y.Metric.ID); c != 0 {
			return c
		}
		if c := cmp.Compare(tagID(x.Tags), tagID(y.Tags)); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Metric.Name, y.Metric.Name); c != 0 {
			return c
		}
		return cmp.Compare(tagString(x.Tags), tagString(y.Tags))
	})
}

func tagID(t *metrics.TagSet) uint32 {
	if t == nil {
		return 0
	}
	return t.ID
}

func tagString(t *metrics.TagSet) string {
	if t == nil {
		return "{}"
	}
	return t.String()
}
