package compare

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report"
)

// Options tune a comparison. The zero value of a field means its default
// (DefaultOptions); Rules are optional.
type Options struct {
	// Alpha is the significance level: a change is significant when the
	// Mann–Whitney p-value is below Alpha and the (1−Alpha) bootstrap
	// confidence interval of the change excludes 0. Default 0.05.
	Alpha float64
	// Resamples is the number of bootstrap resamples. Default 2,000.
	Resamples int
	// Seed seeds the bootstrap's random numbers, so a comparison is
	// reproducible. Default 1.
	Seed uint64
	// MinRelative is the practical-size floor for trends and counters: a
	// smaller relative change is "no change" even when significant.
	// Default 0.05 (5%).
	MinRelative float64
	// MinTime is the practical-size floor in milliseconds for time trends,
	// applied beside MinRelative (a change must exceed both). Default 1.
	MinTime float64
	// MinRatePoints is the practical-size floor for rates, as a fraction:
	// 0.001 is 0.1 percentage points. Default 0.001.
	MinRatePoints float64
	// MinIntervals is the fewest intervals with samples each side needs for
	// a judgement; with fewer, a row is "inconclusive". Default 3.
	MinIntervals int
	// Rules are the --fail-on rules. Their series and statistics are
	// compared too when they are not among the default rows.
	Rules []Rule
}

// DefaultOptions returns the defaults documented on Options.
func DefaultOptions() Options {
	return Options{Alpha: 0.05, Resamples: 2000, Seed: 1, MinRelative: 0.05, MinTime: 1, MinRatePoints: 0.001, MinIntervals: 3}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = d.Alpha
	}
	if o.Resamples <= 0 {
		o.Resamples = d.Resamples
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	if o.MinRelative <= 0 {
		o.MinRelative = d.MinRelative
	}
	if o.MinTime <= 0 {
		o.MinTime = d.MinTime
	}
	if o.MinRatePoints <= 0 {
		o.MinRatePoints = d.MinRatePoints
	}
	if o.MinIntervals <= 0 {
		o.MinIntervals = d.MinIntervals
	}
	return o
}

// Verdict is a row's judgement.
type Verdict string

// The verdicts.
const (
	Regression   Verdict = "regression"   // significant, practically large, in the worse direction
	Improvement  Verdict = "improvement"  // significant, practically large, in the better direction
	NoChange     Verdict = "no change"    // not significant, or below the practical floor
	Inconclusive Verdict = "inconclusive" // practically large but not significant, or too few intervals
)

// Row is one statistic of one series compared.
type Row struct {
	Series string        // e.g. "http_req_duration{name:checkout}"
	Metric string        // e.g. "http_req_duration"
	Tags   []metrics.Tag // the series' filter, sorted by key
	Stat   string        // "p(95)", "avg", "rate"
	// Unit is the unit of Baseline, Current, Delta and the CI: "ms" for
	// time trends, "" for plain numbers, "/s" for counters; rates are
	// fractions (0..1).
	Unit              string
	Baseline, Current float64
	Delta             float64 // Current − Baseline
	// Relative is Delta/|Baseline|: ±Inf when Baseline is 0 and Delta is
	// not, 0 when both are.
	Relative float64
	// CILow and CIHigh bound the (1−Alpha) percentile bootstrap confidence
	// interval of Delta; NaN when a side has no samples.
	CILow, CIHigh float64
	// P is the two-sided Mann–Whitney p-value over the per-interval values
	// of Stat (1 when a side is empty).
	P float64
	// PAdj is P adjusted for the number of rows (Holm–Bonferroni over every
	// row of the Result), so that the chance of any false "regression" in
	// the whole table stays at most Alpha. Significant uses PAdj.
	PAdj         float64
	NBaseline    int  // intervals of the baseline with samples of the series
	NCurrent     int  // the same for the current run
	Significant  bool // PAdj < Alpha and the CI excludes 0
	Practical    bool // |Delta| is above the practical-size floor
	HigherIsBad  bool // whether an increase is a regression for this metric
	Verdict      Verdict
	FromRuleOnly bool // added for a --fail-on rule, not a default row
}

