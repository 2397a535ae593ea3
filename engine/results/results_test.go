package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a registry with one metric of each type.
type fixture struct {
	reg                     *metrics.Registry
	cnt, gauge, rate, trend *metrics.Metric
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{reg: metrics.NewRegistry()}
	var err error
	must := func(m *metrics.Metric, e error) *metrics.Metric {
		if e != nil {
			err = e
		}
		return m
	}
	f.cnt = must(f.reg.New("reqs", metrics.Counter, metrics.Default))
	f.gauge = must(f.reg.New("vus", metrics.Gauge, metrics.Default))
	f.rate = must(f.reg.New("failed", metrics.Rate, metrics.Default))
	f.trend = must(f.reg.New("dur", metrics.Trend, metrics.Time))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// snap builds an interval snapshot of [start, start+1s) from samples.
func snap(start time.Time, series ...*metrics.Series) Interval {
	s := &metrics.Snapshot{Start: start, End: start.Add(time.Second), Series: series}
	sortSnapshot(s)
	return Interval{Start: s.Start, End: s.End, Snapshot: s}
}

func sink(m *metrics.Metric, values ...float64) *metrics.Sink {
	s := metrics.NewSink(m.Type)
	for _, v := range values {
		s.Add(v)
	}
	return s
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func header() Header {
	return Header{ToolVersion: "test", Start: t0, Script: "t.js", ScriptSHA256: "ab", Options: json.RawMessage(`{"vus":1}`),
		Labels: map[string]string{"env": "test"}, Host: Host{Hostname: "h", CPUs: 2}, Interval: time.Second}
}

func writeFile(t testing.TB, path string, h Header, ivs []Interval, marks []Mark, sum *Summary, opts WriterOptions) {
	t.Helper()
	w, err := Create(path, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range ivs {
		if err := w.WriteInterval(iv); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range marks {
		if err := w.WriteMark(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(sum); err != nil {
		t.Fatal(err)
	}
}

func sameSink(t *testing.T, what string, got, want *metrics.Sink) {
	t.Helper()
	eq := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	if got.Type != want.Type || got.Count != want.Count || got.Trues != want.Trues || !eq(got.Sum, want.Sum) ||
		!eq(got.Min, want.Min) || !eq(got.Max, want.Max) || !eq(got.Value, want.Value) || got.Stamp != want.Stamp {
		t.Errorf("%s: sink %+v, want %+v", what, *got, *want)
	}
	if want.Type == metrics.Trend {
		gb, _ := got.Hist.Encode()
		wb, _ := want.Hist.Encode()
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s: histogram differs after the round trip", what)
		}
		for _, p := range []float64{0, 50, 90, 95, 99, 100} {
			if g, w := got.Percentile(p), want.Percentile(p); g != w {
				t.Errorf("%s: p(%g) = %g, want %g", what, p, g, w)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"plain", "r.jsonl"},
		{"gzip", "r.jsonl.gz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			get := f.reg.Tags(metrics.Tag{Key: "method", Value: "GET"}, metrics.Tag{Key: "name", Value: "/a \"quoted\" <b>"})
			post := f.reg.Tags(metrics.Tag{Key: "method", Value: "POST"})
			g := sink(f.gauge, 3, 7, 5)
			g.Stamp = 1_777_000_000_123_456_789 // beyond 2^53: must survive exactly
			ivs := []Interval{
				snap(t0,
					&metrics.Series{Metric: f.cnt, Tags: get, Sink: sink(f.cnt, 1, 1, 2.5)},
					&metrics.Series{Metric: f.cnt, Tags: post, Sink: sink(f.cnt, math.Inf(1))},
					&metrics.Series{Metric: f.gauge, Tags: f.reg.Empty(), Sink: g},
					&metrics.Series{Metric: f.rate, Tags: get, Sink: sink(f.rate, 1, 0, 0, 1, 1)},
					&metrics.Series{Metric: f.trend, Tags: get, Sink: sink(f.trend, 0.5, 12.25, 12.25, 3000, 0.001)},
					&metrics.Series{Metric: f.trend, Tags: post, Sink: sink(f.trend, -4, -0.5, 2)},
					&metrics.Series{Metric: f.rate, Tags: post, Sink: metrics.NewSink(metrics.Rate)}, // empty: skipped
				),
				snap(t0.Add(time.Second)), // nothing happened
				snap(t0.Add(2*time.Second), &metrics.Series{Metric: f.trend, Tags: get, Sink: sink(f.trend, 7)}),
			}
			marks := []Mark{{Name: "step 1", Start: t0, End: t0.Add(2 * time.Second), Attrs: map[string]any{"rate": 10.0}}}
			sum := &Summary{End: t0.Add(3 * time.Second), EndReason: "finished", ExitCode: 99,
				Thresholds: []ThresholdResult{{Key: "dur", Source: "p(95)<1", Passed: false, Evaluated: true, Value: 3000}},
				Scenarios:  []ScenarioResult{{Name: "default", Executor: "constant-vus", Completed: 5}}}
			path := filepath.Join(t.TempDir(), tc.file)
			writeFile(t, path, header(), ivs, marks, sum, WriterOptions{})

			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if isGz := len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b; isGz != strings.HasSuffix(tc.file, ".gz") {
				t.Fatalf("gzip magic present = %v for %s", isGz, tc.file)
			}
			run, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Warnings) != 0 {
				t.Errorf("warnings: %q", run.Warnings)
			}
			h := header()
			h.Format = FormatVersion
			if run.Header.Format != FormatVersion || run.Header.ScriptSHA256 != h.ScriptSHA256 || !run.Header.Start.Equal(h.Start) ||
				run.Header.Labels["env"] != "test" || run.Header.Interval != time.Second || string(run.Header.Options) != `{"vus":1}` {
				t.Errorf("header %+v, want %+v", run.Header, h)
			}
			if len(run.Intervals) != len(ivs) {
				t.Fatalf("%d intervals, want %d", len(run.Intervals), len(ivs))
			}
			for i, iv := range ivs {
				got := run.Intervals[i]
				if !got.Start.Equal(iv.Start) || !got.End.Equal(iv.End) {
					t.Errorf("interval %d spans [%v, %v), want [%v, %v)", i, got.Start, got.End, iv.Start, iv.End)
				}
				var want []*metrics.Series
				for _, s := range iv.Snapshot.Series {
					if s.Sink.Count > 0 {
						want = append(want, s)
					}
				}
				if len(got.Snapshot.Series) != len(want) {
					t.Fatalf("interval %d: %d series, want %d", i, len(got.Snapshot.Series), len(want))
				}
				for _, ws := range want {
					gs := got.Snapshot.Find(ws.Metric, ws.Tags)
					if gs == nil {
						t.Fatalf("interval %d: series %s%s missing", i, ws.Metric.Name, ws.Tags)
					}
					if gs.Metric.Type != ws.Metric.Type || gs.Metric.Contains != ws.Metric.Contains {
						t.Errorf("metric %s read back as %s/%s", ws.Metric.Name, gs.Metric.Type, gs.Metric.Contains)
					}
					sameSink(t, ws.Metric.Name+ws.Tags.String(), gs.Sink, ws.Sink)
				}
			}
			if len(run.Marks) != 1 || run.Marks[0].Name != "step 1" || !run.Marks[0].End.Equal(marks[0].End) || run.Marks[0].Attrs["rate"] != 10.0 {
				t.Errorf("marks %+v", run.Marks)
			}
			if run.Summary == nil || run.Summary.ExitCode != 99 || run.Summary.Thresholds[0].Value != 3000 || run.Summary.Scenarios[0].Completed != 5 {
				t.Errorf("summary %+v", run.Summary)
			}
			tot := run.Totals()
			if s := tot.Merge(f.trend, []metrics.Tag{{Key: "method", Value: "GET"}}); s == nil || s.Count != 6 || s.Max != 3000 || s.Min != 0.001 {
				t.Errorf("totals of dur{method:GET}: %+v", s)
			}
			if !tot.Start.Equal(t0) || !tot.End.Equal(t0.Add(3*time.Second)) {
				t.Errorf("totals span [%v, %v)", tot.Start, tot.End)
			}
		})
	}
}

// TestCase_C27_MergeResultsFiles is CASES.md C27 (a): worker A records
// 980×10 ms and 20×1000 ms, worker B 980×10 ms and 20×500 ms, each in its
// own results file; merged, they are exactly the histogram of all 2000
// samples: p(95) 10 ms, p(99) 505 ms by k6's interpolation, max 1000 ms.
func TestCase_C27_MergeResultsFiles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		offset time.Duration // B's start relative to A's
	}{
		{"workers of one run", 3 * time.Millisecond},
		{"runs an hour apart", time.Hour + 250*time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var all []float64
			write := func(name string, start time.Time, tail float64) string {
				f := newFixture(t)
				vals := append(repeat(10, 980), repeat(tail, 20)...)
				all = append(all, vals...)
				tags := f.reg.Tags(metrics.Tag{Key: "name", Value: "checkout"})
				// Split over two intervals so the merge has to align them.
				ivs := []Interval{
					snap(start, &metrics.Series{Metric: f.trend, Tags: tags, Sink: sink(f.trend, vals[:500]...)}),
					snap(start.Add(time.Second), &metrics.Series{Metric: f.trend, Tags: tags, Sink: sink(f.trend, vals[500:]...)}),
				}
				h := header()
				h.Start = start
				h.Members = []string{name}
				path := filepath.Join(dir, name+".jsonl.gz")
				writeFile(t, path, h, ivs, nil, nil, WriterOptions{})
				return path
			}
			pa := write("a", t0, 1000)
			pb := write("b", t0.Add(tc.offset), 500)
			ra, err := Read(pa)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := Read(pb)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Merge(ra, rb)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Intervals) != 2 {
				t.Fatalf("merged into %d intervals, want 2 (aligned)", len(m.Intervals))
			}
			if got := strings.Join(m.Header.Members, ","); got != "a,b" {
				t.Errorf("members %q, want a,b", got)
			}
			dur := m.Registry.Lookup("dur")
			got := m.Totals().Merge(dur, nil)
			f := newFixture(t)
			want := sink(f.trend, all...)
			if got.Count != 2000 || got.Max != 1000 || got.Min != 10 {
				t.Fatalf("merged count %d min %g max %g, want 2000, 10, 1000", got.Count, got.Min, got.Max)
			}
			gb, _ := got.Hist.Encode()
			wb, _ := want.Hist.Encode()
			if !bytes.Equal(gb, wb) {
				t.Error("merged histogram differs from the histogram of all samples")
			}
			if p := got.Percentile(95); p != 10 {
				t.Errorf("p(95) = %g, want 10", p)
			}
			// k6: pos = 0.99×1999 = 1979.01 → 500 + (1000−500)×0.01 = 505;
			// the 500 ms bucket's representative is within 0.1%.
			if p := got.Percentile(99); math.Abs(p-505)/505 > 0.001 {
				t.Errorf("p(99) = %g, want 505 ± 0.1%%", p)
			}
			if p := got.Percentile(99); p != want.Percentile(99) {
				t.Errorf("p(99) merged %g != p(99) of all samples %g", p, want.Percentile(99))
			}
			// Per interval too: interval 2 holds 480×10 ms + 20×1000 + 480×10 + 20×500.
			if s := m.Intervals[1].Snapshot.Merge(dur, nil); s.Count != 1000 || s.Max != 1000 {
				t.Errorf("merged interval 2: count %d max %g, want 1000, 1000", s.Count, s.Max)
			}
		})
	}
}

