package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// run records samples through a real registry, aggregator and recorder, the
// way the engine does, so that the summary is built from a real Snapshot.
type run struct {
	t   *testing.T
	reg *metrics.Registry
	b   *metrics.Builtin
	agg *metrics.Aggregator
	rec *metrics.Recorder
}

func newRun(t *testing.T) *run {
	t.Helper()
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	return &run{t: t, reg: reg, b: b, agg: agg, rec: agg.NewRecorder()}
}

// metric registers a custom metric.
func (r *run) metric(name string, typ metrics.Type, vt metrics.ValueType) *metrics.Metric {
	r.t.Helper()
	m, err := r.reg.New(name, typ, vt)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

// add records v for m with tags given as key, value, key, value...
func (r *run) add(m *metrics.Metric, v float64, kv ...string) {
	r.t.Helper()
	if len(kv)%2 != 0 {
		r.t.Fatalf("odd tag list %q", kv)
	}
	pairs := make([]metrics.Tag, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		pairs = append(pairs, metrics.Tag{Key: kv[i], Value: kv[i+1]})
	}
	r.rec.Add(m, r.reg.Tags(pairs...), v)
}

// summary flushes the recorder and returns a Summary over the totals with
// the thresholds (options syntax: key -> expressions) parsed and evaluated.
func (r *run) summary(d time.Duration, th map[string][]string) *Summary {
	r.t.Helper()
	r.agg.Flush()
	snap := r.agg.Totals()
	cfg := make(map[string][]threshold.Config, len(th))
	for k, exprs := range th {
		for _, e := range exprs {
			cfg[k] = append(cfg[k], threshold.Config{Threshold: e})
		}
	}
	var sets []*threshold.Set
	if len(cfg) > 0 {
		var err error
		sets, err = threshold.ParseAll(cfg, r.reg)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, s := range sets {
			s.EvalAt(snap, d)
		}
	}
	return &Summary{Registry: r.reg, Totals: snap, Thresholds: sets, Duration: d, NoColor: true}
}

func text(t *testing.T, s *Summary) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// export writes the summary export and decodes it generically.
func export(t *testing.T, s *Summary) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := s.WriteExport(&b); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, b.String())
	}
	return v
}

// jsonData round-trips Data through JSON, as a script sees it.
func jsonData(t *testing.T, s *Summary) map[string]any {
	t.Helper()
	raw, err := json.Marshal(s.Data())
	if err != nil {
		t.Fatalf("data does not marshal: %v", err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// path walks nested maps by keys.
func path(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("at %q: %T is not an object", k, v)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("key %q missing in %v", k, keys)
		}
	}
	return v
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", file, got, want)
	}
}
