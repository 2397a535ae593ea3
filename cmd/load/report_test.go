package main

// End-to-end tests of `load report`: real runs against the demo target write
// results files, the built binary turns them into reports, and headless
// Chromium opens the HTML one.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/html/browsertest"
)

// reportScript runs three endpoints at a fixed arrival rate for 3 s, so the
// run has iteration_latency, schedule_lag and VUs; its thresholds pass,
// fail, and fail for lack of data.
const reportScript = `
import http from 'load/http';
import { check, group } from 'load';
export const options = {
  scenarios: { open: { executor: 'constant-arrival-rate', rate: 60, timeUnit: '1s', duration: '3s', preAllocatedVUs: 10 } },
  thresholds: {
    http_req_duration: ['p(95)<5000'],
    'http_req_duration{name:slow}': ['min<1'],
    http_req_failed: ['rate<0.5'],
    'checks{check:never}': ['rate>0.5'],
  },
};
export default function () {
  const r = http.get(__ENV.TARGET + '/fast', { tags: { name: 'fast' } });
  check(r, { 'status is 200': (x) => x.status === 200 });
  group('slow part', () => {
    http.get(__ENV.TARGET + '/delay?ms=5', { tags: { name: 'slow' } });
    http.post(__ENV.TARGET + '/post', '{"a":1}', { tags: { name: 'post' } });
  });
}
`

// reportRun runs reportScript with --out and returns the live result and
// the results file.
func reportRun(t *testing.T, name string) (result, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	r, _ := runScriptFile(t, reportScript, "--out", out)
	r.wantCode(t, exitThresholdsFailed)
	return r, out
}

