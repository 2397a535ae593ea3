package runreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/loadline/loadline/engine/results"
)

// writeRun writes run to a results file at path (summary only when
// finished) with results.Writer, as `load run --out` does.
func writeRun(t *testing.T, path string, run *results.Run, finished bool) {
	t.Helper()
	w, err := results.Create(path, run.Header, results.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range run.Intervals {
		if err := w.WriteInterval(iv); err != nil {
			t.Fatal(err)
		}
	}
	var sum *results.Summary
	if finished {
		sum = run.Summary
	}
	if err := w.Close(sum); err != nil {
		t.Fatal(err)
	}
}

// outputs renders every output of a report.
func outputs(t *testing.T, r *Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"json": func(b *bytes.Buffer) error { return r.WriteJSON(b) },
		"md":   func(b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		"csv":  func(b *bytes.Buffer) error { return r.WriteCSV(b) },
		"timeline": func(b *bytes.Buffer) error {
			return json.NewEncoder(b).Encode(r.Timeline())
		},
		"spectrum": func(b *bytes.Buffer) error {
			return json.NewEncoder(b).Encode(r.Spectrum(12))
		},
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b.String()
	}
	return out
}

// TestOpenMatchesNew holds the streaming Open (which decodes only the
// metrics the report reads) to New on the fully read file: every output
// byte for byte.
func TestOpenMatchesNew(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		finished bool
		opts     Options
	}{
		{"finished run", "r.jsonl", true, Options{}},
		{"gzip, points merging 3 intervals", "r.jsonl.gz", true, Options{MaxPoints: 4}},
		{"every metric's totals", "r.jsonl", true, Options{AllMetrics: true}},
		{"no summary: thresholds re-evaluated", "r.jsonl", false, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newRunBuilder(t, map[string][]string{
				"http_req_duration{name:a}": {"p(95)<50"},
				"http_req_waiting":          {"max<1000"}, // not drawn: decoded for its threshold
				"checks":                    {"rate>0.5"},
			})
			a, c := b.tags("name", "a", "method", "GET"), b.tags("check", "ok")
			for i := range 11 {
				for j := range 40 {
					ms := float64(5 + (i*7+j*13)%60)
					b.request("a", "GET", ms, j%10 == 0)
					b.request("b", "POST", 2*ms, false)
					b.rec.Add(b.bi.HTTPReqWaiting, a, ms-1)
					b.rec.Add(b.bi.HTTPReqSending, a, 0.01*float64(j))
					b.rec.Add(b.bi.Checks, c, float64(j%3))
				}
				b.rec.Add(b.bi.VUs, b.tags(), float64(i))
				b.flush()
			}
			run := b.finish(results.ThresholdResult{Key: "http_req_duration{name:a}", Source: "p(95)<50", Passed: false, Evaluated: true, Value: 62})
			path := filepath.Join(t.TempDir(), tc.file)
			writeRun(t, path, run, tc.finished)
			tc.opts.Sources = []string{path}

			read, err := results.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := New(read, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Open(path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Facts.Intervals != 11 || len(got.Endpoints) != 2 || len(got.Thresholds) == 0 {
				t.Fatalf("Open: %d intervals, %d endpoints, %d thresholds; want 11, 2, >0", got.Facts.Intervals, len(got.Endpoints), len(got.Thresholds))
			}
			if !tc.finished && !got.Thresholds[0].Reevaluated {
				t.Error("without a summary the thresholds should be re-evaluated")
			}
			wo, go_ := outputs(t, want), outputs(t, got)
			for name := range wo {
				if wo[name] != go_[name] {
					t.Errorf("%s differs:\nOpen: %.600s\nNew:  %.600s", name, go_[name], wo[name])
				}
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.jsonl"), Options{})
	var re *ReadError
	if !errors.As(err, &re) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of a missing file: got %v, want a *ReadError wrapping fs.ErrNotExist", err)
	}
}

// TestMetricFilter: a run read with MetricFilter reports the same as the
// full run (CSV aside), and decodes less.
func TestMetricFilter(t *testing.T) {
	b := newRunBuilder(t, map[string][]string{"http_req_waiting": {"p(99)<1000"}})
	a := b.tags("name", "a", "method", "GET")
	for i := range 5 {
		for j := range 30 {
			b.request("a", "GET", float64(10+i+j), false)
			b.rec.Add(b.bi.HTTPReqWaiting, a, float64(9+j))
			b.rec.Add(b.bi.HTTPReqSending, a, 0.5)
		}
		b.flush()
	}
	path := filepath.Join(t.TempDir(), "r.jsonl")
	writeRun(t, path, b.finish(), false)
	full, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if MetricFilter(Options{AllMetrics: true}) != nil {
		t.Error("AllMetrics should give no filter")
	}
	part, err := results.ScanWith(path, results.ScanOptions{Metrics: MetricFilter(Options{})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, iv := range part.Intervals {
		for _, s := range iv.Snapshot.Series {
			names[s.Metric.Name] = true
		}
	}
	if names["http_req_sending"] || !names["http_req_waiting"] || !names["http_req_duration"] {
		t.Errorf("filtered read holds %v: want duration and waiting (a threshold's), not sending", names)
	}
	want, err := New(full, Options{Sources: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(part, Options{Sources: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	wo, gos := outputs(t, want), outputs(t, got)
	for _, name := range []string{"json", "md", "timeline", "spectrum"} {
		if wo[name] != gos[name] {
			t.Errorf("%s differs between the filtered and the full read", name)
		}
	}
	if !got.Thresholds[0].Evaluated {
		t.Error("the http_req_waiting threshold was not evaluated on the filtered read")
	}
}
