package runreport

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"github.com/loadline/loadline/engine/metrics"
)

// Num is a chart value: a float64 whose NaN (no data in that span) encodes
// as JSON null, which the charts draw as a gap.
type Num float64

// MarshalJSON encodes NaN and ±Inf as null and other values in the shortest
// form that reads back exactly.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

var nan = Num(math.NaN())

// Quantiles are per-point percentiles of a trend: P50, P95, P99 and Max
// (milliseconds for time trends); NaN where a point had no samples.
type Quantiles struct {
	P50 []Num `json:"p50"`
	P95 []Num `json:"p95"`
	P99 []Num `json:"p99"`
	Max []Num `json:"max"`
}

// Timeline is the per-interval data of the time charts, downsampled to at
// most Options.MaxPoints points. Point i covers the merged intervals
// [T[i], T[i]+Span[i]). Series of metrics the run did not record are nil.
type Timeline struct {
	T      []float64 `json:"t"`    // point start, Unix seconds
	Span   []float64 `json:"span"` // seconds covered by the point's intervals
	Merged int       `json:"merged"`
	// RPS is http_reqs per second; Failed is failed requests
	// (http_req_failed non-zero samples) per second; ErrorRate is
	// http_req_failed's rate (0..1).
	RPS       []Num `json:"rps"`
	Failed    []Num `json:"failed"`
	ErrorRate []Num `json:"error_rate"`
	// VUs and VUsMax are the gauges' last values in the point.
	VUs    []Num `json:"vus"`
	VUsMax []Num `json:"vus_max"`
	// Latency is http_req_duration over every tag set.
	Latency *Quantiles `json:"latency,omitempty"`
	// IterationLatency and ScheduleLag are the open-model trends.
	IterationLatency *Quantiles `json:"iteration_latency,omitempty"`
	ScheduleLag      *Quantiles `json:"schedule_lag,omitempty"`
	// Dropped is dropped_iterations per second.
	Dropped []Num `json:"dropped,omitempty"`
}

// Timeline returns the chart series: each interval's series of a metric
// were merged once into the point the interval falls in (k adjacent
// intervals per point, k = ⌈intervals/MaxPoints⌉), and the percentiles are
// read from the merged histograms, so they are exact for the point's span.
func (r *Report) Timeline() *Timeline {
	k := r.merged
	pts := len(r.points)
	tl := &Timeline{Merged: k, T: make([]float64, pts), Span: make([]float64, pts)}
	for i, sp := range r.spans {
		if i%k == 0 {
			tl.T[i/k] = float64(sp.start.UnixNano()) / 1e9
		}
		tl.Span[i/k] += sp.end.Sub(sp.start).Seconds()
	}
	var seen [3]bool
	anyDropped, anyVUs := false, false
	for i := range r.points {
		p := &r.points[i]
		anyDropped = anyDropped || p.hasDropped
		anyVUs = anyVUs || p.vus != nil
		for j, s := range p.trends {
			seen[j] = seen[j] || s != nil
		}
	}
	acc := r.points
	tl.RPS, tl.Failed, tl.ErrorRate = make([]Num, pts), make([]Num, pts), make([]Num, pts)
	if anyVUs {
		tl.VUs, tl.VUsMax = make([]Num, pts), make([]Num, pts)
	}
	if anyDropped {
		tl.Dropped = make([]Num, pts)
	}
	qs := [3]*Quantiles{}
	for j := range qs {
		if seen[j] {
			qs[j] = &Quantiles{P50: make([]Num, pts), P95: make([]Num, pts), P99: make([]Num, pts), Max: make([]Num, pts)}
		}
	}
	tl.Latency, tl.IterationLatency, tl.ScheduleLag = qs[0], qs[1], qs[2]
	for i := range acc {
		p := &acc[i]
		span := tl.Span[i]
		perSec := func(v float64, ok bool) Num {
			if !ok || span <= 0 {
				return nan
			}
			return Num(v / span)
		}
		tl.RPS[i] = perSec(p.reqs, p.hasReqs)
		tl.Failed[i], tl.ErrorRate[i] = nan, nan
		if p.failed != nil && p.failed.Count > 0 {
			tl.Failed[i] = perSec(float64(p.failed.Trues), true)
			tl.ErrorRate[i] = Num(p.failed.Rate())
		}
		if anyVUs {
			tl.VUs[i], tl.VUsMax[i] = gaugeValue(p.vus), gaugeValue(p.vusMax)
		}
		if anyDropped {
			tl.Dropped[i] = perSec(p.dropped, true)
		}
		for j, q := range qs {
			if q == nil {
				continue
			}
			s := p.trends[j]
			if s == nil || s.Count == 0 {
				q.P50[i], q.P95[i], q.P99[i], q.Max[i] = nan, nan, nan, nan
				continue
			}
			q.P50[i], q.P95[i], q.P99[i], q.Max[i] = Num(s.Percentile(50)), Num(s.Percentile(95)), Num(s.Percentile(99)), Num(s.Max)
		}
	}
	return tl
}

