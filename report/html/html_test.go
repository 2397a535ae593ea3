package html

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/html/browsertest"
	"github.com/loadline/loadline/report/runreport"
)

// richRun records 120 one-second intervals of an open-model run through a
// real aggregator: two endpoints (one failing now and then), checks, VUs,
// iteration_latency, schedule_lag, dropped iterations, three marks, and
// thresholds that pass, fail and have no data.
func richRun(t *testing.T) *results.Run {
	t.Helper()
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	rec := agg.NewRecorder()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := reg.Tags(metrics.Tag{Key: "name", Value: "/api/items"}, metrics.Tag{Key: "method", Value: "GET"})
	b := reg.Tags(metrics.Tag{Key: "name", Value: "/api/checkout <&>"}, metrics.Tag{Key: "method", Value: "POST"})
	chk := reg.Tags(metrics.Tag{Key: "check", Value: "status is 200"}, metrics.Tag{Key: "group", Value: ""})
	run := &results.Run{
		Header: results.Header{
			Format: results.FormatVersion, ToolVersion: "test", Start: start, Script: "shop.js",
			Options: json.RawMessage(`{}`), Labels: map[string]string{"env": "staging"}, Interval: time.Second,
			Host: results.Host{Hostname: "ci", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"},
		},
		Registry: reg,
	}
	for i := range 120 {
		step := i / 40
		for j := range 50 * (step + 1) {
			ms := 5 + float64(j%20) + 10*float64(step)
			rec.Add(bi.HTTPReqs, a, 1)
			rec.Add(bi.HTTPReqDuration, a, ms)
			rec.Add(bi.HTTPReqFailed, a, 0)
			rec.Add(bi.Checks, chk, 1)
			if j%5 == 0 {
				rec.Add(bi.HTTPReqs, b, 1)
				rec.Add(bi.HTTPReqDuration, b, 3*ms)
				f := 0.0
				if j%25 == 0 {
					f = 1
				}
				rec.Add(bi.HTTPReqFailed, b, f)
			}
			rec.Add(bi.IterationLatency, nil, ms+1)
			rec.Add(bi.ScheduleLag, nil, 0.05*float64(j%7))
		}
		if step == 2 {
			rec.Add(bi.DroppedIterations, nil, float64(i%3))
		}
		rec.Add(bi.VUs, nil, float64(10*(step+1)))
		rec.Add(bi.VUsMax, nil, 40)
		snap := agg.Flush()
		snap.Start = start.Add(time.Duration(i) * time.Second)
		snap.End = snap.Start.Add(time.Second)
		run.Intervals = append(run.Intervals, results.Interval{Start: snap.Start, End: snap.End, Snapshot: snap})
	}
	for s := range 3 {
		run.Marks = append(run.Marks, results.Mark{
			Name: "step " + string(rune('1'+s)), Start: start.Add(time.Duration(40*s) * time.Second),
			End: start.Add(time.Duration(40*s+40) * time.Second), Attrs: map[string]any{"rate": 50 * (s + 1)},
		})
	}
	run.Summary = &results.Summary{
		End: start.Add(120 * time.Second), EndReason: "finished", ExitCode: 99,
		Thresholds: []results.ThresholdResult{
			{Key: "http_req_duration", Source: "p(95)<100", Passed: true, Evaluated: true, Value: 42},
			{Key: "http_req_failed", Source: "rate<0.001", Passed: false, Evaluated: true, Value: 0.0048},
			{Key: "my_trend", Source: "avg<1", Passed: false, Evaluated: false},
		},
	}
	return run
}

func render(t *testing.T, run *results.Run) (string, *runreport.Report) {
	t.Helper()
	rep, err := runreport.New(run, runreport.Options{Sources: []string{"r.jsonl"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, rep, Options{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return buf.String(), rep
}

func TestPageIsSelfContained(t *testing.T) {
	page, _ := render(t, richRun(t))
	// Nothing may be fetched: no external script, stylesheet, image or font.
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import`)
	if m := external.FindString(page); m != "" {
		t.Errorf("page references an external resource: %q", m)
	}
	for _, want := range []string{
		uplotJS[:200], "window.LOADLINE_DATA = {", `<pre id="selfcheck" hidden>`,
		`data-key="http_req_failed" data-source="rate&lt;0.001" data-verdict="fail"`,
		`data-verdict="no data"`, "/api/checkout &lt;&amp;&gt;", "env=staging", "step 2", "rate=100",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, id := range []string{ChartThroughput, ChartErrors, ChartVUs, ChartLatency, ChartSpectrum, ChartIterationLatency, ChartScheduleLag, ChartDropped} {
		if !strings.Contains(page, `<div class="chart" id="`+id+`">`) {
			t.Errorf("page lacks chart %s", id)
		}
	}
}

func TestPageLeavesOutMissingCharts(t *testing.T) {
	run := richRun(t)
	keep := map[string]bool{"http_reqs": true, "http_req_failed": true, "http_req_duration": true}
	for _, iv := range run.Intervals {
		var ss []*metrics.Series
		for _, s := range iv.Snapshot.Series {
			if keep[s.Metric.Name] {
				ss = append(ss, s)
			}
		}
		iv.Snapshot.Series = ss
	}
	page, _ := render(t, run)
	for _, id := range []string{ChartVUs, ChartIterationLatency, ChartScheduleLag, ChartDropped} {
		if strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("page has chart %s without its metric", id)
		}
	}
}

// TestPageRendersInChromium loads the page in headless Chromium: no console
// message or error, every chart drawn on a non-empty canvas, and the
// threshold verdicts in the DOM.
func TestPageRendersInChromium(t *testing.T) {
	if _, err := browsertest.Chromium(); err != nil {
		t.Fatal(err)
	}
	page, rep := render(t, richRun(t))
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := browsertest.Load(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var want []browsertest.Verdict
	for _, th := range rep.Thresholds {
		want = append(want, browsertest.Verdict{Key: th.Key, Source: th.Source, Verdict: th.Verdict()})
	}
	browsertest.CheckReport(t, res, want)
}
