package report

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
)

// Summary is what the end-of-test summary is made from. It is plain data:
// fill it once the run (or a results file) is complete, then call Data,
// WriteText or WriteExport as often as needed; none of them modifies it.
// A Summary is safe for concurrent readers.
type Summary struct {
	// Registry is the run's metric registry. Optional: it is only used to
	// resolve threshold sets whose Metric is nil.
	Registry *metrics.Registry
	// Totals is the run's aggregated data (metrics.Aggregator.Totals). Nil
	// is treated as an empty snapshot.
	Totals *metrics.Snapshot
	// Thresholds are the parsed sets after their final Eval. A set whose
	// Filter is not empty becomes a sub-metric entry of its own, named
	// "metric{key:value,...}".
	Thresholds []*threshold.Set // evaluated
	// TrendStats is summaryTrendStats (default avg min med max p(90) p(95)).
	// Valid entries are avg, min, med, max, count and p(N) with 0 ≤ N ≤ 100;
	// see ValidateTrendStats. Unknown entries are left out of every output.
	TrendStats []string
	// TimeUnit is summaryTimeUnit ("" = automatic, or s, ms, us).
	TimeUnit string
	// Duration is the test run's duration; counter rates are per second of
	// it. Zero falls back to Totals.End minus Totals.Start.
	Duration time.Duration
	// SetupData is setup()'s JSON result, or nil.
	SetupData []byte
	// Scenarios lists per-scenario facts for the header and notes
	// (executor, completed and interrupted iterations, offered vs achieved).
	Scenarios []ScenarioSummary
	// Notes are one-line notes printed after the metrics (coordinated
	// omission, dropped iterations, ...).
	Notes []string
	// NoColor turns ANSI colours off in WriteText (summary option noColor).
	NoColor bool
	// IsStdoutTTY and IsStderrTTY are reported in Data's state object.
	IsStdoutTTY bool
	IsStderrTTY bool
}

// ScenarioSummary is one scenario's line in the summary.
type ScenarioSummary struct {
	Name, Executor string
	Completed      int64
	Interrupted    int64
	Dropped        int64
	OfferedRate    float64 // iterations/s for arrival-rate executors, else 0
	// AchievedRate is the iterations started per second of the same
	// scheduling window as OfferedRate (arrival-rate executors); 0 means
	// unknown, and the text summary then divides Completed by the test's
	// duration.
	AchievedRate float64
}

// DefaultTrendStats is summaryTrendStats when none is configured.
var DefaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// ExpectedResponseMetric is the sub-metric the summary adds by default when
// http_req_duration samples carry the expected_response tag.
const ExpectedResponseMetric = "http_req_duration{expected_response:true}"

// ValidateTrendStats checks summaryTrendStats entries: avg, min, med, max,
// count, or p(N) with N a number in 0..100. The error names the first bad
// entry.
func ValidateTrendStats(stats []string) error {
	for _, s := range stats {
		if _, ok := parseStat(s); !ok {
			return fmt.Errorf("report: invalid summaryTrendStats entry %q (want avg, min, med, max, count or p(N) with N in 0..100)", s)
		}
	}
	return nil
}

// ValidateTimeUnit checks a summaryTimeUnit: "" (automatic), "s", "ms" or
// "us".
func ValidateTimeUnit(unit string) error {
	switch unit {
	case "", "s", "ms", "us":
		return nil
	}
	return fmt.Errorf("report: invalid summaryTimeUnit %q (want s, ms or us, or leave it empty for automatic)", unit)
}

// stat is one parsed summaryTrendStats entry.
type stat struct {
	name string  // as written
	agg  string  // avg min med max count p
	p    float64 // for agg == "p"
}

func parseStat(s string) (stat, bool) {
	switch s {
	case "avg", "min", "med", "max", "count":
		return stat{name: s, agg: s}, true
	}
	if strings.HasPrefix(s, "p(") && strings.HasSuffix(s, ")") {
		p, err := strconv.ParseFloat(s[2:len(s)-1], 64)
		if err == nil && p >= 0 && p <= 100 {
			return stat{name: s, agg: "p", p: p}, true
		}
	}
	return stat{}, false
}

