package threshold

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// fits lists the aggregations that apply to each metric type (k6's sets).
var fits = map[metrics.Type][]string{
	metrics.Counter: {"count", "rate"},
	metrics.Gauge:   {"value"},
	metrics.Rate:    {"rate"},
	metrics.Trend:   {"avg", "min", "max", "med", "p"},
}

// aggNames formats the aggregations of a type for messages.
func aggNames(t metrics.Type) string {
	names := slices.Clone(fits[t])
	for i, n := range names {
		if n == "p" {
			names[i] = "p(N)"
		}
	}
	return strings.Join(names, ", ")
}

// ParseAll parses every key, checks that each metric exists in r and that
// each aggregation fits the metric's type. The result is sorted by key.
//
// Errors are *Error (exit code ExitCode): ErrKey or ErrExpression from
// Parse, ErrUnknownMetric when the metric is not registered in r,
// ErrAggregation when an aggregation does not apply (count on a trend, for
// example). Keys are checked in sorted order and the first error is returned.
func ParseAll(m map[string][]Config, r *metrics.Registry) ([]*Set, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sets := make([]*Set, 0, len(keys))
	for _, k := range keys {
		set, err := Parse(k, m[k])
		if err != nil {
			return nil, err
		}
		met := r.Lookup(set.MetricName)
		if met == nil {
			return nil, &Error{Key: k, Err: ErrUnknownMetric,
				Detail: fmt.Sprintf("%q is neither a built-in metric nor declared in the script's init code", set.MetricName)}
		}
		set.Metric = met
		for _, th := range set.Thresholds {
			if !slices.Contains(fits[met.Type], th.Agg) {
				detail := fmt.Sprintf("%q is a %s; a %s threshold can use %s", met.Name, met.Type, met.Type, aggNames(met.Type))
				if th.Agg == "count" && met.Type == metrics.Trend {
					detail += " (for a number of requests use http_reqs: ['count<N'])"
				}
				return nil, &Error{Key: k, Expr: th.Source, Err: ErrAggregation, Detail: detail}
			}
		}
		sets = append(sets, set)
	}
	return sets, nil
}

// Eval evaluates every threshold of s against snap and reports whether all
// passed. It is EvalAt with elapsed = snap.End − snap.Start.
func (s *Set) Eval(snap *metrics.Snapshot) bool {
	var elapsed time.Duration
	if snap != nil {
		elapsed = snap.End.Sub(snap.Start)
	}
	return s.EvalAt(snap, elapsed)
}

// EvalAt evaluates every threshold of s against snap, with elapsed the test
// duration used by a Counter's rate (count per second of elapsed), sets each
// threshold's Evaluated, Passed and Value, and reports whether all passed.
//
// The series of s.Metric (looked up by name when s.Metric is nil) whose tags
// contain s.Filter are merged. When none has samples: a Counter evaluates
// as count 0 and rate 0; a Rate, Trend or Gauge has no data, so its
// thresholds are not evaluated and fail (Evaluated=false, Passed=false,
// Value=0), see the package doc. A threshold whose metric is unknown fails
// the same way.
func (s *Set) EvalAt(snap *metrics.Snapshot, elapsed time.Duration) bool {
	met := s.Metric
	if met == nil {
		met = &metrics.Metric{Name: s.MetricName}
		if ser := findByName(snap, s.MetricName); ser != nil {
			met = ser.Metric
		}
	}
	var sink *metrics.Sink
	if met.Type != 0 {
		sink = snap.Merge(met, s.Filter)
	}
	if sink == nil && met.Type == metrics.Counter {
		sink = metrics.NewSink(metrics.Counter)
	}
	all := true
	for _, th := range s.Thresholds {
		if sink == nil || (sink.Count == 0 && met.Type != metrics.Counter) {
			th.Evaluated, th.Passed, th.Value = false, false, 0
			all = false
			continue
		}
		v, ok := aggregate(sink, met.Type, th, elapsed)
		if !ok {
			th.Evaluated, th.Passed, th.Value = false, false, 0
			all = false
			continue
		}
		th.Evaluated, th.Value = true, v
		th.Passed = compare(v, th.Op, th.Want)
		all = all && th.Passed
	}
	return all
}

func findByName(snap *metrics.Snapshot, name string) *metrics.Series {
	if snap == nil {
		return nil
	}
	for _, ser := range snap.Series {
		if ser.Metric.Name == name {
			return ser
		}
	}
	return nil
}

// aggregate returns the value of th's aggregation over sink; ok is false
// when the aggregation does not apply to t.
func aggregate(sink *metrics.Sink, t metrics.Type, th *Threshold, elapsed time.Duration) (float64, bool) {
	switch t {
	case metrics.Counter:
		switch th.Agg {
		case "count":
			return sink.Sum, true
		case "rate":
			if elapsed <= 0 {
				return 0, true
			}
			return sink.Sum / elapsed.Seconds(), true
		}
	case metrics.Gauge:
		if th.Agg == "value" {
			return sink.Value, true
		}
	case metrics.Rate:
		if th.Agg == "rate" {
			return sink.Rate(), true
		}
	case metrics.Trend:
		switch th.Agg {
		case "avg":
			return sink.Avg(), true
		case "min":
			return sink.Min, true
		case "max":
			return sink.Max, true
		case "med":
			return sink.Percentile(50), true
		case "p":
			return sink.Percentile(th.P), true
		}
	}
	return 0, false
}

// compare applies op to v and want.
func compare(v float64, op string, want float64) bool {
	switch op {
	case "<":
		return v < want
	case "<=":
		return v <= want
	case ">":
		return v > want
	case ">=":
		return v >= want
	case "==":
		return v == want
	case "!=":
		return v != want
	}
	return false
}