// RuleResult is a rule's outcome.
type RuleResult struct {
	Rule   Rule
	Row    *Row // the row the rule reads; nil when the series has no data
	Failed bool
	// PAdj is the row's Mann–Whitney p-value adjusted (Holm–Bonferroni)
	// over the rules; a change rule needs PAdj < Alpha to fail.
	PAdj    float64
	Message string // why it failed or held, one line
}

// Side describes one side of a comparison.
type Side struct {
	Script    string
	Start     time.Time
	Intervals int
	Interval  time.Duration
	Labels    map[string]string
}

// Result is a comparison: the rows in a stable order (default rows first,
// by metric then series then stat), and the rules' outcomes.
type Result struct {
	Baseline, Current Side
	Options           Options
	Rows              []Row
	Rules             []RuleResult
}

// Regressed reports the gate's verdict: with rules, whether any rule
// failed; without, whether any row is a regression.
func (r *Result) Regressed() bool {
	if len(r.Rules) > 0 {
		for _, rr := range r.Rules {
			if rr.Failed {
				return true
			}
		}
		return false
	}
	for _, row := range r.Rows {
		if row.Verdict == Regression {
			return true
		}
	}
	return false
}

// ErrUnknownMetric is returned by Compare for a rule on a metric that
// neither run has registered.
var ErrUnknownMetric = errors.New("no such metric in either run")

// ErrStat is returned by Compare for a rule whose statistic does not apply
// to its metric's type.
var ErrStat = errors.New("statistic does not apply to this metric")

// defaultMetrics are the metrics compared by default, and whether they get
// per-`name` rows.
var defaultMetrics = []struct {
	name    string
	perName bool
}{
	{"http_req_duration", true},
	{"http_req_failed", true},
	{"http_reqs", true},
	{"iteration_duration", false},
	{"checks", false},
}

// higherIsBetter lists the metrics for which an increase is good; for every
// other metric an increase is a regression.
var higherIsBetter = map[string]bool{"checks": true, "http_reqs": true, "iterations": true, "data_received": true, "data_sent": true}

// spec is one series to compare and the statistics wanted of it.
type spec struct {
	metric   string
	filter   []metrics.Tag
	typ      metrics.Type
	time     bool
	stats    []string
	ruleOnly map[string]bool
}

func (s *spec) key() string { return report.SubMetricName(s.metric, s.filter) }

func (s *spec) want(stat string, ruleOnly bool) {
	if !slices.Contains(s.stats, stat) {
		s.stats = append(s.stats, stat)
		if ruleOnly {
			if s.ruleOnly == nil {
				s.ruleOnly = map[string]bool{}
			}
			s.ruleOnly[stat] = true
		}
	}
}