// value computes the statistic of a trend sink; an empty sink gives 0.
func (st stat) value(s *metrics.Sink) float64 {
	if s.Count == 0 {
		return 0
	}
	switch st.agg {
	case "avg":
		return s.Avg()
	case "min":
		return s.Min
	case "max":
		return s.Max
	case "count":
		return float64(s.Count)
	case "med":
		return s.Percentile(50)
	default:
		return s.Percentile(st.p)
	}
}

func (s *Summary) trendStats() []stat {
	names := s.TrendStats
	if len(names) == 0 {
		names = DefaultTrendStats
	}
	out := make([]stat, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		if st, ok := parseStat(n); ok && !seen[n] {
			seen[n] = true
			out = append(out, st)
		}
	}
	return out
}

// entry is one metric or sub-metric of the summary.
type entry struct {
	name       string // "http_reqs" or "http_req_duration{expected_response:true}"
	metric     *metrics.Metric
	filter     []metrics.Tag // nil for a whole metric
	sink       *metrics.Sink // never nil
	thresholds []*threshold.Threshold
}

func (e *entry) isSub() bool { return len(e.filter) > 0 }

// subLabel is how a sub-metric shows under its parent: "{ k:v, k2:v2 }".
func (e *entry) subLabel() string {
	parts := make([]string, len(e.filter))
	for i, t := range e.filter {
		parts[i] = t.Key + ":" + t.Value
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// passed reports whether every threshold of e passed.
func (e *entry) passed() bool {
	for _, t := range e.thresholds {
		if !t.Passed {
			return false
		}
	}
	return true
}

// SubMetricName is k6's name of the sub-metric of metric over the tags
// filter, in filter's order: "metric{k:v,k2:v2}", or metric alone when
// filter is empty. The summary's data keys and `load compare`'s series use it.
func SubMetricName(metric string, filter []metrics.Tag) string {
	if len(filter) == 0 {
		return metric
	}
	parts := make([]string, len(filter))
	for i, t := range filter {
		parts[i] = t.Key + ":" + t.Value
	}
	return metric + "{" + strings.Join(parts, ",") + "}"
}

// model is everything the outputs are rendered from.
type model struct {
	entries []*entry // sorted by name; a sub-metric follows its parent
	byName  map[string]*entry
	root    *group
	seconds float64 // run duration
}

func (s *Summary) totals() *metrics.Snapshot {
	if s.Totals == nil {
		return &metrics.Snapshot{}
	}
	return s.Totals
}

func (s *Summary) seconds() float64 {
	if s.Duration > 0 {
		return s.Duration.Seconds()
	}
	t := s.totals()
	if d := t.End.Sub(t.Start); d > 0 {
		return d.Seconds()
	}
	return 0
}

func (s *Summary) build() *model {
	snap := s.totals()
	m := &model{byName: map[string]*entry{}, seconds: s.seconds()}
	add := func(met *metrics.Metric, filter []metrics.Tag) *entry {
		name := SubMetricName(met.Name, filter)
		if e, ok := m.byName[name]; ok {
			return e
		}
		sink := snap.Merge(met, filter)
		if sink == nil {
			sink = metrics.NewSink(met.Type)
		}
		e := &entry{name: name, metric: met, filter: filter, sink: sink}
		m.byName[name] = e
		m.entries = append(m.entries, e)
		return e
	}
	var reqDuration *metrics.Metric
	hasExpected := false
	for _, se := range snap.Series {
		if se.Metric == nil || se.Sink == nil || se.Sink.Count == 0 {
			continue
		}
		add(se.Metric, nil)
		if se.Metric.Name == "http_req_duration" && se.Tags != nil {
			if _, ok := se.Tags.Get("expected_response"); ok {
				reqDuration, hasExpected = se.Metric, true
			}
		}
	}
	if hasExpected {
		add(reqDuration, []metrics.Tag{{Key: "expected_response", Value: "true"}})
	}
	for _, set := range s.Thresholds {
		met := set.Metric
		if met == nil && s.Registry != nil {
			met = s.Registry.Lookup(set.MetricName)
		}
		if met == nil {
			continue // ParseAll rejects unknown metrics before a run
		}
		if len(set.Filter) > 0 {
			add(met, nil) // a sub-metric is shown under its parent
		}
		e := add(met, set.Filter)
		e.thresholds = append(e.thresholds, set.Thresholds...)
	}
	sort.Slice(m.entries, func(i, j int) bool {
		a, b := m.entries[i], m.entries[j]
		if a.metric.Name != b.metric.Name {
			return a.metric.Name < b.metric.Name
		}
		if a.isSub() != b.isSub() {
			return !a.isSub()
		}
		return a.name < b.name
	})
	m.root = buildGroups(snap)
	return m
}

// group is a node of the group tree.
type group struct {
	name, path string
	groups     []*group
	checks     []*check
	order      uint32 // first appearance: lowest tag set ID seen
	byName     map[string]*group
	checkBy    map[string]*check
}

// check is one named check inside a group.
type check struct {
	name, path    string
	passes, fails int64
	order         uint32
}

// hashID is a group's or check's id: the hex MD5 of its path, as k6 makes
// it (the root group, path "", is d41d8cd98f00b204e9800998ecf8427e).
func hashID(path string) string {
	sum := md5.Sum([]byte(path))
	return hex.EncodeToString(sum[:])
}

func newGroup(name, path string, order uint32) *group {
	return &group{name: name, path: path, order: order, byName: map[string]*group{}, checkBy: map[string]*check{}}
}

// buildGroups makes the group tree from the group tags of every series and
// the checks from the checks metric's (group, check) tags. Children are
// ordered by first appearance (lowest interned tag set ID), then name.
func buildGroups(snap *metrics.Snapshot) *group {
	root := newGroup("", "", 0)
	find := func(path string, order uint32) *group {
		g := root
		if path == "" {
			return g
		}
		cur := ""
		for _, name := range strings.Split(strings.TrimPrefix(path, "::"), "::") {
			cur += "::" + name
			c, ok := g.byName[name]
			if !ok {
				c = newGroup(name, cur, order)
				g.byName[name] = c
				g.groups = append(g.groups, c)
			} else if order < c.order {
				c.order = order
			}
			g = c
		}
		return g
	}
	for _, se := range snap.Series {
		if se.Metric == nil || se.Tags == nil || se.Sink == nil {
			continue
		}
		path, _ := se.Tags.Get("group")
		g := find(path, se.Tags.ID)
		if se.Metric.Name != "checks" || se.Metric.Type != metrics.Rate {
			continue
		}
		name, ok := se.Tags.Get("check")
		if !ok {
			continue
		}
		c, ok := g.checkBy[name]
		if !ok {
			c = &check{name: name, path: g.path + "::" + name, order: se.Tags.ID}
			g.checkBy[name] = c
			g.checks = append(g.checks, c)
		} else if se.Tags.ID < c.order {
			c.order = se.Tags.ID
		}
		c.passes += se.Sink.Trues
		c.fails += se.Sink.Count - se.Sink.Trues
	}
	var sortTree func(g *group)
	sortTree = func(g *group) {
		sort.Slice(g.groups, func(i, j int) bool {
			a, b := g.groups[i], g.groups[j]
			if a.order != b.order {
				return a.order < b.order
			}
			return a.name < b.name
		})
		sort.Slice(g.checks, func(i, j int) bool {
			a, b := g.checks[i], g.checks[j]
			if a.order != b.order {
				return a.order < b.order
			}
			return a.name < b.name
		})
		for _, c := range g.groups {
			sortTree(c)
		}
	}
	sortTree(root)
	return root
}

// typeName is k6's name of a metric type.
func typeName(t metrics.Type) string {
	switch t {
	case metrics.Counter:
		return "counter"
	case metrics.Gauge:
		return "gauge"
	case metrics.Rate:
		return "rate"
	case metrics.Trend:
		return "trend"
	}
	return "unknown"
}

// containsName is k6's name of a value type.
func containsName(vt metrics.ValueType) string {
	switch vt {
	case metrics.Time:
		return "time"
	case metrics.Data:
		return "data"
	}
	return "default"
}

// perSecond is v over the run's duration, 0 for a run without duration.
func (m *model) perSecond(v float64) float64 {
	if m.seconds > 0 {
		return v / m.seconds
	}
	return 0
}

// values is an entry's values object, keyed as in handleSummary data:
// counter {count, rate}, gauge {value, min, max}, rate {rate, passes,
// fails}, trend: one key per trend stat. Empty sinks give zeros.
func (m *model) values(e *entry, stats []stat) map[string]any {
	s := e.sink
	switch e.metric.Type {
	case metrics.Counter:
		return map[string]any{"count": s.Sum, "rate": m.perSecond(s.Sum)}
	case metrics.Gauge:
		if s.Count == 0 {
			return map[string]any{"value": 0.0, "min": 0.0, "max": 0.0}
		}
		return map[string]any{"value": s.Value, "min": s.Min, "max": s.Max}
	case metrics.Rate:
		return map[string]any{"rate": s.Rate(), "passes": float64(s.Trues), "fails": float64(s.Count - s.Trues)}
	default:
		v := make(map[string]any, len(stats))
		for _, st := range stats {
			v[st.name] = st.value(s)
		}
		return v
	}
}

// Data returns the k6-shaped handleSummary data object:
//
//	{ root_group: {name, path, id, groups: [...], checks: [{name, path, id, passes, fails}]},
//	  options: {summaryTrendStats, summaryTimeUnit, noColor},
//	  state: {isStdOutTTY, isStdErrTTY, testRunDurationMs},
//	  metrics: {<name>: {type, contains, values: {...}, thresholds?: {<source>: {ok}}}},
//	  setup_data?: <setup's result> }
//
// Metric values are float64 (times in milliseconds, data in bytes);
// check passes and fails are int64. A metric is present when it has samples
// or thresholds; sub-metrics with thresholds, and ExpectedResponseMetric,
// are entries of their own. setup_data is absent when SetupData is nil, and
// is the raw text when it is not valid JSON.
func (s *Summary) Data() map[string]any {
	m := s.build()
	stats := s.trendStats()
	mets := make(map[string]any, len(m.entries))
	for _, e := range m.entries {
		obj := map[string]any{
			"type":     typeName(e.metric.Type),
			"contains": containsName(e.metric.Contains),
			"values":   m.values(e, stats),
		}
		if len(e.thresholds) > 0 {
			th := make(map[string]any, len(e.thresholds))
			for _, t := range e.thresholds {
				th[t.Source] = map[string]any{"ok": t.Passed}
			}
			obj["thresholds"] = th
		}
		mets[e.name] = obj
	}
	statNames := make([]any, len(stats))
	for i, st := range stats {
		statNames[i] = st.name
	}
	d := map[string]any{
		"root_group": groupData(m.root),
		"options": map[string]any{
			"summaryTrendStats": statNames,
			"summaryTimeUnit":   s.TimeUnit,
			"noColor":           s.NoColor,
		},
		"state": map[string]any{
			"isStdOutTTY":       s.IsStdoutTTY,
			"isStdErrTTY":       s.IsStderrTTY,
			"testRunDurationMs": m.seconds * 1000,
		},
		"metrics": mets,
	}
	if s.SetupData != nil {
		var v any
		if err := json.Unmarshal(s.SetupData, &v); err != nil {
			d["setup_data"] = string(s.SetupData)
		} else {
			d["setup_data"] = v
		}
	}
	return d
}

func groupData(g *group) map[string]any {
	groups := make([]any, len(g.groups))
	for i, c := range g.groups {
		groups[i] = groupData(c)
	}
	checks := make([]any, len(g.checks))
	for i, c := range g.checks {
		checks[i] = map[string]any{
			"name": c.name, "path": c.path, "id": hashID(c.path),
			"passes": c.passes, "fails": c.fails,
		}
	}
	return map[string]any{
		"name": g.name, "path": g.path, "id": hashID(g.path),
		"groups": groups, "checks": checks,
	}
}
