package results

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// sameRec compares two records member by member (NaN equals NaN).
func sameRec(a, b *seriesRec) bool {
	nums := func(x, y *num) bool {
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y || math.IsNaN(float64(*x)) && math.IsNaN(float64(*y))
	}
	ints := func(x, y *int64) bool {
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
	return a.Type == b.Type && a.T0 == b.T0 && a.T1 == b.T1 && a.ID == b.ID && a.N == b.N &&
		a.Stamp == b.Stamp && a.Hist == b.Hist && ints(a.Trues, b.Trues) &&
		nums(a.Sum, b.Sum) && nums(a.Last, b.Last) && nums(a.Min, b.Min) && nums(a.Max, b.Max)
}

func TestParseSeries(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		fast bool // the hand-rolled path takes it (else encoding/json)
	}{
		{"trend as written", `{"type":"series","t0":1767225600000000,"t1":1767225601000000,"id":7,"n":3,"sum":61.5,"min":0.5,"max":60,"hist":"HISTFAAAACl4nJNpmSzMwMDAwQABTFCaEUzOmnZmcXqV/zPnGzaTBE1WLDFUAgBG+wei"}`, true},
		{"counter", `{"type":"series","t0":1,"t1":2,"id":0,"n":500,"sum":500}`, true},
		{"rate", `{"type":"series","t0":1,"t1":2,"id":1,"n":500,"trues":1}`, true},
		{"gauge with stamp", `{"type":"series","t0":1,"t1":2,"id":2,"n":4,"last":250,"min":-1e-3,"max":2.5E+2,"stamp":1767225600123456789}`, true},
		{"non-finite strings", `{"type":"series","t0":1,"t1":2,"id":0,"n":1,"sum":"+Inf","min":"-Inf","max":"NaN"}`, true},
		{"members in another order", `{"n":2,"id":3,"type":"series","t1":9,"t0":8,"sum":2}`, true},
		{"unknown string member (later minor revision)", `{"type":"series","t0":1,"t1":2,"id":0,"n":1,"sum":1,"note":"x"}`, true},
		{"unknown number member", `{"type":"series","t0":1,"t1":2,"id":0,"n":1,"sum":1,"weight":3}`, false},
		{"whitespace", `{"type": "series", "t0":1,"t1":2,"id":0,"n":1,"sum":1}`, false},
		{"escaped string", `{"type":"ser\u0069es","t0":1,"t1":2,"id":0,"n":1,"sum":1}`, false},
		{"null member", `{"type":"series","t0":1,"t1":2,"id":0,"n":1,"sum":null}`, false},
		{"upper-case key", `{"type":"series","T0":1,"t1":2,"id":0,"n":1,"sum":1}`, false},
		{"float where an integer goes", `{"type":"series","t0":1,"t1":2,"id":0,"n":1.5,"sum":1}`, false},
		{"nested object", `{"type":"series","t0":1,"t1":2,"id":0,"n":1,"sum":1,"x":{"a":1,"b":2}}`, false},
		{"leading zero", `{"type":"series","t0":01,"t1":2,"id":0,"n":1,"sum":1}`, false},
		{"trailing comma", `{"type":"series","t0":1,}`, false},
		{"empty object", `{}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fast seriesRec
			gotFast := fastParseSeries([]byte(tc.line), &fast)
			if gotFast != tc.fast {
				t.Errorf("fast path taken: %v, want %v", gotFast, tc.fast)
			}
			var got, want seriesRec
			gotErr := parseSeries([]byte(tc.line), &got)
			wantErr := json.Unmarshal([]byte(tc.line), &want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("parseSeries error %v, encoding/json error %v", gotErr, wantErr)
			}
			if gotErr == nil && !sameRec(&got, &want) {
				t.Errorf("parseSeries = %+v\nencoding/json = %+v", got, want)
			}
		})
	}
}

// FuzzParseSeries holds the hand-rolled series parser to encoding/json:
// whenever the fast path accepts a line, encoding/json must accept it too
// and decode the same record.
func FuzzParseSeries(f *testing.F) {
	for _, s := range []string{
		`{"type":"series","t0":1,"t1":2,"id":0,"n":500,"sum":500}`,
		`{"type":"series","t0":1,"t1":2,"id":1,"n":5,"trues":1,"hist":"HISTFAAAAB"}`,
		`{"type":"series","t0":1,"t1":2,"id":2,"n":4,"last":250,"min":-1e-3,"max":"NaN","stamp":9}`,
		`{"n":-0,"id":3,"x":"y"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var fast seriesRec
		if !fastParseSeries(line, &fast) {
			return
		}
		var want seriesRec
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", line, err)
		}
		if !sameRec(&fast, &want) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", line, fast, want)
		}
	})
}

