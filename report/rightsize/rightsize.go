package rightsize

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/parity"
)

// Rule is the sizing rule. The defaults are the anchors named in
// docs/rightsize.md: requests at VPA's target (the 90th percentile of usage
// plus a 15% safety margin), limits at a Kubecost-style ceiling (the
// maximum observed usage divided by a target utilization).
type Rule struct {
	// RequestPercentile is the percentile of usage requests start from,
	// 0..100. Default 90.
	RequestPercentile float64 `json:"request_percentile"`
	// SafetyMargin is added on top: request = P(RequestPercentile) × (1 +
	// SafetyMargin). Default 0.15.
	SafetyMargin float64 `json:"safety_margin"`
	// LimitUtilization is the target utilization of the limit at the
	// observed peak: limit = max ÷ LimitUtilization, and never below the
	// request. Default 0.8.
	LimitUtilization float64 `json:"limit_utilization"`
}

// DefaultRule returns the defaults: p90 × 1.15 for requests, max ÷ 0.8 for
// limits.
func DefaultRule() Rule {
	return Rule{RequestPercentile: 90, SafetyMargin: 0.15, LimitUtilization: 0.8}
}

func (r Rule) withDefaults() Rule {
	d := DefaultRule()
	if r.RequestPercentile <= 0 || r.RequestPercentile > 100 {
		r.RequestPercentile = d.RequestPercentile
	}
	if r.SafetyMargin < 0 {
		r.SafetyMargin = d.SafetyMargin
	}
	if r.LimitUtilization <= 0 || r.LimitUtilization > 1 {
		r.LimitUtilization = d.LimitUtilization
	}
	return r
}

// Resource is the usage summary and recommendation for one resource of one
// service: CPU in cores or memory in bytes.
type Resource struct {
	// Samples is the number of observations inside the windows.
	Samples int `json:"samples"`
	// P50, P90, P99 and Max summarize them (percentiles by linear
	// interpolation between closest ranks).
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	// Base is the percentile of the rule (RequestPercentile) the request
	// starts from.
	Base float64 `json:"base"`
	// Request = Base × (1 + SafetyMargin); Limit = max(Max ÷
	// LimitUtilization, Request).
	Request float64 `json:"request"`
	Limit   float64 `json:"limit"`
	// Current and CurrentLimit are from the environment descriptor (0:
	// not stated).
	Current      float64 `json:"current,omitempty"`
	CurrentLimit float64 `json:"current_limit,omitempty"`
	// OverProvisionedPct = (Current − Request) ÷ Current × 100; negative
	// means under-provisioned. Absent without Current.
	OverProvisionedPct *float64 `json:"over_provisioned_pct,omitempty"`
}

// Recommendation is the sizing of one service, per instance.
type Recommendation struct {
	Service string   `json:"service"`
	CPU     Resource `json:"cpu_cores"`
	Memory  Resource `json:"memory_bytes"`
}

