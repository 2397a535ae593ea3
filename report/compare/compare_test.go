package compare

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/junit"
)

// runSpec describes a synthetic run: per interval, n requests per endpoint
// whose latency (ms) is drawn by lat, failing with probability fail.
type runSpec struct {
	intervals int
	perIv     int
	names     []string
	lat       func(r *rand.Rand, name string) float64
	fail      float64
	seed      uint64
}

// makeRun records the run through a real Registry and Aggregator, flushing
// once per synthetic 1 s interval, as `load run` does.
func makeRun(t *testing.T, s runSpec) *results.Run {
	t.Helper()
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	rec := agg.NewRecorder()
	defer rec.Close()
	r := rand.New(rand.NewPCG(s.seed, 7))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := &results.Run{Header: results.Header{Interval: time.Second, Start: t0}, Registry: reg}
	checkTags := reg.Tags(metrics.Tag{Key: "check", Value: "ok"})
	for i := range s.intervals {
		for range s.perIv {
			for _, n := range s.names {
				tags := reg.Tags(metrics.Tag{Key: "name", Value: n})
				rec.Add(b.HTTPReqDuration, tags, s.lat(r, n))
				failed := 0.0
				if r.Float64() < s.fail {
					failed = 1
				}
				rec.Add(b.HTTPReqFailed, tags, failed)
				rec.Add(b.HTTPReqs, tags, 1)
				rec.Add(b.Checks, checkTags, 1-failed)
			}
			rec.Add(b.IterationDuration, reg.Empty(), 5+r.Float64())
		}
		snap := agg.Flush()
		start := t0.Add(time.Duration(i) * time.Second)
		run.Intervals = append(run.Intervals, results.Interval{Start: start, End: start.Add(time.Second), Snapshot: snap})
	}
	return run
}

// normalLat is latency around base ms with 10% noise and a tail.
func normalLat(base float64) func(*rand.Rand, string) float64 {
	return func(r *rand.Rand, _ string) float64 {
		v := base * (1 + 0.1*r.NormFloat64())
		if r.Float64() < 0.02 {
			v *= 2
		}
		return math.Max(v, 0.1)
	}
}

func rowOf(t *testing.T, res *Result, series, stat string) Row {
	t.Helper()
	for _, r := range res.Rows {
		if r.Series == series && r.Stat == stat {
			return r
		}
	}
	t.Fatalf("no row %s %s; rows: %v", series, stat, res.Rows)
	return Row{}
}

func TestMannWhitney(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		want float64
		tol  float64
	}{
		// R: wilcox.test(c(19,22,16,29,24), c(20,11,17,12)) gives W = 17,
		// p = 0.1111 (exact: 2 × 7/126).
		{"textbook exact", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 14.0 / 126, 1e-12},
		// Full separation of 3 and 3: 2 × 1/C(6,3) = 0.1.
		{"separated 3v3", []float64{1, 2, 3}, []float64{4, 5, 6}, 0.1, 1e-12},
		// Full separation of 5 and 5: 2 × 1/252.
		{"separated 5v5", []float64{6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5}, 2.0 / 252, 1e-12},
		{"all tied", []float64{1, 1, 1}, []float64{1, 1}, 1, 0},
		{"empty side", nil, []float64{1, 2}, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MannWhitney(tc.x, tc.y)
			if math.Abs(got-tc.want) > tc.tol {
				t.Errorf("p = %v, want %v", got, tc.want)
			}
			if rev := MannWhitney(tc.y, tc.x); math.Abs(rev-got) > 1e-12 {
				t.Errorf("not symmetric: %v vs %v", got, rev)
			}
		})
	}
}

// With 20 + 20 distinct values the exact and the normal approximation
// (forced by one tie far from the shift) agree closely.
func TestMannWhitney_ExactMatchesNormalApproximation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, 20), make([]float64, 20)
	for i := range x {
		x[i] = r.NormFloat64()
		y[i] = r.NormFloat64() + 0.6
	}
	exact := MannWhitney(x, y)
	y2 := append([]float64{}, y...)
	y2[0] = x[0] // one tie switches to the approximation
	approx := MannWhitney(x, y2)
	if exact <= 0 || exact >= 1 || math.Abs(exact-approx) > 0.02 {
		t.Errorf("exact p %v vs approximate p %v", exact, approx)
	}
}

