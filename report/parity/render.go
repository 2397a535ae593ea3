package parity

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/loadline/loadline/report/capacity"
)

// WriteJSON writes r as indented JSON (schema in docs/parity.md).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("parity: json: %w", err)
	}
	return nil
}

// WriteMarkdown writes r as a Markdown document; the same text is the
// terminal output of `load parity`.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Parity: %s vs %s\n\n", r.Staging, r.Production)
	fmt.Fprintf(&b, "**Score %.0f/100.** %s.\n\n", r.Score, r.Verdict)
	if len(r.Drivers) > 0 {
		b.WriteString("What drives the score:\n\n")
		for _, d := range r.Drivers {
			fmt.Fprintf(&b, "- %s\n", d)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Environment drift (score %.0f/100)\n\n", r.EnvScore)
	if len(r.Drifts) == 0 {
		b.WriteString("The descriptors agree.\n\n")
	} else {
		b.WriteString("| risk | what | field | staging | production | rule | why |\n|---|---|---|---|---|---|---|\n")
		for _, d := range r.Drifts {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", d.Risk, d.Subject, d.Field, d.Staging, d.Production, d.Rule, d.Reason)
		}
		b.WriteString("\n")
	}
	if p := r.Prediction; p != nil {
		b.WriteString("## Capacity prediction\n\n")
		fmt.Fprintf(&b, "Model: %s.\n\n", p.Model)
		fmt.Fprintf(&b, "- staging sustainable throughput (%s): %.1f/s (%.1f/s per instance, %.1f/s per capacity unit)\n", p.SLO, p.StagingSustainableRPS, p.StagingPerInstanceRPS, p.StagingPerUnitRPS)
		for _, d := range p.Dims {
			fmt.Fprintf(&b, "- %s: staging %s, production %s\n", d.Name, fmtNum(d.Staging), fmtNum(d.Production))
		}
		fmt.Fprintf(&b, "- scale factor %s, predicted production capacity %.1f/s\n", fmtNum(p.ScaleFactor), p.PredictedRPS)
		if p.Measured {
			fmt.Fprintf(&b, "- measured production capacity %.1f/s: prediction off by %+.1f%% (%s)\n", p.MeasuredRPS, 100*p.ErrorFraction, withinWord(p.Within, r.Tolerance))
		}
		b.WriteString("\n| | staging | production |\n|---|---|---|\n")
		for _, row := range sideRows(p.Staging, p.Production) {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", row[0], row[1], row[2])
		}
		b.WriteString("\n")
	}
	if r.Overall != nil {
		b.WriteString("## Runs compared\n\nLatency ratios are production ÷ staging with bootstrap confidence intervals (intervals resampled).\n\n")
		b.WriteString("| endpoint | p50 ms (stg → prod) | p95 ms | p99 ms | p50 ratio | p95 ratio | p99 ratio | errors (stg → prod) | rps per instance (stg → prod) | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, e := range append(append([]Endpoint(nil), r.Endpoints...), *r.Overall) {
			fmt.Fprintf(&b, "| %s | %.2f → %.2f | %.2f → %.2f | %.2f → %.2f |", e.Name, e.Staging.P50Ms, e.Production.P50Ms, e.Staging.P95Ms, e.Production.P95Ms, e.Staging.P99Ms, e.Production.P99Ms)
			for _, q := range e.Ratios {
				fmt.Fprintf(&b, " %.3f [%.3f, %.3f] |", q.Point, q.Low, q.High)
			}
			fmt.Fprintf(&b, " %.2f%% → %.2f%% | %.1f → %.1f | %s |\n", 100*e.Staging.ErrorRate, 100*e.Production.ErrorRate, e.Staging.PerInstanceRPS, e.Production.PerInstanceRPS, withinWord(e.Within, r.Tolerance))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func withinWord(ok bool, tol float64) string {
	if ok {
		return fmt.Sprintf("within ±%s%%", fmtNum(100*tol))
	}
	return fmt.Sprintf("outside ±%s%%", fmtNum(100*tol))
}

var htmlTmpl = template.Must(template.New("parity").Funcs(template.FuncMap{
	"pct":      func(v float64) string { return fmt.Sprintf("%+.1f%%", 100*v) },
	"f1":       func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":       func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"f3":       func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"sideRows": sideRows,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parity: {{.Staging}} vs {{.Production}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}.high{color:#b00}.medium{color:#a60}.low{color:#666}</style>
</head><body>
<h1>Parity: {{.Staging}} vs {{.Production}}</h1>
<p><strong>Score {{printf "%.0f" .Score}}/100.</strong> {{.Verdict}}.</p>
{{if .Drivers}}<p>What drives the score:</p><ul>{{range .Drivers}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Environment drift (score {{printf "%.0f" .EnvScore}}/100)</h2>
<table><tr><th>risk</th><th>what</th><th>field</th><th>staging</th><th>production</th><th>rule</th><th>why</th></tr>
{{range .Drifts}}<tr><td class="{{.Risk}}">{{.Risk}}</td><td>{{.Subject}}</td><td>{{.Field}}</td><td>{{.Staging}}</td><td>{{.Production}}</td><td>{{.Rule}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>
{{with .Prediction}}<h2>Capacity prediction</h2>
<p>Model: {{.Model}}.</p>
<ul><li>staging sustainable throughput ({{.SLO}}): {{f1 .StagingSustainableRPS}}/s ({{f1 .StagingPerInstanceRPS}}/s per instance, {{f1 .StagingPerUnitRPS}}/s per capacity unit)</li>
{{range .Dims}}<li>{{.Name}}: staging {{.Staging}}, production {{.Production}}</li>{{end}}
<li>scale factor {{.ScaleFactor}}, predicted production capacity {{f1 .PredictedRPS}}/s</li>
{{if .Measured}}<li>measured production capacity {{f1 .MeasuredRPS}}/s: prediction off by {{pct .ErrorFraction}}</li>{{end}}</ul>
<table><tr><th></th><th>staging</th><th>production</th></tr>{{range sideRows .Staging .Production}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>{{end}}</table>{{end}}
{{if .Overall}}<h2>Runs compared</h2>
<p>Latency ratios are production ÷ staging with bootstrap confidence intervals (intervals resampled).</p>
<table><tr><th>endpoint</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>p50 ratio</th><th>p95 ratio</th><th>p99 ratio</th><th>error rate diff</th><th>rps per instance</th><th>within tolerance</th></tr>
{{range .Endpoints}}{{template "row" .}}{{end}}{{template "row" .Overall}}</table>{{end}}
</body></html>
{{define "row"}}<tr><td>{{.Name}}</td><td>{{f2 .Staging.P50Ms}} → {{f2 .Production.P50Ms}}</td><td>{{f2 .Staging.P95Ms}} → {{f2 .Production.P95Ms}}</td><td>{{f2 .Staging.P99Ms}} → {{f2 .Production.P99Ms}}</td>{{range .Ratios}}<td>{{f3 .Point}} [{{f3 .Low}}, {{f3 .High}}]</td>{{end}}<td>{{pct .ErrorRateDiff}}</td><td>{{f1 .Staging.PerInstanceRPS}} → {{f1 .Production.PerInstanceRPS}}</td><td>{{.Within}}</td></tr>
{{end}}`))

// WriteHTML writes r as a self-contained HTML page with the same numbers
// as WriteJSON.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := htmlTmpl.Execute(w, r); err != nil {
		return fmt.Errorf("parity: html: %w", err)
	}
	return nil
}

// sideRows lays the two environments' capacity figures side by side:
// label, staging, production.
func sideRows(st, pr *SideCapacity) [][3]string {
	cell := func(s *SideCapacity, f func(*SideCapacity) string) string {
		if s == nil {
			return "—"
		}
		return f(s)
	}
	usl := func(f func(*capacity.USL) string) func(*SideCapacity) string {
		return func(s *SideCapacity) string {
			if s.USL == nil {
				return "no fit: " + s.USLError
			}
			return f(s.USL)
		}
	}
	rows := []struct {
		label string
		f     func(*SideCapacity) string
	}{
		{"measured by", func(s *SideCapacity) string { return s.Method }},
		{"sustainable throughput", func(s *SideCapacity) string { return fmt.Sprintf("%.1f/s", s.SustainableRPS) }},
		{"per instance", func(s *SideCapacity) string { return fmt.Sprintf("%.1f/s", s.PerInstanceRPS) }},
		{"USL λ (per unit of concurrency)", usl(func(u *capacity.USL) string {
			return fmt.Sprintf("%.4g [%.4g, %.4g]", u.Lambda, u.LambdaCI.Low, u.LambdaCI.High)
		})},
		{"USL σ (contention)", usl(func(u *capacity.USL) string {
			return fmt.Sprintf("%.4g [%.4g, %.4g]", u.Sigma, u.SigmaCI.Low, u.SigmaCI.High)
		})},
		{"USL κ (coherency)", usl(func(u *capacity.USL) string {
			return fmt.Sprintf("%.4g [%.4g, %.4g]", u.Kappa, u.KappaCI.Low, u.KappaCI.High)
		})},
		{"USL R²", usl(func(u *capacity.USL) string { return fmt.Sprintf("%.3f", u.RSquared) })},
	}
	out := make([][3]string, len(rows))
	for i, r := range rows {
		out[i] = [3]string{r.label, cell(st, r.f), cell(pr, r.f)}
	}
	return out
}
