package runreport

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// t0 is the start of the in-memory runs.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// runBuilder builds a results.Run from samples recorded through a real
// metrics.Aggregator, one Flush per interval, as `load run` does.
type runBuilder struct {
	t   *testing.T
	reg *metrics.Registry
	bi  *metrics.Builtin
	agg *metrics.Aggregator
	rec *metrics.Recorder
	run *results.Run
	// samples keeps every http_req_duration value per endpoint, for exact
	// reference percentiles.
	samples map[string][]float64
}

func newRunBuilder(t *testing.T, thresholds map[string][]string) *runBuilder {
	t.Helper()
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	opts, err := json.Marshal(map[string]any{"thresholds": thresholds})
	if err != nil {
		t.Fatal(err)
	}
	return &runBuilder{
		t: t, reg: reg, bi: bi, agg: agg, rec: agg.NewRecorder(),
		samples: map[string][]float64{},
		run: &results.Run{
			Header: results.Header{
				Format: results.FormatVersion, ToolVersion: "test", Start: t0, Script: "script.js",
				Options: opts, Labels: map[string]string{"env": "test"}, Interval: time.Second,
				Host: results.Host{Hostname: "h", OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"},
			},
			Registry: reg,
		},
	}
}

func (b *runBuilder) tags(kv ...string) *metrics.TagSet {
	var ts []metrics.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		ts = append(ts, metrics.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return b.reg.Tags(ts...)
}

// request records one HTTP request of endpoint name/method.
func (b *runBuilder) request(name, method string, ms float64, failed bool) {
	tags := b.tags("name", name, "method", method)
	b.rec.Add(b.bi.HTTPReqs, tags, 1)
	b.rec.Add(b.bi.HTTPReqDuration, tags, ms)
	f := 0.0
	if failed {
		f = 1
	}
	b.rec.Add(b.bi.HTTPReqFailed, tags, f)
	b.samples[method+" "+name] = append(b.samples[method+" "+name], ms)
	b.samples["all"] = append(b.samples["all"], ms)
}

// flush closes the current interval (1 s long, after the previous one).
func (b *runBuilder) flush() {
	snap := b.agg.Flush()
	start := t0.Add(time.Duration(len(b.run.Intervals)) * time.Second)
	snap.Start, snap.End = start, start.Add(time.Second)
	b.run.Intervals = append(b.run.Intervals, results.Interval{Start: snap.Start, End: snap.End, Snapshot: snap})
}

func (b *runBuilder) finish(th ...results.ThresholdResult) *results.Run {
	b.run.Summary = &results.Summary{
		End: t0.Add(time.Duration(len(b.run.Intervals)) * time.Second), EndReason: "finished",
		Thresholds: th,
	}
	return b.run
}

// exactPercentile is k6's percentile of samples (linear interpolation
// between closest ranks), computed from the raw values.
func exactPercentile(samples []float64, p float64) float64 {
	s := slices.Clone(samples)
	slices.Sort(s)
	pos := p / 100 * float64(len(s)-1)
	lo := math.Floor(pos)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (s[i+1]-s[i])*(pos-lo)
}

// near reports whether got is within the histogram precision (0.1%) of
// want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-3*math.Abs(want)+1e-9
}
