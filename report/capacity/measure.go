package capacity

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// Step is the measurement of one steady step of a stepped run (or of a whole
// run without step marks). Rates are per second over the step's window;
// latencies are milliseconds of http_req_duration over every request that
// ended in the window.
type Step struct {
	// Index is the step number (1-based, from the mark's "step" attribute,
	// or the position in offered-load order).
	Index int    `json:"step"`
	Name  string `json:"name"`
	// Source is the results file the step comes from.
	Source string    `json:"source,omitempty"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// WindowSeconds is the total length of the intervals measured (those
	// lying inside the mark's span).
	WindowSeconds float64 `json:"window_s"`

	// OfferedRPS is the arrival rate the step asked for (iterations/s);
	// 0 for closed-model (VU) steps.
	OfferedRPS float64 `json:"offered_rps"`
	// TargetVUs is the VU count of a closed-model step; 0 otherwise.
	TargetVUs float64 `json:"target_vus,omitempty"`
	// WholeRun is true for the one step of a results file without step
	// marks: the whole run, measured as one step.
	WholeRun bool `json:"whole_run,omitempty"`

	Requests       int64   `json:"requests"`
	ThroughputRPS  float64 `json:"throughput_rps"`   // http_reqs / window
	IterationsPerS float64 `json:"iterations_per_s"` // iterations / window
	DroppedPerS    float64 `json:"dropped_per_s"`    // dropped_iterations / window
	ErrorRate      float64 `json:"error_rate"`       // http_req_failed trues / count
	LatencyMS      Latency `json:"latency_ms"`
	ConcurrencyLaw float64 `json:"concurrency_little"`       // ThroughputRPS × mean latency (s)
	ConcurrencyVUs float64 `json:"concurrency_vus"`          // mean of the vus gauge per interval
	AchievedRatio  float64 `json:"achieved_ratio,omitempty"` // IterationsPerS / OfferedRPS

	// SLOs are the objectives' values in this step, in the order given.
	SLOs []SLOValue `json:"slos"`
	// Pass is true when every objective is met.
	Pass bool `json:"pass"`

	lat *metrics.Sink
}

// Latency are a step's request-latency statistics, milliseconds.
type Latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// SLOValue is one objective evaluated on one step.
type SLOValue struct {
	Source string   `json:"source"`
	Value  *float64 `json:"value"` // null: no data
	Met    bool     `json:"met"`
}

// StepAttr names the mark attributes a stepped run writes and Measure reads.
const (
	AttrStep       = "step"        // step number, 1-based
	AttrOfferedRPS = "offered_rps" // arrival rate of the step, iterations/s
	AttrVUs        = "vus"         // VU count of a closed-model step
)

// Measure returns one Step per step mark of run (a mark with a "step"
// attribute, or named "step N"), in mark order; the intervals measured are
// those lying inside the mark's span (a tolerance of a tenth of an interval
// absorbs clock jitter). A run without step marks yields one step over all
// its intervals, whose offered rate is the sum of its scenarios' offered
// rates. source names the file in errors and in Step.Source.
func Measure(run *results.Run, source string) ([]Step, error) {
	if run == nil || run.Registry == nil {
		return nil, fmt.Errorf("capacity: %s: no data", source)
	}
	var marks []results.Mark
	for _, m := range run.Marks {
		if _, ok := m.Attrs[AttrStep]; ok || strings.HasPrefix(m.Name, "step ") {
			marks = append(marks, m)
		}
	}
	if len(marks) == 0 {
		if len(run.Intervals) == 0 {
			return nil, fmt.Errorf("capacity: %s: the run has no intervals", source)
		}
		st := Step{Index: 1, Name: "whole run", Source: source, WholeRun: true,
			Start: run.Intervals[0].Start, End: run.Intervals[len(run.Intervals)-1].End}
		if run.Summary != nil {
			for _, sc := range run.Summary.Scenarios {
				st.OfferedRPS += sc.OfferedRate
			}
		}
		measureIntervals(&st, run, run.Intervals, time.Time{})
		return []Step{st}, nil
	}
	tol := run.Header.Interval / 10
	if tol <= 0 {
		tol = 100 * time.Millisecond
	}
	steps := make([]Step, 0, len(marks))
	for i, m := range marks {
		st := Step{Index: i + 1, Name: m.Name, Source: source, Start: m.Start, End: m.End}
		if v, ok := attrFloat(m.Attrs, AttrStep); ok {
			st.Index = int(v)
		}
		st.OfferedRPS, _ = attrFloat(m.Attrs, AttrOfferedRPS)
		st.TargetVUs, _ = attrFloat(m.Attrs, AttrVUs)
		var in []results.Interval
		for _, iv := range run.Intervals {
			if !iv.Start.Before(m.Start.Add(-tol)) && !iv.End.After(m.End.Add(tol)) {
				in = append(in, iv)
			}
		}
		if len(in) == 0 {
			return nil, fmt.Errorf("capacity: %s: mark %q (%s to %s) holds no whole interval; make steps longer than two intervals",
				source, m.Name, m.Start.Format(time.RFC3339Nano), m.End.Format(time.RFC3339Nano))
		}
		measureIntervals(&st, run, in, m.End.Add(-tol/10))
		steps = append(steps, st)
	}
	return steps, nil
}

// measureIntervals fills st's measurements from the merge of ivs; vus
// gauge samples taken at or after sampleBy are left out of the mean.
func measureIntervals(st *Step, run *results.Run, ivs []results.Interval, sampleBy time.Time) {
	snap := &metrics.Snapshot{}
	var window time.Duration
	// The vus gauge is sampled once per interval, at its end. Its mean is
	// weighted by interval length and leaves out samples taken at or after
	// the end of the step (sampleBy; zero: none left out): at the end of a
	// run's last step the VUs are already stopping. With no sample left,
	// all count.
	var vusSum, vusW, allSum, allW float64
	vusM := run.Registry.Lookup("vus")
	for _, iv := range ivs {
		snap.MergeFrom(iv.Snapshot)
		window += iv.End.Sub(iv.Start)
		if vusM != nil {
			if s := iv.Snapshot.Merge(vusM, nil); s != nil && s.Count > 0 {
				d := iv.End.Sub(iv.Start).Seconds()
				allSum += s.Value * d
				allW += d
				if sampleBy.IsZero() || iv.End.Before(sampleBy) {
					vusSum += s.Value * d
					vusW += d
				}
			}
		}
	}
	if vusW == 0 {
		vusSum, vusW = allSum, allW
	}
	st.WindowSeconds = window.Seconds()
	merge := func(name string) *metrics.Sink {
		m := run.Registry.Lookup(name)
		if m == nil {
			return nil
		}
		return snap.Merge(m, nil)
	}
	perS := func(s *metrics.Sink) float64 {
		if s == nil || st.WindowSeconds <= 0 {
			return 0
		}
		return s.Sum / st.WindowSeconds
	}
	if s := merge("http_reqs"); s != nil {
		st.Requests = int64(math.Round(s.Sum))
	}
	st.ThroughputRPS = perS(merge("http_reqs"))
	st.IterationsPerS = perS(merge("iterations"))
	st.DroppedPerS = perS(merge("dropped_iterations"))
	if s := merge("http_req_failed"); s != nil {
		st.ErrorRate = s.Rate()
	}
	if lat := merge("http_req_duration"); lat != nil && lat.Count > 0 {
		st.lat = lat
		st.LatencyMS = Latency{Mean: lat.Avg(), P50: lat.Percentile(50), P90: lat.Percentile(90),
			P95: lat.Percentile(95), P99: lat.Percentile(99), Max: lat.Max}
	}
	st.ConcurrencyLaw = st.ThroughputRPS * st.LatencyMS.Mean / 1000
	if vusW > 0 {
		st.ConcurrencyVUs = vusSum / vusW
	}
	if st.OfferedRPS > 0 {
		st.AchievedRatio = st.IterationsPerS / st.OfferedRPS
	}
}

// attrFloat reads a numeric mark attribute (a JSON number, a Go number or a
// numeric string).
func attrFloat(attrs map[string]any, key string) (float64, bool) {
	switch v := attrs[key].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// evaluate sets st.SLOs and st.Pass.
func (st *Step) evaluate(slos []SLO) {
	st.SLOs = st.SLOs[:0]
	st.Pass = true
	for _, o := range slos {
		v := o.Value(st.lat, st.ErrorRate, st.Requests)
		met := o.Met(v)
		st.SLOs = append(st.SLOs, SLOValue{Source: o.Source, Value: finite(v), Met: met})
		st.Pass = st.Pass && met
	}
}

// sortSteps orders steps by offered rate, then target VUs, then source and
// index, so steps from several files form one curve.
func sortSteps(steps []Step) {
	slices.SortStableFunc(steps, func(a, b Step) int {
		if c := cmp.Compare(a.OfferedRPS, b.OfferedRPS); c != 0 {
			return c
		}
		if c := cmp.Compare(a.TargetVUs, b.TargetVUs); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return cmp.Compare(a.Index, b.Index)
	})
}
