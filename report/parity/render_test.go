package parity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
)

var parityDataRE = regexp.MustCompile(`(?s)<script type="application/json" id="parity-data">(.*?)</script>`)

// visibleValue returns the text of the element with data-name=name in
// the unescaped page, or "" when there is none.
func visibleValue(page, name string) string {
	re := regexp.MustCompile(`data-name="` + regexp.QuoteMeta(name) + `">([^<]*)<`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestRender_HTMLEqualsJSON: the JSON output and the HTML render one
// computed report, so the numbers are equal: the page embeds the same JSON
// document, and its visible figures (score, prediction, each latency ratio
// and interval) are the JSON's numbers formatted. It also checks that the
// Markdown and the HTML state the rule parameters actually used.
func TestRender_HTMLEqualsJSON(t *testing.T) {
	st := mustDesc(t, "name: stg\nservices: [{name: api, workers: 2}]\n")
	pr := mustDesc(t, "name: prod\nservices: [{name: api, workers: 8}]\n")
	sRun := synthRun(t, "http://staging:1", "/capacity", []int{100, 200, 300, 400, 400}, []float64{5, 5, 5, 6, 90})
	pRun := synthRun(t, "http://prod:2", "/capacity", []int{400, 800, 1200, 1500, 1500}, []float64{5, 5.5, 5, 6.5, 95})
	slo := SLO{Percentile: 95, Latency: 50 * time.Millisecond, MaxErrorRate: 0.01}
	tests := []struct {
		name      string
		o         Options
		wantRules []string
	}{
		{"defaults", Options{SLO: slo, Bootstrap: 200},
			[]string{"1 ± 0.15", "at most 1 percentage point", "95% percentile bootstrap, 200 rounds", "seed 1", "met p(95)<50ms, errors<1%", "off by at most ±15%", "2 × 15%"}},
		{"changed parameters", Options{SLO: slo, Bootstrap: 300, Tolerance: 0.2, ErrorTolerance: 0.02, Confidence: 0.9, Seed: 7},
			[]string{"1 ± 0.2", "at most 2 percentage point", "90% percentile bootstrap, 300 rounds", "seed 7", "off by at most ±20%", "2 × 20%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Build(st, pr, []*results.Run{sRun}, []*results.Run{pRun}, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			var js, hs, md bytes.Buffer
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteHTML(&hs); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			m := parityDataRE.FindSubmatch(hs.Bytes())
			if m == nil {
				t.Fatal("no parity-data element in the HTML")
			}
			var fromHTML, fromJSON map[string]any
			if err := json.Unmarshal(m[1], &fromHTML); err != nil {
				t.Fatalf("embedded JSON: %v", err)
			}
			if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(fromHTML)
			b, _ := json.Marshal(fromJSON)
			if !bytes.Equal(a, b) {
				t.Error("the JSON embedded in the HTML differs from the --json output")
			}

			page := html.UnescapeString(hs.String())
			pred := fromJSON["prediction"].(map[string]any)
			want := map[string]string{
				"score":          fmt.Sprintf("%.0f", fromJSON["score"].(float64)),
				"env_score":      fmt.Sprintf("%.0f", fromJSON["env_score"].(float64)),
				"predicted_rps":  fmt.Sprintf("%.1f", pred["predicted_rps"].(float64)),
				"measured_rps":   fmt.Sprintf("%.1f", pred["measured_rps"].(float64)),
				"error_fraction": fmt.Sprintf("%+.1f%%", 100*pred["error_fraction"].(float64)),
			}
			rows := fromJSON["endpoints"].([]any)
			rows = append(rows, fromJSON["overall"])
			for _, row := range rows {
				e := row.(map[string]any)
				for _, q := range e["latency_ratios"].([]any) {
					r := q.(map[string]any)
					name := fmt.Sprintf("ratio %s p%v", e["name"], r["percentile"])
					want[name] = fmt.Sprintf("%.3f [%.3f, %.3f]", r["point"], r["ci_low"], r["ci_high"])
				}
			}
			if len(want) != 5+2*3 {
				t.Fatalf("%d figures to check, want 11 (one endpoint and overall)", len(want))
			}
			for name, v := range want {
				if got := visibleValue(page, name); got != v {
					t.Errorf("HTML shows %s = %q, JSON has %q", name, got, v)
				}
			}
			if want["predicted_rps"] != "1600.0" {
				t.Errorf("predicted %s, want 1600.0 (400/s × 8 ÷ 2)", want["predicted_rps"])
			}
			if n := strings.Count(hs.String(), "<svg"); n != 2 {
				t.Errorf("%d charts, want 2 (latency ratios, capacity)", n)
			}
			for _, id := range []string{`id="chart-ratios"`, `id="chart-capacity"`} {
				if !strings.Contains(hs.String(), id) {
					t.Errorf("HTML lacks %s", id)
				}
			}
			for _, s := range tt.wantRules {
				if !strings.Contains(md.String(), s) {
					t.Errorf("Markdown does not state %q", s)
				}
				if !strings.Contains(page, s) {
					t.Errorf("HTML does not state %q", s)
				}
			}
			rules := fromJSON["rules"].(map[string]any)
			if rules["bootstrap_rounds"].(float64) != float64(tt.o.Bootstrap) || rules["service"] != "api" {
				t.Errorf("JSON rules %v", rules)
			}
		})
	}
}

// The service name in the rules is escaped once for Markdown and written
// as is in text: quotes and backslashes are not doubled.
func TestRuleLinesServiceName(t *testing.T) {
	r := &Report{Rules: Rules{Service: `q"uo\te <x>`}}
	found := func(lines []string, want string) bool {
		for _, l := range lines {
			if strings.Contains(l, want) {
				return true
			}
		}
		return false
	}
	if lines := r.RuleLines(); !found(lines, `for service “q"uo\te <x>”.`) {
		t.Errorf("text rule lines lack the service name as is: %q", lines)
	}
	if lines := r.ruleLines(md); !found(lines, `for service “q"uo\\te \<x\>”.`) {
		t.Errorf("Markdown rule lines lack the service name escaped once: %q", lines)
	}
}
