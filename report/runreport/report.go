package runreport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/engine/threshold"
	"github.com/loadline/loadline/report"
)

// Built-in metric names the report reads.
const (
	mHTTPReqs          = "http_reqs"
	mHTTPReqFailed     = "http_req_failed"
	mHTTPReqDuration   = "http_req_duration"
	mChecks            = "checks"
	mVUs               = "vus"
	mVUsMax            = "vus_max"
	mIterationLatency  = "iteration_latency"
	mScheduleLag       = "schedule_lag"
	mDroppedIterations = "dropped_iterations"
)

// Options tune New.
type Options struct {
	// Sources are the results files the run was read from, shown in the
	// facts. Optional.
	Sources []string
	// Merged says the run is a merge of several files (results.Merge):
	// the thresholds are then re-evaluated on the merged totals rather than
	// read from the (first file's) summary record.
	Merged bool
	// MaxPoints caps the points of each Timeline series (default 1,000):
	// adjacent intervals are merged until the count fits.
	MaxPoints int
	// AllMetrics computes the totals of every metric, for the Metrics list
	// of the JSON summary. Without it only the metrics that the tables,
	// charts and thresholds read are totalled (HTTP requests, failures and
	// durations, checks, and every metric a threshold names) and Metrics
	// is empty: on a long run with many endpoints that skips most histogram
	// merges (the six HTTP phase trends per endpoint).
	AllMetrics bool
}

// Report is everything the Markdown, JSON, CSV and HTML outputs show, built
// once from a Run. Its exported fields are the JSON summary (WriteJSON).
type Report struct {
	Facts      Facts         `json:"facts"`
	Thresholds []Threshold   `json:"thresholds"`
	Checks     []Check       `json:"checks"`
	Endpoints  []Endpoint    `json:"endpoints"`
	Metrics    []MetricTotal `json:"metrics,omitempty"` // with Options.AllMetrics
	Marks      []Mark        `json:"marks,omitempty"`
	Warnings   []string      `json:"warnings,omitempty"`

	run    *results.Run // without Intervals when built by Open
	path   string       // the file Open read, for WriteCSV
	totals *metrics.Snapshot
	points []point // timeline accumulators, merged intervals each
	merged int     // intervals per point
	spans  []span  // every interval's bounds, in file order
}

// Facts are the run's identity and setting.
type Facts struct {
	Script       string                   `json:"script"`
	ScriptSHA256 string                   `json:"script_sha256,omitempty"`
	ToolVersion  string                   `json:"tool_version"`
	Start        time.Time                `json:"start"`
	End          time.Time                `json:"end"`
	DurationS    float64                  `json:"duration_s"` // End − Start in seconds
	IntervalS    float64                  `json:"interval_s"` // the file's flush interval in seconds
	Intervals    int                      `json:"intervals"`  // interval records read
	Labels       map[string]string        `json:"labels,omitempty"`
	Host         results.Host             `json:"host"`
	Members      []string                 `json:"members,omitempty"`
	Sources      []string                 `json:"sources,omitempty"`
	Finished     bool                     `json:"finished"`             // a summary record was read
	EndReason    string                   `json:"end_reason,omitempty"` // from the summary record
	ExitCode     *int                     `json:"exit_code,omitempty"`  // the run's exit code, from the summary record
	Scenarios    []results.ScenarioResult `json:"scenarios,omitempty"`
}

// Duration returns End − Start.
func (f Facts) Duration() time.Duration { return f.End.Sub(f.Start) }

// Threshold is one threshold expression and its verdict.
type Threshold struct {
	Key       string  `json:"key"`    // "http_req_duration{name:checkout}"
	Source    string  `json:"source"` // "p(95)<500"
	Passed    bool    `json:"passed"`
	Evaluated bool    `json:"evaluated"` // false: no data (and Passed is false)
	Value     float64 `json:"value"`     // the aggregation's value, meaningful when Evaluated; ms for time trends
	// Type and Contains are the metric's type ("counter", "gauge", "rate",
	// "trend") and value type ("time", "data", "default"), "" when the
	// metric is unknown; they decide how Value is shown.
	Type     string `json:"type,omitempty"`
	Contains string `json:"contains,omitempty"`
	// Reevaluated says the verdict was computed from the merged totals, not
	// read from the run's summary record.
	Reevaluated bool `json:"reevaluated,omitempty"`
}

