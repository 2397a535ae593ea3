package main

// End-to-end tests of issue 3 (open and closed workload models) against the
// real binary and `load target`: CASES.md C01, C03, C06 and C15, the exact
// start count of a fast constant-arrival-rate run, and the closed-model
// coordinated-omission note.

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/cmd/internal/target"
	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// metricOr is r.metric, or 0 when the metric is absent from the export (k6
// leaves out metrics that got no sample, e.g. dropped_iterations).
func (r result) metricOr(name, key string) float64 {
	ms, _ := r.export["metrics"].(map[string]any)
	m, _ := ms[name].(map[string]any)
	v, _ := m[key].(float64)
	return v
}

// scenarioLine is one "* name: executor, N complete and M interrupted
// iterations[, D dropped]" line of the text summary.
type scenarioLine struct {
	complete, interrupted, dropped int64
}

var scenarioLineRE = regexp.MustCompile(`\* (\S+): \S+, (\d+) complete and (\d+) interrupted iterations(?:, (\d+) dropped)?`)

func scenarioLines(t *testing.T, stdout string) map[string]scenarioLine {
	t.Helper()
	out := map[string]scenarioLine{}
	for _, m := range scenarioLineRE.FindAllStringSubmatch(stdout, -1) {
		atoi := func(s string) int64 {
			if s == "" {
				return 0
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		out[m[1]] = scenarioLine{atoi(m[2]), atoi(m[3]), atoi(m[4])}
	}
	return out
}

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol*want }

func TestCase_C01_DroppedIterations(t *testing.T) {
	// CASES.md C01 scaled from 1/s for 30 s with a 1.9 s iteration to 2/s
	// for 6 s with a 0.9 s iteration: starts are due every 0.5 s, 12 in all
	// (rate·duration/timeUnit). The only VU is busy at every odd tick, so
	// the starts at t = 0, 1, ..., 5 run and the 6 at t = 0.5, 1.5, ... are
	// dropped.
	r := runScript(t, `
import { sleep } from 'load';
export const options = {
  scenarios: { c01: { executor: 'constant-arrival-rate', rate: 2, timeUnit: '1s', duration: '6s', preAllocatedVUs: 1, maxVUs: 1 } },
};
export default function () { sleep(0.9); }
`)
	r.wantCode(t, 0)
	started, dropped := r.metric(t, "iterations", "count"), r.metricOr("dropped_iterations", "count")
	if started != 6 || dropped != 6 {
		t.Errorf("iterations %v, dropped_iterations %v; want 6 and 6 (started + dropped = 2/s × 6 s = 12)", started, dropped)
	}
	if n := strings.Count(r.stderr, "insufficient VUs"); n != 1 {
		t.Errorf("%d insufficient-VUs warnings, want 1:\n%s", n, r.stderr)
	}
	if !strings.Contains(r.stderr, "6 iterations dropped") {
		t.Errorf("the warning does not give the count at the end:\n%s", r.stderr)
	}
	if s := scenarioLines(t, r.stdout)["c01"]; s != (scenarioLine{6, 0, 6}) {
		t.Errorf("summary scenario line %+v, want 6 complete, 0 interrupted, 6 dropped:\n%s", s, r.stdout)
	}
	if !strings.Contains(r.stdout, "offered 2.00 iters/s") {
		t.Errorf("summary lacks the offered rate 2.00 iters/s:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "6 iteration starts were dropped") {
		t.Errorf("summary lacks the dropped-starts note:\n%s", r.stdout)
	}
}

func TestCase_C03_RampingArrivalRate(t *testing.T) {
	for _, tc := range []struct {
		name, stages string
		startRate    string
		// want is Σ duration × (from + to) / 2 over the stages.
		want int64
		// iteration is the function body; noDrops: VUs suffice, so none may
		// be dropped (scenario B at up to 5,000/s is only held to the exact
		// sum: a starved 2-core machine may legitimately drop starts).
		iteration string
		noDrops   bool
	}{
		{"A scaled ×60", `[{duration:'1s',target:300},{duration:'2s',target:600},{duration:'4s',target:600},{duration:'2s',target:60}]`,
			"startRate: 300,", 300 + 900 + 2400 + 660, "http.get(__ENV.TARGET + '/fast');", true},
		{"B scaled ×60, startRate defaults to 0", `[{duration:'1s',target:1000},{duration:'1s',target:2000},{duration:'1s',target:3000},{duration:'1s',target:4000},{duration:'1s',target:5000}]`,
			"", 500 + 1500 + 2500 + 3500 + 4500, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, `
import http from 'load/http';
export const options = {
  scenarios: { c03: { executor: 'ramping-arrival-rate', `+tc.startRate+` timeUnit: '1s', preAllocatedVUs: 200, maxVUs: 400, stages: `+tc.stages+` } },
};
export default function () { `+tc.iteration+` }
`)
			r.wantCode(t, 0)
			started, dropped := r.metric(t, "iterations", "count"), r.metricOr("dropped_iterations", "count")
			if int64(started+dropped) != tc.want {
				t.Errorf("started %v + dropped %v = %v, want exactly %d", started, dropped, started+dropped, tc.want)
			}
			if tc.noDrops && dropped != 0 {
				t.Errorf("%v starts dropped with 200 idle VUs available", dropped)
			}
			t.Logf("started %v, dropped %v", started, dropped)
		})
	}
}

