package parity

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// SLO is the service-level objective a span of load must meet to count as
// sustainable: the Percentile of http_req_duration below Latency, and the
// share of failed requests (http_req_failed) at most MaxErrorRate.
type SLO struct {
	Percentile   float64       // 0..100, default 95
	Latency      time.Duration // 0: no latency objective
	MaxErrorRate float64       // 0..1, default 0.01
}

// DefaultSLO is p(95) < 300 ms with under 1% errors.
func DefaultSLO() SLO {
	return SLO{Percentile: 95, Latency: 300 * time.Millisecond, MaxErrorRate: 0.01}
}

// ParseSLO reads objectives such as "p(95)<50ms" and "errors<1%" over
// DefaultSLO (each expression replaces its part). Units: ms, s, us;
// errors as a percentage or a fraction ("errors<0.01").
func ParseSLO(exprs []string) (SLO, error) {
	slo := DefaultSLO()
	for _, e := range exprs {
		s := strings.ReplaceAll(e, " ", "")
		lhs, rhs, ok := strings.Cut(s, "<")
		if !ok {
			return slo, fmt.Errorf("parity: slo %q: want p(N)<DURATION or errors<X%%", e)
		}
		rhs = strings.TrimPrefix(rhs, "=")
		switch {
		case strings.HasPrefix(lhs, "p(") && strings.HasSuffix(lhs, ")"):
			p, err := strconv.ParseFloat(lhs[2:len(lhs)-1], 64)
			if err != nil || p <= 0 || p > 100 {
				return slo, fmt.Errorf("parity: slo %q: percentile must be in (0, 100]", e)
			}
			d, err := time.ParseDuration(rhs)
			if err != nil || d <= 0 {
				return slo, fmt.Errorf("parity: slo %q: latency must be a positive duration such as 50ms", e)
			}
			slo.Percentile, slo.Latency = p, d
		case lhs == "errors" || lhs == "error_rate" || lhs == "http_req_failed":
			var v float64
			var err error
			if strings.HasSuffix(rhs, "%") {
				v, err = strconv.ParseFloat(strings.TrimSuffix(rhs, "%"), 64)
				v /= 100
			} else {
				v, err = strconv.ParseFloat(rhs, 64)
			}
			if err != nil || v < 0 || v > 1 {
				return slo, fmt.Errorf("parity: slo %q: the error rate must be between 0%% and 100%%", e)
			}
			slo.MaxErrorRate = v
		default:
			return slo, fmt.Errorf("parity: slo %q: want p(N)<DURATION or errors<X%%", e)
		}
	}
	return slo, nil
}

// String writes the SLO back as "p(95)<50ms, errors<1%".
func (s SLO) String() string {
	parts := []string{}
	if s.Latency > 0 {
		parts = append(parts, fmt.Sprintf("p(%s)<%s", fmtNum(s.Percentile), s.Latency))
	}
	parts = append(parts, fmt.Sprintf("errors<%s%%", fmtNum(s.MaxErrorRate*100)))
	return strings.Join(parts, ", ")
}

// Span is a time window of a run with what was measured in it.
type Span struct {
	Start, End time.Time
	// Mark names the mark the span comes from; empty for an interval.
	Mark string
	// Requests is the http_reqs count, ThroughputRPS = Requests / length.
	Requests      float64
	ThroughputRPS float64
	// LatencyMs is the SLO's percentile of http_req_duration (ms), 0
	// without samples; ErrorRate the share of failed requests.
	LatencyMs float64
	ErrorRate float64
	// MeanLatencyMs is the mean of http_req_duration (ms), 0 without
	// samples.
	MeanLatencyMs float64
	// MeetsSLO reports whether the span had requests and met the SLO.
	MeetsSLO bool
}

// Spans measures a run span by span: one span per mark when the run has
// marks (capacity steps), else one per interval. Intervals count in a mark
// when they start inside it.
func Spans(run *results.Run, slo SLO) []Span {
	var out []Span
	if len(run.Marks) > 0 {
		marks := append([]results.Mark(nil), run.Marks...)
		sort.SliceStable(marks, func(i, j int) bool { return marks[i].Start.Before(marks[j].Start) })
		for _, m := range marks {
			snap := &metrics.Snapshot{}
			var first, last time.Time
			for _, iv := range run.Intervals {
				if iv.Start.Before(m.Start) || !iv.Start.Before(m.End) {
					continue
				}
				snap.MergeFrom(iv.Snapshot)
				if first.IsZero() {
					first = iv.Start
				}
				last = iv.End
			}
			if first.IsZero() {
				continue
			}
			sp := measure(snap, first, last, slo)
			sp.Mark = m.Name
			out = append(out, sp)
		}
		return out
	}
	for _, iv := range run.Intervals {
		out = append(out, measure(iv.Snapshot, iv.Start, iv.End, slo))
	}
	return out
}

func measure(snap *metrics.Snapshot, start, end time.Time, slo SLO) Span {
	sp := Span{Start: start, End: end, LatencyMs: 0}
	sel := Select{}
	reqs, dur, failed := sel.sinks(snap)
	if reqs != nil {
		sp.Requests = reqs.Sum
	}
	if d := end.Sub(start).Seconds(); d > 0 {
		sp.ThroughputRPS = sp.Requests / d
	}
	if dur != nil && dur.Count > 0 {
		sp.LatencyMs = dur.Percentile(slo.Percentile)
		sp.MeanLatencyMs = dur.Avg()
	}
	if failed != nil && failed.Count > 0 {
		sp.ErrorRate = failed.Rate()
	}
	sp.MeetsSLO = sp.Requests > 0 && sp.ErrorRate <= slo.MaxErrorRate &&
		(slo.Latency == 0 || (dur != nil && dur.Count > 0 && sp.LatencyMs < float64(slo.Latency)/float64(time.Millisecond)))
	return sp
}

// SustainableRPS is the highest throughput among a run's spans that meet
// the SLO (0 and false when none does). On a staircase or ramp that passes
// the knee, this is the throughput at the last load level the system
// served within its objective.
func SustainableRPS(run *results.Run, slo SLO) (float64, bool) {
	best, ok := 0.0, false
	for _, sp := range Spans(run, slo) {
		if sp.MeetsSLO && sp.ThroughputRPS > best {
			best, ok = sp.ThroughputRPS, true
		}
	}
	return best, ok
}

// Window is a time span [Start, End).
type Window struct{ Start, End time.Time }

// SustainableWindows returns the spans of a run in which the load was
// sustainable: the marks (capacity steps) that met the SLO when the run
// has marks, else the whole run from the header's start to the summary's
// end (or the last interval's end when the run did not finish). The bool
// is false when the run has marks and none met the SLO.
func SustainableWindows(run *results.Run, slo SLO) ([]Window, bool) {
	if len(run.Marks) > 0 {
		var ws []Window
		for _, sp := range Spans(run, slo) {
			if sp.MeetsSLO {
				ws = append(ws, Window{sp.Start, sp.End})
			}
		}
		return ws, len(ws) > 0
	}
	start, end := run.Header.Start, time.Time{}
	if run.Summary != nil {
		end = run.Summary.End
	}
	if n := len(run.Intervals); n > 0 {
		if start.IsZero() {
			start = run.Intervals[0].Start
		}
		if end.IsZero() {
			end = run.Intervals[n-1].End
		}
	}
	return []Window{{start, end}}, !start.IsZero() && end.After(start)
}