// Compare compares current against baseline. Every series of the default
// metrics (http_req_duration, http_req_failed and http_reqs overall and per
// `name` tag when there are several names; iteration_duration; checks) that
// has samples in either run gets rows: p(50), p(95), p(99) and avg for
// trends, rate for rates and counters. Each rule adds its own row when it
// is not among them. Errors: ErrUnknownMetric or ErrStat for a rule that
// cannot apply (usage errors).
func Compare(baseline, current *results.Run, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	res := &Result{Baseline: sideOf(baseline), Current: sideOf(current), Options: opts}

	var specs []*spec
	byKey := map[string]*spec{}
	add := func(name string, filter []metrics.Tag) *spec {
		k := report.SubMetricName(name, filter)
		if s, ok := byKey[k]; ok {
			return s
		}
		m := lookup(baseline, current, name)
		if m == nil {
			return nil
		}
		s := &spec{metric: name, filter: filter, typ: m.Type, time: m.Contains == metrics.Time}
		byKey[k] = s
		specs = append(specs, s)
		return s
	}
	for _, dm := range defaultMetrics {
		if !hasData(baseline, dm.name, nil) && !hasData(current, dm.name, nil) {
			continue
		}
		s := add(dm.name, nil)
		if s == nil {
			continue
		}
		defaultStats(s)
		if !dm.perName {
			continue
		}
		names := tagValues(dm.name, "name", baseline, current)
		if len(names) < 2 {
			continue
		}
		for _, n := range names {
			defaultStats(add(dm.name, []metrics.Tag{{Key: "name", Value: n}}))
		}
	}
	for _, r := range opts.Rules {
		m := lookup(baseline, current, r.Metric)
		if m == nil {
			return nil, fmt.Errorf("compare: rule %q: metric %s: %w", r.Source, r.Metric, ErrUnknownMetric)
		}
		switch {
		case m.Type == metrics.Trend && r.Stat == "rate",
			m.Type != metrics.Trend && r.Stat != "rate",
			m.Type == metrics.Gauge:
			return nil, fmt.Errorf("compare: rule %q: %s is a %s: %w (trends take avg, med, p(N); rates and counters take rate)", r.Source, r.Metric, typeName(m.Type), ErrStat)
		}
		add(r.Metric, r.Filter).want(r.Stat, true)
	}

	rng := rand.New(rand.NewPCG(opts.Seed, 0x6c6f61646c696e65))
	for _, s := range specs {
		b := extract(baseline, s)
		c := extract(current, s)
		res.Rows = append(res.Rows, compareSeries(s, b, c, opts, rng)...)
	}

	// Significance and verdicts, with the p-values adjusted over the table.
	ps := make([]float64, len(res.Rows))
	for i, row := range res.Rows {
		ps[i] = row.P
	}
	for i, padj := range Holm(ps) {
		row := &res.Rows[i]
		row.PAdj = padj
		row.Significant = significant(row, padj, opts)
		row.Verdict = verdict(*row, opts)
	}

	for _, r := range opts.Rules {
		rr := RuleResult{Rule: r}
		k := report.SubMetricName(r.Metric, r.Filter)
		for i := range res.Rows {
			if res.Rows[i].Series == k && res.Rows[i].Stat == r.Stat {
				rr.Row = &res.Rows[i]
				break
			}
		}
		res.Rules = append(res.Rules, rr)
	}
	// The rules are the gate's family: adjust their rows' p-values among
	// themselves (a rule is a hypothesis stated in advance, so the family is
	// the rules, not the whole table).
	ps = ps[:0]
	for _, rr := range res.Rules {
		if rr.Row != nil {
			ps = append(ps, rr.Row.P)
		} else {
			ps = append(ps, 1)
		}
	}
	for i, padj := range Holm(ps) {
		rr := &res.Rules[i]
		rr.PAdj = padj
		evalRule(rr, opts)
	}
	return res, nil
}

// significant: the adjusted p-value is below Alpha and the bootstrap
// interval excludes 0.
func significant(row *Row, padj float64, opts Options) bool {
	return !math.IsNaN(row.CILow) && padj < opts.Alpha && (row.CILow > 0 || row.CIHigh < 0)
}

func defaultStats(s *spec) {
	if s == nil {
		return
	}
	switch s.typ {
	case metrics.Trend:
		for _, st := range []string{"p(50)", "p(95)", "p(99)", "avg"} {
			s.want(st, false)
		}
	case metrics.Rate, metrics.Counter:
		s.want("rate", false)
	}
}

// evalRule decides a rule: a level rule holds on the current value alone; a
// change rule fails only when the change crosses the rule's bound and is
// significant (the rule's bound replaces the practical floor).
func evalRule(rr *RuleResult, opts Options) {
	r, row := rr.Rule, rr.Row
	switch {
	case row == nil || row.NCurrent == 0:
		rr.Failed, rr.Message = true, "no data: the series has no samples in the current run"
		return
	case r.Kind != Level && row.NBaseline == 0:
		rr.Failed, rr.Message = true, "no data: the series has no samples in the baseline"
		return
	}
	holds := r.holds(row)
	sig := significant(row, rr.PAdj, opts)
	switch {
	case r.Kind == Level:
		rr.Failed = holds
		rr.Message = fmt.Sprintf("current %s", formatValue(row.Current, row.Unit))
	case holds && sig:
		rr.Failed = true
		rr.Message = fmt.Sprintf("%s, significant (p=%s, CI %s)", describeChange(row), formatP(rr.PAdj), formatCI(row))
	case holds:
		rr.Message = fmt.Sprintf("%s, not significant (p=%s, CI %s)", describeChange(row), formatP(rr.PAdj), formatCI(row))
	default:
		rr.Message = describeChange(row)
	}
}