func TestScanWithMetricFilter(t *testing.T) {
	f := newFixture(t)
	tags := f.reg.Tags(metrics.Tag{Key: "name", Value: "x"})
	var ivs []Interval
	for i := range 4 {
		ivs = append(ivs, snap(t0.Add(time.Duration(i)*time.Second),
			&metrics.Series{Metric: f.cnt, Tags: tags, Sink: sink(f.cnt, 1, 2)},
			&metrics.Series{Metric: f.rate, Tags: tags, Sink: sink(f.rate, 1, 0, 1)},
			&metrics.Series{Metric: f.trend, Tags: tags, Sink: sink(f.trend, 1, 2, float64(300+i))}))
	}
	path := filepath.Join(t.TempDir(), "f.jsonl")
	writeFile(t, path, header(), ivs, nil, &Summary{EndReason: "finished"}, WriterOptions{})
	full, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		keep []string
	}{
		{"the trend only", []string{"dur"}},
		{"counter and rate, no histogram decoded", []string{"reqs", "failed"}},
		{"nothing", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			opts := ScanOptions{Metrics: func(h *Header, m string) bool {
				if h.Format != FormatVersion {
					t.Errorf("the filter saw header format %d before the header was read", h.Format)
				}
				asked = append(asked, m)
				for _, k := range tc.keep {
					if k == m {
						return true
					}
				}
				return false
			}}
			var got []Interval
			run, err := ScanWith(path, opts, func(iv Interval) error { got = append(got, iv); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(asked) != 3 {
				t.Errorf("the filter was asked %d times (%v), want once per def line (3)", len(asked), asked)
			}
			if run.Registry.Lookup("reqs") == nil || run.Registry.Lookup("dur") == nil {
				t.Error("the registry lacks a filtered-out metric")
			}
			if len(got) != len(full.Intervals) {
				t.Fatalf("%d intervals, Read gives %d", len(got), len(full.Intervals))
			}
			for i, iv := range got {
				var names []string
				for _, s := range iv.Snapshot.Series {
					names = append(names, s.Metric.Name)
				}
				if len(names) != len(tc.keep) {
					t.Errorf("interval %d holds %v, want exactly %v", i, names, tc.keep)
				}
				for _, s := range iv.Snapshot.Series {
					want := full.Intervals[i].Snapshot.Merge(full.Registry.Lookup(s.Metric.Name), nil)
					if s.Sink.Count != want.Count || s.Sink.Sum != want.Sum ||
						s.Sink.Type == metrics.Trend && s.Sink.Percentile(99) != want.Percentile(99) {
						t.Errorf("interval %d: %s differs from Read's", i, s.Metric.Name)
					}
				}
			}
		})
	}
	// A filtered-out series is still checked: a wrong count on the
	// interval line is an error whatever the filter.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(b), `,"n":3}`, `,"n":9}`, 1)
	if _, err := ScanWith(writeBytes(t, "bad.jsonl", []byte(bad)), ScanOptions{Metrics: func(*Header, string) bool { return false }}, nil); err == nil ||
		!strings.Contains(err.Error(), "says 9 series") {
		t.Errorf("a bad interval count with every metric filtered out: got %v, want the count error", err)
	}
}
