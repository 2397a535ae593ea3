package parity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// Metric names read from results files (the engine's built-ins).
const (
	metricReqs     = "http_reqs"
	metricDuration = "http_req_duration"
	metricFailed   = "http_req_failed"
)

// Select picks the series of one endpoint, or of all when Endpoint is "".
type Select struct {
	// Endpoint is an EndpointKey.
	Endpoint string
}

// EndpointKey returns the endpoint a series belongs to: its "name" tag
// (the URL unless the script named the request), reduced to the path when
// it is an absolute URL, so that the same endpoint on two hosts (staging,
// production) matches. Series without a name tag have the key "".
func EndpointKey(t *metrics.TagSet) string {
	if t == nil {
		return ""
	}
	name, ok := t.Get("name")
	if !ok {
		return ""
	}
	if u, err := url.Parse(name); err == nil && u.Scheme != "" && u.Host != "" {
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		if u.RawQuery != "" {
			p += "?" + u.RawQuery
		}
		return p
	}
	return name
}

// sinks merges the http_reqs, http_req_duration and http_req_failed series
// of snap that s selects. Any may be nil.
func (s Select) sinks(snap *metrics.Snapshot) (reqs, dur, failed *metrics.Sink) {
	if snap == nil {
		return nil, nil, nil
	}
	for _, ser := range snap.Series {
		var dst **metrics.Sink
		switch ser.Metric.Name {
		case metricReqs:
			dst = &reqs
		case metricDuration:
			dst = &dur
		case metricFailed:
			dst = &failed
		default:
			continue
		}
		if s.Endpoint != "" && EndpointKey(ser.Tags) != s.Endpoint {
			continue
		}
		if *dst == nil {
			*dst = metrics.NewSink(ser.Sink.Type)
		}
		(*dst).Merge(ser.Sink)
	}
	return reqs, dur, failed
}

// Stats are one side's figures for an endpoint (or overall).
type Stats struct {
	Requests float64 `json:"requests"`
	// P50Ms, P95Ms, P99Ms are percentiles of http_req_duration, ms (0
	// without samples).
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	P99Ms float64 `json:"p99_ms"`
	// ErrorRate is the share of failed requests, 0..1.
	ErrorRate float64 `json:"error_rate"`
	// ThroughputRPS is Requests over the seconds covered by intervals
	// that had requests; PerInstanceRPS divides it by the service's
	// replicas.
	ThroughputRPS  float64 `json:"throughput_rps"`
	PerInstanceRPS float64 `json:"per_instance_rps"`
}

// Ratio is production ÷ staging of one percentile with its bootstrap
// confidence interval; all 0 when either side has no samples.
type Ratio struct {
	Percentile float64 `json:"percentile"`
	Point      float64 `json:"point"`
	Low        float64 `json:"ci_low"`
	High       float64 `json:"ci_high"`
}

// Endpoint compares one endpoint (or, with Name "(overall)", every
// request) between the two environments.
type Endpoint struct {
	Name       string  `json:"name"`
	Staging    Stats   `json:"staging"`
	Production Stats   `json:"production"`
	Ratios     []Ratio `json:"latency_ratios"`
	// ErrorRateDiff is production's error rate minus staging's, in
	// percentage points ÷ 100.
	ErrorRateDiff float64 `json:"error_rate_diff"`
	// Verdict is VerdictWithin when staging predicts production within
	// the tolerance: every ratio's point estimate and its whole confidence
	// interval in [1−X, 1+X], and the error rates within ErrorTolerance of
	// each other; VerdictOutside when a point estimate or the error-rate
	// difference is beyond them; VerdictInconclusive when every point
	// estimate is within but a confidence interval reaches beyond 1 ± X,
	// so the runs cannot tell.
	Verdict Verdict `json:"verdict"`
	// Within is Verdict == VerdictWithin.
	Within bool `json:"within_tolerance"`
	// Why lists the figures that broke the tolerance, or the intervals
	// that made the verdict inconclusive.
	Why []string `json:"why,omitempty"`
}

// Verdict is an endpoint's verdict: "within", "outside" or
// "inconclusive".
type Verdict string

// The endpoint verdicts.
const (
	VerdictWithin       Verdict = "within"
	VerdictOutside      Verdict = "outside"
	VerdictInconclusive Verdict = "inconclusive"
)

// percentiles compared between environments.
var percentiles = []float64{50, 95, 99}

// side is one environment's per-interval data for one endpoint.
type side struct {
	durs   []*metrics.Sink // per interval with samples
	reqs   float64
	fails  *metrics.Sink
	active float64 // seconds of intervals with requests
}

func collect(runs []*results.Run, sel Select) side {
	var s side
	for _, run := range runs {
		for _, iv := range run.Intervals {
			reqs, dur, failed := sel.sinks(iv.Snapshot)
			if reqs != nil && reqs.Sum > 0 {
				s.reqs += reqs.Sum
				s.active += iv.End.Sub(iv.Start).Seconds()
			}
			if dur != nil && dur.Count > 0 {
				s.durs = append(s.durs, dur)
			}
			if failed != nil {
				if s.fails == nil {
					s.fails = metrics.NewSink(failed.Type)
				}
				s.fails.Merge(failed)
			}
		}
	}
	return s
}

