package report

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// relTol is the relative error allowed between the HDR-based statistics and
// the exact (k6, interpolated) values: the histogram's 3 significant digits.
const relTol = 0.002

func near(got, want float64) bool {
	if want == 0 {
		return math.Abs(got) < 1e-9
	}
	return math.Abs(got-want) <= relTol*math.Abs(want)
}

func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%T is not an object", v)
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCase_C26_SummaryTrendStats(t *testing.T) {
	r := newRun(t)
	tr := r.metric("c26_trend", metrics.Trend, metrics.Time)
	for v := 1; v <= 100; v++ {
		r.add(tr, float64(v))
	}
	s := r.summary(10*time.Second, nil)
	s.TrendStats = []string{"med", "p(98)", "p(99.9)", "max", "count"}
	want := map[string]float64{"med": 50.5, "p(98)": 98.02, "p(99.9)": 99.901, "max": 100, "count": 100}
	wantKeys := []string{"count", "max", "med", "p(98)", "p(99.9)"}

	check := func(t *testing.T, values any) {
		t.Helper()
		if got := keys(t, values); !slices.Equal(got, wantKeys) {
			t.Fatalf("keys = %q, want exactly %q", got, wantKeys)
		}
		for k, w := range want {
			got, ok := values.(map[string]any)[k].(float64)
			if !ok || !near(got, w) {
				t.Errorf("%s = %v, want %v (±%g relative)", k, values.(map[string]any)[k], w, relTol)
			}
		}
		if got := values.(map[string]any)["count"]; got != 100.0 {
			t.Errorf("count = %v, want exactly 100", got)
		}
		if got := values.(map[string]any)["max"]; got != 100.0 {
			t.Errorf("max = %v, want exactly 100 (exact max, not a bucket)", got)
		}
	}
	t.Run("handleSummary data", func(t *testing.T) {
		check(t, path(t, jsonData(t, s), "metrics", "c26_trend", "values"))
		stats := path(t, jsonData(t, s), "options", "summaryTrendStats").([]any)
		if len(stats) != 5 || stats[0] != "med" || stats[4] != "count" {
			t.Errorf("options.summaryTrendStats = %v", stats)
		}
	})
	t.Run("summary export", func(t *testing.T) {
		check(t, path(t, export(t, s), "metrics", "c26_trend"))
	})
	t.Run("text summary", func(t *testing.T) {
		out := text(t, s)
		line := regexp.MustCompile(`(?m)^ +c26_trend\.+: (.*)$`).FindStringSubmatch(out)
		if line == nil {
			t.Fatalf("no c26_trend line in\n%s", out)
		}
		var names []string
		for _, f := range strings.Fields(line[1]) {
			names = append(names, f[:strings.Index(f, "=")])
		}
		if !slices.Equal(names, s.TrendStats) {
			t.Errorf("text stats = %q, want %q in that order", names, s.TrendStats)
		}
		if !strings.Contains(line[1], "max=100ms") || !strings.Contains(line[1], "count=100") {
			t.Errorf("text line %q lacks max=100ms or count=100", line[1])
		}
	})
}

