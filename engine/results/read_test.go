package results

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// sample writes a 3-interval file and returns its bytes (plain JSON lines).
func sampleFile(t testing.TB) []byte {
	t.Helper()
	f := newFixture(t)
	tags := f.reg.Tags(metrics.Tag{Key: "name", Value: "x"})
	var ivs []Interval
	for i := range 3 {
		ivs = append(ivs, snap(t0.Add(time.Duration(i)*time.Second),
			&metrics.Series{Metric: f.cnt, Tags: tags, Sink: sink(f.cnt, 1, 2)},
			&metrics.Series{Metric: f.trend, Tags: tags, Sink: sink(f.trend, 1, 2, 300)}))
	}
	path := filepath.Join(t.TempDir(), "s.jsonl")
	writeFile(t, path, header(), ivs, nil, &Summary{EndReason: "finished"}, WriterOptions{})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeBytes(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadTruncated(t *testing.T) {
	full := sampleFile(t)
	lines := strings.SplitAfter(string(full), "\n")
	// lines: header, def, def, (series, series, interval)×3, summary, "".
	withoutSummary := strings.Join(lines[:len(lines)-2], "")
	lastInterval := strings.Join(lines[:len(lines)-3], "") // ends with the 3rd interval's 2 series, no interval line
	for _, tc := range []struct {
		name      string
		data      string
		intervals int
		warning   string // "" means no warning
	}{
		{"complete", string(full), 3, ""},
		{"cut in the summary line", withoutSummary + `{"type":"summary","end":"20`, 3, "line 13 is cut short"},
		{"cut in a series line", lastInterval + `{"type":"series","t0":17`, 2, "line 12 is cut short"},
		{"interval without its closing line", lastInterval, 2, "no closing line"},
		{"last line complete but no newline", strings.TrimSuffix(string(full), "\n"), 3, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := Read(writeBytes(t, "r.jsonl", []byte(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Intervals) != tc.intervals {
				t.Errorf("%d intervals, want %d", len(run.Intervals), tc.intervals)
			}
			switch {
			case tc.warning == "" && len(run.Warnings) > 0:
				t.Errorf("unexpected warnings %q", run.Warnings)
			case tc.warning != "" && !strings.Contains(strings.Join(run.Warnings, "\n"), tc.warning):
				t.Errorf("warnings %q, want one containing %q", run.Warnings, tc.warning)
			}
		})
	}
}

// TestReadGzipCut cuts a gzip file at every flush point and in between, as
// a kill -9 leaves it: each prefix reads without error and keeps every
// interval whose closing line made it.
func TestReadGzipCut(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "k.jsonl.gz")
	w, err := Create(path, header(), WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for i := range 4 {
		if err := w.WriteInterval(snap(t0.Add(time.Duration(i)*time.Second),
			&metrics.Series{Metric: f.trend, Tags: f.reg.Empty(), Sink: sink(f.trend, float64(i+1))})); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		sizes = append(sizes, st.Size())
	}
	// No Close: the gzip stream has no end, as after kill -9.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range sizes {
		run, err := Read(writeBytes(t, "p.jsonl.gz", data[:n]))
		if err != nil {
			t.Fatalf("prefix after interval %d: %v", i+1, err)
		}
		if len(run.Intervals) != i+1 || run.Summary != nil {
			t.Errorf("prefix after interval %d: %d intervals, summary %v", i+1, len(run.Intervals), run.Summary)
		}
		if len(run.Warnings) == 0 || !strings.Contains(run.Warnings[0], "gzip stream ends early") {
			t.Errorf("prefix after interval %d: warnings %q, want the gzip cut named", i+1, run.Warnings)
		}
		if i > 0 { // a cut between two flush points
			mid := (sizes[i-1] + n) / 2
			run, err := Read(writeBytes(t, "m.jsonl.gz", data[:mid]))
			if err != nil {
				t.Fatalf("cut inside interval %d: %v", i+1, err)
			}
			if len(run.Intervals) != i {
				t.Errorf("cut inside interval %d: %d intervals, want %d", i+1, len(run.Intervals), i)
			}
		}
	}
	_ = w.Close(nil)
}

func TestReadMalformed(t *testing.T) {
	full := string(sampleFile(t))
	lines := strings.SplitAfter(full, "\n")
	replace := func(i int, s string) string {
		c := append([]string(nil), lines...)
		c[i] = s + "\n"
		return strings.Join(c, "")
	}
	insert := func(i int, s string) string {
		c := append([]string(nil), lines[:i]...)
		c = append(c, s+"\n")
		c = append(c, lines[i:]...)
		return strings.Join(c, "")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(replace(4, "not json")))
	_ = zw.Close()
	for _, tc := range []struct {
		name, data, want string // want "" means: reads fine
	}{
		{"garbage in the middle", replace(4, "not json"), "r.jsonl:5: "},
		{"garbage in the middle, gzip", gz.String(), "r.jsonl:5: "},
		{"series of an unknown id", replace(3, `{"type":"series","t0":1,"t1":2,"id":99,"n":1,"sum":1}`), "r.jsonl:4: series: id 99 has no def"},
		{"bad histogram", replace(4, `{"type":"series","t0":1,"t1":2,"id":1,"n":1,"sum":1,"min":1,"max":1,"hist":"bm9wZQ=="}`), "r.jsonl:5: "},
		{"count mismatch", insert(5, `{"type":"interval","t0":1,"t1":2,"n":7}`), "r.jsonl:6: interval"},
		{"counter without sum", replace(3, `{"type":"series","t0":1,"t1":2,"id":0,"n":1}`), `needs "sum"`},
		{"no header", strings.Join(lines[1:], ""), "r.jsonl:1: the first line must be the header"},
		{"empty file", "", "no header line"},
		{"future major version", strings.Replace(full, `"format":1`, `"format":2`, 1), "format version 2 is not supported"},
		{"type conflict", insert(3, `{"type":"def","id":50,"metric":"reqs","mtype":"trend","contains":"default"}`), "r.jsonl:4: def 50"},
		{"line without type", insert(3, `{"id":1}`), `r.jsonl:4: a line without a "type"`},
		{"unknown line type is ignored", insert(3, `{"type":"annotation","text":"deploy"}`), ""},
		{"unknown member is ignored", strings.Replace(full, `"type":"interval",`, `"type":"interval","extra":true,`, -1), ""},
		{"blank line", insert(3, ""), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(writeBytes(t, "r.jsonl", []byte(tc.data)))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not contain %q", err, tc.want)
			case err != nil && (!strings.HasPrefix(err.Error(), "results: ") || strings.Contains(err.Error(), "\n")):
				t.Errorf("error %q is not one line prefixed with the package", err)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.jsonl")); err == nil || !strings.HasPrefix(err.Error(), "results: ") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzDecode feeds arbitrary bytes to the reader: it must return a Run or
// an error, never panic, and a Run it returns must total consistently.
func FuzzDecode(f *testing.F) {
	full := sampleFile(f)
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add([]byte(`{"type":"header","format":1}` + "\n" + `{"type":"def","id":0,"metric":"m","mtype":"gauge","contains":"default"}` + "\n" +
		`{"type":"series","t0":1,"t1":2,"id":0,"n":1,"last":"NaN","min":"-Inf","max":"+Inf"}` + "\n" + `{"type":"interval","t0":1,"t1":2,"n":1}`))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(full)
	_ = zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := decode(bytes.NewReader(data), "fuzz", ScanOptions{}, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "results: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		_ = run.Totals()
		if _, err := Merge(run, run); err != nil {
			t.Fatalf("merging a run with itself: %v", err)
		}
	})
}

func TestScan(t *testing.T) {
	path := writeBytes(t, "s.jsonl", sampleFile(t))
	full, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []Interval
	run, err := Scan(path, func(iv Interval) error { got = append(got, iv); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Intervals) != 0 || run.Summary == nil || run.Header.Format != FormatVersion {
		t.Errorf("Scan's run: %d intervals kept, summary %v, format %d", len(run.Intervals), run.Summary, run.Header.Format)
	}
	if len(got) != len(full.Intervals) {
		t.Fatalf("Scan handed %d intervals, Read kept %d", len(got), len(full.Intervals))
	}
	for i := range got {
		a := got[i].Snapshot.Merge(run.Registry.Lookup("dur"), nil)
		b := full.Intervals[i].Snapshot.Merge(full.Registry.Lookup("dur"), nil)
		if !got[i].Start.Equal(full.Intervals[i].Start) || a.Count != b.Count || a.Percentile(99) != b.Percentile(99) {
			t.Errorf("interval %d differs between Scan and Read", i)
		}
	}
	stop := errors.New("enough")
	calls := 0
	if _, err := Scan(path, func(Interval) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("fn's error: got %v after %d calls, want it unchanged after 1", err, calls)
	}
}