func (s side) stats(replicas int) Stats {
	st := Stats{Requests: s.reqs}
	if m := mergeAll(s.durs, nil); m != nil {
		st.P50Ms, st.P95Ms, st.P99Ms = m.Percentile(50), m.Percentile(95), m.Percentile(99)
	}
	if s.fails != nil && s.fails.Count > 0 {
		st.ErrorRate = s.fails.Rate()
	}
	if s.active > 0 {
		st.ThroughputRPS = s.reqs / s.active
	}
	if replicas > 0 {
		st.PerInstanceRPS = st.ThroughputRPS / float64(replicas)
	}
	return st
}

// mergeAll merges sinks[idx[i]] (every sink when idx is nil).
func mergeAll(sinks []*metrics.Sink, idx []int) *metrics.Sink {
	if len(sinks) == 0 {
		return nil
	}
	out := metrics.NewSink(sinks[0].Type)
	if idx == nil {
		for _, s := range sinks {
			out.Merge(s)
		}
		return out
	}
	for _, i := range idx {
		out.Merge(sinks[i])
	}
	return out
}

// bootstrapRatios estimates, for each of percentiles, production ÷ staging
// and a (1−alpha) percentile-bootstrap confidence interval (Efron &
// Tibshirani, An Introduction to the Bootstrap, 1993, ch. 13). The
// resampling unit is the interval, not the request: requests of one
// interval are correlated (they share the system's state), so whole
// intervals are drawn with replacement, a block bootstrap with blocks of
// one interval (Künsch 1989). Each of b rounds draws len(st) staging and
// len(pr) production intervals, merges their histograms and takes the
// ratio of the percentiles.
func bootstrapRatios(st, pr []*metrics.Sink, b int, alpha float64, rng *rand.Rand) []Ratio {
	out := make([]Ratio, len(percentiles))
	ms, mp := mergeAll(st, nil), mergeAll(pr, nil)
	for i, p := range percentiles {
		out[i] = Ratio{Percentile: p}
		if ms != nil && mp != nil {
			out[i].Point = mp.Percentile(p) / ms.Percentile(p)
		}
	}
	if ms == nil || mp == nil || b <= 0 {
		return out
	}
	draws := make([][]float64, len(percentiles))
	is, ip := make([]int, len(st)), make([]int, len(pr))
	for range b {
		for k := range is {
			is[k] = rng.IntN(len(st))
		}
		for k := range ip {
			ip[k] = rng.IntN(len(pr))
		}
		s, p := mergeAll(st, is), mergeAll(pr, ip)
		for i, q := range percentiles {
			draws[i] = append(draws[i], p.Percentile(q)/s.Percentile(q))
		}
	}
	for i := range percentiles {
		slices.Sort(draws[i])
		out[i].Low = quantileSorted(draws[i], alpha/2)
		out[i].High = quantileSorted(draws[i], 1-alpha/2)
	}
	return out
}

// quantileSorted is the q-quantile (0..1) of sorted xs by linear
// interpolation between closest ranks (Hyndman & Fan type 7, the rule of
// numpy's default and of k6's percentiles).
func quantileSorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	pos := q * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[lo] + (xs[lo+1]-xs[lo])*(pos-float64(lo))
}

// endpoints lists the endpoint keys present in both sets of runs, sorted.
func endpoints(a, b []*results.Run) []string {
	seen := func(runs []*results.Run) map[string]bool {
		m := map[string]bool{}
		for _, r := range runs {
			for _, iv := range r.Intervals {
				if iv.Snapshot == nil {
					continue
				}
				for _, ser := range iv.Snapshot.Series {
					if ser.Metric.Name == metricDuration {
						if k := EndpointKey(ser.Tags); k != "" {
							m[k] = true
						}
					}
				}
			}
		}
		return m
	}
	sa, sb := seen(a), seen(b)
	var out []string
	for k := range sa {
		if sb[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func compareEndpoint(name string, sel Select, st, pr []*results.Run, stRep, prRep int, o Options, rng *rand.Rand) Endpoint {
	s, p := collect(st, sel), collect(pr, sel)
	e := Endpoint{Name: name, Staging: s.stats(stRep), Production: p.stats(prRep)}
	e.Ratios = bootstrapRatios(s.durs, p.durs, o.Bootstrap, 1-o.Confidence, rng)
	e.ErrorRateDiff = e.Production.ErrorRate - e.Staging.ErrorRate
	e.Verdict = VerdictWithin
	for _, r := range e.Ratios {
		if r.Point == 0 || math.Abs(r.Point-1) > o.Tolerance {
			e.Verdict = VerdictOutside
			e.Why = append(e.Why, fmt.Sprintf("p(%s) ratio %.3f is outside 1 ± %s", fmtNum(r.Percentile), r.Point, fmtNum(o.Tolerance)))
		}
	}
	if math.Abs(e.ErrorRateDiff) > o.ErrorTolerance {
		e.Verdict = VerdictOutside
		e.Why = append(e.Why, fmt.Sprintf("error rates differ by %.2f percentage points (tolerance %s)", 100*e.ErrorRateDiff, fmtNum(100*o.ErrorTolerance)))
	}
	if e.Verdict == VerdictWithin {
		// Every point estimate is within; the verdict stands only if
		// every interval is too.
		for _, r := range e.Ratios {
			if 1-r.Low > o.Tolerance || r.High-1 > o.Tolerance {
				e.Verdict = VerdictInconclusive
				e.Why = append(e.Why, fmt.Sprintf("p(%s) ratio %.3f is within 1 ± %s but its %s%% confidence interval [%.3f, %.3f] reaches beyond it",
					fmtNum(r.Percentile), r.Point, fmtNum(o.Tolerance), fmtNum(100*o.Confidence), r.Low, r.High))
			}
		}
	}
	e.Within = e.Verdict == VerdictWithin
	return e
}
