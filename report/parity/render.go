package parity

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/capacity"
	"github.com/loadline/loadline/report/svgchart"
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
// terminal output of `load parity`. It states the rule parameters the
// report was computed with (RuleLines).
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Parity: %s vs %s\n\n", md(r.Staging), md(r.Production))
	fmt.Fprintf(&b, "**Score %.0f/100.** %s.\n\n", r.Score, md(r.Verdict))
	if len(r.Drivers) > 0 {
		b.WriteString("What drives the score:\n\n")
		for _, d := range r.Drivers {
			fmt.Fprintf(&b, "- %s\n", md(d))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Rules used\n\n")
	for _, l := range r.ruleLines(md) {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "## Environment drift (score %.0f/100)\n\n", r.EnvScore)
	if len(r.Drifts) == 0 {
		b.WriteString("The descriptors agree.\n\n")
	} else {
		b.WriteString("| risk | what | field | staging | production | rule | why |\n|---|---|---|---|---|---|---|\n")
		for _, d := range r.Drifts {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", d.Risk, md(d.Subject), md(d.Field), md(d.Staging), md(d.Production), d.Rule, md(d.Reason))
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
			fmt.Fprintf(&b, "| %s | %s | %s |\n", md(row[0]), md(row[1]), md(row[2]))
		}
		b.WriteString("\n")
	}
	if r.Overall != nil {
		fmt.Fprintf(&b, "## Runs compared\n\n%s\n\n", r.ratioWords())
		fmt.Fprintf(&b, "| endpoint | p50 ms (stg → prod) | p95 ms | p99 ms | p50 ratio [%[1]s CI] | p95 ratio [%[1]s CI] | p99 ratio [%[1]s CI] | errors (stg → prod) | rps per instance (stg → prod) | verdict |\n|---|---|---|---|---|---|---|---|---|---|\n", r.confWord())
		for _, e := range r.compared() {
			fmt.Fprintf(&b, "| %s | %.2f → %.2f | %.2f → %.2f | %.2f → %.2f |", md(e.Name), e.Staging.P50Ms, e.Production.P50Ms, e.Staging.P95Ms, e.Production.P95Ms, e.Staging.P99Ms, e.Production.P99Ms)
			for _, q := range e.Ratios {
				fmt.Fprintf(&b, " %s |", ratioText(q))
			}
			fmt.Fprintf(&b, " %.2f%% → %.2f%% | %.1f → %.1f | %s |\n", 100*e.Staging.ErrorRate, 100*e.Production.ErrorRate, e.Staging.PerInstanceRPS, e.Production.PerInstanceRPS, verdictWord(e.Verdict, r.Tolerance))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RuleLines states, one sentence each, the rules and parameters the
// report was computed with: the score, the tolerances, the SLO and the
// bootstrap.
func (r *Report) RuleLines() []string { return r.ruleLines(func(s string) string { return s }) }

// md escapes user-provided text (names from the descriptors and the
// runs) for Markdown.
func md(s string) string { return report.MarkdownText(s) }

// ruleLines is RuleLines with the service name written by esc.
func (r *Report) ruleLines(esc func(string) string) []string {
	ru := r.Rules
	tol := fmtNum(100 * ru.Tolerance)
	lines := []string{
		fmt.Sprintf("Score: the lowest of the environment score (100 − %s per high, %s per medium and %s per low-risk drift), the endpoint score (100 × the share of endpoints within tolerance) and the prediction score (100 × max(0, 1 − |prediction error| ÷ (2 × %s%%))).",
			fmtNum(ru.PenaltyHigh), fmtNum(ru.PenaltyMedium), fmtNum(ru.PenaltyLow), tol),
		fmt.Sprintf("An endpoint is within tolerance when each of its p50, p95 and p99 ratios (production ÷ staging) lies in 1 ± %s, with its whole %s confidence interval, and the error rates differ by at most %s percentage point(s); outside when a ratio or the error-rate difference is beyond that; inconclusive when every ratio is within but an interval reaches beyond 1 ± %s. The capacity prediction is within tolerance when it is off by at most ±%s%%.",
			fmtNum(ru.Tolerance), r.confWord(), fmtNum(100*ru.ErrorTolerance), fmtNum(ru.Tolerance), tol),
		fmt.Sprintf("Sustainable throughput: the highest throughput of a capacity step (else a results-file interval) that met %s.", ru.SLO),
		fmt.Sprintf("Confidence intervals: %s percentile bootstrap, %d rounds, resampling whole results-file intervals (a block bootstrap), seed %d.",
			r.confWord(), ru.BootstrapRounds, ru.Seed),
	}
	if ru.Service != "" {
		lines = append(lines, fmt.Sprintf("Per-instance figures and the prediction are for service “%s”.", esc(ru.Service)))
	}
	return lines
}

func (r *Report) confWord() string { return fmtNum(100*r.Rules.Confidence) + "%" }

func (r *Report) ratioWords() string {
	return fmt.Sprintf("Latency ratios are production ÷ staging with %s percentile-bootstrap confidence intervals (%d rounds of resampled results-file intervals, seed %d). Within tolerance: every ratio and its interval in 1 ± %s and error rates within %s percentage point(s); inconclusive: every ratio within but an interval beyond.",
		r.confWord(), r.Rules.BootstrapRounds, r.Rules.Seed, fmtNum(r.Rules.Tolerance), fmtNum(100*r.Rules.ErrorTolerance))
}

// compared returns the endpoints and then the overall row.
func (r *Report) compared() []Endpoint {
	out := append([]Endpoint(nil), r.Endpoints...)
	if r.Overall != nil {
		out = append(out, *r.Overall)
	}
	return out
}

func ratioText(q Ratio) string { return fmt.Sprintf("%.3f [%.3f, %.3f]", q.Point, q.Low, q.High) }

// verdictWord is an endpoint's verdict in words: "within ±15%",
// "outside ±15%" or "inconclusive (interval beyond ±15%)".
func verdictWord(v Verdict, tol float64) string {
	switch v {
	case VerdictWithin:
		return withinWord(true, tol)
	case VerdictInconclusive:
		return fmt.Sprintf("inconclusive (interval beyond ±%s%%)", fmtNum(100*tol))
	}
	return withinWord(false, tol)
}

func withinWord(ok bool, tol float64) string {
	if ok {
		return fmt.Sprintf("within ±%s%%", fmtNum(100*tol))
	}
	return fmt.Sprintf("outside ±%s%%", fmtNum(100*tol))
}

var htmlTmpl = template.Must(template.New("parity").Funcs(template.FuncMap{
	"pct":      func(v float64) string { return fmt.Sprintf("%+.1f%%", 100*v) },
	"f0":       func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"pp":       func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) },
	"f1":       func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":       func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"ratio":    ratioText,
	"num":      fmtNum,
	"within":   withinWord,
	"verdict":  verdictWord,
	"sideRows": sideRows,
	"pctl":     func(p float64) string { return "p" + fmtNum(p) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parity: {{.R.Staging}} vs {{.R.Production}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:76em;color:#222}table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
.high{color:#b00}.medium{color:#a60}.low{color:#666}.out{background:#fde8e8}.inconclusive{background:#fdf6dc}.sides{display:flex;flex-wrap:wrap;gap:1em}.sides>div{flex:1 1 34em}svg{border:1px solid #eee;max-width:100%;height:auto}th.side{font-size:1.1em}</style>
</head><body>
<h1>Parity: {{.R.Staging}} vs {{.R.Production}}</h1>
<p><strong>Score <span data-name="score">{{f0 .R.Score}}</span>/100.</strong> {{.R.Verdict}}.</p>
{{if .R.Drivers}}<p>What drives the score:</p><ul>{{range .R.Drivers}}<li>{{.}}</li>{{end}}</ul>{{end}}
<h2>Rules used</h2>
<ul>{{range .Rules}}<li>{{.}}</li>{{end}}</ul>
{{with .R.Prediction}}<h2>Capacity: {{$.R.Staging}} and {{$.R.Production}} side by side</h2>
<p>Model: {{.Model}}.</p>
<div class="sides"><div>{{$.CapacityChart}}</div><div>
<table><tr><th></th><th class="side">{{$.R.Staging}}</th><th class="side">{{$.R.Production}}</th></tr>
{{range sideRows .Staging .Production}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>{{end}}
{{range .Dims}}<tr><td>{{.Name}}</td><td>{{num .Staging}}</td><td>{{num .Production}}</td></tr>{{end}}
<tr><td>prediction ({{.SLO}})</td><td>{{f1 .StagingSustainableRPS}}/s sustained, {{f1 .StagingPerUnitRPS}}/s per capacity unit</td><td>× {{num .ScaleFactor}} = <span data-name="predicted_rps">{{f1 .PredictedRPS}}</span>/s predicted{{if .Measured}}; <span data-name="measured_rps">{{f1 .MeasuredRPS}}</span>/s measured: off by <span data-name="error_fraction">{{pct .ErrorFraction}}</span> ({{within .Within $.R.Tolerance}}){{end}}</td></tr>
</table></div></div>{{end}}
{{if .R.Overall}}<h2>Runs compared</h2>
<p>{{.RatioWords}}</p>
<div class="sides"><div>{{.RatioChart}}</div></div>
<table><tr><th>endpoint</th><th>p50 ms (stg → prod)</th><th>p95 ms</th><th>p99 ms</th>{{range (index .Compared 0).Ratios}}<th>{{pctl .Percentile}} ratio [{{$.Conf}} CI]</th>{{end}}<th>error rate (stg → prod)</th><th>error rate diff</th><th>rps per instance (stg → prod)</th><th>verdict</th></tr>
{{range .Compared}}<tr{{if eq .Verdict "outside"}} class="out"{{else if eq .Verdict "inconclusive"}} class="inconclusive"{{end}}><td>{{.Name}}</td><td>{{f2 .Staging.P50Ms}} → {{f2 .Production.P50Ms}}</td><td>{{f2 .Staging.P95Ms}} → {{f2 .Production.P95Ms}}</td><td>{{f2 .Staging.P99Ms}} → {{f2 .Production.P99Ms}}</td>{{$e := .}}{{range .Ratios}}<td data-name="ratio {{$e.Name}} {{pctl .Percentile}}">{{ratio .}}</td>{{end}}<td>{{pp .Staging.ErrorRate}} → {{pp .Production.ErrorRate}}</td><td>{{pct .ErrorRateDiff}}</td><td>{{f1 .Staging.PerInstanceRPS}} → {{f1 .Production.PerInstanceRPS}}</td><td data-name="verdict {{.Name}}">{{verdict .Verdict $.R.Tolerance}}</td></tr>
{{end}}</table>{{end}}
<h2>Environment drift (score <span data-name="env_score">{{f0 .R.EnvScore}}</span>/100)</h2>
{{if .R.Drifts}}<table><tr><th>risk</th><th>what</th><th>field</th><th>{{.R.Staging}}</th><th>{{.R.Production}}</th><th>rule</th><th>why</th></tr>
{{range .R.Drifts}}<tr><td class="{{.Risk}}">{{.Risk}}</td><td>{{.Subject}}</td><td>{{.Field}}</td><td>{{.Staging}}</td><td>{{.Production}}</td><td>{{.Rule}}</td><td>{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>The descriptors agree.</p>{{end}}
<script type="application/json" id="parity-data">{{.JSON}}</script>
</body></html>
`))

// WriteHTML writes r as one self-contained, offline HTML page with the
// same numbers as WriteJSON: the JSON document is embedded in a <script
// type="application/json" id="parity-data"> element, and the page shows
// the two environments side by side with two inline SVG charts (each
// endpoint's latency ratios with their confidence intervals against the
// tolerance band; each side's sustainable throughput with the
// prediction).
func (r *Report) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("parity: html: %w", err)
	}
	view := struct {
		R                         *Report
		JSON                      template.JS
		Rules                     []string
		RatioWords, Conf          string
		Compared                  []Endpoint
		RatioChart, CapacityChart template.HTML
	}{R: r, JSON: template.JS(strings.ReplaceAll(string(data), "</", `<\/`)), Rules: r.RuleLines(),
		RatioWords: r.ratioWords(), Conf: r.confWord(), Compared: r.compared(),
		RatioChart: template.HTML(r.ratioChart()), CapacityChart: template.HTML(r.capacityChart())}
	if err := htmlTmpl.Execute(w, view); err != nil {
		return fmt.Errorf("parity: html: %w", err)
	}
	return nil
}

// ratioChart draws each endpoint's p50/p95/p99 ratio (production ÷
// staging) with its confidence interval, the parity line at 1 and the
// tolerance band 1 ± X. "" without compared runs.
func (r *Report) ratioChart() string {
	eps := r.compared()
	if len(eps) == 0 {
		return ""
	}
	colors := []string{svgchart.Blue, svgchart.Orange, svgchart.Red}
	top := 1 + 2*r.Tolerance
	for _, e := range eps {
		for _, q := range e.Ratios {
			top = math.Max(top, 1.15*math.Max(q.Point, math.Min(q.High, 2*q.Point)))
		}
	}
	width := len(percentiles) + 1
	var ticks []svgchart.Tick
	for i, e := range eps {
		ticks = append(ticks, svgchart.Tick{At: float64(i*width) + float64(len(percentiles)+1)/2, Label: e.Name})
	}
	c := svgchart.New(svgchart.Options{ID: "ratios", Title: "Latency ratio production ÷ staging, " + r.confWord() + " intervals",
		XLabel: "endpoint", YLabel: "ratio", XMin: 0, XMax: float64(len(eps) * width), YMin: 0, YMax: top, XTicks: ticks,
		YFormat: func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }})
	c.HLine(1, svgchart.Grey, "", "")
	c.HLine(1+r.Tolerance, svgchart.Green, "6 3", "1 + "+fmtNum(r.Tolerance))
	c.HLine(1-r.Tolerance, svgchart.Green, "6 3", "1 − "+fmtNum(r.Tolerance))
	clipped := false
	for i, e := range eps {
		for j, q := range e.Ratios {
			if q.Point == 0 {
				continue
			}
			x := float64(i*width + j + 1)
			col := colors[j%len(colors)]
			c.ErrorBar(x, q.Low, q.High, col)
			c.Dot(x, q.Point, col)
			clipped = clipped || q.High > top
		}
	}
	for j, p := range percentiles {
		c.Legend(colors[j%len(colors)], "", "p"+fmtNum(p))
	}
	c.Legend(svgchart.Green, "6 3", "tolerance")
	if clipped {
		c.Note("An interval without a top cap continues above the axis (its bounds are in the table).")
	}
	return c.SVG()
}

// capacityChart draws staging's measured sustainable throughput, the
// predicted and the measured production throughput as bars, with the
// tolerance band around the prediction. "" without a prediction.
func (r *Report) capacityChart() string {
	p := r.Prediction
	if p == nil {
		return ""
	}
	type bar struct {
		label, color string
		v            float64
	}
	bars := []bar{{r.Staging + " measured", svgchart.Blue, p.StagingSustainableRPS}, {r.Production + " predicted", svgchart.Orange, p.PredictedRPS}}
	if p.Measured {
		bars = append(bars, bar{r.Production + " measured", svgchart.Red, p.MeasuredRPS})
	}
	top := p.PredictedRPS * (1 + r.Tolerance)
	var ticks []svgchart.Tick
	for i, b := range bars {
		top = math.Max(top, b.v)
		ticks = append(ticks, svgchart.Tick{At: float64(i) + 0.5, Label: b.label})
	}
	c := svgchart.New(svgchart.Options{ID: "capacity", Title: "Sustainable throughput (" + p.SLO + ")",
		XLabel: "", YLabel: "requests/s", XMax: float64(len(bars)), YMax: top * 1.15, XTicks: ticks})
	for i, b := range bars {
		c.Bar(float64(i)+0.2, float64(i)+0.8, 0, b.v, b.color, fmt.Sprintf("%s: %.1f/s", b.label, b.v))
		c.Text(float64(i)+0.25, b.v, svgchart.Grey, fmt.Sprintf("%.0f/s", b.v))
	}
	c.HLine(p.PredictedRPS*(1+r.Tolerance), svgchart.Green, "6 3", "")
	c.HLine(p.PredictedRPS*(1-r.Tolerance), svgchart.Green, "6 3", "")
	c.Legend(svgchart.Green, "6 3", "prediction ± "+fmtNum(100*r.Tolerance)+"%")
	c.Note(fmt.Sprintf("Predicted = %.1f/s × %s (%s).", p.StagingSustainableRPS, fmtNum(p.ScaleFactor), dimsProduct(dimNames(p.Dims))))
	return c.SVG()
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