func trendIndex(name string) int {
	switch name {
	case mIterationLatency:
		return 1
	case mScheduleLag:
		return 2
	}
	return 0
}

// mergeInto merges s into dst, cloning s when dst is nil.
func mergeInto(dst, s *metrics.Sink) *metrics.Sink {
	if dst == nil {
		return s.Clone()
	}
	if dst.Type == s.Type {
		dst.Merge(s)
	}
	return dst
}

func gaugeValue(s *metrics.Sink) Num {
	if s == nil || s.Count == 0 {
		return nan
	}
	return Num(s.Value)
}

// SpectrumLine is one latency percentile spectrum: Y[i] is the percentile
// Q[i] (0..1) of the trend, in ms.
type SpectrumLine struct {
	Label string `json:"label"`
	Count int64  `json:"count"`
	Y     []Num  `json:"y"`
}

// Spectrum is the HDR-style latency percentile spectrum of
// http_req_duration: X[i] = 1/(1−Q[i]), log-spaced from 1 (p0) to 100,000
// (p99.999), one line for all requests, then one per endpoint (at most
// maxLines−1, the busiest).
type Spectrum struct {
	X     []float64      `json:"x"`
	Q     []float64      `json:"q"`
	Lines []SpectrumLine `json:"lines"`
}

// spectrumPoints is the number of quantiles of a spectrum line.
const spectrumPoints = 201

// Spectrum computes the percentile spectrum from the totals; nil when the
// run has no http_req_duration samples.
func (r *Report) Spectrum(maxLines int) *Spectrum {
	m := lookupTotals(r.totals, mHTTPReqDuration)
	if m == nil || m.Type != metrics.Trend {
		return nil
	}
	all := r.totals.Merge(m, nil)
	if all == nil || all.Count == 0 {
		return nil
	}
	sp := &Spectrum{X: make([]float64, spectrumPoints), Q: make([]float64, spectrumPoints)}
	for i := range spectrumPoints {
		x := math.Pow(10, 5*float64(i)/float64(spectrumPoints-1))
		sp.X[i] = x
		sp.Q[i] = 1 - 1/x
	}
	line := func(label string, s *metrics.Sink) SpectrumLine {
		l := SpectrumLine{Label: label, Count: s.Count, Y: make([]Num, spectrumPoints)}
		for i, q := range sp.Q {
			l.Y[i] = Num(s.Percentile(q * 100))
		}
		return l
	}
	sp.Lines = append(sp.Lines, line("all requests", all))
	eps := append([]Endpoint(nil), r.Endpoints...)
	slices.SortStableFunc(eps, func(a, b Endpoint) int { return cmp.Compare(b.Count, a.Count) }) // busiest first
	if len(eps) > 1 {
		for _, e := range eps {
			if len(sp.Lines) >= maxLines {
				break
			}
			if e.sink != nil && e.sink.Count > 0 {
				sp.Lines = append(sp.Lines, line(endpointLabel(e), e.sink))
			}
		}
	}
	return sp
}

func endpointLabel(e Endpoint) string {
	if e.Method == "" {
		return e.Name
	}
	return e.Method + " " + e.Name
}

func lookupTotals(s *metrics.Snapshot, name string) *metrics.Metric {
	for _, ser := range s.Series {
		if ser.Metric.Name == name {
			return ser.Metric
		}
	}
	return nil
}
