package runreport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// twoEndpoints records 10 intervals: GET /a gets 20 requests per interval
// at 1..20 ms plus the interval number, every tenth failing; POST /b gets 5
// slow requests per interval, none failing. A check and VUs are recorded.
func twoEndpoints(t *testing.T, th map[string][]string) *runBuilder {
	b := newRunBuilder(t, th)
	okCheck := b.tags("check", "status is 200", "group", "")
	grpCheck := b.tags("check", "has body", "group", "::login")
	for i := range 10 {
		for j := range 20 {
			b.request("/a", "GET", float64(j+1)+float64(i), j%10 == 0)
			b.rec.Add(b.bi.Checks, okCheck, 1)
		}
		for j := range 5 {
			b.request("/b", "POST", 200+float64(10*j+i), false)
			v := 1.0
			if j == 0 {
				v = 0
			}
			b.rec.Add(b.bi.Checks, grpCheck, v)
		}
		b.rec.Add(b.bi.VUs, nil, float64(i+1))
		b.rec.Add(b.bi.VUsMax, nil, 10)
		b.flush()
	}
	return b
}

func TestEndpointsChecksAndTotals(t *testing.T) {
	b := twoEndpoints(t, nil)
	rep, err := New(b.finish(), Options{AllMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Facts.DurationS; got != 10 {
		t.Fatalf("duration %v s, want 10", got)
	}
	tests := []struct {
		name, method string
		count, fail  int64
	}{
		{"/a", "GET", 200, 20},
		{"/b", "POST", 50, 0},
	}
	if len(rep.Endpoints) != len(tests) {
		t.Fatalf("%d endpoints, want %d: %+v", len(rep.Endpoints), len(tests), rep.Endpoints)
	}
	for i, tt := range tests {
		t.Run(tt.method+" "+tt.name, func(t *testing.T) {
			e := rep.Endpoints[i]
			if e.Name != tt.name || e.Method != tt.method || e.Count != tt.count || e.Failed != tt.fail {
				t.Fatalf("got %s %s count %d failed %d, want %s %s %d %d", e.Method, e.Name, e.Count, e.Failed, tt.method, tt.name, tt.count, tt.fail)
			}
			if want := float64(tt.count) / 10; e.RPS != want {
				t.Errorf("rps %v, want %v", e.RPS, want)
			}
			if want := float64(tt.fail) / float64(tt.count); e.ErrorRate != want {
				t.Errorf("error rate %v, want %v", e.ErrorRate, want)
			}
			s := b.samples[tt.method+" "+tt.name]
			for _, p := range []struct {
				q   float64
				got float64
			}{{50, e.P50}, {90, e.P90}, {95, e.P95}, {99, e.P99}, {100, e.Max}} {
				if want := exactPercentile(s, p.q); !near(p.got, want) {
					t.Errorf("p(%v) = %v, want %v within 0.1%%", p.q, p.got, want)
				}
			}
		})
	}
	wantChecks := []Check{
		{Group: "", Name: "status is 200", Passes: 200, Fails: 0, Rate: 1},
		{Group: "::login", Name: "has body", Passes: 40, Fails: 10, Rate: 0.8},
	}
	if len(rep.Checks) != 2 || rep.Checks[0] != wantChecks[0] || rep.Checks[1] != wantChecks[1] {
		t.Errorf("checks %+v, want %+v", rep.Checks, wantChecks)
	}
	byName := map[string]MetricTotal{}
	for _, m := range rep.Metrics {
		byName[m.Name] = m
	}
	if v := byName["http_reqs"].Values; v["count"] != 250 || v["rate"] != 25 {
		t.Errorf("http_reqs %v, want count 250 rate 25", v)
	}
	if v := byName["vus"].Values; v["value"] != 10 || v["min"] != 1 || v["max"] != 10 {
		t.Errorf("vus %v, want value 10, min 1, max 10", v)
	}
	if v := byName["http_req_duration"].Values; !near(v["p(95)"], exactPercentile(b.samples["all"], 95)) || v["count"] != 250 {
		t.Errorf("http_req_duration %v, want p(95) %v and count 250", v, exactPercentile(b.samples["all"], 95))
	}
}

func TestThresholdVerdicts(t *testing.T) {
	opts := map[string][]string{
		"http_req_duration":          {"p(95)<100"},          // fails: POST /b is slow
		"http_req_duration{name:/a}": {"p(95)<100", "max<5"}, // passes, fails
		"http_req_failed":            {"rate<0.2"},           // 20/250 passes
		"checks{check:nothing}":      {"rate>0.9"},           // no data
	}
	recorded := []results.ThresholdResult{
		{Key: "http_req_failed", Source: "rate<0.01", Passed: false, Evaluated: true, Value: 0.08},
	}
	tests := []struct {
		name    string
		merged  bool
		summary bool
		want    map[string]string // key+source -> verdict
	}{
		{"single finished run keeps the recorded verdicts", false, true,
			map[string]string{"http_req_failed rate<0.01": "fail"}},
		{"merged runs re-evaluate on the merged totals", true, true,
			map[string]string{
				"http_req_duration p(95)<100": "fail", "http_req_duration{name:/a} p(95)<100": "pass",
				"http_req_duration{name:/a} max<5": "fail", "http_req_failed rate<0.2": "pass",
				"checks{check:nothing} rate>0.9": "no data",
			}},
		{"a run without summary re-evaluates", false, false,
			map[string]string{
				"http_req_duration p(95)<100": "fail", "http_req_duration{name:/a} p(95)<100": "pass",
				"http_req_duration{name:/a} max<5": "fail", "http_req_failed rate<0.2": "pass",
				"checks{check:nothing} rate>0.9": "no data",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := twoEndpoints(t, opts)
			run := b.run
			if tt.summary {
				run = b.finish(recorded...)
			}
			rep, err := New(run, Options{Merged: tt.merged})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, th := range rep.Thresholds {
				got[th.Key+" "+th.Source] = th.Verdict()
			}
			if len(got) != len(tt.want) {
				t.Fatalf("thresholds %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
			if rep.Passed() {
				t.Error("Passed() = true with a failed threshold")
			}
		})
	}
}

func TestThresholdDisplay(t *testing.T) {
	tests := []struct {
		name string
		th   Threshold
		want string
	}{
		{"time trend", Threshold{Source: "p(95)<500", Evaluated: true, Value: 123.456, Type: "trend", Contains: "time"}, "123.46ms"},
		{"rate", Threshold{Source: "rate<0.01", Evaluated: true, Value: 0.0123, Type: "rate"}, "1.23%"},
		{"counter rate", Threshold{Source: "rate>100", Evaluated: true, Value: 150.5, Type: "counter"}, "150.5/s"},
		{"counter count", Threshold{Source: "count<10", Evaluated: true, Value: 3, Type: "counter"}, "3"},
		{"data counter rate", Threshold{Source: "rate>1000", Evaluated: true, Value: 2500, Type: "counter", Contains: "data"}, "2.5 kB/s"},
		{"no data", Threshold{Source: "p(95)<500", Type: "trend", Contains: "time"}, "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.th.Display(); got != tt.want {
				t.Errorf("Display() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTimelineDownsamplesExactly(t *testing.T) {
	tests := []struct {
		name              string
		intervals, max, k int
	}{
		{"fits", 50, 100, 1},
		{"merges three", 250, 100, 3},
		{"uneven tail", 101, 50, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newRunBuilder(t, nil)
			var per [][]float64
			for i := range tt.intervals {
				var s []float64
				for j := range 10 + i%7 {
					ms := float64((i*37+j*11)%97) + 1
					b.request("/x", "GET", ms, j == 0)
					s = append(s, ms)
				}
				per = append(per, s)
				b.flush()
			}
			rep, err := New(b.finish(), Options{MaxPoints: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			tl := rep.Timeline()
			pts := (tt.intervals + tt.k - 1) / tt.k
			if tl.Merged != tt.k || len(tl.T) != pts || len(tl.Latency.P99) != pts || len(tl.RPS) != pts {
				t.Fatalf("merged %d, %d points, want %d and %d", tl.Merged, len(tl.T), tt.k, pts)
			}
			for p := range pts {
				var all []float64
				fails := 0
				for i := p * tt.k; i < min((p+1)*tt.k, tt.intervals); i++ {
					all = append(all, per[i]...)
					fails++
				}
				span := float64(min((p+1)*tt.k, tt.intervals) - p*tt.k)
				if tl.Span[p] != span || float64(tl.RPS[p]) != float64(len(all))/span || float64(tl.Failed[p]) != float64(fails)/span {
					t.Fatalf("point %d: span %v rps %v failed %v; want %v, %v, %v", p, tl.Span[p], tl.RPS[p], tl.Failed[p], span, float64(len(all))/span, float64(fails)/span)
				}
				if want := float64(t0.Unix()) + float64(p*tt.k); tl.T[p] != want {
					t.Fatalf("point %d at %v, want %v", p, tl.T[p], want)
				}
				for _, q := range []struct {
					p   float64
					got Num
				}{{50, tl.Latency.P50[p]}, {99, tl.Latency.P99[p]}, {100, tl.Latency.Max[p]}} {
					if want := exactPercentile(all, q.p); !near(float64(q.got), want) {
						t.Fatalf("point %d p(%v) = %v, want %v", p, q.p, q.got, want)
					}
				}
			}
			if tl.VUs != nil || tl.Dropped != nil || tl.IterationLatency != nil {
				t.Error("series of metrics the run did not record are not nil")
			}
		})
	}
}

func TestTimelineGapsAreNull(t *testing.T) {
	b := newRunBuilder(t, nil)
	b.request("/x", "GET", 5, false)
	b.flush()
	b.rec.Add(b.bi.Iterations, nil, 1) // an interval without requests
	b.rec.Add(b.bi.DroppedIterations, nil, 3)
	b.flush()
	rep, err := New(b.finish(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tl := rep.Timeline()
	js, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		RPS     []*float64 `json:"rps"`
		Dropped []*float64 `json:"dropped"`
		Latency struct {
			P99 []*float64 `json:"p99"`
		} `json:"latency"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.RPS[0] == nil || *back.RPS[0] != 1 || back.RPS[1] != nil {
		t.Errorf("rps %s, want [1, null]", js)
	}
	if back.Latency.P99[0] == nil || *back.Latency.P99[0] != 5 || back.Latency.P99[1] != nil {
		t.Errorf("latency p99 %s, want [5, null]", js)
	}
	if back.Dropped[0] != nil && *back.Dropped[0] != 0 || back.Dropped[1] == nil || *back.Dropped[1] != 3 {
		t.Errorf("dropped %s, want [_, 3]", js)
	}
}

func TestSpectrum(t *testing.T) {
	b := twoEndpoints(t, nil)
	rep, err := New(b.finish(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sp := rep.Spectrum(12)
	if sp == nil || len(sp.Lines) != 3 {
		t.Fatalf("spectrum %+v, want 3 lines (all, /a, /b)", sp)
	}
	if sp.X[0] != 1 || math.Abs(sp.X[len(sp.X)-1]-1e5) > 1e-6 || sp.Q[0] != 0 || math.Abs(sp.Q[len(sp.Q)-1]-0.99999) > 1e-12 {
		t.Fatalf("x from %v to %v, q from %v to %v; want 1..1e5 and 0..0.99999", sp.X[0], sp.X[len(sp.X)-1], sp.Q[0], sp.Q[len(sp.Q)-1])
	}
	for _, l := range sp.Lines {
		s := b.samples["all"]
		switch l.Label {
		case "GET /a":
			s = b.samples["GET /a"]
		case "POST /b":
			s = b.samples["POST /b"]
		}
		if l.Count != int64(len(s)) {
			t.Errorf("%s: count %d, want %d", l.Label, l.Count, len(s))
		}
		for i := range l.Y {
			if i > 0 && l.Y[i] < l.Y[i-1] {
				t.Fatalf("%s: not monotonic at %d", l.Label, i)
			}
			if i%20 == 0 {
				if want := exactPercentile(s, sp.Q[i]*100); !near(float64(l.Y[i]), want) {
					t.Errorf("%s: q %v = %v, want %v", l.Label, sp.Q[i], l.Y[i], want)
				}
			}
		}
	}
	if sp := rep.Spectrum(2); len(sp.Lines) != 2 || sp.Lines[1].Label != "GET /a" {
		t.Errorf("capped spectrum %+v, want all requests and the busiest endpoint", sp.Lines)
	}
}

func TestWriteMarkdown(t *testing.T) {
	b := twoEndpoints(t, map[string][]string{"http_req_failed": {"rate<0.2"}, "http_req_duration": {"p(95)<100"}})
	b.request("/c|pipe", "GET", 1, false)
	b.flush()
	rep, err := New(b.run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"## Loadline report: script.js",
		// No summary record: the thresholds are re-evaluated and shown, but
		// the headline gives no verdict (TestVerdict covers the others).
		"**run cut short (no summary record",
		"| ✓ | `http_req_failed` | `rate<0.2` | 7.97% |",
		"| ✗ | `http_req_duration` | `p(95)<100` |",
		"| ✗ | ::login › has body | 40 | 10 | 80.00% |",
		"| /a | GET | 200 | 18.18 | 10.00% |",
		"| /c\\|pipe | GET | 1 |",
		"| Labels | env=test |",
		"no summary record",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	b := twoEndpoints(t, map[string][]string{"http_req_failed": {"rate<0.2"}})
	rep, err := New(b.finish(results.ThresholdResult{Key: "http_req_failed", Source: "rate<0.2", Passed: true, Evaluated: true, Value: 0.08}), Options{Sources: []string{"r.jsonl"}, AllMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version    int
		Facts      Facts
		Thresholds []Threshold
		Checks     []Check
		Endpoints  []Endpoint
		Metrics    []MetricTotal
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, buf.String())
	}
	if got.Version != JSONVersion || got.Facts.Script != "script.js" || got.Facts.DurationS != 10 || !got.Facts.Finished || got.Facts.EndReason != "finished" {
		t.Errorf("facts %+v", got.Facts)
	}
	if len(got.Thresholds) != 1 || !got.Thresholds[0].Passed || got.Thresholds[0].Value != 0.08 {
		t.Errorf("thresholds %+v", got.Thresholds)
	}
	if len(got.Endpoints) != 2 || got.Endpoints[0].P95 != rep.Endpoints[0].P95 || got.Endpoints[1].Count != 50 {
		t.Errorf("endpoints %+v, want %+v", got.Endpoints, rep.Endpoints)
	}
	if len(got.Checks) != 2 || len(got.Metrics) != len(rep.Metrics) || len(got.Metrics) != 6 {
		t.Errorf("checks %d, metrics %d", len(got.Checks), len(got.Metrics))
	}
}

func TestWriteCSV(t *testing.T) {
	b := twoEndpoints(t, nil)
	rep, err := New(b.finish(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("header %v", rows[0])
	}
	want := 0
	for _, iv := range b.run.Intervals {
		want += len(iv.Snapshot.Series)
	}
	if len(rows)-1 != want {
		t.Fatalf("%d rows, want %d", len(rows)-1, want)
	}
	col := map[string]int{}
	for i, c := range CSVHeader {
		col[c] = i
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		key := r[col["metric"]] + " " + r[col["tags"]]
		switch key {
		case "http_req_duration method:GET,name:/a":
			if r[col["time"]] != "2026-03-01T12:00:00Z" || seen[key] {
				continue
			}
			seen[key] = true
			p99, _ := strconv.ParseFloat(r[col["p99"]], 64)
			if r[col["count"]] != "20" || r[col["rate"]] != "20" || !near(p99, exactPercentile(b.samples["GET /a"][:20], 99)) {
				t.Errorf("first /a row %v", r)
			}
		case "http_req_failed method:GET,name:/a":
			if !seen[key] {
				seen[key] = true
				if r[col["count"]] != "20" || r[col["rate"]] != "0.1" || r[col["p50"]] != "" {
					t.Errorf("first failed row %v", r)
				}
			}
		case "vus ":
			if !seen[key] {
				seen[key] = true
				if r[col["value"]] != "1" || r[col["avg"]] != "" {
					t.Errorf("first vus row %v", r)
				}
			}
		case "http_reqs method:GET,name:/a":
			if !seen[key] {
				seen[key] = true
				if r[col["count"]] != "20" || r[col["rate"]] != "20" {
					t.Errorf("first http_reqs row %v", r)
				}
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("saw %v, want rows of 4 series", seen)
	}
}

// TestTotalsMatchRunTotals checks the one-pass, parallel totals against
// results.Run.Totals, series by series, with and without AllMetrics.
func TestTotalsMatchRunTotals(t *testing.T) {
	for _, all := range []bool{true, false} {
		t.Run(map[bool]string{true: "all metrics", false: "needed metrics"}[all], func(t *testing.T) {
			b := newRunBuilder(t, map[string][]string{"iteration_duration": {"p(99)<1000"}})
			for i := range 300 {
				for j := range 7 {
					b.request("/e"+strconv.Itoa(j%3), "GET", float64((i*13+j*7)%50)+0.5, j == 6)
				}
				b.rec.Add(b.bi.IterationDuration, nil, float64(i%17))
				b.rec.Add(b.bi.HTTPReqWaiting, nil, float64(i%5))
				b.flush()
			}
			rep, err := New(b.finish(), Options{MaxPoints: 64, AllMetrics: all})
			if err != nil {
				t.Fatal(err)
			}
			want := b.run.Totals()
			got := 0
			for _, ws := range want.Series {
				gs := rep.totals.Find(ws.Metric, ws.Tags)
				if gs == nil {
					if all || ws.Metric.Name != "http_req_waiting" {
						t.Errorf("%s%s missing", ws.Metric.Name, ws.Tags)
					}
					continue
				}
				got++
				g, w := gs.Sink, ws.Sink
				if g.Count != w.Count || g.Sum != w.Sum || g.Trues != w.Trues || g.Min != w.Min || g.Max != w.Max {
					t.Errorf("%s%s: %+v, want %+v", ws.Metric.Name, ws.Tags, g, w)
				}
				if w.Type == metrics.Trend && (g.Percentile(99) != w.Percentile(99) || g.Percentile(50) != w.Percentile(50)) {
					t.Errorf("%s%s: percentiles differ", ws.Metric.Name, ws.Tags)
				}
			}
			if got != len(rep.totals.Series) {
				t.Errorf("%d series in the report's totals, %d matched", len(rep.totals.Series), got)
			}
			if !all && (len(rep.Metrics) != 0 || len(rep.totals.Series) >= len(want.Series)) {
				t.Errorf("without AllMetrics: %d metric totals and %d of %d series", len(rep.Metrics), len(rep.totals.Series), len(want.Series))
			}
		})
	}
}

// TestEmptyRun: a run killed before its first interval still reports.
func TestEmptyRun(t *testing.T) {
	b := newRunBuilder(t, map[string][]string{"http_req_duration": {"p(95)<100"}})
	rep, err := New(b.run, Options{AllMetrics: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Endpoints) != 0 || len(rep.Metrics) != 0 || rep.Facts.Finished || rep.Facts.DurationS != 0 {
		t.Errorf("report of an empty run: %+v", rep)
	}
	if len(rep.Thresholds) != 1 || rep.Thresholds[0].Verdict() != "no data" || rep.Passed() {
		t.Errorf("thresholds %+v, want one with no data", rep.Thresholds)
	}
	if tl := rep.Timeline(); len(tl.T) != 0 || tl.Latency != nil {
		t.Errorf("timeline %+v, want empty", tl)
	}
	if sp := rep.Spectrum(5); sp != nil {
		t.Errorf("spectrum %+v, want nil", sp)
	}
	var buf bytes.Buffer
	for name, w := range map[string]func(*bytes.Buffer) error{
		"markdown": func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
		"json":     func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
		"csv":      func(b *bytes.Buffer) error { return rep.WriteCSV(b) },
	} {
		buf.Reset()
		if err := w(&buf); err != nil || buf.Len() == 0 {
			t.Errorf("%s: %v, %d bytes", name, err, buf.Len())
		}
	}
}