func TestParseRule(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      Rule
		err       bool
	}{
		{"relative percentile with tag", "http_req_duration{name:checkout} p(95) > +10%",
			Rule{Metric: "http_req_duration", Filter: []metrics.Tag{{Key: "name", Value: "checkout"}}, Stat: "p(95)", P: 95, Op: ">", Kind: Relative, Value: 0.10}, false},
		{"points on a rate", "http_req_failed rate > +0.5pp", Rule{Metric: "http_req_failed", Stat: "rate", Op: ">", Kind: Points, Value: 0.005}, false},
		{"absolute ms change", "http_req_duration avg >= +20ms", Rule{Metric: "http_req_duration", Stat: "avg", Op: ">=", Kind: Absolute, Value: 20}, false},
		{"level in seconds", "http_req_duration p(99) > 0.5s", Rule{Metric: "http_req_duration", Stat: "p(99)", P: 99, Op: ">", Kind: Level, Value: 500}, false},
		{"level rate percent", "http_req_failed rate > 1%", Rule{Metric: "http_req_failed", Stat: "rate", Op: ">", Kind: Level, Value: 0.01}, false},
		{"drop of checks", "checks rate < -1pp", Rule{Metric: "checks", Stat: "rate", Op: "<", Kind: Points, Value: -0.01}, false},
		{"med is p(50)", "iteration_duration med > +5%", Rule{Metric: "iteration_duration", Stat: "p(50)", P: 50, Op: ">", Kind: Relative, Value: 0.05}, false},
		{"tags sorted", "http_req_duration{status:200, method:GET} p(90) > +1ms",
			Rule{Metric: "http_req_duration", Filter: []metrics.Tag{{Key: "method", Value: "GET"}, {Key: "status", Value: "200"}}, Stat: "p(90)", P: 90, Op: ">", Kind: Absolute, Value: 1}, false},
		{"microseconds", "http_req_duration p(50) > +500us", Rule{Metric: "http_req_duration", Stat: "p(50)", P: 50, Op: ">", Kind: Absolute, Value: 0.5}, false},
		{"missing stat", "http_req_duration > +10%", Rule{}, true},
		{"unknown op", "http_req_duration p(95) != +10%", Rule{}, true},
		{"pp on a trend", "http_req_duration p(95) > +1pp", Rule{}, true},
		{"unsigned pp", "http_req_failed rate > 1pp", Rule{}, true},
		{"percent level on trend", "http_req_duration p(95) > 10%", Rule{}, true},
		{"percentile above 100", "http_req_duration p(101) > +1%", Rule{}, true},
		{"bad tag", "http_req_duration{name} p(95) > +1%", Rule{}, true},
		{"garbage", "slow", Rule{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRule(tc.src)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "invalid --fail-on rule") {
					t.Fatalf("err = %v, want an ErrRule", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Source = tc.src
			if got.Source != tc.want.Source || got.Metric != tc.want.Metric || got.Stat != tc.want.Stat || got.P != tc.want.P ||
				got.Op != tc.want.Op || got.Kind != tc.want.Kind || math.Abs(got.Value-tc.want.Value) > 1e-12 ||
				report.SubMetricName(got.Metric, got.Filter) != report.SubMetricName(tc.want.Metric, tc.want.Filter) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// The bootstrap's pooled estimator over every interval once is the exact
// merge: it must equal metrics.Sink.Percentile of the merged sinks.
func TestTrendEstimator_AllIntervalsEqualsMergedPercentile(t *testing.T) {
	run := makeRun(t, runSpec{intervals: 12, perIv: 57, names: []string{"a"}, lat: normalLat(40), seed: 9})
	s := &spec{metric: "http_req_duration", typ: metrics.Trend, time: true, stats: []string{"p(50)", "p(95)", "p(99)", "p(0)", "p(100)", "avg"}}
	d := extract(run, s)
	e := newTrendEstimator(d, d)
	idx := d.used(false)
	out := make([]float64, len(s.stats))
	e.pooled(d, 0, idx, s.stats, out)
	for k, st := range s.stats {
		want := point(metrics.Trend, st, d)
		if math.Abs(out[k]-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: pooled %v, merged sink %v", st, out[k], want)
		}
	}
}

func TestCompare_Verdicts(t *testing.T) {
	names := []string{"home", "checkout"}
	base := runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), seed: 1}
	for _, tc := range []struct {
		name    string
		cur     runSpec
		series  string
		stat    string
		verdict Verdict
		gate    bool
	}{
		{"A/A same distribution", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), seed: 2}, "http_req_duration", "p(95)", NoChange, false},
		{"+20% latency is a regression", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(24), seed: 2}, "http_req_duration", "p(95)", Regression, true},
		{"-20% latency is an improvement", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(16), seed: 2}, "http_req_duration", "p(50)", Improvement, false},
		{"+2% is below the practical floor", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20.4), seed: 2}, "http_req_duration", "p(50)", NoChange, false},
		{"errors 0 → 5% regress", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), fail: 0.05, seed: 2}, "http_req_failed", "rate", Regression, true},
		{"checks fall with errors", runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), fail: 0.05, seed: 2}, "checks", "rate", Regression, true},
		{"only one endpoint slower", runSpec{intervals: 16, perIv: 40, names: names, seed: 2, lat: func(r *rand.Rand, n string) float64 {
			if n == "checkout" {
				return normalLat(26)(r, n)
			}
			return normalLat(20)(r, n)
		}}, "http_req_duration{name:checkout}", "p(95)", Regression, true},
		{"two intervals are too few", runSpec{intervals: 2, perIv: 40, names: names, lat: normalLat(30), seed: 2}, "http_req_duration", "p(95)", Inconclusive, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compare(makeRun(t, base), makeRun(t, tc.cur), Options{})
			if err != nil {
				t.Fatal(err)
			}
			row := rowOf(t, res, tc.series, tc.stat)
			if row.Verdict != tc.verdict {
				t.Errorf("verdict %q, want %q: %+v", row.Verdict, tc.verdict, row)
			}
			if res.Regressed() != tc.gate {
				var buf bytes.Buffer
				_ = res.WriteText(&buf)
				t.Errorf("Regressed() = %v, want %v\n%s", res.Regressed(), tc.gate, buf.String())
			}
		})
	}
}