// TestReport_HTMLRendersInChromium is the HTML acceptance: a real run's
// report opens in headless Chromium with no console message or error, every
// chart is drawn on a non-empty canvas, and the threshold table shows the
// run's verdicts.
func TestReport_HTMLRendersInChromium(t *testing.T) {
	if _, err := browsertest.Chromium(); err != nil {
		t.Fatal(err)
	}
	_, out := reportRun(t, "r.jsonl.gz")
	page := filepath.Join(t.TempDir(), "report.html")
	rep := runLoad(t, 30*time.Second, "report", out, "--html", page)
	rep.wantCode(t, exitOK)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := browsertest.Load(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	browsertest.CheckReport(t, res, []browsertest.Verdict{
		{Key: "checks{check:never}", Source: "rate>0.5", Verdict: "no data"},
		{Key: "http_req_duration", Source: "p(95)<5000", Verdict: "pass"},
		{Key: "http_req_duration{name:slow}", Source: "min<1", Verdict: "fail"},
		{Key: "http_req_failed", Source: "rate<0.5", Verdict: "pass"},
	})
	want := []string{"chart-throughput", "chart-errors", "chart-vus", "chart-latency", "chart-spectrum", "chart-iteration-latency", "chart-schedule-lag"}
	ids := map[string]bool{}
	for _, c := range res.Selfcheck.Charts {
		ids[c.ID] = true
	}
	for _, id := range want {
		if !ids[id] {
			t.Errorf("chart %s not drawn (drawn: %v)", id, ids)
		}
	}
	for _, s := range []string{">fast<", ">slow<", ">post<", ">status is 200<"} {
		if !strings.Contains(res.DOM, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

// reportJSON is the part of the JSON summary the tests read.
type reportJSON struct {
	Version int `json:"version"`
	Facts   struct {
		Script   string   `json:"script"`
		Finished bool     `json:"finished"`
		Sources  []string `json:"sources"`
	} `json:"facts"`
	Thresholds []struct {
		Key, Source string
		Passed      bool
		Evaluated   bool
		Reevaluated bool
	} `json:"thresholds"`
	Endpoints []struct {
		Name, Method string
		Count        int64
		P95, Max     float64
	} `json:"endpoints"`
	Metrics []struct {
		Name   string
		Values map[string]float64
	} `json:"metrics"`
}

func (j reportJSON) metric(t *testing.T, name, key string) float64 {
	t.Helper()
	for _, m := range j.Metrics {
		if m.Name == name {
			return m.Values[key]
		}
	}
	t.Fatalf("metric %s missing from the JSON summary", name)
	return 0
}

func readReportJSON(t *testing.T, path string) reportJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j reportJSON
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("JSON summary: %v\n%s", err, b)
	}
	return j
}

// TestReport_FormatsMergeAndRoundTrip: the JSON summary of a run has the
// live summary's counts and percentiles; two runs merge to the sum of their
// counts with thresholds re-evaluated on the merged data; Markdown goes to
// stdout by default; CSV has a row per interval per series.
func TestReport_FormatsMergeAndRoundTrip(t *testing.T) {
	live, a := reportRun(t, "a.jsonl")
	_, b := reportRun(t, "b.jsonl.gz")
	dir := t.TempDir()

	one := filepath.Join(dir, "one.json")
	runLoad(t, 30*time.Second, "report", a, "--json", one).wantCode(t, exitOK)
	j := readReportJSON(t, one)
	if j.Version != 1 || j.Facts.Script == "" || !j.Facts.Finished || len(j.Thresholds) != 4 {
		t.Fatalf("JSON summary %+v", j)
	}
	for _, c := range []struct{ metric, key, liveKey string }{
		{"http_reqs", "count", "count"},
		{"http_req_duration", "p(95)", "p(95)"},
		{"http_req_duration", "med", "med"},
		{"http_req_duration", "max", "max"},
		{"iterations", "count", "count"},
		{"checks", "passes", "passes"},
	} {
		got, want := j.metric(t, c.metric, c.key), live.metric(t, c.metric, c.liveKey)
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s %s: report %v, live summary %v", c.metric, c.key, got, want)
		}
	}

	merged := filepath.Join(dir, "merged.json")
	csvPath := filepath.Join(dir, "merged.csv")
	mdPath := filepath.Join(dir, "merged.md")
	runLoad(t, 30*time.Second, "report", a, b, "--json", merged, "--csv", csvPath, "--md", mdPath).wantCode(t, exitOK)
	m := readReportJSON(t, merged)
	jb := readReportJSON(t, func() string {
		p := filepath.Join(dir, "b.json")
		runLoad(t, 30*time.Second, "report", b, "--json", p).wantCode(t, exitOK)
		return p
	}())
	if got, want := m.metric(t, "http_reqs", "count"), j.metric(t, "http_reqs", "count")+jb.metric(t, "http_reqs", "count"); got != want {
		t.Errorf("merged http_reqs %v, want %v", got, want)
	}
	if len(m.Facts.Sources) != 2 || len(m.Thresholds) != 4 || !m.Thresholds[0].Reevaluated {
		t.Errorf("merged facts %+v, thresholds %+v", m.Facts, m.Thresholds)
	}
	for _, e := range m.Endpoints {
		var sum int64
		for _, x := range append(j.Endpoints, jb.Endpoints...) {
			if x.Name == e.Name && x.Method == e.Method {
				sum += x.Count
			}
		}
		if e.Count != sum || e.Count == 0 {
			t.Errorf("merged %s %s count %d, want %d", e.Method, e.Name, e.Count, sum)
		}
	}

	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 20 || strings.Join(rows[0], ",") != "time,metric,tags,count,rate,avg,p50,p90,p95,p99,max,value" {
		t.Errorf("CSV: %d rows, header %v", len(rows), rows[0])
	}

	md, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatal(err)
	}
	stdout := runLoad(t, 30*time.Second, "report", a, b)
	stdout.wantCode(t, exitOK)
	if stdout.stdout != string(md) {
		t.Errorf("markdown on stdout differs from --md:\n%s\n---\n%s", stdout.stdout, md)
	}
	for _, s := range []string{"| ✗ | `http_req_duration{name:slow}` | `min<1` |", "| slow | GET |", "### Checks"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
}

func TestReport_Errors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("not json\n{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "good.jsonl")
	if err := results.Synthesize(good, 0.001, 10, 1, 1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		// The output's temporary file is not named: it means nothing.
		{"unwritable output", []string{"report", "--html", "/nonexistent/x.html", good}, exitGenericError, "report: writing /nonexistent/x.html: no such file or directory (check"},
		{"no file", []string{"report"}, exitUsage, "requires at least 1 arg"},
		{"missing file", []string{"report", "/nonexistent/r.jsonl"}, exitUsage, "not found"},
		{"malformed file", []string{"report", bad}, exitGenericError, "report: reading " + bad},
		{"unknown flag", []string{"report", "--pdf", "x", bad}, exitUsage, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runLoad(t, 30*time.Second, tt.args...)
			r.wantCode(t, tt.code)
			if !strings.Contains(r.stderr, tt.msg) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line with %q", r.stderr, tt.msg)
			}
		})
	}
}
