package rightsize

import (
	"bytes"
	"encoding/json"
	"html"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/parity"
)

// renderFixture is a report of one service sampled every second for 30 s,
// of which seconds 10..20 are a window of sustainable load.
func renderFixture(t *testing.T, rule Rule) *Report {
	t.Helper()
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	var samples []Sample
	for i := range 30 {
		cpu := 0.05 + 0.01*float64(i%7)
		if i == 25 {
			cpu = 0.9 // a spike outside the window: must not count
		}
		samples = append(samples, Sample{Time: t0.Add(time.Duration(i) * time.Second), Service: "api", CPUCores: cpu, MemoryBytes: float64(30+i) * (1 << 20)})
	}
	samples = append(samples, Sample{Time: t0.Add(time.Hour), Service: "api", CPUCores: 5, MemoryBytes: 1 << 40}) // outside the run
	ws := []Window{{t0.Add(10 * time.Second), t0.Add(20 * time.Second)}}
	desc, err := parity.ParseDescriptor([]byte("services: [{name: api, cpu: 500m, memory: 256Mi, cpu_limit: 1}]"))
	if err != nil {
		t.Fatal(err)
	}
	return &Report{Source: "csv usage.csv", Windows: ws, WindowRule: "the 1 marked step(s) that met p(95)<50ms, errors<1%", Rule: rule,
		Services: Recommend(samples, ws, rule, desc), Usage: Usage(samples, ws, Window{t0, t0.Add(30 * time.Second)})}
}

func TestUsage_SpanAndWindows(t *testing.T) {
	r := renderFixture(t, DefaultRule())
	if len(r.Usage) != 1 || r.Usage[0].Service != "api" {
		t.Fatalf("usage %+v", r.Usage)
	}
	pts := r.Usage[0].Points
	if len(pts) != 30 {
		t.Fatalf("%d points, want the 30 inside the run's span", len(pts))
	}
	in := 0
	for i, p := range pts {
		if i > 0 && p.Time.Before(pts[i-1].Time) {
			t.Fatal("points out of time order")
		}
		if p.InWindow {
			in++
		}
	}
	if in != 11 || in != r.Services[0].CPU.Samples {
		t.Fatalf("%d points in the window, want 11 = the samples counted (%d)", in, r.Services[0].CPU.Samples)
	}
}

func TestRunsSpan(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	iv := func(s, e int) results.Interval {
		return results.Interval{Start: t0.Add(time.Duration(s) * time.Second), End: t0.Add(time.Duration(e) * time.Second)}
	}
	tests := []struct {
		name       string
		runs       []*results.Run
		start, end int
		zero       bool
	}{
		{"header and summary", []*results.Run{{Header: results.Header{Start: t0}, Summary: &results.Summary{End: t0.Add(60 * time.Second)}}}, 0, 60, false},
		{"intervals only (crashed run)", []*results.Run{{Intervals: []results.Interval{iv(5, 6), iv(6, 7)}}}, 5, 7, false},
		{"two runs", []*results.Run{
			{Header: results.Header{Start: t0.Add(100 * time.Second)}, Summary: &results.Summary{End: t0.Add(160 * time.Second)}},
			{Header: results.Header{Start: t0}, Summary: &results.Summary{End: t0.Add(30 * time.Second)}}}, 0, 160, false},
		{"empty", []*results.Run{{}}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := RunsSpan(tt.runs)
			if tt.zero {
				if !s.Start.IsZero() {
					t.Fatalf("span %+v, want zero", s)
				}
				return
			}
			if !s.Start.Equal(t0.Add(time.Duration(tt.start)*time.Second)) || !s.End.Equal(t0.Add(time.Duration(tt.end)*time.Second)) {
				t.Fatalf("span %v..%v, want +%ds..+%ds", s.Start, s.End, tt.start, tt.end)
			}
		})
	}
}

