package threshold

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

func TestParseExpressions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		agg  string
		p    float64
		op   string
		want float64
		err  string // substring of the error; "" for valid
	}{
		{"percentile", "p(95)<500", "p", 95, "<", 500, ""},
		{"fractional percentile", "p(99.9) <= 1.5", "p", 99.9, "<=", 1.5, ""},
		{"spaces everywhere", "  p ( 90 )  >=  -3.25 ", "p", 90, ">=", -3.25, ""},
		{"median", "med>=49.5", "med", 50, ">=", 49.5, ""},
		{"avg", "avg<50.7", "avg", 0, "<", 50.7, ""},
		{"min", "min>=0.99", "min", 0, ">=", 0.99, ""},
		{"max", "max==0", "max", 0, "==", 0, ""},
		{"count", "count==55", "count", 0, "==", 55, ""},
		{"triple equals", "count===55", "count", 0, "==", 55, ""},
		{"not equal", "count!=54", "count", 0, "!=", 54, ""},
		{"greater with spaces", "count > 54", "count", 0, ">", 54, ""},
		{"rate", "rate<0.01", "rate", 0, "<", 0.01, ""},
		{"value", "value==42", "value", 0, "==", 42, ""},
		{"exponent", "max<1e3", "max", 0, "<", 1000, ""},
		{"p0", "p(0)>1", "p", 0, ">", 1, ""},
		{"p100", "p(100)<9", "p", 100, "<", 9, ""},

		{"empty", "", "", 0, "", 0, "empty expression"},
		{"percentile without parentheses", "p95<500", "", 0, "", 0, "must be written p(N)"},
		{"unknown word", "mean<5", "", 0, "", 0, "unknown aggregation \"mean\""},
		{"missing aggregation", "<5", "", 0, "", 0, "missing aggregation"},
		{"missing operator", "avg 5", "", 0, "", 0, "missing operator"},
		{"bad operator", "avg=5", "", 0, "", 0, "missing operator"},
		{"missing number", "avg<", "", 0, "", 0, "is not a number"},
		{"words after number", "avg<5ms", "", 0, "", 0, "is not a number"},
		{"percentile over 100", "p(101)<5", "", 0, "", 0, "from 0 to 100"},
		{"percentile negative", "p(-1)<5", "", 0, "", 0, "from 0 to 100"},
		{"percentile unclosed", "p(95<5", "", 0, "", 0, "missing `)`"},
		{"percentile empty", "p()<5", "", 0, "", 0, "from 0 to 100"},
		{"NaN", "avg<NaN", "", 0, "", 0, "is not a number"},
		{"Inf", "avg<Inf", "", 0, "", 0, "is not a number"},
		{"hex", "avg<0x10", "", 0, "", 0, "is not a number"},
		{"overflow", "avg<1e999", "", 0, "", 0, "is not a number"},
		{"two numbers", "avg<1 2", "", 0, "", 0, "is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse("m", []Config{{Threshold: tt.src}})
			if tt.err != "" {
				var te *Error
				if err == nil || !errors.As(err, &te) || !errors.Is(err, ErrExpression) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want ErrExpression containing %q", err, tt.err)
				}
				if te.Expr != tt.src || !strings.Contains(err.Error(), `key "m"`) || te.ExitCode() != 104 {
					t.Fatalf("error does not name key and expression: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			th := set.Thresholds[0]
			if th.Agg != tt.agg || th.P != tt.p || th.Op != tt.op || th.Want != tt.want || th.Source != tt.src {
				t.Fatalf("parsed %+v", *th)
			}
		})
	}
}

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		metric string
		filter []metrics.Tag
		err    string
	}{
		{"plain", "http_req_duration", "http_req_duration", nil, ""},
		{"one tag", "http_reqs{verb:any}", "http_reqs", []metrics.Tag{{Key: "verb", Value: "any"}}, ""},
		{"two tags", "http_reqs{probe:tagged,extra:yes}", "http_reqs",
			[]metrics.Tag{{Key: "probe", Value: "tagged"}, {Key: "extra", Value: "yes"}}, ""},
		{"spaces", " scenario_visits{ scenario : checkout , flow:checkout } ", "scenario_visits",
			[]metrics.Tag{{Key: "scenario", Value: "checkout"}, {Key: "flow", Value: "checkout"}}, ""},
		{"group path", "http_reqs{group:::outer::inner}", "http_reqs", []metrics.Tag{{Key: "group", Value: "::outer::inner"}}, ""},
		{"url value", "http_reqs{url:http://127.0.0.1:8080/get?plain=1}", "http_reqs",
			[]metrics.Tag{{Key: "url", Value: "http://127.0.0.1:8080/get?plain=1"}}, ""},
		{"template braces", "http_reqs{name:${}/get?page=${}&size=${}}", "http_reqs",
			[]metrics.Tag{{Key: "name", Value: "${}/get?page=${}&size=${}"}}, ""},
		{"comma not followed by a tag", "http_reqs{name:a,b}", "http_reqs", []metrics.Tag{{Key: "name", Value: "a,b"}}, ""},
		{"single quoted", "checks{check:'a, b: {c}'}", "checks", []metrics.Tag{{Key: "check", Value: "a, b: {c}"}}, ""},
		{"double quoted then more", `checks{check:"x,y:z", phase:good}`, "checks",
			[]metrics.Tag{{Key: "check", Value: "x,y:z"}, {Key: "phase", Value: "good"}}, ""},
		{"empty value", "m{k:}", "m", []metrics.Tag{{Key: "k", Value: ""}}, ""},
		{"trailing comma is part of the value", "m{a:b,}", "m", []metrics.Tag{{Key: "a", Value: "b,"}}, ""},
		{"trailing comma after a quote", "m{a:'b',}", "", nil, "trailing"},
		{"value with spaces inside", "checks{check:five is five}", "checks", []metrics.Tag{{Key: "check", Value: "five is five"}}, ""},

		{"empty key", "", "", nil, "metric name"},
		{"bad metric name", "http-reqs", "", nil, "metric name"},
		{"bad name before brace", "1x{a:b}", "", nil, "metric name \"1x\""},
		{"no closing brace", "m{a:b", "", nil, "must end with `}`"},
		{"junk after brace", "m{a:b}x", "", nil, "must end with `}`"},
		{"empty filter", "m{}", "", nil, "empty tag filter"},
		{"no colon", "m{abc}", "", nil, "has no `:value`"},
		{"bad tag name", "m{a b:c}", "", nil, "invalid tag name"},
		{"empty tag name", "m{:c}", "", nil, "invalid tag name"},
		{"unterminated quote", "m{a:'b}", "", nil, "unterminated"},
		{"text after quote", "m{a:'b'c}", "", nil, "after the quoted value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse(tt.key, []Config{{Threshold: "count>0"}})
			if tt.err != "" {
				if err == nil || !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want ErrKey containing %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), "threshold: key ") {
					t.Fatalf("error does not name the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if set.MetricName != tt.metric || set.Key != tt.key || len(set.Filter) != len(tt.filter) {
				t.Fatalf("parsed %q %v", set.MetricName, set.Filter)
			}
			for i := range tt.filter {
				if set.Filter[i] != tt.filter[i] {
					t.Fatalf("filter %v, want %v", set.Filter, tt.filter)
				}
			}
		})
	}
}

func TestConfigUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Config
		delay time.Duration
		err   string
	}{
		{"string", `"p(95)<500"`, Config{Threshold: "p(95)<500"}, 0, ""},
		{"object", `{"threshold":"rate<0.1","abortOnFail":true,"delayAbortEval":"10s"}`,
			Config{Threshold: "rate<0.1", AbortOnFail: true, DelayAbortEval: "10s"}, 10 * time.Second, ""},
		{"object minimal", `{"threshold":"rate<0.1"}`, Config{Threshold: "rate<0.1"}, 0, ""},
		{"delay as milliseconds", `{"threshold":"rate<0.1","delayAbortEval":1500}`,
			Config{Threshold: "rate<0.1", DelayAbortEval: "1.5s"}, 1500 * time.Millisecond, ""},
		{"missing threshold", `{"abortOnFail":true}`, Config{}, 0, "without a \"threshold\""},
		{"unknown field", `{"threshold":"rate<0.1","abortOnFial":true}`, Config{}, 0, "unknown field"},
		{"number", `5`, Config{}, 0, "want a string or"},
		{"bad delay", `{"threshold":"rate<0.1","delayAbortEval":true}`, Config{}, 0, "delayAbortEval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			err := json.Unmarshal([]byte(tt.in), &c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c != tt.want {
				t.Fatalf("got %+v, want %+v", c, tt.want)
			}
			set, err := Parse("http_req_failed", []Config{c})
			if err != nil {
				t.Fatal(err)
			}
			if th := set.Thresholds[0]; th.DelayAbortEval != tt.delay || th.AbortOnFail != tt.want.AbortOnFail {
				t.Fatalf("threshold %+v", *th)
			}
		})
	}
	// A map as in options.
	var m map[string][]Config
	if err := json.Unmarshal([]byte(`{"a":["count>1",{"threshold":"rate>0","abortOnFail":true}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if len(m["a"]) != 2 || !m["a"][1].AbortOnFail {
		t.Fatalf("options map %+v", m)
	}
	if _, err := Parse("m", []Config{{Threshold: "count>1", DelayAbortEval: "soon"}}); err == nil || !strings.Contains(err.Error(), "delayAbortEval") {
		t.Fatalf("bad delayAbortEval error = %v", err)
	}
}

// run is a tiny recorded test: a registry, an aggregator and one recorder.
type run struct {
	reg *metrics.Registry
	bi  *metrics.Builtin
	agg *metrics.Aggregator
	rc  *metrics.Recorder
}

func newRun(t *testing.T) *run {
	t.Helper()
	r := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(r)
	agg := metrics.NewAggregator(r)
	return &run{reg: r, bi: bi, agg: agg, rc: agg.NewRecorder()}
}

func (r *run) metric(t *testing.T, name string, typ metrics.Type) *metrics.Metric {
	t.Helper()
	m, err := r.reg.New(name, typ, metrics.Default)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (r *run) totals() *metrics.Snapshot {
	r.agg.Flush()
	return r.agg.Totals()
}

func TestCase_C07_ThresholdKeyWithSpecialChars(t *testing.T) {
	r := newRun(t)
	const name = "http://127.0.0.1:PORT/items/${}"
	tagged := r.reg.Tags(metrics.Tag{Key: "name", Value: name}, metrics.Tag{Key: "method", Value: "GET"})
	other := r.reg.Tags(metrics.Tag{Key: "name", Value: "http://127.0.0.1:PORT/other"})
	r.rc.Add(r.bi.HTTPReqDuration, tagged, 12)
	r.rc.Add(r.bi.HTTPReqDuration, tagged, 30)
	r.rc.Add(r.bi.HTTPReqDuration, other, 5000)

	key := "http_req_duration{name:" + name + "}"
	sets, err := ParseAll(map[string][]Config{key: {{Threshold: "p(95)<1000"}, {Threshold: "max<31"}}}, r.reg)
	if err != nil {
		t.Fatal(err)
	}
	set := sets[0]
	if set.MetricName != "http_req_duration" || len(set.Filter) != 1 || set.Filter[0].Key != "name" || set.Filter[0].Value != name {
		t.Fatalf("parsed %q %v", set.MetricName, set.Filter)
	}
	if !set.Eval(r.totals()) {
		t.Fatalf("thresholds failed: %+v %+v", *set.Thresholds[0], *set.Thresholds[1])
	}
	if th := set.Thresholds[1]; !th.Evaluated || th.Value != 30 {
		t.Fatalf("max over both tagged requests = %+v", *th)
	}
	// A bad expression on such a key names both.
	_, err = Parse(key, []Config{{Threshold: "p95<1000"}})
	if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "p95<1000") {
		t.Fatalf("error = %v, want the key and the expression", err)
	}
}

func TestCase_C09_EmptyMetrics(t *testing.T) {
	r := newRun(t)
	never := r.metric(t, "never_added", metrics.Counter)
	r.metric(t, "empty_rate", metrics.Rate)
	r.metric(t, "empty_trend", metrics.Trend)
	r.metric(t, "empty_gauge", metrics.Gauge)
	used := r.metric(t, "used", metrics.Counter)
	r.rc.Add(used, r.reg.Tags(metrics.Tag{Key: "v", Value: "1"}), 1)
	r.rc.Add(r.bi.Iterations, nil, 1)
	_ = never

	cfg := map[string][]Config{
		"never_added":        {{Threshold: "count>500"}, {Threshold: "count==0"}, {Threshold: "rate==0"}},
		"empty_rate":         {{Threshold: "rate>0.9"}},
		"empty_trend":        {{Threshold: "p(95)<100"}},
		"empty_gauge":        {{Threshold: "value>=0"}},
		"used{v:4}":          {{Threshold: "count==0"}},
		"dropped_iterations": {{Threshold: "count==0"}},
	}
	sets, err := ParseAll(cfg, r.reg)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.totals()
	type verdict struct {
		evaluated, passed bool
		value             float64
	}
	want := map[string][]verdict{
		"never_added":        {{true, false, 0}, {true, true, 0}, {true, true, 0}},
		"empty_rate":         {{false, false, 0}},
		"empty_trend":        {{false, false, 0}},
		"empty_gauge":        {{false, false, 0}},
		"used{v:4}":          {{true, true, 0}},
		"dropped_iterations": {{true, true, 0}},
	}
	for _, set := range sets {
		t.Run(set.Key, func(t *testing.T) {
			all := set.Eval(snap)
			wantAll := true
			for i, th := range set.Thresholds {
				w := want[set.Key][i]
				if th.Evaluated != w.evaluated || th.Passed != w.passed || th.Value != w.value {
					t.Fatalf("%s: evaluated=%v passed=%v value=%v, want %+v", th.Source, th.Evaluated, th.Passed, th.Value, w)
				}
				wantAll = wantAll && w.passed
			}
			if all != wantAll {
				t.Fatalf("Eval = %v, want %v", all, wantAll)
			}
		})
	}

	// An undeclared metric is a config error before the run.
	_, err = ParseAll(map[string][]Config{"not_declared": {{Threshold: "count>0"}}}, r.reg)
	var te *Error
	if !errors.Is(err, ErrUnknownMetric) || !errors.As(err, &te) || te.ExitCode() != ExitCode || !strings.Contains(err.Error(), "not_declared") {
		t.Fatalf("undeclared metric error = %v", err)
	}
}

func TestParseAllAggregationFit(t *testing.T) {
	r := newRun(t)
	r.metric(t, "level", metrics.Gauge)
	tests := []struct {
		name string
		key  string
		expr string
		ok   bool
	}{
		{"trend p", "http_req_duration", "p(95)<500", true},
		{"trend med", "http_req_duration", "med<500", true},
		{"trend count (C26)", "http_req_duration", "count<10", false},
		{"trend rate", "http_req_duration", "rate<10", false},
		{"trend value", "http_req_duration", "value<10", false},
		{"counter count", "http_reqs", "count>1", true},
		{"counter rate", "http_reqs", "rate>1", true},
		{"counter avg", "http_reqs", "avg>1", false},
		{"rate rate", "checks", "rate==1", true},
		{"rate count", "checks", "count>1", false},
		{"gauge value", "level", "value==42", true},
		{"gauge max", "level", "max<3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAll(map[string][]Config{tt.key: {{Threshold: tt.expr}}}, r.reg)
			if tt.ok != (err == nil) {
				t.Fatalf("error = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (!errors.Is(err, ErrAggregation) || !strings.Contains(err.Error(), tt.expr)) {
				t.Fatalf("error = %v, want ErrAggregation naming %q", err, tt.expr)
			}
		})
	}
	_, err := ParseAll(map[string][]Config{"http_req_duration": {{Threshold: "count<10"}}}, r.reg)
	if err == nil || !strings.Contains(err.Error(), "http_reqs") {
		t.Fatalf("count-on-trend error gives no hint: %v", err)
	}
}

func TestEvalAggregations(t *testing.T) {
	r := newRun(t)
	vals := r.metric(t, "expr_values", metrics.Trend)
	total := r.metric(t, "expr_total", metrics.Counter)
	hits := r.metric(t, "expr_hits", metrics.Rate)
	level := r.metric(t, "expr_level", metrics.Gauge)
	for i := 1; i <= 100; i++ {
		r.rc.Add(vals, nil, float64(i))
	}
	for i := 1; i <= 10; i++ {
		r.rc.Add(total, nil, float64(i))
	}
	for i := range 4 {
		r.rc.Add(hits, nil, float64(i/3))
	}
	r.rc.Add(level, nil, 12)
	r.rc.Add(level, nil, 42)
	snap := r.totals()
	tests := []struct {
		key, expr string
		passed    bool
	}{
		{"expr_values", "min>=0.99", true},
		{"expr_values", "max<=101", true},
		{"expr_values", "avg>50.3", true},
		{"expr_values", "med>=49.5", true},
		{"expr_values", "p(90)<=91.5", true},
		{"expr_values", "p(95)>94", true},
		{"expr_values", "p(99.9)>=99", true},
		{"expr_values", "p(95)<95", false},
		{"expr_total", "count==55", true},
		{"expr_total", "count===55", true},
		{"expr_total", "count!=55", false},
		{"expr_total", "rate>0", true},
		{"expr_hits", "rate==0.25", true},
		{"expr_hits", "rate>0.26", false},
		{"expr_level", "value==42", true},
		{"expr_level", "value<42", false},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.expr, func(t *testing.T) {
			sets, err := ParseAll(map[string][]Config{tt.key: {{Threshold: tt.expr}}}, r.reg)
			if err != nil {
				t.Fatal(err)
			}
			if got := sets[0].Eval(snap); got != tt.passed || !sets[0].Thresholds[0].Evaluated {
				t.Fatalf("Eval = %v (value %v), want %v", got, sets[0].Thresholds[0].Value, tt.passed)
			}
		})
	}
}

func TestCounterRateUsesElapsed(t *testing.T) {
	r := newRun(t)
	for range 30 {
		r.rc.Add(r.bi.HTTPReqs, nil, 1)
	}
	snap := r.totals()
	sets, err := ParseAll(map[string][]Config{"http_reqs": {{Threshold: "rate>=10"}}}, r.reg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		elapsed time.Duration
		value   float64
		passed  bool
	}{
		{"3 s", 3 * time.Second, 10, true},
		{"6 s", 6 * time.Second, 5, false},
		{"zero", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sets[0].EvalAt(snap, tt.elapsed)
			th := sets[0].Thresholds[0]
			if got != tt.passed || math.Abs(th.Value-tt.value) > 1e-9 {
				t.Fatalf("EvalAt = %v, value %v; want %v, %v", got, th.Value, tt.passed, tt.value)
			}
		})
	}
	// Eval uses the snapshot's span.
	snap.End = snap.Start.Add(2 * time.Second)
	if !sets[0].Eval(snap) || sets[0].Thresholds[0].Value != 15 {
		t.Fatalf("Eval value %v, want 15", sets[0].Thresholds[0].Value)
	}
}

func TestParseAllSortedAndMetricResolved(t *testing.T) {
	r := newRun(t)
	sets, err := ParseAll(map[string][]Config{
		"iterations":          {{Threshold: "count>0"}},
		"checks":              {{Threshold: "rate==1"}},
		"http_reqs{flow:a,b}": {{Threshold: "count==1"}},
	}, r.reg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"checks", "http_reqs{flow:a,b}", "iterations"}
	for i, s := range sets {
		if s.Key != want[i] || s.Metric == nil || s.Metric.Name != s.MetricName {
			t.Fatalf("set %d = %q (%v)", i, s.Key, s.Metric)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ key, expr string }{
		{"http_req_duration", "p(95)<500"},
		{"http_req_duration{name:http://127.0.0.1:PORT/items/${}}", "p(95)<1000"},
		{"http_reqs{probe:tagged,extra:yes}", "count==1"},
		{"checks{check:'a,b:c'}", "rate === 1"},
		{"m{a:\"x}", "avg <"},
		{"m{}", "p(-1)>1"},
		{"", ""},
		{"group_duration{group:::outer::inner}", "min>=95"},
		{"x{a:b,}", "value != -0.5e3"},
	} {
		f.Add(seed.key, seed.expr)
	}
	f.Fuzz(func(t *testing.T, key, expr string) {
		set, err := Parse(key, []Config{{Threshold: expr}})
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.Key != key || !strings.HasPrefix(err.Error(), "threshold: ") {
				t.Fatalf("error %v is not an *Error naming the key", err)
			}
			return
		}
		if !metrics.ValidName(set.MetricName) {
			t.Fatalf("accepted invalid metric name %q", set.MetricName)
		}
		th := set.Thresholds[0]
		if math.IsNaN(th.Want) || math.IsInf(th.Want, 0) || th.P < 0 || th.P > 100 {
			t.Fatalf("accepted %+v", *th)
		}
		switch th.Op {
		case "<", "<=", ">", ">=", "==", "!=":
		default:
			t.Fatalf("operator %q", th.Op)
		}
		for _, tag := range set.Filter {
			if !validTagName(tag.Key) {
				t.Fatalf("tag name %q", tag.Key)
			}
		}
	})
}