// Check is one check (checks metric by `group` and `check` tags).
type Check struct {
	Group  string  `json:"group"` // "::outer::inner", "" for the root
	Name   string  `json:"name"`
	Passes int64   `json:"passes"`
	Fails  int64   `json:"fails"`
	Rate   float64 `json:"rate"` // passes / (passes + fails)
}

// Endpoint is one row of the per-endpoint table: http_req_duration series of
// one `name` and `method`. Latencies are milliseconds.
type Endpoint struct {
	Name      string  `json:"name"`
	Method    string  `json:"method"`
	Count     int64   `json:"count"`
	RPS       float64 `json:"rps"` // Count per second of the run's duration
	Failed    int64   `json:"failed"`
	ErrorRate float64 `json:"error_rate"` // http_req_failed rate, 0..1
	Avg       float64 `json:"avg"`
	Min       float64 `json:"min"`
	P50       float64 `json:"p50"`
	P90       float64 `json:"p90"`
	P95       float64 `json:"p95"`
	P99       float64 `json:"p99"`
	Max       float64 `json:"max"`

	sink *metrics.Sink
}

// MetricTotal is one metric's totals over every tag set. Values holds, per
// type: counter: count (sum of values), rate (per second); gauge: value
// (last), min, max; rate: rate (0..1), passes, fails; trend: count, avg,
// min, med, max, p(90), p(95), p(99), p(99.9). Time values are ms, data
// values bytes.
type MetricTotal struct {
	Name     string             `json:"name"`
	Type     string             `json:"type"`     // counter gauge rate trend
	Contains string             `json:"contains"` // default time data
	Values   map[string]float64 `json:"values"`
}