// A/A over many seeds: with the practical floor and the two-test rule, the
// gate stays quiet; this is the false-alarm rate users will see.
func TestCompare_AAFalseAlarms(t *testing.T) {
	alarms := 0
	for i := range 40 {
		spec := func(seed uint64) runSpec {
			return runSpec{intervals: 12, perIv: 30, names: []string{"a", "b"}, lat: normalLat(15), fail: 0.01, seed: seed}
		}
		res, err := Compare(makeRun(t, spec(uint64(100+2*i))), makeRun(t, spec(uint64(101+2*i))), Options{Resamples: 500})
		if err != nil {
			t.Fatal(err)
		}
		if res.Regressed() {
			alarms++
			var buf bytes.Buffer
			_ = res.WriteText(&buf)
			t.Logf("A/A alarm:\n%s", buf.String())
		}
	}
	if alarms > 2 {
		t.Errorf("%d of 40 A/A comparisons flagged a regression", alarms)
	}
}

func TestCompare_Rules(t *testing.T) {
	names := []string{"home", "checkout"}
	base := makeRun(t, runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), seed: 1})
	slow := makeRun(t, runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(24), seed: 2})
	same := makeRun(t, runSpec{intervals: 16, perIv: 40, names: names, lat: normalLat(20), seed: 3})
	for _, tc := range []struct {
		name   string
		cur    *results.Run
		rule   string
		failed bool
		msg    string
	}{
		{"+20% crosses +10%", slow, "http_req_duration{name:checkout} p(95) > +10%", true, "significant"},
		{"+20% does not cross +30%", slow, "http_req_duration p(95) > +30%", false, ""},
		{"absolute ms change", slow, "http_req_duration p(50) > +2ms", true, "significant"},
		{"A/A does not cross +10%", same, "http_req_duration p(95) > +10%", false, ""},
		{"level rule needs no baseline change", same, "http_req_duration p(99) > 10ms", true, "current"},
		{"rule on a p(90) not in defaults", slow, "http_req_duration p(90) > +10%", true, "significant"},
		{"no data fails", slow, "http_req_duration{name:nope} p(95) > +10%", true, "no data"},
		{"error rate unchanged", same, "http_req_failed rate > +0.5pp", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Compare(base, tc.cur, Options{Rules: []Rule{r}})
			if err != nil {
				t.Fatal(err)
			}
			rr := res.Rules[0]
			if rr.Failed != tc.failed || !strings.Contains(rr.Message, tc.msg) {
				t.Errorf("failed=%v (%s), want %v containing %q", rr.Failed, rr.Message, tc.failed, tc.msg)
			}
			if res.Regressed() != tc.failed {
				t.Errorf("Regressed() = %v with a single rule that failed=%v", res.Regressed(), tc.failed)
			}
		})
	}
}