func TestCase_C11_ExpectedResponseAndFailedWording(t *testing.T) {
	r := newRun(t)
	// /flaky: odd calls 200 after ~200 ms, even calls 500 at once.
	for i := 1; i <= 20; i++ {
		status, expected, failed, d := "200", "true", 0.0, 200.0+float64(i)/10
		if i%2 == 0 {
			status, expected, failed, d = "500", "false", 1, 0.2
		}
		kv := []string{"status", status, "expected_response", expected, "method", "GET"}
		r.add(r.b.HTTPReqs, 1, kv...)
		r.add(r.b.HTTPReqDuration, d, kv...)
		r.add(r.b.HTTPReqFailed, failed, kv...)
	}
	s := r.summary(5*time.Second, map[string][]string{
		"http_req_duration{expected_response:true}": {"p(50)>150"},
		"http_req_failed": {"rate<0.6"},
	})
	out := text(t, s)

	if !regexp.MustCompile(`(?m)^  ✓ http_req_failed\.+: 50\.00% +10 out of 20$`).MatchString(out) {
		t.Errorf("http_req_failed line does not say 50.00%% 10 out of 20:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^  ✓   \{ expected_response:true \}\.+: avg=`).MatchString(out) {
		t.Errorf("no passing { expected_response:true } line under http_req_duration:\n%s", out)
	}
	if !strings.Contains(out, "✓ 'p(50)>150' p(50)=") || !strings.Contains(out, "✓ 'rate<0.6' rate=50.00%") {
		t.Errorf("THRESHOLDS section lacks the judged values:\n%s", out)
	}

	d := jsonData(t, s)
	sub := path(t, d, "metrics", ExpectedResponseMetric)
	if med := path(t, sub, "values", "med").(float64); med < 200 || med > 203 {
		t.Errorf("expected-only med = %v, want 200..203", med)
	}
	if ok := path(t, sub, "thresholds", "p(50)>150", "ok"); ok != true {
		t.Errorf("sub-metric threshold ok = %v, want true", ok)
	}
	all := path(t, d, "metrics", "http_req_duration", "values").(map[string]any)
	if med := all["med"].(float64); med > 201 {
		t.Errorf("overall med = %v, want between the fast and slow halves", med)
	}
	failed := path(t, d, "metrics", "http_req_failed", "values").(map[string]any)
	if failed["rate"] != 0.5 || failed["passes"] != 10.0 || failed["fails"] != 10.0 {
		t.Errorf("http_req_failed values = %v, want rate 0.5, passes 10, fails 10", failed)
	}
}

func TestCase_C09_NoDataThresholds(t *testing.T) {
	r := newRun(t)
	r.metric("never_added", metrics.Counter, metrics.Default)
	r.metric("empty_rate", metrics.Rate, metrics.Default)
	r.metric("empty_trend", metrics.Trend, metrics.Time)
	r.add(r.b.Iterations, 1)
	s := r.summary(time.Second, map[string][]string{
		"never_added": {"count>500"},
		"empty_rate":  {"rate>0.9"},
		"empty_trend": {"p(95)<100"},
	})
	out := text(t, s)
	byName := map[string]bool{}
	for _, set := range s.Thresholds {
		th := set.Thresholds[0]
		byName[set.MetricName] = th.Passed
		mark := "✓"
		if !th.Passed {
			mark = "✗"
		}
		var want string
		switch {
		case set.MetricName == "never_added":
			if !th.Evaluated || th.Passed {
				t.Fatalf("counter threshold: evaluated %v passed %v, want evaluated and failed (count = 0)", th.Evaluated, th.Passed)
			}
			want = "✗ 'count>500' count=0"
		case th.Evaluated:
			t.Fatalf("%s: evaluated without samples", set.MetricName)
		default:
			want = mark + " '" + th.Source + "' no data"
		}
		if !strings.Contains(out, want+"\n") {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rate=0.00%") || strings.Contains(out, "p(95)=0") {
		t.Errorf("text shows a number for an empty metric:\n%s", out)
	}
	for _, name := range []string{"empty_rate", "empty_trend"} {
		if !regexp.MustCompile(`(?m)^  [✓✗] ` + name + `\.+: no data$`).MatchString(out) {
			t.Errorf("metrics list does not show %s as no data:\n%s", name, out)
		}
	}
	d := jsonData(t, s)
	ex := export(t, s)
	for name, passed := range byName {
		for expr := range path(t, d, "metrics", name, "thresholds").(map[string]any) {
			if ok := path(t, d, "metrics", name, "thresholds", expr, "ok"); ok != passed {
				t.Errorf("data %s %s ok = %v, verdict passed = %v", name, expr, ok, passed)
			}
			if failed := path(t, ex, "metrics", name, "thresholds", expr); failed != !passed {
				t.Errorf("export %s %s = %v, want %v (true = failed)", name, expr, failed, !passed)
			}
		}
	}
	if c := path(t, d, "metrics", "never_added", "values", "count"); c != 0.0 {
		t.Errorf("never_added count = %v, want 0", c)
	}
}

// checkSamples records what 14-groups.js and 15-checks.js style code emits:
// one checks sample per condition, tagged with its group and check name.
func checkSamples(r *run) {
	for iter := 0; iter < 2; iter++ {
		r.add(r.b.Checks, 1, "group", "", "check", "status is 200")
		r.add(r.b.Checks, 0, "group", "", "check", "five is six", "phase", "mixed")
		r.add(r.b.HTTPReqs, 1, "group", "::outer")
		r.add(r.b.Checks, 1, "group", "::outer::inner", "check", "inside inner")
		r.add(r.b.GroupDuration, 101, "group", "::outer::inner")
		r.add(r.b.GroupDuration, 152, "group", "::outer")
		r.add(r.b.Checks, 1, "group", "::lone", "check", "status is 200")
		r.add(r.b.Checks, float64(iter), "group", "", "check", "five is six", "phase", "other")
	}
}

func TestGroupCheckTree(t *testing.T) {
	r := newRun(t)
	checkSamples(r)
	s := r.summary(time.Second, nil)
	root := path(t, jsonData(t, s), "root_group").(map[string]any)

	if root["name"] != "" || root["path"] != "" || root["id"] != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("root group = name %q path %q id %v", root["name"], root["path"], root["id"])
	}
	type chk struct {
		path          string
		passes, fails float64
	}
	var gotChecks []chk
	var gotGroups []string
	var walk func(g map[string]any)
	walk = func(g map[string]any) {
		for _, c := range g["checks"].([]any) {
			c := c.(map[string]any)
			if c["id"] != hashID(c["path"].(string)) || c["path"] != g["path"].(string)+"::"+c["name"].(string) {
				t.Errorf("check %v: path or id inconsistent", c)
			}
			gotChecks = append(gotChecks, chk{c["path"].(string), c["passes"].(float64), c["fails"].(float64)})
		}
		for _, sub := range g["groups"].([]any) {
			sub := sub.(map[string]any)
			if sub["id"] != hashID(sub["path"].(string)) || sub["path"] != g["path"].(string)+"::"+sub["name"].(string) {
				t.Errorf("group %v: path or id inconsistent", sub["path"])
			}
			gotGroups = append(gotGroups, sub["path"].(string))
			walk(sub)
		}
	}
	walk(root)
	wantChecks := []chk{
		{"::status is 200", 2, 0},
		{"::five is six", 1, 3},
		{"::outer::inner::inside inner", 2, 0},
		{"::lone::status is 200", 2, 0},
	}
	if !slices.Equal(gotChecks, wantChecks) {
		t.Errorf("checks (depth first, first appearance order) =\n%v\nwant\n%v", gotChecks, wantChecks)
	}
	if want := []string{"::outer", "::outer::inner", "::lone"}; !slices.Equal(gotGroups, want) {
		t.Errorf("groups = %q, want %q", gotGroups, want)
	}
	// md5 computed independently (printf '::outer' | md5sum).
	outer := path(t, root, "groups").([]any)[0].(map[string]any)
	if outer["id"] != "c34b428ee7255085dfe7fef53d3394d5" {
		t.Errorf("group ::outer id = %v, want the hex MD5 of its path", outer["id"])
	}
	innerCheck := path(t, outer, "groups").([]any)[0].(map[string]any)["checks"].([]any)[0].(map[string]any)
	if innerCheck["id"] != "9d30fca6a44fccabaf998b1df2072f26" {
		t.Errorf("check id = %v, want the hex MD5 of its path", innerCheck["id"])
	}

	ex := path(t, export(t, s), "root_group")
	inner := path(t, ex, "groups", "outer", "groups", "inner", "checks", "inside inner")
	if path(t, inner, "passes") != 2.0 || path(t, inner, "fails") != 0.0 || path(t, inner, "path") != "::outer::inner::inside inner" {
		t.Errorf("export inner check = %v", inner)
	}
	if got := keys(t, path(t, ex, "checks")); !slices.Equal(got, []string{"five is six", "status is 200"}) {
		t.Errorf("export root checks = %q", got)
	}

	out := text(t, s)
	for _, want := range []string{
		"    ✓ status is 200     100.00%  ✓ 2  ✗ 0\n",
		"    ✗ five is six       25.00%   ✓ 1  ✗ 3\n",
		"    █ outer\n      █ inner\n        ✓ inside inner  100.00%  ✓ 2  ✗ 0\n",
		"    █ lone\n      ✓ status is 200   100.00%  ✓ 2  ✗ 0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

func TestExportShape(t *testing.T) {
	r := newRun(t)
	r.add(r.b.HTTPReqs, 1)
	r.add(r.b.HTTPReqs, 1)
	r.add(r.b.VUs, 3)
	r.add(r.b.VUs, 1)
	r.add(r.b.Checks, 1, "check", "ok")
	r.add(r.b.Checks, 0, "check", "ok")
	r.add(r.b.HTTPReqDuration, 10)
	r.add(r.b.DataReceived, 2048)
	s := r.summary(2*time.Second, map[string][]string{
		"http_reqs":         {"count>1", "count>5"},
		"http_req_duration": {"p(95)<500"},
	})
	ex := export(t, s)
	if got := keys(t, ex); !slices.Equal(got, []string{"metrics", "root_group"}) {
		t.Fatalf("top-level keys = %q", got)
	}
	tests := []struct {
		name   string
		metric string
		keys   []string
		values map[string]any
	}{
		{"counter", "http_reqs", []string{"count", "rate", "thresholds"}, map[string]any{"count": 2.0, "rate": 1.0}},
		{"data counter in bytes", "data_received", []string{"count", "rate"}, map[string]any{"count": 2048.0, "rate": 1024.0}},
		{"gauge", "vus", []string{"max", "min", "value"}, map[string]any{"value": 1.0, "min": 1.0, "max": 3.0}},
		{"rate uses value not rate", "checks", []string{"fails", "passes", "value"}, map[string]any{"passes": 1.0, "fails": 1.0, "value": 0.5}},
		{"trend has the default stats", "http_req_duration", []string{"avg", "max", "med", "min", "p(90)", "p(95)", "thresholds"}, map[string]any{"max": 10.0, "min": 10.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := path(t, ex, "metrics", tt.metric)
			if got := keys(t, m); !slices.Equal(got, tt.keys) {
				t.Errorf("keys = %q, want %q", got, tt.keys)
			}
			for k, want := range tt.values {
				if got := path(t, m, k); got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
		})
	}
	if got := path(t, ex, "metrics", "http_reqs", "thresholds", "count>1"); got != false {
		t.Errorf("passing threshold exported as %v, want false (legacy: true = failed)", got)
	}
	if got := path(t, ex, "metrics", "http_reqs", "thresholds", "count>5"); got != true {
		t.Errorf("failing threshold exported as %v, want true (legacy: true = failed)", got)
	}
}

// TestDataHandleSummaryContract mirrors what compat/38-handle-summary.js
// asserts on the data object.
func TestDataHandleSummaryContract(t *testing.T) {
	r := newRun(t)
	items := r.metric("summary_items", metrics.Counter, metrics.Default)
	level := r.metric("summary_level", metrics.Gauge, metrics.Default)
	for iter := 0; iter < 3; iter++ {
		for range 2 {
			r.add(r.b.HTTPReqs, 1)
			r.add(r.b.HTTPReqDuration, 5+float64(iter))
		}
		r.add(r.b.Checks, 1, "check", "status 200")
		r.add(items, 3)
		r.add(level, float64(iter+1))
		r.add(r.b.Iterations, 1)
	}
	s := r.summary(1500*time.Millisecond, map[string][]string{"summary_items": {"count==9"}})
	s.SetupData = []byte(`{"marker":"from-setup"}`)
	s.IsStdoutTTY = true
	d := jsonData(t, s)
	tests := []struct {
		name string
		keys []string
		want any
	}{
		{"iterations count", []string{"metrics", "iterations", "values", "count"}, 3.0},
		{"http_reqs count", []string{"metrics", "http_reqs", "values", "count"}, 6.0},
		{"http_reqs type", []string{"metrics", "http_reqs", "type"}, "counter"},
		{"counter rate per second", []string{"metrics", "http_reqs", "values", "rate"}, 4.0},
		{"custom counter", []string{"metrics", "summary_items", "values", "count"}, 9.0},
		{"gauge type", []string{"metrics", "summary_level", "type"}, "gauge"},
		{"gauge last value", []string{"metrics", "summary_level", "values", "value"}, 3.0},
		{"checks type", []string{"metrics", "checks", "type"}, "rate"},
		{"checks rate", []string{"metrics", "checks", "values", "rate"}, 1.0},
		{"trend type", []string{"metrics", "http_req_duration", "type"}, "trend"},
		{"trend contains", []string{"metrics", "http_req_duration", "contains"}, "time"},
		{"trend max in ms", []string{"metrics", "http_req_duration", "values", "max"}, 7.0},
		{"counter contains", []string{"metrics", "summary_items", "contains"}, "default"},
		{"threshold ok", []string{"metrics", "summary_items", "thresholds", "count==9", "ok"}, true},
		{"setup data", []string{"setup_data", "marker"}, "from-setup"},
		{"duration", []string{"state", "testRunDurationMs"}, 1500.0},
		{"stdout tty", []string{"state", "isStdOutTTY"}, true},
		{"stderr tty", []string{"state", "isStdErrTTY"}, false},
		{"time unit", []string{"options", "summaryTimeUnit"}, ""},
		{"no colour", []string{"options", "noColor"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := path(t, d, tt.keys...); got != tt.want {
				t.Errorf("%s = %v, want %v", strings.Join(tt.keys, "."), got, tt.want)
			}
		})
	}
	for _, stat := range DefaultTrendStats {
		if _, ok := path(t, d, "metrics", "http_req_duration", "values", stat).(float64); !ok {
			t.Errorf("http_req_duration %s is not a number", stat)
		}
	}
	if _, ok := path(t, d, "metrics").(map[string]any)["http_req_blocked"]; ok {
		t.Error("a metric without samples or thresholds is listed")
	}
	s.SetupData = nil
	if _, ok := s.Data()["setup_data"]; ok {
		t.Error("setup_data present without setup()")
	}
}