// TestRun_ConstantArrivalRateExactCount: 1,000/s for 3 s starts exactly
// 3,000 iterations against a fast endpoint (the 20 s benchmark,
// bench/arrival, measures the schedule lag).
func TestRun_ConstantArrivalRateExactCount(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
export const options = {
  scenarios: { fast: { executor: 'constant-arrival-rate', rate: 1000, timeUnit: '1s', duration: '3s', preAllocatedVUs: 200, maxVUs: 400 } },
};
export default function () { http.get(__ENV.TARGET + '/fast'); }
`)
	r.wantCode(t, 0)
	started, dropped := r.metric(t, "iterations", "count"), r.metricOr("dropped_iterations", "count")
	if started != 3000 || dropped != 0 {
		t.Errorf("iterations %v, dropped %v; want 3000 and 0", started, dropped)
	}
}

func TestCase_C06_GracefulStop(t *testing.T) {
	t.Parallel()
	t.Run("a: gracefulStop 30s vs 0s", func(t *testing.T) {
		t.Parallel()
		r := runScript(t, `
import { sleep } from 'load';
export const options = {
  scenarios: {
    g30: { executor: 'constant-vus', vus: 2, duration: '5s' },
    g0: { executor: 'constant-vus', vus: 2, duration: '5s', gracefulStop: '0s' },
  },
  thresholds: { 'iterations{scenario:g30}': ['count==4'], 'iterations{scenario:g0}': ['count==2'] },
};
export default function () { sleep(3); }
`)
		r.wantCode(t, 0) // the thresholds hold: 4 and 2 completed
		lines := scenarioLines(t, r.stdout)
		if lines["g30"] != (scenarioLine{4, 0, 0}) || lines["g0"] != (scenarioLine{2, 2, 0}) {
			t.Errorf("g30 %+v, g0 %+v; want 4 complete/0 interrupted and 2/2:\n%s", lines["g30"], lines["g0"], r.stdout)
		}
		// Interrupted iterations emit no iteration_duration sample (the
		// export has no trend count, so the check is on the max and on the
		// iterations counter).
		if n, m := r.metric(t, "iterations", "count"), r.metric(t, "iteration_duration", "max"); n != 6 || m < 3000 || m > 3300 {
			t.Errorf("iterations %v, iteration_duration max %v ms; want 6 and ≈ 3 s", n, m)
		}
		if r.took < 5900*time.Millisecond || r.took > 9*time.Second {
			t.Errorf("wall time %v, want about 6 s", r.took)
		}
	})
	// (b) reads the vus gauge from the results file (--out, 250 ms
	// intervals: the engine samples the gauge at every flush). Times are
	// from the results header's start, which precedes the scenario's by the
	// script's load and VU initialisation (ms on an idle machine, more on a
	// busy one), so only the seconds at least 0.5 s away from the ramp's
	// steps at 5, 10 and 15 s are checked: 1-3, 6-8 and 11-13, every sample
	// in each.
	for _, tc := range []struct {
		name, rampDown string
		want           string // vus during second 0, 1, ..., 14 ('.': not checked)
	}{
		{"b: default gracefulRampDown", "", ".444..444..444."},
		{"b: gracefulRampDown 0s", "gracefulRampDown: '0s',", ".444..000..444."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "results.jsonl")
			r := runScript(t, `
import { sleep } from 'load';
export const options = {
  scenarios: {
    ramp: { executor: 'ramping-vus', gracefulStop: '0s', `+tc.rampDown+`
      stages: [{duration:'0s',target:4},{duration:'5s',target:4},{duration:'0s',target:0},{duration:'5s',target:0},{duration:'0s',target:4},{duration:'5s',target:4}] },
  },
};
export default function () { sleep(30); }
`, "--out", out, "--interval", "250ms")
			r.wantCode(t, 0)
			run, err := results.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			vus := run.Registry.Lookup("vus")
			series := []byte(strings.Repeat(".", len(tc.want)))
			sampled := 0
			for _, iv := range run.Intervals {
				for _, s := range iv.Snapshot.Series {
					if s.Metric != vus || s.Sink.Count == 0 {
						continue
					}
					k := int(time.Unix(0, s.Sink.Stamp).Sub(run.Header.Start).Seconds())
					if k >= len(tc.want) || tc.want[k] == '.' {
						continue
					}
					v := byte('0' + min(int(s.Sink.Value), 9))
					switch series[k] {
					case '.':
						series[k] = v
						sampled++
					case v:
					default:
						series[k] = 'x' // two different values within the second
					}
				}
			}
			for k := range series {
				if series[k] != '.' && series[k] != tc.want[k] {
					t.Errorf("vus per second %s, want %s", series, tc.want)
					break
				}
			}
			if sampled < 6 {
				t.Errorf("only %d of the 9 checked seconds have a vus sample: %s", sampled, series)
			}
			if got := r.metric(t, "vus", "max"); got != 4 {
				t.Errorf("vus gauge max %v, want 4", got)
			}
			// The interrupted iterations: 4 at the end, plus 4 cut at 5 s
			// without a ramp-down grace period.
			wantCut := int64(4)
			if tc.rampDown != "" {
				wantCut = 8
			}
			if got := scenarioLines(t, r.stdout)["ramp"]; got != (scenarioLine{0, wantCut, 0}) {
				t.Errorf("ramp %+v, want 0 complete and %d interrupted", got, wantCut)
			}
		})
	}
}

// c15Script is CASES.md C15's scenario: /svc with a 2 s freeze of the target
// started 5 s into the main scenario by a second scenario. Both start after
// offset, so that parallel variants do not all wake their stalled VUs at the
// same instant.
func c15Script(model string, offset time.Duration) string {
	latency := "" // recorded by arrival-rate executors only
	if strings.Contains(model, "arrival-rate") {
		latency = "'iteration_latency{scenario:main}': ['max>=0'],"
	}
	return `
import http from 'load/http';
import { sleep } from 'load';
export const options = {
  scenarios: {
    main: Object.assign(` + model + `, { startTime: '` + offset.String() + `' }),
    freeze: { executor: 'per-vu-iterations', vus: 1, iterations: 1, startTime: '` + (offset + 5*time.Second).String() + `', exec: 'freeze' },
  },
  thresholds: {
    // Always true: they put the main scenario's own series in the export.
    'http_req_duration{scenario:main}': ['max>=0'],
    ` + latency + `
  },
};
export function open() { http.get(__ENV.TARGET + '/svc'); }
export function closed() { http.get(__ENV.TARGET + '/svc'); sleep(0.01); }
export function freeze() { http.get(__ENV.TARGET + '/freeze?ms=2000'); }
`
}

func TestCase_C15_CoordinatedOmission(t *testing.T) {
	t.Parallel()
	// Open model: of 1,500 arrivals over 15 s, the 200 during the freeze wait
	// from 2 s down to 0, so P(q) ≈ 2 s − 15 s·(1 − q).
	analytic := func(q float64) float64 { return 1000 * (2 - 15*(1-q)) } // ms
	stats := []struct {
		key string
		q   float64
	}{{"p(90)", 0.90}, {"p(95)", 0.95}, {"p(99)", 0.99}}
	const trendStats = "avg,med,p(90),p(95),p(99),max"
	const open = `{ executor: 'constant-arrival-rate', rate: 100, timeUnit: '1s', duration: '15s', exec: 'open', %s }`
	for i, tc := range []struct {
		name, model string
		check       func(t *testing.T, r result)
	}{
		{"open model, enough VUs", fmt.Sprintf(open, "preAllocatedVUs: 300"), func(t *testing.T, r result) {
			const m = "http_req_duration{scenario:main}"
			for _, s := range stats {
				if got, want := r.metric(t, m, s.key), analytic(s.q); !within(got, want, 0.10) {
					t.Errorf("%s %s = %.0f ms, want %.0f ms ± 10%%", m, s.key, got, want)
				}
			}
			if got := r.metric(t, m, "max"); !within(got, 2000, 0.10) {
				t.Errorf("%s max = %.0f ms, want ≈ 2 s", m, got)
			}
			if got := r.metricOr("dropped_iterations", "count"); got != 0 {
				t.Errorf("%v starts dropped with 300 VUs", got)
			}
			// The open model measures the stall itself: no dropped-starts or
			// closed-model note. (A schedule_lag note may appear when the
			// machine is busy: 200 VUs wake at once when the freeze ends.)
			if strings.Contains(r.stdout, "coordinated omission") || strings.Contains(r.stdout, "dropped") {
				t.Errorf("the open model measured honestly but got a note:\n%s", r.stdout)
			}
		}},
		{"closed model", `{ executor: 'constant-vus', vus: 1, duration: '15s', exec: 'closed' }`, func(t *testing.T, r result) {
			const m = "http_req_duration{scenario:main}"
			if got := r.metric(t, m, "p(99)"); got > 20 {
				t.Errorf("%s p(99) = %.2f ms, want the normal latency of a few ms (the stall hides in one sample)", m, got)
			}
			if got := r.metric(t, m, "max"); !within(got, 2000, 0.10) {
				t.Errorf("%s max = %.0f ms, want ≈ 2 s", m, got)
			}
			if !strings.Contains(r.stdout, "scenario main: an iteration took") || !strings.Contains(r.stdout, "possible coordinated omission") {
				t.Errorf("summary lacks the closed-model coordinated-omission note:\n%s", r.stdout)
			}
		}},
		{"maxVUs 10, lateStarts queue", fmt.Sprintf(open, "preAllocatedVUs: 10, maxVUs: 10, lateStarts: 'queue'"), func(t *testing.T, r result) {
			const m = "iteration_latency{scenario:main}"
			for _, s := range stats {
				if got, want := r.metric(t, m, s.key), analytic(s.q); !within(got, want, 0.10) {
					t.Errorf("%s %s = %.0f ms, want %.0f ms ± 10%%", m, s.key, got, want)
				}
			}
			if got := r.metricOr("dropped_iterations", "count"); got != 0 {
				t.Errorf("%v starts dropped with lateStarts 'queue'", got)
			}
			if got := r.metric(t, "iterations", "count"); got != 1501 {
				t.Errorf("iterations %v, want 1500 + the freeze call", got)
			}
			if !strings.Contains(r.stdout, "schedule_lag p(99) is") {
				t.Errorf("summary lacks the schedule-lag note:\n%s", r.stdout)
			}
		}},
		{"maxVUs 10, lateStarts drop", fmt.Sprintf(open, "preAllocatedVUs: 10, maxVUs: 10"), func(t *testing.T, r result) {
			// 200 starts come due during the freeze; the 10 VUs take the
			// first 10, the other ~190 are dropped.
			dropped := r.metricOr("dropped_iterations", "count")
			if dropped < 170 || dropped > 210 {
				t.Errorf("dropped_iterations %v, want about 190", dropped)
			}
			if got := r.metric(t, "iterations", "count") - 1; got+dropped != 1500 {
				t.Errorf("started %v + dropped %v, want exactly 1500", got, dropped)
			}
			if n := strings.Count(r.stderr, "insufficient VUs"); n != 1 {
				t.Errorf("%d insufficient-VUs warnings, want 1:\n%s", n, r.stderr)
			}
			if !strings.Contains(r.stdout, fmt.Sprintf("%.0f iteration starts were dropped", dropped)) {
				t.Errorf("summary lacks the dropped-starts note:\n%s", r.stdout)
			}
		}},
	} {
		offset := time.Duration(i) * time.Second // freezes end at 7, 8, 9 and 10 s
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runScript(t, c15Script(tc.model, offset), "-e", "TARGET="+startTarget(t, target.DefaultConfig()), "--summary-trend-stats", trendStats)
			r.wantCode(t, 0)
			tc.check(t, r)
			if t.Failed() {
				// Latencies of a 2 s freeze stretch when other processes
				// starve this machine's CPUs: say how busy it was.
				b, _ := os.ReadFile("/proc/loadavg")
				t.Logf("load average: %s", b)
			}
		})
	}
}

// TestSummaryNotes_ClosedModelStall tests the rule of notesFor on recorded
// iteration durations: a closed-model scenario whose slowest iteration took
// ≥ 10× its median and ≥ 1 s longer gets a note; open-model scenarios and
// ordinary spreads do not.
func TestSummaryNotes_ClosedModelStall(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	for _, tc := range []struct {
		name     string
		executor string
		typical  time.Duration // most iterations
		n        int
		slowest  time.Duration // one iteration
		want     bool
	}{
		{"C15 closed: 10 ms pacing, one 2 s stall", engine.ConstantVUs, ms(10.4), 1200, 2 * time.Second, true},
		{"ramping-vus stall", engine.RampingVUs, ms(100), 50, 3 * time.Second, true},
		{"shared-iterations stall", engine.SharedIterations, ms(50), 20, 1200 * time.Millisecond, true},
		{"10× but under 1 s longer (a GC pause, not a stall)", engine.ConstantVUs, ms(2), 500, ms(80), false},
		{"1 s think time, 5 s outlier: under 10×", engine.ConstantVUs, time.Second, 100, 5 * time.Second, false},
		{"steady", engine.PerVUIterations, ms(20), 100, ms(25), false},
		{"one iteration only", engine.PerVUIterations, 0, 0, 2 * time.Second, false},
		{"open model stall is measured, not noted here", engine.ConstantArrivalRate, ms(1), 1500, 2 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := metrics.NewRegistry()
			bi := metrics.RegisterBuiltin(reg)
			agg := metrics.NewAggregator(reg)
			rec := agg.NewRecorder()
			tags := reg.Tags(metrics.Tag{Key: "scenario", Value: "s"})
			other := reg.Tags(metrics.Tag{Key: "scenario", Value: "other"})
			for range tc.n {
				rec.AddDuration(bi.IterationDuration, tags, tc.typical)
			}
			rec.AddDuration(bi.IterationDuration, tags, tc.slowest)
			// Another scenario's fast iterations must not lower s's median.
			for range 5000 {
				rec.AddDuration(bi.IterationDuration, other, ms(0.1))
			}
			rec.Close()
			agg.Flush()
			progress := []engine.Progress{{Name: "s", Executor: tc.executor}, {Name: "other", Executor: engine.ConstantVUs}}
			notes := notesFor(progress, agg.Totals(), bi)
			got := len(notes) == 1 && strings.Contains(notes[0], "scenario s: an iteration took") && strings.Contains(notes[0], "possible coordinated omission")
			if got != tc.want || (!tc.want && len(notes) != 0) {
				t.Errorf("notes %q, want a stall note: %v", notes, tc.want)
			}
		})
	}
}

// Starts the scheduler had not reached when a scenario ended or the test
// stopped (Progress.DroppedLate) are not blamed on the VUs.
func TestSummaryNotes_LateDropsNotBlamedOnVUs(t *testing.T) {
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	agg.Flush()
	for _, tc := range []struct {
		dropped, late int64
		want          string // "" for no note
	}{
		{dropped: 6, late: 6, want: ""},
		{dropped: 5, late: 2, want: "3 iteration starts were dropped for lack of free VUs"},
		{dropped: 4, late: 0, want: "4 iteration starts were dropped for lack of free VUs"},
	} {
		progress := []engine.Progress{{Name: "a", Executor: engine.ConstantArrivalRate, Dropped: tc.dropped, DroppedLate: tc.late}}
		notes := notesFor(progress, agg.Totals(), bi)
		joined := strings.Join(notes, "\n")
		if tc.want == "" && strings.Contains(joined, "lack of free VUs") || tc.want != "" && !strings.Contains(joined, tc.want) {
			t.Errorf("dropped %d, late %d: notes %q, want %q", tc.dropped, tc.late, notes, tc.want)
		}
	}
}
