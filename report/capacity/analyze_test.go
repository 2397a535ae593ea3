package capacity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// synthStaircase writes a results file of a stepped run against a modelled
// server of capacity 800/s and 5 ms service time: each step is one ramp
// interval then hold steady 1 s intervals, with a step mark over the steady
// part. Below capacity every offered request is served in 5–7.25 ms; above
// it the server serves 790/s and latency grows past 200 ms. It returns the
// path.
func synthStaircase(t *testing.T, offered []float64, hold int) string {
	t.Helper()
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	none := reg.Empty()
	path := filepath.Join(t.TempDir(), "run.jsonl")
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w, err := results.Create(path, results.Header{Start: t0, Interval: time.Second, Labels: map[string]string{"instances": "1"}}, results.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := t0
	interval := func(rate float64, latMS func(i int) float64, fail float64) {
		achieved, lat := rate, latMS
		n := int(math.Round(achieved))
		snap := &metrics.Snapshot{Start: at, End: at.Add(time.Second)}
		add := func(m *metrics.Metric, s *metrics.Sink) {
			snap.Series = append(snap.Series, &metrics.Series{Metric: m, Tags: none, Sink: s})
		}
		reqs, iters := metrics.NewSink(metrics.Counter), metrics.NewSink(metrics.Counter)
		failed, dur := metrics.NewSink(metrics.Rate), metrics.NewSink(metrics.Trend)
		var sum float64
		for i := range n {
			reqs.Add(1)
			iters.Add(1)
			if float64(i) < fail*float64(n) {
				failed.Add(1)
			} else {
				failed.Add(0)
			}
			v := lat(i)
			dur.Add(v)
			sum += v
		}
		vus := metrics.NewSink(metrics.Gauge)
		vus.Add(math.Ceil(float64(n) * sum / float64(max(n, 1)) / 1000))
		add(bi.HTTPReqs, reqs)
		add(bi.HTTPReqFailed, failed)
		add(bi.HTTPReqDuration, dur)
		add(bi.Iterations, iters)
		add(bi.VUs, vus)
		if err := w.WriteInterval(results.Interval{Start: at, End: at.Add(time.Second), Snapshot: snap}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Second)
	}
	for k, off := range offered {
		served := math.Min(off, 790)
		over := off > 790
		interval(served, func(i int) float64 { return 5 + float64(i%10)/4 }, 0)
		start := at
		for h := range hold {
			interval(served, func(i int) float64 {
				if over {
					return 200 + float64(h*100) + float64(i%10)
				}
				return 5 + float64(i%10)/4
			}, 0)
		}
		m := results.Mark{Name: fmt.Sprintf("step %d", k+1), Start: start, End: at,
			Attrs: map[string]any{AttrStep: k + 1, AttrOfferedRPS: off}}
		if err := w.WriteMark(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(&results.Summary{End: at, EndReason: "finished"}); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustSLOs(t *testing.T, ss ...string) []SLO {
	t.Helper()
	var out []SLO
	for _, s := range ss {
		o, err := ParseSLO(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func analyzeFile(t *testing.T, path string, cfg Config) *Report {
	t.Helper()
	run, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := Measure(run, path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Analyze(steps, nil, []string{path}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAnalyze_Staircase(t *testing.T) {
	path := synthStaircase(t, []float64{150, 300, 450, 600, 750, 900, 1050, 1200}, 4)
	tests := []struct {
		name          string
		instances     int
		peak          float64
		wantPerInst   float64
		wantInstances int
	}{
		// 3000 / (750 × 0.7) = 5.71 → 6, + 2 = 8.
		{"one instance", 1, 3000, 750, 8},
		// 375/s per instance: 3000 / (375 × 0.7) = 11.4 → 12, + 2 = 14.
		{"two instances", 2, 3000, 375, 14},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.SLOs = mustSLOs(t, "p(95)<50ms", "errors<1%")
			cfg.Instances = tc.instances
			cfg.ForecastPeak = tc.peak
			r := analyzeFile(t, path, cfg)
			if len(r.Steps) != 8 {
				t.Fatalf("%d steps, want 8", len(r.Steps))
			}
			for i, st := range r.Steps {
				if st.WindowSeconds != 4 {
					t.Errorf("step %d window %g s, want the 4 steady intervals", i+1, st.WindowSeconds)
				}
			}
			if r.Steps[0].ThroughputRPS != 150 || r.Steps[0].LatencyMS.P95 > 7.3 {
				t.Errorf("step 1: %g/s p95 %g ms, want 150/s, p95 ≤ 7.25 ms", r.Steps[0].ThroughputRPS, r.Steps[0].LatencyMS.P95)
			}
			if !r.Knee.Found || r.Knee.Step != 6 || r.Knee.OfferedRPS != 900 || !r.Knee.Agree {
				t.Errorf("knee %+v, want step 6 at 900/s by all three signals", *r.Knee)
			}
			if got := *r.SustainableThroughputRPS; math.Abs(got-tc.wantPerInst) > 1e-9 {
				t.Errorf("sustainable per instance %g, want %g", got, tc.wantPerInst)
			}
			if r.RecommendedInstances == nil || *r.RecommendedInstances != tc.wantInstances {
				t.Errorf("recommended instances %v, want %d", r.RecommendedInstances, tc.wantInstances)
			}
			if r.USL == nil {
				t.Errorf("no USL fit: %s", r.USLError)
			}
		})
	}
}

func TestAnalyze_DisagreeingSignals(t *testing.T) {
	path := synthStaircase(t, []float64{150, 300, 450, 600, 750, 900, 1050, 1200}, 3)
	cfg := DefaultConfig()
	// A tight objective breaks at step 1 while the server saturates later.
	cfg.SLOs = mustSLOs(t, "p(95)<6ms")
	r := analyzeFile(t, path, cfg)
	if r.Knee.Agree || r.Knee.Step != 1 || !strings.Contains(r.Knee.Note, "disagree") {
		t.Errorf("knee %+v, want step 1 by slo, reported as disagreeing", *r.Knee)
	}
	if r.SustainableThroughputRPS != nil {
		t.Errorf("sustainable %v, want none: no step meets p(95)<6ms", *r.SustainableThroughputRPS)
	}
}

var dataRE = regexp.MustCompile(`(?s)<script type="application/json" id="capacity-data">(.*?)</script>`)

// TestRender_HTMLEqualsJSON is acceptance point 5: the HTML and the JSON
// render one computed Report, so the numbers are equal: the HTML embeds the
// same JSON document, and its visible headline values are the JSON's
// numbers formatted.
func TestRender_HTMLEqualsJSON(t *testing.T) {
	path := synthStaircase(t, []float64{150, 300, 450, 600, 750, 900, 1050, 1200}, 3)
	cfg := DefaultConfig()
	cfg.SLOs = mustSLOs(t, "p(95)<50ms")
	cfg.ForecastPeak = 2000
	r := analyzeFile(t, path, cfg)
	var js, hs bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&hs); err != nil {
		t.Fatal(err)
	}
	m := dataRE.FindSubmatch(hs.Bytes())
	if m == nil {
		t.Fatal("no capacity-data element in the HTML")
	}
	var fromHTML, fromJSON map[string]any
	if err := json.Unmarshal(m[1], &fromHTML); err != nil {
		t.Fatalf("embedded JSON: %v", err)
	}
	if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromHTML)
	b, _ := json.Marshal(fromJSON)
	if !bytes.Equal(a, b) {
		t.Errorf("embedded JSON differs from --json output")
	}
	for _, key := range []string{"sustainable_throughput_rps", "knee", "usl", "recommended_instances"} {
		if _, ok := fromJSON[key]; !ok {
			t.Errorf("JSON lacks top-level %q", key)
		}
	}
	usl := fromJSON["usl"].(map[string]any)
	for _, key := range []string{"sigma", "kappa", "lambda", "sigma_ci95", "kappa_ci95", "lambda_ci95", "r_squared", "peak_concurrency", "max_throughput_rps"} {
		if _, ok := usl[key]; !ok {
			t.Errorf("JSON usl lacks %q", key)
		}
	}
	visible := html.UnescapeString(hs.String())
	want := map[string]string{
		"sustainable throughput per instance": num(fromJSON["sustainable_throughput_rps"].(float64)) + "/s",
		"recommended instances":               fmt.Sprint(fromJSON["recommended_instances"]),
		"knee":                                fmt.Sprintf("step %v (%s/s offered)", fromJSON["knee"].(map[string]any)["step"], num(fromJSON["knee"].(map[string]any)["offered_rps"].(float64))),
		"USL fit":                             fmt.Sprintf("σ=%s κ=%s λ=%s/s", sci(usl["sigma"].(float64)), sci(usl["kappa"].(float64)), num(usl["lambda"].(float64))),
	}
	for name, v := range want {
		cell := fmt.Sprintf(`data-name="%s">%s<`, name, v)
		if !strings.Contains(visible, cell) {
			t.Errorf("HTML lacks %s = %q", name, v)
		}
	}
	if n := strings.Count(hs.String(), "<svg"); n != 2 {
		t.Errorf("%d charts, want 2", n)
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| recommended instances | "+want["recommended instances"]+" |") {
		t.Errorf("Markdown lacks the recommended instances:\n%s", md.String())
	}
}

// TestAnalyze_Points is the --csv path: a USL fit alone.
func TestAnalyze_Points(t *testing.T) {
	var pts []Point
	for n := 1.0; n <= 32; n *= 2 {
		pts = append(pts, Point{n, uslX(100, 0.05, 0.002, n)})
	}
	r, err := Analyze(nil, pts, []string{"p.csv"}, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if r.USL == nil || relErr(r.USL.Sigma, 0.05) > 0.02 || relErr(r.USL.Kappa, 0.002) > 0.02 {
		t.Fatalf("USL %+v, want σ 0.05 κ 0.002", r.USL)
	}
	if r.Knee != nil || r.SustainableThroughputRPS != nil {
		t.Errorf("knee or sustainable rate without steps")
	}
}

// TestRender_LatencyChartShowsStepsAboveTheAxis: the latency chart's axis
// stops at 4× the objective, and the overloaded steps above it are drawn
// on the top edge with their value and a caption, not cut off silently.
func TestRender_LatencyChartShowsStepsAboveTheAxis(t *testing.T) {
	path := synthStaircase(t, []float64{150, 300, 450, 600, 750, 900, 1050, 1200}, 3)
	cfg := DefaultConfig()
	cfg.SLOs = mustSLOs(t, "p(95)<50ms")
	r := analyzeFile(t, path, cfg)
	above := 0
	for _, st := range r.Steps {
		if *st.SLOs[0].Value > 200 {
			above++
		}
	}
	if above == 0 {
		t.Fatal("the synthetic run has no step above 200 ms; the test checks nothing")
	}
	svg := r.latencyChart()
	if got := strings.Count(svg, `class="above"`); got != above {
		t.Errorf("%d steps drawn on the top edge, want %d", got, above)
	}
	if !strings.Contains(svg, fmt.Sprintf("▲ %d point(s) above 200 are drawn on the top edge", above)) {
		t.Errorf("the chart does not say that %d steps lie above its axis", above)
	}
	for _, st := range r.Steps {
		if v := *st.SLOs[0].Value; v > 200 && !strings.Contains(svg, "↑"+num(v)) {
			t.Errorf("step %d's value %s is not shown", st.Index, num(v))
		}
	}
	for _, want := range []string{"objective p(95)<50ms", "knee: step"} {
		if !strings.Contains(html.UnescapeString(svg), want) {
			t.Errorf("latency chart lacks %q", want)
		}
	}
}