func TestMergeSummaries(t *testing.T) {
	a := &Run{Registry: metrics.NewRegistry(), Summary: &Summary{End: t0, EndReason: "finished", ExitCode: 0,
		Thresholds: []ThresholdResult{{Key: "k", Source: "p(95)<1", Passed: true, Evaluated: true}},
		Scenarios:  []ScenarioResult{{Name: "s", Completed: 3, Dropped: 1}}}}
	b := &Run{Registry: metrics.NewRegistry(), Summary: &Summary{End: t0.Add(time.Second), EndReason: "threshold abortOnFail", ExitCode: 99,
		Thresholds: []ThresholdResult{{Key: "k", Source: "p(95)<1", Passed: false, Evaluated: true}},
		Scenarios:  []ScenarioResult{{Name: "s", Completed: 4}}}}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	s := m.Summary
	if s.ExitCode != 99 || s.EndReason != "threshold abortOnFail" || !s.End.Equal(t0.Add(time.Second)) ||
		s.Scenarios[0].Completed != 7 || s.Scenarios[0].Dropped != 1 || s.Thresholds[0].Passed {
		t.Errorf("merged summary %+v", s)
	}
	c := &Run{Registry: metrics.NewRegistry()}
	if m, _ := Merge(a, c); m.Summary != nil {
		t.Error("a run without a summary must leave the merged summary nil")
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge() of nothing must fail")
	}
}