// Window is a time span [Start, End] whose samples count.
type Window struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Report is the right-sizing report.
type Report struct {
	// Source says where the usage came from: "csv FILE" or "prometheus
	// URL".
	Source string `json:"source"`
	// Queries are the PromQL queries (Prometheus only).
	CPUQuery string `json:"cpu_query,omitempty"`
	MemQuery string `json:"memory_query,omitempty"`
	// Step is the query resolution in seconds (Prometheus only).
	StepSeconds float64 `json:"step_seconds,omitempty"`
	// Windows are the spans of sustainable load whose usage counts, and
	// WindowRule says how they were chosen.
	Windows    []Window `json:"windows"`
	WindowRule string   `json:"window_rule"`
	Rule       Rule     `json:"rule"`
	// Services are sorted by name.
	Services []Recommendation `json:"services"`
	// Usage is the usage read, per service over the run (Usage), for the
	// HTML charts; absent when not set.
	Usage    []UsageSeries `json:"usage,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
}

// Recommend summarizes the samples that fall in a window (inclusive ends)
// per service and applies the rule. current may be nil; its services give
// the current requests and limits (per replica). Samples whose value is
// NaN are skipped for that resource.
func Recommend(samples []Sample, windows []Window, rule Rule, current *parity.Descriptor) []Recommendation {
	rule = rule.withDefaults()
	in := func(t time.Time) bool { return inWindows(t, windows) }
	cpu, mem := map[string][]float64{}, map[string][]float64{}
	var names []string
	seen := map[string]bool{}
	for _, s := range samples {
		if !in(s.Time) {
			continue
		}
		if !seen[s.Service] {
			seen[s.Service] = true
			names = append(names, s.Service)
		}
		if !math.IsNaN(s.CPUCores) {
			cpu[s.Service] = append(cpu[s.Service], s.CPUCores)
		}
		if !math.IsNaN(s.MemoryBytes) {
			mem[s.Service] = append(mem[s.Service], s.MemoryBytes)
		}
	}
	slices.Sort(names)
	out := make([]Recommendation, 0, len(names))
	for _, n := range names {
		r := Recommendation{Service: n, CPU: size(cpu[n], rule), Memory: size(mem[n], rule)}
		if current != nil {
			if svc := current.Service(n); svc != nil {
				setCurrent(&r.CPU, float64(svc.CPU), float64(svc.CPULimit))
				setCurrent(&r.Memory, float64(svc.Memory), float64(svc.MemoryLimit))
			}
		}
		out = append(out, r)
	}
	return out
}

func setCurrent(r *Resource, cur, lim float64) {
	r.Current, r.CurrentLimit = cur, lim
	if cur > 0 && r.Samples > 0 {
		v := (cur - r.Request) / cur * 100
		r.OverProvisionedPct = &v
	}
}

// size applies the rule to one resource's samples.
func size(xs []float64, rule Rule) Resource {
	if len(xs) == 0 {
		return Resource{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	r := Resource{Samples: len(s), P50: Percentile(s, 50), P90: Percentile(s, 90), P99: Percentile(s, 99), Max: s[len(s)-1]}
	r.Base = Percentile(s, rule.RequestPercentile)
	r.Request = r.Base * (1 + rule.SafetyMargin)
	r.Limit = math.Max(r.Max/rule.LimitUtilization, r.Request)
	return r
}

// Percentile returns the p-th percentile (0..100) of sorted by linear
// interpolation between closest ranks: pos = p/100 × (n−1), the value at
// ⌊pos⌋ plus the fraction of the gap to the next (Hyndman & Fan 1996,
// type 7; the rule of k6's and Loadline's trend percentiles). NaN for no
// samples.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := p / 100 * float64(n-1)
	lo := int(math.Floor(pos))
	if lo >= n-1 {
		return sorted[n-1]
	}
	if lo < 0 {
		return sorted[0]
	}
	return sorted[lo] + (sorted[lo+1]-sorted[lo])*(pos-float64(lo))
}

// WriteJSON writes r as indented JSON (schema in docs/rightsize.md).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("rightsize: json: %w", err)
	}
	return nil
}

// WriteMarkdown writes r as Markdown; the same text is the terminal
// output of `load rightsize`. It states the rule with the parameters the
// report was computed with (RuleText).
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Right-sizing\n\n")
	fmt.Fprintf(&b, "%s\n\n", r.sourceText(true))
	fmt.Fprintf(&b, "%s\n\n", r.RuleText())
	fmt.Fprintf(&b, "| service | resource | samples | p50 | p90 | p99 | max | base p%s | request | limit | current | over-provisioned |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", fmtG(r.Rule.RequestPercentile))
	for _, s := range r.Services {
		for _, x := range s.resources() {
			fmt.Fprintf(&b, "| %s |", report.MarkdownText(s.Service))
			for _, c := range x.cells() {
				fmt.Fprintf(&b, " %s |", c)
			}
			b.WriteString("\n")
		}
	}
	for _, wn := range r.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s\n", wn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SourceText says in a sentence where the usage came from and which
// samples count.
func (r *Report) SourceText() string { return r.sourceText(false) }

// sourceText is SourceText, for Markdown when md is set (the source and
// the queries escaped).
func (r *Report) sourceText(md bool) string {
	src := r.Source
	cpu, mem := "`"+r.CPUQuery+"`", "`"+r.MemQuery+"`"
	if md {
		src, cpu, mem = report.MarkdownText(src), report.MarkdownCode(r.CPUQuery), report.MarkdownCode(r.MemQuery)
	}
	s := "Usage from " + src
	if r.CPUQuery != "" || r.MemQuery != "" {
		s += fmt.Sprintf(" (CPU %s, memory %s, step %ss)", cpu, mem, fmtG(r.StepSeconds))
	}
	return s + ", over " + r.WindowRule + "."
}

// RuleText states the sizing rule with the parameters used, and how they
// relate to the anchors (VPA's p90 × 1.15, a Kubecost-style max ÷ 0.8).
func (r *Report) RuleText() string {
	ru, d := r.Rule, DefaultRule()
	anchors := "These are the defaults, anchored on VPA's target (p90 plus a 15% safety margin) and a Kubecost-style ceiling (the peak at 80% utilization)."
	if ru != d {
		var changed []string
		if ru.RequestPercentile != d.RequestPercentile {
			changed = append(changed, fmt.Sprintf("percentile p%s instead of p%s", fmtG(ru.RequestPercentile), fmtG(d.RequestPercentile)))
		}
		if ru.SafetyMargin != d.SafetyMargin {
			changed = append(changed, fmt.Sprintf("margin %s%% instead of %s%%", fmtG(100*ru.SafetyMargin), fmtG(100*d.SafetyMargin)))
		}
		if ru.LimitUtilization != d.LimitUtilization {
			changed = append(changed, fmt.Sprintf("limit utilization %s%% instead of %s%%", fmtG(100*ru.LimitUtilization), fmtG(100*d.LimitUtilization)))
		}
		anchors = "Changed from the defaults (VPA's p90 × 1.15 and a Kubecost-style max ÷ 0.8): " + strings.Join(changed, ", ") + "."
	}
	return fmt.Sprintf("Rule: request = p%s of usage × (1 + %s%% margin) = p%s × %s; limit = max usage ÷ %s (the peak at %s%% utilization), never below the request; over-provisioned = (current − recommended request) ÷ current. %s",
		fmtG(ru.RequestPercentile), fmtG(100*ru.SafetyMargin), fmtG(ru.RequestPercentile), fmtG(1+ru.SafetyMargin),
		fmtG(ru.LimitUtilization), fmtG(100*ru.LimitUtilization), anchors)
}

// resourceRow is one resource of a service, formatted.
type resourceRow struct {
	name string
	x    Resource
	f    func(float64) string
}

func (s Recommendation) resources() []resourceRow {
	return []resourceRow{{"cpu", s.CPU, cores}, {"memory", s.Memory, bytesIEC}}
}

// cells are the table cells after the service: resource, samples, p50,
// p90, p99, max, base, request, limit, current, over-provisioned.
func (r resourceRow) cells() []string {
	x, f := r.x, r.f
	if x.Samples == 0 {
		return []string{r.name, "0", "", "", "", "", "", "", "", orDash(x.Current, f), ""}
	}
	over := "—"
	if x.OverProvisionedPct != nil {
		over = fmt.Sprintf("%.1f%%", *x.OverProvisionedPct)
	}
	return []string{r.name, fmt.Sprint(x.Samples), f(x.P50), f(x.P90), f(x.P99), f(x.Max), f(x.Base), f(x.Request), f(x.Limit), orDash(x.Current, f), over}
}

func orDash(v float64, f func(float64) string) string {
	if v == 0 {
		return "—"
	}
	return f(v)
}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// cores writes CPU as millicores ("250m").
func cores(v float64) string { return fmt.Sprintf("%.0fm", v*1000) }

// bytesIEC writes memory in MiB.
func bytesIEC(v float64) string { return fmt.Sprintf("%.1fMi", v/(1<<20)) }