// Mark is a labelled span of the run (e.g. one capacity step).
type Mark struct {
	Name  string         `json:"name"`
	Start time.Time      `json:"start"`
	End   time.Time      `json:"end"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// New builds the report of run in one pass over its intervals (spread over
// GOMAXPROCS goroutines): the totals (the same as run.Totals()) and the
// timeline points. It keeps run for WriteCSV; run must not change
// afterwards. The error is
// non-nil only when the run's options hold a threshold that cannot be
// parsed.
func New(run *results.Run, opts Options) (*Report, error) {
	if run == nil {
		return nil, fmt.Errorf("runreport: nil run")
	}
	var need func(string) bool
	if !opts.AllMetrics {
		wanted := totalsWanted(run.Header.Options)
		for _, k := range thresholdKeys(run) {
			wanted[metricOfKey(k)] = true
		}
		need = func(name string) bool { return wanted[name] }
	}
	k := pointsPer(len(run.Intervals), opts.MaxPoints)
	totals, points, spans := accumulate(run, k, need)
	return build(run, opts, totals, points, spans, k)
}

// Open builds the report of one results file as New(results.Read(path))
// would, without holding the file's intervals in memory: it streams the
// file (results.ScanWith), decodes only the metrics the report reads
// (those of the tables, the charts and the run's thresholds; every metric
// with Options.AllMetrics) and folds each interval as it arrives, on a
// goroutine of its own while the scan decodes the next lines on every CPU.
// Memory is that of the totals and of one merged point per interval, not of
// the file. WriteCSV of the returned Report reads the file again. An error
// reading the file is a *ReadError (wrapping fs.ErrNotExist for a missing
// file); any other error is New's.
func Open(path string, opts Options) (*Report, error) {
	filter := MetricFilter(opts)
	ivs := make(chan results.Interval, 16)
	f := newFolder(nil) // the scan keeps only wanted metrics
	done := make(chan struct{})
	go func() {
		defer close(done)
		for iv := range ivs {
			f.add(iv)
		}
	}()
	run, err := results.ScanWith(path, results.ScanOptions{Metrics: filter}, func(iv results.Interval) error {
		ivs <- iv
		return nil
	})
	close(ivs)
	<-done
	if err != nil {
		return nil, &ReadError{Err: err}
	}
	if len(opts.Sources) == 0 {
		opts.Sources = []string{path}
	}
	k := pointsPer(len(f.spans), opts.MaxPoints)
	totals, points, spans := finish([]*folder{f}, k)
	r, err := build(run, opts, totals, points, spans, k)
	if err != nil {
		return nil, err
	}
	r.path = path
	return r, nil
}

// MetricFilter returns a results.ScanOptions.Metrics for one file that
// keeps the metrics a Report built with opts reads: those of the tables,
// the charts and the thresholds of the file's resolved options; nil (every
// metric) with Options.AllMetrics. A Report of runs read with it equals
// that of the full runs, except that WriteCSV lists only the series read.
func MetricFilter(opts Options) func(h *results.Header, metric string) bool {
	if opts.AllMetrics {
		return nil
	}
	var wanted map[string]bool
	return func(h *results.Header, metric string) bool {
		if wanted == nil { // the header is read before the first def line
			wanted = totalsWanted(h.Options)
			for _, m := range timelineMetrics {
				wanted[m] = true
			}
		}
		return wanted[metric]
	}
}

// ReadError is Open's error when the results file cannot be read; Err is
// results.ScanWith's.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *ReadError) Unwrap() error { return e.Err }

// timelineMetrics are the metrics the timeline reads (point.add).
var timelineMetrics = []string{mHTTPReqs, mHTTPReqFailed, mHTTPReqDuration, mVUs, mVUsMax,
	mIterationLatency, mScheduleLag, mDroppedIterations}

// totalsWanted returns the metrics whose totals the report reads: those of
// the tables and of every threshold in the run's resolved options.
func totalsWanted(options json.RawMessage) map[string]bool {
	wanted := map[string]bool{mHTTPReqs: true, mHTTPReqFailed: true, mHTTPReqDuration: true, mChecks: true}
	if m, err := optionThresholdsOf(options); err == nil {
		for k := range m {
			wanted[metricOfKey(k)] = true
		}
	}
	return wanted
}

// pointsPer returns how many intervals each timeline point merges so that
// n intervals fit in maxPoints points (default 1,000).
func pointsPer(n, maxPoints int) int {
	if maxPoints <= 0 {
		maxPoints = 1000
	}
	if n > maxPoints {
		return (n + maxPoints - 1) / maxPoints
	}
	return 1
}

// build completes a report from the folded totals and points.
func build(run *results.Run, opts Options, tot *metrics.Snapshot, points []point, spans []span, k int) (*Report, error) {
	r := &Report{run: run, merged: k, totals: tot, points: points, spans: spans}
	r.Facts = facts(run, spans, opts.Sources)
	r.Warnings = append([]string(nil), run.Warnings...)
	th, err := r.thresholds(opts.Merged)
	if err != nil {
		return nil, err
	}
	r.Thresholds = th
	r.Checks = checks(r.totals)
	r.Endpoints = endpoints(r.totals, r.Facts.DurationS)
	if opts.AllMetrics {
		r.Metrics = totals(r.totals, r.Facts.DurationS)
	}
	for _, m := range run.Marks {
		r.Marks = append(r.Marks, Mark(m))
	}
	slices.SortStableFunc(r.Marks, func(a, b Mark) int { return a.Start.Compare(b.Start) })
	return r, nil
}

func facts(run *results.Run, spans []span, sources []string) Facts {
	h := run.Header
	f := Facts{
		Script:       h.Script,
		ScriptSHA256: h.ScriptSHA256,
		ToolVersion:  h.ToolVersion,
		Start:        h.Start.UTC(),
		IntervalS:    h.Interval.Seconds(),
		Intervals:    len(spans),
		Labels:       h.Labels,
		Host:         h.Host,
		Members:      h.Members,
		Sources:      sources,
	}
	if n := len(spans); n > 0 {
		if f.Start.IsZero() {
			f.Start = spans[0].start.UTC()
		}
		f.End = spans[n-1].end.UTC()
	}
	if s := run.Summary; s != nil {
		f.Finished = true
		f.EndReason = s.EndReason
		code := s.ExitCode
		f.ExitCode = &code
		f.Scenarios = s.Scenarios
		// With intervals, they say when the data ends (a merge of runs made
		// at different times keeps the first run's frame, but its summary
		// may carry a later run's end).
		if len(spans) == 0 && s.End.After(f.End) {
			f.End = s.End.UTC()
		}
	}
	if f.End.Before(f.Start) {
		f.End = f.Start
	}
	f.DurationS = f.End.Sub(f.Start).Seconds()
	return f
}

// thresholds returns the recorded verdicts of a single finished run, or
// re-evaluates the options' thresholds on the totals when the run is a
// merge or has no summary record.
func (r *Report) thresholds(merged bool) ([]Threshold, error) {
	if s := r.run.Summary; s != nil && !merged {
		out := make([]Threshold, 0, len(s.Thresholds))
		for _, t := range s.Thresholds {
			out = append(out, Threshold{
				Key: t.Key, Source: t.Source, Passed: t.Passed, Evaluated: t.Evaluated,
				Value: t.Value, Type: r.typeOf(metricOfKey(t.Key)), Contains: r.contains(metricOfKey(t.Key)),
			})
		}
		return out, nil
	}
	opts, err := optionThresholds(r.run)
	if err != nil {
		return nil, err
	}
	var out []Threshold
	for _, key := range slices.Sorted(maps.Keys(opts)) {
		set, err := threshold.Parse(key, opts[key])
		if err != nil {
			return nil, fmt.Errorf("runreport: threshold %q in the run's options: %w", key, err)
		}
		if r.run.Registry != nil {
			set.Metric = r.run.Registry.Lookup(set.MetricName)
		}
		set.EvalAt(r.totals, r.Facts.Duration())
		for _, t := range set.Thresholds {
			out = append(out, Threshold{
				Key: key, Source: t.Source, Passed: t.Passed, Evaluated: t.Evaluated,
				Value: t.Value, Type: r.typeOf(set.MetricName), Contains: r.contains(set.MetricName), Reevaluated: true,
			})
		}
	}
	return out, nil
}

// optionThresholds returns the thresholds of the run's resolved options.
func optionThresholds(run *results.Run) (map[string][]threshold.Config, error) {
	return optionThresholdsOf(run.Header.Options)
}

// optionThresholdsOf returns the thresholds of resolved options (JSON).
func optionThresholdsOf(options json.RawMessage) (map[string][]threshold.Config, error) {
	var opts struct {
		Thresholds map[string][]threshold.Config `json:"thresholds"`
	}
	if len(options) > 0 {
		if err := json.Unmarshal(options, &opts); err != nil {
			return nil, fmt.Errorf("runreport: reading the run's options: %w", err)
		}
	}
	return opts.Thresholds, nil
}

// thresholdKeys returns the keys of every threshold the run's options or
// summary record name (unparsable options give none; New reports them).
func thresholdKeys(run *results.Run) []string {
	var keys []string
	if m, err := optionThresholds(run); err == nil {
		for k := range m {
			keys = append(keys, k)
		}
	}
	if run.Summary != nil {
		for _, t := range run.Summary.Thresholds {
			keys = append(keys, t.Key)
		}
	}
	return keys
}

// metricOfKey returns the metric name of a threshold key such as
// "http_req_duration{name:x}".
func metricOfKey(key string) string {
	for i := range len(key) {
		if key[i] == '{' {
			return key[:i]
		}
	}
	return key
}

// metric returns the metric called name from the run, or nil.
func (r *Report) metric(name string) *metrics.Metric {
	if r.run.Registry != nil {
		if m := r.run.Registry.Lookup(name); m != nil {
			return m
		}
	}
	return lookupTotals(r.totals, name)
}

// contains returns the value type name of the metric called name, "" when
// unknown.
func (r *Report) contains(name string) string {
	if m := r.metric(name); m != nil {
		return m.Contains.String()
	}
	return ""
}

// typeOf returns the type name of the metric called name, "" when unknown.
func (r *Report) typeOf(name string) string {
	if m := r.metric(name); m != nil {
		return m.Type.String()
	}
	return ""
}

// CutShort reports whether the run did not finish normally: it was
// interrupted or aborted, or it has no summary record (killed). Such a
// run's threshold verdicts describe what ran, not the test.
func (r *Report) CutShort() bool {
	switch reason := r.Facts.EndReason; {
	case !r.Facts.Finished:
		return true
	case reason == "", reason == "finished", reason == "threshold abortOnFail":
		// abortOnFail ends a test on its verdict: the thresholds failed.
		return false
	}
	return true
}

// Verdict is the one-line headline of the report: "no thresholds", "all
// thresholds passed", "thresholds failed", or, for a run cut short, that it
// has no verdict and why.
func (r *Report) Verdict() string {
	switch {
	case r.CutShort():
		why := r.Facts.EndReason
		if !r.Facts.Finished {
			why = "no summary record: the process was killed or is still running"
		}
		return "run cut short (" + why + "): no verdict"
	case len(r.Thresholds) == 0:
		return "no thresholds"
	case r.Passed():
		return "all thresholds passed"
	}
	return "thresholds failed"
}

// Passed reports whether every threshold passed (true when there is none).
func (r *Report) Passed() bool {
	for _, t := range r.Thresholds {
		if !t.Passed {
			return false
		}
	}
	return true
}

// checks is the check table of snap: report.CheckCounts with each check's
// pass rate.
func checks(snap *metrics.Snapshot) []Check {
	counts := report.CheckCounts(snap)
	if len(counts) == 0 {
		return nil // no checks: JSON null, not []
	}
	out := make([]Check, len(counts))
	for i, c := range counts {
		out[i] = Check{Group: c.Group, Name: c.Name, Passes: c.Passes, Fails: c.Fails}
		if n := c.Passes + c.Fails; n > 0 {
			out[i].Rate = float64(c.Passes) / float64(n)
		}
	}
	return out
}

// endpointKey returns the endpoint name and method of an HTTP series.
func endpointKey(t *metrics.TagSet) (name, method string) {
	if v, ok := t.Get(results.OverflowTag); ok && v != "" {
		// The series the results writer folded tag sets into past
		// --max-series: name it rather than show a blank row.
		return "(other endpoints, over --max-series)", ""
	}
	name, _ = t.Get("name")
	if name == "" {
		name, _ = t.Get("url")
	}
	method, _ = t.Get("method")
	return name, method
}

func endpoints(snap *metrics.Snapshot, seconds float64) []Endpoint {
	type key struct{ name, method string }
	idx := map[key]*Endpoint{}
	failed := map[key]*metrics.Sink{}
	for _, s := range snap.Series {
		switch {
		case s.Metric.Name == mHTTPReqDuration && s.Metric.Type == metrics.Trend:
			n, m := endpointKey(s.Tags)
			e := idx[key{n, m}]
			if e == nil {
				e = &Endpoint{Name: n, Method: m, sink: metrics.NewSink(metrics.Trend)}
				idx[key{n, m}] = e
			}
			e.sink.Merge(s.Sink)
		case s.Metric.Name == mHTTPReqFailed && s.Metric.Type == metrics.Rate:
			n, m := endpointKey(s.Tags)
			f := failed[key{n, m}]
			if f == nil {
				f = metrics.NewSink(metrics.Rate)
				failed[key{n, m}] = f
			}
			f.Merge(s.Sink)
		}
	}
	out := make([]Endpoint, 0, len(idx))
	for k, e := range idx {
		s := e.sink
		e.Count = s.Count
		if seconds > 0 {
			e.RPS = float64(s.Count) / seconds
		}
		if f := failed[k]; f != nil {
			e.Failed = f.Trues
			e.ErrorRate = f.Rate()
		}
		e.Avg, e.Min, e.Max = s.Avg(), s.Min, s.Max
		e.P50, e.P90, e.P95, e.P99 = s.Percentile(50), s.Percentile(90), s.Percentile(95), s.Percentile(99)
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Endpoint) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Method, b.Method))
	})
	return out
}

func totals(snap *metrics.Snapshot, seconds float64) []MetricTotal {
	merged := map[string]*metrics.Sink{}
	var order []*metrics.Metric
	for _, s := range snap.Series {
		sk := merged[s.Metric.Name]
		if sk == nil {
			sk = metrics.NewSink(s.Metric.Type)
			merged[s.Metric.Name] = sk
			order = append(order, s.Metric)
		}
		if sk.Type == s.Sink.Type {
			sk.Merge(s.Sink)
		}
	}
	slices.SortFunc(order, func(a, b *metrics.Metric) int { return cmp.Compare(a.Name, b.Name) })
	out := make([]MetricTotal, 0, len(order))
	for _, m := range order {
		out = append(out, MetricTotal{
			Name: m.Name, Type: m.Type.String(), Contains: m.Contains.String(),
			Values: values(merged[m.Name], seconds),
		})
	}
	return out
}

// values returns a sink's statistics as documented on MetricTotal.
func values(s *metrics.Sink, seconds float64) map[string]float64 {
	switch s.Type {
	case metrics.Counter:
		rate := 0.0
		if seconds > 0 {
			rate = s.Sum / seconds
		}
		return map[string]float64{"count": s.Sum, "rate": rate}
	case metrics.Gauge:
		return map[string]float64{"value": s.Value, "min": s.Min, "max": s.Max}
	case metrics.Rate:
		return map[string]float64{"rate": s.Rate(), "passes": float64(s.Trues), "fails": float64(s.Count - s.Trues)}
	case metrics.Trend:
		return map[string]float64{
			"count": float64(s.Count), "avg": s.Avg(), "min": s.Min, "med": s.Percentile(50), "max": s.Max,
			"p(90)": s.Percentile(90), "p(95)": s.Percentile(95), "p(99)": s.Percentile(99), "p(99.9)": s.Percentile(99.9),
		}
	}
	return map[string]float64{}
}
