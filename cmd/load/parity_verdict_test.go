package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// writeResults writes a results file of 1 s intervals: for each endpoint
// (a request name), lat(i) gives the latencies (ms) of its requests in
// interval i. None fail.
func writeResults(t *testing.T, path string, intervals int, endpoints map[string]func(i int) []float64) {
	t.Helper()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	w, err := results.Create(path, results.Header{Start: t0, Script: "parity.js", ScriptSHA256: strings.Repeat("ab", 32), Interval: time.Second}, results.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	reqs, _ := reg.New("http_reqs", metrics.Counter, metrics.Default)
	dur, _ := reg.New("http_req_duration", metrics.Trend, metrics.Time)
	failed, _ := reg.New("http_req_failed", metrics.Rate, metrics.Default)
	for i := range intervals {
		start := t0.Add(time.Duration(i) * time.Second)
		snap := &metrics.Snapshot{Start: start, End: start.Add(time.Second)}
		for name, lat := range endpoints {
			tags := reg.Tags(metrics.Tag{Key: "name", Value: "http://host" + name}, metrics.Tag{Key: "method", Value: "GET"})
			r, d, f := metrics.NewSink(metrics.Counter), metrics.NewSink(metrics.Trend), metrics.NewSink(metrics.Rate)
			for _, ms := range lat(i) {
				r.Add(1)
				d.Add(ms)
				f.Add(0)
			}
			snap.Series = append(snap.Series, &metrics.Series{Metric: reqs, Tags: tags, Sink: r},
				&metrics.Series{Metric: dur, Tags: tags, Sink: d}, &metrics.Series{Metric: failed, Tags: tags, Sink: f})
		}
		if err := w.WriteInterval(results.Interval{Start: start, End: start.Add(time.Second), Snapshot: snap}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(&results.Summary{End: t0.Add(time.Duration(intervals) * time.Second), EndReason: "finished"}); err != nil {
		t.Fatal(err)
	}
}

// TestParity_InconclusiveWhenTheIntervalIsWide: an endpoint whose latency
// ratios are 1 (the two environments' latencies have the same
// distribution) but whose production intervals disagree with each other
// has a confidence interval far wider than ±15%: its verdict is
// "inconclusive" in the text, Markdown, HTML and JSON, not "within". An
// endpoint steady on both sides stays "within", one twice as slow in
// production "outside".
func TestParity_InconclusiveWhenTheIntervalIsWide(t *testing.T) {
	dir := t.TempDir()
	levels := []float64{50, 75, 100, 100, 125, 150}
	spread := func(scale float64) func(int) []float64 {
		return func(int) []float64 {
			var xs []float64
			for k := range 60 {
				xs = append(xs, scale*(10+float64(k%10)))
			}
			return xs
		}
	}
	// Staging: every interval holds every level; production: each interval
	// holds one level. Pooled, both have the same latencies.
	stagingNoisy := func(int) []float64 {
		var xs []float64
		for range 10 {
			xs = append(xs, levels...)
		}
		return xs
	}
	prodNoisy := func(i int) []float64 {
		xs := make([]float64, 60)
		for k := range xs {
			xs[k] = levels[i%len(levels)]
		}
		return xs
	}
	st, pr := filepath.Join(dir, "staging.jsonl"), filepath.Join(dir, "production.jsonl")
	writeResults(t, st, 24, map[string]func(int) []float64{"/steady": spread(1), "/noisy": stagingNoisy, "/slow": spread(1)})
	writeResults(t, pr, 24, map[string]func(int) []float64{"/steady": spread(1), "/noisy": prodNoisy, "/slow": spread(2)})
	desc := filepath.Join(dir, "env.yaml")
	if err := os.WriteFile(desc, []byte("services:\n  - name: api\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jsonOut, mdOut, htmlOut := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.md"), filepath.Join(dir, "p.html")
	r := runLoad(t, 60*time.Second, "parity", "--staging", desc, "--production", desc, "--staging-run", st, "--production-run", pr,
		"--json", jsonOut, "--md", mdOut, "--html", htmlOut)
	r.wantCode(t, 0)

	var rep struct {
		Endpoints []struct {
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
			Within  bool   `json:"within_tolerance"`
			Ratios  []struct {
				Point float64 `json:"point"`
				Low   float64 `json:"ci_low"`
				High  float64 `json:"ci_high"`
			} `json:"latency_ratios"`
			Why []string `json:"why"`
		} `json:"endpoints"`
		RunScore float64 `json:"run_score"`
	}
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/noisy": "inconclusive", "/slow": "outside", "/steady": "within"}
	for _, e := range rep.Endpoints {
		t.Logf("%s: %s %+v %q", e.Name, e.Verdict, e.Ratios, e.Why)
		if e.Verdict != want[e.Name] || e.Within != (want[e.Name] == "within") {
			t.Errorf("%s: verdict %q, within_tolerance %v; want %q", e.Name, e.Verdict, e.Within, want[e.Name])
		}
		if e.Name == "/noisy" {
			// The premise: every point estimate within ±15%, an interval
			// beyond it.
			wide := false
			for _, q := range e.Ratios {
				if q.Point < 0.85 || q.Point > 1.15 {
					t.Errorf("/noisy: point estimate %v outside ±15%%: the test does not test the rule", q.Point)
				}
				wide = wide || q.Low < 0.85 || q.High > 1.15
			}
			if !wide || len(e.Why) == 0 || !strings.Contains(e.Why[0], "confidence interval") {
				t.Errorf("/noisy: intervals %+v, why %q; want an interval beyond ±15%% and a reason naming it", e.Ratios, e.Why)
			}
		}
		delete(want, e.Name)
	}
	if len(want) != 0 {
		t.Errorf("endpoints missing from the JSON: %v", want)
	}
	if rep.RunScore > 100.0/3+1e-9 {
		t.Errorf("run score %v: only one endpoint of three is within tolerance", rep.RunScore)
	}

	// The text on stdout and the Markdown file.
	md, err := os.ReadFile(mdOut)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"stdout": r.stdout, "--md": string(md)} {
		for _, row := range []struct{ endpoint, verdict string }{
			{"/noisy", "inconclusive (interval beyond ±15%)"}, {"/slow", "outside ±15%"}, {"/steady", "within ±15%"},
		} {
			re := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(row.endpoint) + ` \|.*\| ` + regexp.QuoteMeta(row.verdict) + ` \|$`)
			if !re.MatchString(text) {
				t.Errorf("%s: no row %s with verdict %q:\n%s", name, row.endpoint, row.verdict, text)
			}
		}
		if !strings.Contains(text, "inconclusive when every ratio is within but an interval reaches beyond") {
			t.Errorf("%s: the rules do not state the inconclusive rule", name)
		}
	}
	page, err := os.ReadFile(htmlOut)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`<tr class="inconclusive"><td>/noisy</td>`, `data-name="verdict /noisy">inconclusive (interval beyond ±15%)<`,
		`<tr class="out"><td>/slow</td>`, `data-name="verdict /steady">within ±15%<`,
	} {
		if !strings.Contains(string(page), s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
}
