package parity

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want float64
		err  bool
	}{
		{"millicores", "250m", 0.25, false},
		{"plain cores", "2", 2, false},
		{"fraction", "1.5", 1.5, false},
		{"mebibytes", "512Mi", 512 << 20, false},
		{"gibibytes", "2Gi", 2 << 30, false},
		{"decimal giga", "5G", 5e9, false},
		{"empty is zero", "", 0, false},
		{"exponent", "1e3", 1000, false},
		{"unknown suffix", "3Xi", 0, true},
		{"negative", "-1", 0, true},
		{"not a number", "lots", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuantity(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("ParseQuantity(%q) error %v, want error %v", tt.in, err, tt.err)
			}
			if !tt.err && math.Abs(got-tt.want) > 1e-9*math.Max(1, tt.want) {
				t.Fatalf("ParseQuantity(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDescriptor_Errors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "services:\n  - name: a\n    replicaz: 2\n", "replicaz"},
		{"missing name", "services:\n  - replicas: 2\n", "has no name"},
		{"duplicate", "services:\n  - name: a\n  - name: a\n", "listed twice"},
		{"bad scaling dim", "services:\n  - name: a\n    scales_with: [disks]\n", "scales_with"},
		{"bad quantity", "services:\n  - name: a\n    cpu: 2Q\n", `line 3: quantity "2Q" has an unknown suffix`},
		// Errors are in the schema's words, on one line, never Go's.
		{"unknown key in words", "services:\n  - name: a\n    replicaz: 2\n", `line 3: unknown key "replicaz" in a service (did you mean "replicas"? the keys are name, replicas, workers,`},
		{"unknown top-level key", "servics: []\n", `line 1: unknown key "servics" in the top level (did you mean "services"?`},
		{"unknown data store key", "data_stores:\n  - name: db\n    engin: pg\n", `unknown key "engin" in a data store (did you mean "engine"?`},
		{"not a number", "services:\n  - name: a\n    replicas: two\n", `line 3: "two" where the descriptor needs a whole number`},
		{"not a bool", "traffic: {cdn: maybe}\n", `line 1: "maybe" where the descriptor needs true or false`},
		{"not a list", "services: {a: 1}\n", "line 1: a mapping where the descriptor needs a list of services"},
		{"syntax", "services: [\n", "not valid YAML"},
		{"empty", "", "the file is empty"},
		{"two problems, one line", "services:\n  - replicas: 2\n  - name: b\n  - name: b\n", "service #1 has no name: give each service a name; service \"b\" is listed twice"},
	}
	goType := regexp.MustCompile(`Go (value|struct)|\bparity\.[A-Z]|!!`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDescriptor([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || goType.MatchString(msg) {
				t.Fatalf("error %q: want one line without Go's type names", msg)
			}
		})
	}
}

const baseYAML = `
name: staging
services:
  - name: api
    replicas: 2
    workers: 2
    cpu: 500m
    memory: 512Mi
    instance_type: m6i.large
    version: "1.4.0"
    config: {log_level: info, db_pool_size: "10", feature_x: "on"}
data_stores:
  - {name: db, engine: postgres, version: "16.2", data_size: 10Gi, replicas: 1}
traffic: {cdn: false, cache: false}
`

func mustDesc(t *testing.T, y string) *Descriptor {
	t.Helper()
	d, err := ParseDescriptor([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDiff_Rules(t *testing.T) {
	tests := []struct {
		name       string
		from, to   string // replaced in baseYAML to make production
		rule       string
		risk       Risk
		wantRatio  float64
		wantAbsent bool
	}{
		{"same is no drift", "", "", "", 0, 0, true},
		{"workers scale capacity", "workers: 2", "workers: 8", "workers", High, 4, false},
		{"replicas scale capacity", "replicas: 2\n    workers", "replicas: 6\n    workers", "replicas", High, 3, false},
		{"cpu ratio 2 is high", "cpu: 500m", "cpu: 1", "cpu", High, 2, false},
		{"cpu ratio 1.5 is medium", "cpu: 500m", "cpu: 750m", "cpu", Medium, 1.5, false},
		{"cpu ratio 1.1 is low", "cpu: 500m", "cpu: 550m", "cpu", Low, 1.1, false},
		{"memory ratio 4 is high", "memory: 512Mi", "memory: 2Gi", "memory", High, 4, false},
		{"memory ratio 2 is medium", "memory: 512Mi", "memory: 1Gi", "memory", Medium, 2, false},
		{"log level is low", "log_level: info", "log_level: warn", "config-log", Low, 0, false},
		{"pool size is medium", `db_pool_size: "10"`, `db_pool_size: "50"`, "config", Medium, 0, false},
		{"other config is low", `feature_x: "on"`, `feature_x: "off"`, "config", Low, 0, false},
		{"instance type is medium", "m6i.large", "c7g.xlarge", "instance-type", Medium, 0, false},
		{"service version is medium", `"1.4.0"`, `"1.5.0"`, "service-version", Medium, 0, false},
		{"db engine is high", "engine: postgres", "engine: mysql", "store-engine", High, 0, false},
		{"db major version is high", `version: "16.2"`, `version: "15.4"`, "store-major-version", High, 0, false},
		{"db minor version is low", `version: "16.2"`, `version: "16.4"`, "store-version", Low, 0, false},
		{"data 10x is high", "data_size: 10Gi", "data_size: 100Gi", "store-data-size", High, 10, false},
		{"data 3x is medium", "data_size: 10Gi", "data_size: 30Gi", "store-data-size", Medium, 3, false},
		{"store replicas are medium", "data_size: 10Gi, replicas: 1", "data_size: 10Gi, replicas: 3", "store-replicas", Medium, 3, false},
		{"cdn is high", "cdn: false", "cdn: true", "cdn", High, 0, false},
		{"cache is high", "cache: false", "cache: true", "cache", High, 0, false},
	}
	st := mustDesc(t, baseYAML)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y := baseYAML
			if tt.from != "" {
				if !strings.Contains(y, tt.from) {
					t.Fatalf("test bug: %q not in the base", tt.from)
				}
				y = strings.Replace(y, tt.from, tt.to, 1)
			}
			drifts := Diff(st, mustDesc(t, y))
			if tt.wantAbsent {
				if len(drifts) != 0 {
					t.Fatalf("drifts %+v, want none", drifts)
				}
				return
			}
			if len(drifts) != 1 {
				t.Fatalf("got %d drifts %+v, want 1", len(drifts), drifts)
			}
			d := drifts[0]
			if d.Rule != tt.rule || d.Risk != tt.risk {
				t.Fatalf("drift %+v, want rule %s risk %s", d, tt.rule, tt.risk)
			}
			if math.Abs(d.Ratio-tt.wantRatio) > 1e-9 {
				t.Fatalf("ratio %v, want %v", d.Ratio, tt.wantRatio)
			}
			if d.Reason == "" {
				t.Fatal("drift without a reason")
			}
		})
	}
}

func TestDiff_RanksByRiskThenMagnitude(t *testing.T) {
	st := mustDesc(t, baseYAML)
	y := strings.NewReplacer("workers: 2", "workers: 8", "replicas: 2", "replicas: 3",
		"log_level: info", "log_level: debug", "cpu: 500m", "cpu: 600m").Replace(baseYAML)
	drifts := Diff(st, mustDesc(t, y))
	var got []string
	for _, d := range drifts {
		got = append(got, d.Rule)
	}
	want := []string{"workers", "replicas", "cpu", "config-log"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order %v, want %v", got, want)
	}
	if s := EnvScore(drifts); s != 100-2*PenaltyHigh-2*PenaltyLow {
		t.Fatalf("env score %v", s)
	}
}

func TestDiff_MissingOnEitherSide(t *testing.T) {
	a := mustDesc(t, "services: [{name: api}, {name: cart}]\ndata_stores: [{name: db, engine: pg}]\n")
	b := mustDesc(t, "services: [{name: api}, {name: search}]\ndata_stores: [{name: cache, engine: redis}]\n")
	drifts := Diff(a, b)
	subj := map[string]bool{}
	for _, d := range drifts {
		if d.Risk != High {
			t.Fatalf("missing component ranked %s: %+v", d.Risk, d)
		}
		subj[d.Subject+"/"+d.Staging] = true
	}
	for _, w := range []string{"service cart/present", "service search/absent", "data store db/present", "data store cache/absent"} {
		if !subj[w] {
			t.Fatalf("missing %s in %+v", w, drifts)
		}
	}
}

func TestParseSLO(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want SLO
		err  bool
	}{
		{"defaults", nil, DefaultSLO(), false},
		{"latency", []string{"p(99)<50ms"}, SLO{99, 50 * time.Millisecond, 0.01}, false},
		{"errors percent", []string{"errors<2%"}, SLO{95, 300 * time.Millisecond, 0.02}, false},
		{"both", []string{"p(95) < 1s", "errors<0.05"}, SLO{95, time.Second, 0.05}, false},
		{"bad percentile", []string{"p(0)<1s"}, SLO{}, true},
		{"bad unit", []string{"p(95)<50"}, SLO{}, true},
		{"no operator", []string{"p(95)=50ms"}, SLO{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSLO(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if !tt.err && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// synthRun builds a run of 1 s intervals: rps[i] requests in interval i to
// endpoint path on host, each taking lat[i] ms, none failed.
func synthRun(t *testing.T, host, path string, rps []int, lat []float64) *results.Run {
	t.Helper()
	reg := metrics.NewRegistry()
	reqs, _ := reg.New("http_reqs", metrics.Counter, metrics.Default)
	dur, _ := reg.New("http_req_duration", metrics.Trend, metrics.Time)
	failed, _ := reg.New("http_req_failed", metrics.Rate, metrics.Default)
	tags := reg.Tags(metrics.Tag{Key: "name", Value: host + path}, metrics.Tag{Key: "method", Value: "GET"})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &results.Run{Header: results.Header{Start: t0, Interval: time.Second}, Registry: reg}
	for i, n := range rps {
		s, d, f := metrics.NewSink(metrics.Counter), metrics.NewSink(metrics.Trend), metrics.NewSink(metrics.Rate)
		for k := 0; k < n; k++ {
			s.Add(1)
			// spread latencies ±10% around lat[i] so percentiles differ
			d.Add(lat[i] * (0.9 + 0.2*float64(k%11)/10))
			f.Add(0)
		}
		start := t0.Add(time.Duration(i) * time.Second)
		run.Intervals = append(run.Intervals, results.Interval{Start: start, End: start.Add(time.Second), Snapshot: &metrics.Snapshot{
			Start: start, End: start.Add(time.Second),
			Series: []*metrics.Series{{Metric: reqs, Tags: tags, Sink: s}, {Metric: dur, Tags: tags, Sink: d}, {Metric: failed, Tags: tags, Sink: f}},
		}})
	}
	run.Summary = &results.Summary{End: t0.Add(time.Duration(len(rps)) * time.Second)}
	return run
}

func TestSustainableRPS_LastLevelWithinSLO(t *testing.T) {
	// A ramp 100..600/s; latency breaks 50 ms from the 5th second on.
	run := synthRun(t, "http://a:1", "/capacity", []int{100, 200, 300, 400, 400, 400}, []float64{5, 5, 5, 20, 80, 200})
	slo := SLO{Percentile: 95, Latency: 50 * time.Millisecond, MaxErrorRate: 0.01}
	got, ok := SustainableRPS(run, slo)
	if !ok || got != 400 {
		t.Fatalf("sustainable %v %v, want 400", got, ok)
	}
	ws, ok := SustainableWindows(run, slo)
	if !ok || len(ws) != 1 || !ws[0].Start.Equal(run.Header.Start) || !ws[0].End.Equal(run.Summary.End) {
		t.Fatalf("windows %+v, want the whole run", ws)
	}
	run.Marks = []results.Mark{
		{Name: "step 1", Start: run.Intervals[0].Start, End: run.Intervals[2].End},
		{Name: "step 2", Start: run.Intervals[3].Start, End: run.Intervals[5].End},
	}
	ws, ok = SustainableWindows(run, slo)
	if !ok || len(ws) != 1 || !ws[0].End.Equal(run.Intervals[2].End) {
		t.Fatalf("marked windows %+v, want step 1 only", ws)
	}
}

func TestBuild_PredictsAndCompares(t *testing.T) {
	st := mustDesc(t, "services: [{name: api, workers: 2}]\n")
	pr := mustDesc(t, "name: prod\nservices: [{name: api, workers: 8}]\n")
	slo := SLO{Percentile: 95, Latency: 50 * time.Millisecond, MaxErrorRate: 0.01}
	sRun := synthRun(t, "http://staging:1", "/capacity", []int{100, 200, 300, 400, 400}, []float64{5, 5, 5, 6, 90})
	tests := []struct {
		name       string
		prodRPS    []int
		prodLat    []float64
		wantWithin bool
		wantErr    float64
	}{
		{"prediction holds", []int{400, 800, 1200, 1600, 1600}, []float64{5, 5, 5, 6, 90}, true, 0},
		{"contention makes it miss", []int{400, 800, 1000, 1000, 1000}, []float64{5, 5, 6, 200, 300}, false, (1600 - 1000) / 1000.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pRun := synthRun(t, "http://prod:2", "/capacity", tt.prodRPS, tt.prodLat)
			rep, err := Build(st, pr, []*results.Run{sRun}, []*results.Run{pRun}, Options{SLO: slo, Bootstrap: 200})
			if err != nil {
				t.Fatal(err)
			}
			p := rep.Prediction
			if p.StagingSustainableRPS != 400 || p.ScaleFactor != 4 || p.PredictedRPS != 1600 {
				t.Fatalf("prediction %+v", p)
			}
			if p.Within != tt.wantWithin || math.Abs(p.ErrorFraction-tt.wantErr) > 1e-9 {
				t.Fatalf("within %v error %v, want %v %v", p.Within, p.ErrorFraction, tt.wantWithin, tt.wantErr)
			}
			if rep.Drifts[0].Rule != "workers" {
				t.Fatalf("top drift %+v", rep.Drifts[0])
			}
			if len(rep.Endpoints) != 1 || rep.Endpoints[0].Name != "/capacity" {
				t.Fatalf("endpoints %+v: the same path on two hosts must match", rep.Endpoints)
			}
			for _, r := range rep.Endpoints[0].Ratios {
				if !(r.Low <= r.Point && r.Point <= r.High) || r.Low <= 0 {
					t.Fatalf("ratio %+v: the point must lie within its interval", r)
				}
			}
		})
	}
}

func TestBootstrapRatios(t *testing.T) {
	// Steady intervals: every resample has the same distribution, so the
	// interval collapses onto the point.
	a := synthRun(t, "http://a", "/x", []int{50, 50, 50, 50}, []float64{10, 10, 10, 10})
	b := synthRun(t, "http://b", "/x", []int{50, 50, 50, 50}, []float64{20, 20, 20, 20})
	pick := func(r *results.Run) []*metrics.Sink {
		return collect([]*results.Run{r}, Select{}).durs
	}
	rep, err := Build(mustDesc(t, "services: [{name: s}]"), mustDesc(t, "services: [{name: s}]"),
		[]*results.Run{a}, []*results.Run{b}, Options{Bootstrap: 300})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Overall.Ratios {
		// every latency doubled, so every percentile ratio is 2 within the
		// histogram's precision, and so is every resample's.
		if math.Abs(r.Point-2) > 0.01 || math.Abs(r.Low-2) > 0.01 || math.Abs(r.High-2) > 0.01 {
			t.Fatalf("ratio %+v, want ≈ 2", r)
		}
	}
	// Intervals that vary: the interval widens and still holds the point.
	c := synthRun(t, "http://c", "/x", []int{50, 50, 50, 50}, []float64{20, 28, 16, 24})
	rep3, err := Build(mustDesc(t, "services: [{name: s}]"), mustDesc(t, "services: [{name: s}]"),
		[]*results.Run{a}, []*results.Run{c}, Options{Bootstrap: 300})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep3.Overall.Ratios {
		if !(r.Low <= r.Point && r.Point <= r.High) || r.High-r.Low < 0.1 {
			t.Fatalf("ratio %+v: want a wide interval around the point", r)
		}
	}
	if len(pick(a)) != 4 {
		t.Fatal("one sink per interval expected")
	}
	// Same seed, same report.
	rep2, _ := Build(mustDesc(t, "services: [{name: s}]"), mustDesc(t, "services: [{name: s}]"),
		[]*results.Run{a}, []*results.Run{b}, Options{Bootstrap: 300})
	if rep2.Overall.Ratios[1] != rep.Overall.Ratios[1] {
		t.Fatal("a fixed seed must reproduce the intervals")
	}
}

func TestBuild_StepMarksGoThroughCapacity(t *testing.T) {
	slo := SLO{Percentile: 95, Latency: 50 * time.Millisecond, MaxErrorRate: 0.01}
	mark := func(r *results.Run, rates []float64) *results.Run {
		for i, rate := range rates {
			r.Marks = append(r.Marks, results.Mark{Name: fmt.Sprintf("step %d", i+1),
				Start: r.Intervals[2*i].Start, End: r.Intervals[2*i+1].End,
				Attrs: map[string]any{"step": float64(i + 1), "offered_rps": rate}})
		}
		return r
	}
	// Steps of two 1 s intervals each; the 4th breaks the SLO.
	sRun := mark(synthRun(t, "http://s", "/c", []int{100, 100, 200, 200, 300, 300, 400, 400}, []float64{5, 5, 5, 5, 6, 6, 80, 90}), []float64{100, 200, 300, 400})
	pRun := mark(synthRun(t, "http://p", "/c", []int{400, 400, 800, 800, 1200, 1200, 1300, 1300}, []float64{5, 5, 5, 5, 6, 6, 80, 90}), []float64{400, 800, 1200, 1600})
	rep, err := Build(mustDesc(t, "services: [{name: api, workers: 2}]"), mustDesc(t, "services: [{name: api, workers: 8}]"),
		[]*results.Run{sRun}, []*results.Run{pRun}, Options{SLO: slo, Bootstrap: 50})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Prediction
	if p.Staging.Method != "capacity steps" || p.Staging.SustainableRPS != 300 || p.Production.SustainableRPS != 1200 {
		t.Fatalf("sides %+v %+v", p.Staging, p.Production)
	}
	if p.PredictedRPS != 1200 || !p.Within {
		t.Fatalf("prediction %+v", p)
	}
}

func TestCapacitySLOs(t *testing.T) {
	type obj struct {
		stat, op string
		limit    float64
	}
	tests := []struct {
		name string
		slo  SLO
		want []obj
	}{
		{"latency and errors", SLO{95, 50 * time.Millisecond, 0.01}, []obj{{"p(95)", "<", 50}, {"errors", "<=", 0.01}}},
		{"tiny error rate, sub-ms latency", SLO{99.9, 1500 * time.Microsecond, 0.00001}, []obj{{"p(99.9)", "<", 1.5}, {"errors", "<=", 0.00001}}},
		{"errors only", SLO{95, 0, 0}, []obj{{"errors", "<=", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := capacitySLOs(tt.slo)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if strings.ReplaceAll(g.Stat, " ", "") != w.stat && !(w.stat != "errors" && g.Percentile == tt.slo.Percentile) || g.Op != w.op || math.Abs(g.Limit-w.limit) > 1e-12 {
					t.Fatalf("objective %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