func TestCompare_RuleErrors(t *testing.T) {
	run := makeRun(t, runSpec{intervals: 4, perIv: 5, names: []string{"a"}, lat: normalLat(10), seed: 1})
	for _, tc := range []struct{ name, rule, want string }{
		{"unknown metric", "nope_duration p(95) > +1%", "no such metric"},
		{"rate of a trend", "http_req_duration rate > +1pp", "does not apply"},
		{"percentile of a rate", "http_req_failed p(95) > +1%", "does not apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compare(run, run, Options{Rules: []Rule{r}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCompare_ReproducibleWithSeed(t *testing.T) {
	a := makeRun(t, runSpec{intervals: 10, perIv: 20, names: []string{"a"}, lat: normalLat(10), seed: 1})
	b := makeRun(t, runSpec{intervals: 10, perIv: 20, names: []string{"a"}, lat: normalLat(11), seed: 2})
	var out [3]string
	for i, seed := range []uint64{5, 5, 6} {
		res, err := Compare(a, b, Options{Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := res.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		out[i] = buf.String()
	}
	if out[0] != out[1] {
		t.Error("the same seed gave different results")
	}
	if out[0] == out[2] {
		t.Error("a different seed gave identical confidence intervals")
	}
}

func TestResult_Outputs(t *testing.T) {
	names := []string{"home", "checkout"}
	base := makeRun(t, runSpec{intervals: 10, perIv: 30, names: names, lat: normalLat(20), seed: 1})
	slow := makeRun(t, runSpec{intervals: 10, perIv: 30, names: names, lat: normalLat(25), seed: 2})
	r1, _ := ParseRule("http_req_duration p(95) > +10%")
	r2, _ := ParseRule("http_req_failed rate > +0.5pp")
	res, err := Compare(base, slow, Options{Rules: []Rule{r1, r2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		if err := res.WriteText(&buf); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"http_req_duration{name:checkout}", "p(95)", "regression", "FAIL http_req_duration p(95) > +10%", "ok   http_req_failed rate > +0.5pp", "REGRESSION: 1 of 2"} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("text lacks %q:\n%s", want, buf.String())
			}
		}
	})
	t.Run("markdown", func(t *testing.T) {
		var buf bytes.Buffer
		if err := res.WriteMarkdown(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "| `http_req_duration p(95) > +10%` | ❌ failed |") {
			t.Errorf("markdown lacks the failed rule row:\n%s", buf.String())
		}
	})
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := res.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Regressed bool `json:"regressed"`
			Rows      []struct {
				Series, Stat, Verdict string
				Delta                 *float64 `json:"delta"`
			} `json:"rows"`
			Rules []struct {
				Rule   string
				Failed bool
			} `json:"rules"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		if !doc.Regressed || len(doc.Rows) != len(res.Rows) || len(doc.Rules) != 2 || !doc.Rules[0].Failed || doc.Rules[1].Failed {
			t.Errorf("json: %+v", doc)
		}
	})
	t.Run("junit round trip", func(t *testing.T) {
		var buf bytes.Buffer
		if err := res.JUnit().Write(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := junit.Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Suites) != 2 || got.Suites[0].Name != "rules" || got.Suites[0].Tests != 2 || got.Suites[0].Failures != 1 {
			t.Fatalf("rules suite: %+v", got.Suites)
		}
		regs := 0
		for _, r := range res.Rows {
			if r.Verdict == Regression {
				regs++
			}
		}
		if got.Suites[1].Tests != len(res.Rows) || got.Suites[1].Failures != regs || regs == 0 {
			t.Errorf("comparisons suite: %d tests %d failures, want %d and %d", got.Suites[1].Tests, got.Suites[1].Failures, len(res.Rows), regs)
		}
		if got.Failures != 1+regs {
			t.Errorf("root failures %d, want %d", got.Failures, 1+regs)
		}
	})
}

func TestConcat_RepeatsPoolIntervals(t *testing.T) {
	a := makeRun(t, runSpec{intervals: 4, perIv: 10, names: []string{"a"}, lat: normalLat(10), seed: 1})
	b := makeRun(t, runSpec{intervals: 6, perIv: 10, names: []string{"a"}, lat: normalLat(10), seed: 2})
	c, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Intervals) != 10 {
		t.Fatalf("%d intervals, want 4 + 6", len(c.Intervals))
	}
	res, err := Compare(a, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Repeats keep the rate per second (10 requests per 1 s interval), where
	// an overlay would double it.
	if r := rowOf(t, res, "http_reqs", "rate"); r.Baseline != 10 || r.Current != 10 || r.NCurrent != 10 {
		t.Errorf("http_reqs rate row %+v, want 10/s on both sides over 10 current intervals", r)
	}
	if r := rowOf(t, res, "iteration_duration", "p(50)"); r.NCurrent != 10 {
		t.Errorf("trend row uses %d current intervals, want 10", r.NCurrent)
	}
}