// sideData is one run's data of one series: per-interval sinks (nil when
// the interval has no samples) and interval lengths in seconds.
type sideData struct {
	sinks []*metrics.Sink
	secs  []float64
	total *metrics.Sink
}

// used returns the indexes of intervals that count for s: every interval
// for counters (an interval without samples counts 0), else the intervals
// with samples.
func (d *sideData) used(counter bool) []int {
	var idx []int
	for i, sk := range d.sinks {
		if counter || (sk != nil && sk.Count > 0) {
			idx = append(idx, i)
		}
	}
	return idx
}

func extract(run *results.Run, s *spec) *sideData {
	d := &sideData{total: metrics.NewSink(s.typ)}
	if run == nil {
		return d
	}
	m := run.Registry.Lookup(s.metric)
	for _, iv := range run.Intervals {
		var sk *metrics.Sink
		if m != nil && iv.Snapshot != nil {
			sk = iv.Snapshot.Merge(m, s.filter)
		}
		secs := iv.End.Sub(iv.Start).Seconds()
		if secs <= 0 {
			secs = run.Header.Interval.Seconds()
		}
		d.sinks = append(d.sinks, sk)
		d.secs = append(d.secs, secs)
		if sk != nil {
			d.total.Merge(sk)
		}
	}
	return d
}

// compareSeries computes the rows of one series.
func compareSeries(s *spec, b, c *sideData, opts Options, rng *rand.Rand) []Row {
	counter := s.typ == metrics.Counter
	bi, ci := b.used(counter), c.used(counter)
	if s.typ != metrics.Counter && len(bi) == 0 && len(ci) == 0 {
		return nil
	}
	var est estimator
	switch s.typ {
	case metrics.Trend:
		est = newTrendEstimator(b, c)
	case metrics.Rate:
		est = rateEstimator{}
	default:
		est = counterEstimator{}
	}
	// Bootstrap: resample intervals with replacement, each side on its own.
	diffs := make([][]float64, len(s.stats))
	okBoot := len(bi) > 0 && len(ci) > 0
	if okBoot {
		rb, rc := make([]int, len(bi)), make([]int, len(ci))
		vb, vc := make([]float64, len(s.stats)), make([]float64, len(s.stats))
		for range opts.Resamples {
			for i := range rb {
				rb[i] = bi[rng.IntN(len(bi))]
			}
			for i := range rc {
				rc[i] = ci[rng.IntN(len(ci))]
			}
			est.pooled(b, 0, rb, s.stats, vb)
			est.pooled(c, 1, rc, s.stats, vc)
			for k := range s.stats {
				diffs[k] = append(diffs[k], vc[k]-vb[k])
			}
		}
	}
	rows := make([]Row, 0, len(s.stats))
	for k, st := range s.stats {
		row := Row{
			Series: s.key(), Metric: s.metric, Tags: s.filter, Stat: st,
			Unit:        unitOf(s),
			NBaseline:   len(bi),
			NCurrent:    len(ci),
			HigherIsBad: !higherIsBetter[s.metric],
			CILow:       math.NaN(), CIHigh: math.NaN(),
			P:            1,
			FromRuleOnly: s.ruleOnly[st],
		}
		if s.typ != metrics.Counter {
			row.NBaseline, row.NCurrent = countNonEmpty(b), countNonEmpty(c)
		}
		row.Baseline = point(s.typ, st, b)
		row.Current = point(s.typ, st, c)
		row.Delta = row.Current - row.Baseline
		row.Relative = relative(row.Delta, row.Baseline)
		if okBoot {
			slices.Sort(diffs[k])
			row.CILow = quantileSorted(opts.Alpha/2, diffs[k])
			row.CIHigh = quantileSorted(1-opts.Alpha/2, diffs[k])
			row.P = MannWhitney(perInterval(s.typ, st, b, bi), perInterval(s.typ, st, c, ci))
		}
		row.Practical = practical(s, row, opts)
		rows = append(rows, row)
	}
	return rows
}

func countNonEmpty(d *sideData) int {
	n := 0
	for _, sk := range d.sinks {
		if sk != nil && sk.Count > 0 {
			n++
		}
	}
	return n
}

func relative(delta, base float64) float64 {
	switch {
	case base != 0:
		return delta / math.Abs(base)
	case delta > 0:
		return math.Inf(1)
	case delta < 0:
		return math.Inf(-1)
	}
	return 0
}