func TestMaxSeriesOverflow(t *testing.T) {
	f := newFixture(t)
	var warnings []string
	var ivs []Interval
	var wantCount int64
	for i := range 3 {
		var series []*metrics.Series
		for u := range 8 {
			tags := f.reg.Tags(metrics.Tag{Key: "method", Value: "GET"}, metrics.Tag{Key: "url", Value: "/items/" + string(rune('a'+u))},
				metrics.Tag{Key: "status", Value: []string{"200", "404"}[u%2]})
			series = append(series,
				&metrics.Series{Metric: f.trend, Tags: tags, Sink: sink(f.trend, float64(u+1), float64(i+1))},
				&metrics.Series{Metric: f.cnt, Tags: tags, Sink: sink(f.cnt, 1, 1)})
			wantCount += 2
		}
		ivs = append(ivs, snap(t0.Add(time.Duration(i)*time.Second), series...))
	}
	path := filepath.Join(t.TempDir(), "o.jsonl")
	writeFile(t, path, header(), ivs, nil, nil, WriterOptions{MaxSeries: 5, Logf: func(format string, args ...any) {
		warnings = append(warnings, strings.TrimSpace(fmt.Sprintf(format, args...)))
	}})
	if len(warnings) != 1 {
		t.Fatalf("%d warnings, want exactly one: %q", len(warnings), warnings)
	}
	for _, want := range []string{`"url"`, "tags.name", "http.url", "metric reqs", "5 tag sets"} {
		if !strings.Contains(warnings[0], want) {
			t.Errorf("warning %q does not mention %s", warnings[0], want)
		}
	}
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	dur := run.Registry.Lookup("dur")
	tot := run.Totals()
	all := tot.Merge(dur, nil)
	if all.Count != wantCount || all.Max != 8 {
		t.Errorf("dur totals: count %d max %g, want %d and 8 (nothing lost)", all.Count, all.Max, wantCount)
	}
	over := tot.Merge(dur, []metrics.Tag{{Key: OverflowTag, Value: "true"}})
	if over == nil || over.Count != 3*3*2 {
		t.Errorf("overflow series of dur: %+v, want 18 samples (3 tag sets × 3 intervals × 2)", over)
	}
	perMetric := 0
	for _, s := range tot.Series {
		if s.Metric == dur {
			perMetric++
		}
	}
	if perMetric != 6 {
		t.Errorf("dur has %d series, want 5 + the overflow series", perMetric)
	}
}

func TestWriteAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := Create(path, header(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(nil); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteInterval(snap(t0)); err == nil {
		t.Error("WriteInterval after Close must fail")
	}
	if err := w.Close(nil); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "missing", "x.jsonl"), header(), WriterOptions{}); err == nil || !strings.HasPrefix(err.Error(), "results: ") {
		t.Errorf("Create in a missing directory: %v", err)
	}
}

func TestSynthesize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.jsonl.gz")
	// 0.001 h = 3.6 s → 4 intervals of 200 requests.
	if err := Synthesize(path, 0.001, 200, 3, 7); err != nil {
		t.Fatal(err)
	}
	run, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Intervals) != 4 || run.Summary == nil {
		t.Fatalf("%d intervals, summary %v", len(run.Intervals), run.Summary)
	}
	tot := run.Totals()
	reqs := tot.Merge(run.Registry.Lookup("http_reqs"), nil)
	dur := tot.Merge(run.Registry.Lookup("http_req_duration"), nil)
	if reqs.Count != 800 || dur.Count != 800 {
		t.Errorf("http_reqs %d, http_req_duration %d samples, want 800", reqs.Count, dur.Count)
	}
	if med := dur.Med(); med < 8 || med > 50 {
		t.Errorf("median duration %g ms, want around 20", med)
	}
	if err := Synthesize(path, 0, 1, 1, 1); err == nil {
		t.Error("Synthesize of 0 hours must fail")
	}
}