// TestRender_StatesTheRuleUsed: the Markdown and the HTML state the
// parameters the recommendation was computed with, not the defaults'.
func TestRender_StatesTheRuleUsed(t *testing.T) {
	tests := []struct {
		name    string
		rule    Rule
		want    []string
		notWant []string
	}{
		{"defaults", DefaultRule(), []string{"request = p90 of usage × (1 + 15% margin) = p90 × 1.15", "limit = max usage ÷ 0.8 (the peak at 80% utilization)", "These are the defaults", "base p90"}, []string{"Changed from the defaults"}},
		{"changed", Rule{RequestPercentile: 95, SafetyMargin: 0.3, LimitUtilization: 0.7}, []string{"request = p95 of usage × (1 + 30% margin) = p95 × 1.3", "limit = max usage ÷ 0.7 (the peak at 70% utilization)", "percentile p95 instead of p90", "margin 30% instead of 15%", "limit utilization 70% instead of 80%", "base p95"}, []string{"These are the defaults"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := renderFixture(t, tt.rule)
			var md, hs bytes.Buffer
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(&hs); err != nil {
				t.Fatal(err)
			}
			page := html.UnescapeString(hs.String())
			for _, s := range tt.want {
				if !strings.Contains(md.String(), s) {
					t.Errorf("Markdown does not state %q:\n%s", s, md.String())
				}
				if !strings.Contains(page, s) {
					t.Errorf("HTML does not state %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(md.String(), s) || strings.Contains(page, s) {
					t.Errorf("report says %q", s)
				}
			}
		})
	}
}

var rightsizeDataRE = regexp.MustCompile(`(?s)<script type="application/json" id="rightsize-data">(.*?)</script>`)

// TestRender_HTML: the page embeds the JSON output, shows the table's
// figures and charts CPU and memory of the service with the recommended
// and current lines.
func TestRender_HTML(t *testing.T) {
	r := renderFixture(t, DefaultRule())
	var js, hs bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&hs); err != nil {
		t.Fatal(err)
	}
	m := rightsizeDataRE.FindSubmatch(hs.Bytes())
	if m == nil {
		t.Fatal("no rightsize-data element")
	}
	var a, b any
	if err := json.Unmarshal(m[1], &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	if !bytes.Equal(x, y) {
		t.Error("the JSON embedded in the HTML differs from the JSON output")
	}
	page := html.UnescapeString(hs.String())
	cpu := r.Services[0].CPU
	if math.Abs(cpu.Max-0.11) > 1e-9 {
		t.Fatalf("cpu max %v: the spike outside the window counted", cpu.Max)
	}
	for _, want := range []string{
		`data-name="request">` + cores(cpu.Request) + "<",
		`data-name="limit">` + cores(cpu.Limit) + "<",
		`data-name="request">` + bytesIEC(r.Services[0].Memory.Request) + "<",
		`id="chart-usage-api-cpu"`, `id="chart-usage-api-memory"`,
		"recommended request " + cores(cpu.Request), "recommended limit " + cores(cpu.Limit), "current request 500m", "current limit 1000m",
		"current request 256.0Mi",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 2 {
		t.Errorf("%d charts, want 2 (cpu, memory)", n)
	}
	// The spike outside the window is drawn (grey), not hidden.
	if !strings.Contains(page, "25, 900m") {
		t.Error("the usage spike outside the window is not drawn")
	}
}

// The usage source (a file name or a Prometheus URL) is escaped in
// Markdown: "*x*" in a path stays literal, not italics.
func TestMarkdownEscapesSource(t *testing.T) {
	r := &Report{Source: "csv /tmp/my_dir/us_*x*.csv", WindowRule: "every sample", Rule: DefaultRule()}
	var b strings.Builder
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	if want := `Usage from csv /tmp/my\_dir/us\_\*x\*.csv, over every sample.`; !strings.Contains(b.String(), want) {
		t.Errorf("Markdown lacks %q:\n%s", want, b.String())
	}
	if got := r.SourceText(); got != "Usage from csv /tmp/my_dir/us_*x*.csv, over every sample." {
		t.Errorf("SourceText() = %q, want the plain text", got)
	}
}