func practical(s *spec, row Row, opts Options) bool {
	d := math.Abs(row.Delta)
	switch s.typ {
	case metrics.Rate:
		return d >= opts.MinRatePoints
	case metrics.Trend:
		if s.time && d < opts.MinTime {
			return false
		}
	}
	return d >= opts.MinRelative*math.Abs(row.Baseline) && d > 0
}

func verdict(row Row, opts Options) Verdict {
	switch {
	case row.NBaseline < opts.MinIntervals || row.NCurrent < opts.MinIntervals:
		if row.Practical || row.NBaseline == 0 || row.NCurrent == 0 {
			return Inconclusive
		}
		return NoChange
	case row.Significant && row.Practical:
		if (row.Delta > 0) == row.HigherIsBad {
			return Regression
		}
		return Improvement
	case row.Practical:
		return Inconclusive
	}
	return NoChange
}

// point is the statistic over the whole run.
func point(t metrics.Type, stat string, d *sideData) float64 {
	switch t {
	case metrics.Trend:
		if d.total.Count == 0 {
			return 0
		}
		if stat == "avg" {
			return d.total.Avg()
		}
		return d.total.Percentile(percentOf(stat))
	case metrics.Rate:
		return d.total.Rate()
	}
	var secs float64
	for _, s := range d.secs {
		secs += s
	}
	if secs == 0 {
		return 0
	}
	return d.total.Sum / secs
}

// perInterval is the statistic of each used interval, for Mann–Whitney.
func perInterval(t metrics.Type, stat string, d *sideData, idx []int) []float64 {
	out := make([]float64, 0, len(idx))
	for _, i := range idx {
		sk := d.sinks[i]
		switch t {
		case metrics.Trend:
			if stat == "avg" {
				out = append(out, sk.Avg())
			} else {
				out = append(out, sk.Percentile(percentOf(stat)))
			}
		case metrics.Rate:
			out = append(out, sk.Rate())
		default:
			var sum float64
			if sk != nil {
				sum = sk.Sum
			}
			out = append(out, sum/d.secs[i])
		}
	}
	return out
}

func percentOf(stat string) float64 {
	p, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(stat, "p("), ")"), 64)
	return p
}

func unitOf(s *spec) string {
	switch {
	case s.typ == metrics.Counter:
		return "/s"
	case s.typ == metrics.Rate:
		return "rate"
	case s.time:
		return "ms"
	}
	return ""
}

func typeName(t metrics.Type) string { return t.String() }

func sideOf(r *results.Run) Side {
	if r == nil {
		return Side{}
	}
	return Side{Script: r.Header.Script, Start: r.Header.Start, Intervals: len(r.Intervals), Interval: r.Header.Interval, Labels: r.Header.Labels}
}

// lookup finds a metric by name in either run's registry.
func lookup(a, b *results.Run, name string) *metrics.Metric {
	for _, r := range []*results.Run{a, b} {
		if r != nil && r.Registry != nil {
			if m := r.Registry.Lookup(name); m != nil {
				return m
			}
		}
	}
	return nil
}

func hasData(r *results.Run, name string, filter []metrics.Tag) bool {
	if r == nil || r.Registry == nil {
		return false
	}
	m := r.Registry.Lookup(name)
	if m == nil {
		return false
	}
	for _, iv := range r.Intervals {
		if sk := iv.Snapshot.Merge(m, filter); sk != nil && sk.Count > 0 {
			return true
		}
	}
	return false
}

// tagValues returns the sorted distinct values of tag key on the series of
// metric name in the runs.
func tagValues(name, key string, runs ...*results.Run) []string {
	seen := map[string]bool{}
	for _, r := range runs {
		if r == nil {
			continue
		}
		for _, iv := range r.Intervals {
			if iv.Snapshot == nil {
				continue
			}
			for _, ser := range iv.Snapshot.Series {
				if ser.Metric.Name != name {
					continue
				}
				if v, ok := ser.Tags.Get(key); ok {
					seen[v] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func sortTags(ts []metrics.Tag) {
	slices.SortFunc(ts, func(a, b metrics.Tag) int { return strings.Compare(a.Key, b.Key) })
}
