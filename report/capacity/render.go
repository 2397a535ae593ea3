package capacity

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/svgchart"
)

// WriteJSON writes r as indented JSON (schema: docs/capacity.md).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteMarkdown writes r as a Markdown report: headline numbers with their
// derivations, the knee signals, the USL fit and the step table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Capacity report\n\n")
	sources := make([]string, len(r.Inputs.Sources))
	for i, s := range r.Inputs.Sources {
		sources[i] = mdCell(s)
	}
	slos := "none"
	if len(r.Inputs.SLOs) > 0 {
		var s []string
		for _, o := range r.Inputs.SLOs {
			s = append(s, report.MarkdownCode(o.Source))
		}
		slos = strings.Join(s, ", ")
	}
	fmt.Fprintf(&b, "Sources: %s. Objectives: %s. Instances during the run: %d (%s).\n\n",
		strings.Join(sources, ", "), slos, r.Inputs.Instances, mdCell(r.Inputs.InstancesSource))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s.\n\n", mdCell(n))
	}
	b.WriteString("## Results\n\n| quantity | value | how it was computed |\n|---|---|---|\n")
	for _, d := range r.Derivations {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(d.Name), mdCell(d.Value), mdCell(d.Formula))
	}
	if r.Knee != nil {
		b.WriteString("\n## Knee signals\n\n| signal | found | step | offered /s | detail |\n|---|---|---|---|---|\n")
		for _, s := range r.Knee.Signals {
			step, off := "", ""
			if s.Found {
				step, off = fmt.Sprint(s.Step), offeredNum(s.OfferedRPS)
			}
			fmt.Fprintf(&b, "| %s | %t | %s | %s | %s |\n", s.Name, s.Found, step, off, mdCell(s.Detail))
		}
	}
	if len(r.Steps) > 0 {
		b.WriteString("\n## Steps\n\n")
		b.WriteString(r.stepHeader(report.MarkdownCode) + "\n")
		for i := range r.Steps {
			b.WriteString(r.stepRow(i, "|") + "\n")
		}
	}
	if r.USL != nil && len(r.Points) > 0 {
		b.WriteString("\n## USL points\n\n| concurrency | throughput /s | USL fit /s |\n|---|---|---|\n")
		for _, p := range r.Points {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", num(p.Concurrency), num(p.Throughput), num(r.USL.At(p.Concurrency)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell escapes text for Markdown (report.MarkdownText): file names and
// objectives render as written.
func mdCell(s string) string { return report.MarkdownText(s) }

// offeredNum is an offered rate for a table cell: "—" when there is none
// (closed-model steps, whole runs of VUs), not a misleading 0.
func offeredNum(v float64) string {
	if v <= 0 {
		return "—"
	}
	return num(v)
}

func (r *Report) sloList() string {
	if len(r.Inputs.SLOs) == 0 {
		return "none"
	}
	var s []string
	for _, o := range r.Inputs.SLOs {
		s = append(s, o.Source)
	}
	return strings.Join(s, ", ")
}

// stepColumns are the step table's columns, shared by Markdown and HTML.
func (r *Report) stepColumns() []string {
	cols := []string{"#", "offered /s", "achieved req/s", "iterations/s", "achieved/offered", "errors", "p50 ms", "p95 ms", "p99 ms", "N (Little)", "N (VUs)"}
	for _, o := range r.Inputs.SLOs {
		cols = append(cols, o.Source)
	}
	return append(cols, "pass")
}

func (r *Report) stepCells(i int) []string {
	st := r.Steps[i]
	ratio := "—"
	if st.OfferedRPS > 0 {
		ratio = pct(st.AchievedRatio)
	}
	c := []string{fmt.Sprint(i + 1), offeredNum(st.OfferedRPS), num(st.ThroughputRPS), num(st.IterationsPerS), ratio, pct(st.ErrorRate),
		num(st.LatencyMS.P50), num(st.LatencyMS.P95), num(st.LatencyMS.P99), num(st.ConcurrencyLaw), num(st.ConcurrencyVUs)}
	for _, v := range st.SLOs {
		s := "n/a"
		if v.Value != nil {
			s = num(*v.Value)
		}
		if v.Met {
			s += " ✓"
		} else {
			s += " ✗"
		}
		c = append(c, s)
	}
	pass := "yes"
	if !st.Pass {
		pass = "no"
	}
	return append(c, pass)
}

// stepHeader is the Markdown step table's header row and rule; the
// objectives' columns are written with slo (a code span).
func (r *Report) stepHeader(slo func(string) string) string {
	cols := r.stepColumns()
	fixed := len(cols) - len(r.Inputs.SLOs) - 1
	for i := fixed; i < len(cols)-1; i++ {
		cols[i] = slo(cols[i])
	}
	return "| " + strings.Join(cols, " | ") + " |\n" + strings.Repeat("|---", len(cols)) + "|"
}

func (r *Report) stepRow(i int, sep string) string {
	cells := r.stepCells(i)
	for j := range cells {
		cells[j] = mdCell(cells[j])
	}
	return sep + " " + strings.Join(cells, " "+sep+" ") + " " + sep
}

// WriteHTML writes r as one self-contained HTML page: the same numbers as
// WriteJSON (the JSON is embedded in a <script type="application/json"
// id="capacity-data"> element) and two inline SVG charts: throughput vs
// concurrency with the USL curve, and latency vs offered load with the
// objective's line and the knee.
func (r *Report) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	view := struct {
		R       *Report
		JSON    template.JS
		Cols    []string
		Rows    [][]string
		Charts  []template.HTML
		SLOs    string
		Signals []Signal
	}{R: r, JSON: template.JS(strings.ReplaceAll(string(data), "</", `<\/`)), Cols: r.stepColumns(), SLOs: r.sloList()}
	for i := range r.Steps {
		view.Rows = append(view.Rows, r.stepCells(i))
	}
	if r.Knee != nil {
		view.Signals = r.Knee.Signals
	}
	if c := r.uslChart(); c != "" {
		view.Charts = append(view.Charts, template.HTML(c))
	}
	if c := r.latencyChart(); c != "" {
		view.Charts = append(view.Charts, template.HTML(c))
	}
	return htmlTmpl.Execute(w, view)
}

var htmlTmpl = template.Must(template.New("capacity").Funcs(template.FuncMap{"offered": offeredNum}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Capacity report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right;vertical-align:top}
td.l,th.l{text-align:left}.fail{background:#fde8e8}svg{margin:1em 1em 0 0;border:1px solid #eee;vertical-align:top}
</style></head><body>
<h1>Capacity report</h1>
<p>Sources: {{range $i, $s := .R.Inputs.Sources}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}. Objectives: {{.SLOs}}. Instances during the run: {{.R.Inputs.Instances}} ({{.R.Inputs.InstancesSource}}).</p>
{{range .R.Notes}}<p class="note">Note: {{.}}.</p>
{{end}}<h2>Results</h2>
<table><tr><th class="l">quantity</th><th class="l">value</th><th class="l">how it was computed</th></tr>
{{range .R.Derivations}}<tr><td class="l">{{.Name}}</td><td class="l" data-name="{{.Name}}">{{.Value}}</td><td class="l">{{.Formula}}</td></tr>
{{end}}</table>
{{range .Charts}}{{.}}{{end}}
{{if .Signals}}<h2>Knee signals</h2>
<table><tr><th class="l">signal</th><th>found</th><th>step</th><th>offered /s</th><th class="l">detail</th></tr>
{{range .Signals}}<tr><td class="l">{{.Name}}</td><td>{{.Found}}</td><td>{{if .Found}}{{.Step}}{{end}}</td><td>{{if .Found}}{{offered .OfferedRPS}}{{end}}</td><td class="l">{{.Detail}}</td></tr>
{{end}}</table>{{end}}
{{if .Rows}}<h2>Steps</h2>
<table><tr>{{range .Cols}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}
<script type="application/json" id="capacity-data">{{.JSON}}</script>
</body></html>
`))

// uslChart plots the fitted points and the USL curve.
func (r *Report) uslChart() string {
	if len(r.Points) == 0 {
		return ""
	}
	var xmax, ymax float64
	for _, p := range r.Points {
		xmax = math.Max(xmax, p.Concurrency)
		ymax = math.Max(ymax, p.Throughput)
	}
	if r.USL != nil && finite(r.USL.PeakConcurrency) != nil && r.USL.PeakConcurrency < 3*xmax {
		xmax = math.Max(xmax, r.USL.PeakConcurrency*1.1)
	}
	xmax *= 1.05
	if u := r.USL; u != nil {
		// Show the curve's peak when it is within 3× the highest measured
		// throughput; beyond, the curve is clipped at the plot's edge.
		top := ymax
		for i := 0; i <= 100; i++ {
			top = math.Max(top, math.Min(u.At(xmax*float64(i)/100), 3*ymax))
		}
		ymax = top
	}
	ymax *= 1.1
	c := svgchart.New(svgchart.Options{ID: "usl", Title: "Throughput vs concurrency, with the USL fit",
		XLabel: "concurrency N", YLabel: "throughput /s", XMax: xmax, YMax: ymax})
	c.Legend(svgchart.Blue, "", "measured")
	if u := r.USL; u != nil {
		var xs, ys []float64
		for i := 0; i <= 100; i++ {
			n := xmax * float64(i) / 100
			xs, ys = append(xs, n), append(ys, u.At(n))
		}
		c.Line(xs, ys, svgchart.Red, "")
		c.Legend(svgchart.Red, "", "USL fit")
		if finite(u.PeakConcurrency) != nil && u.PeakConcurrency <= xmax {
			c.VLine(u.PeakConcurrency, svgchart.Red, "4 3", "N* = "+num(u.PeakConcurrency))
		}
	}
	for _, p := range r.Points {
		c.Dot(p.Concurrency, p.Throughput, svgchart.Blue)
	}
	return c.SVG()
}

// latencyChart plots each step's latency objective statistic (p95 when no
// latency objective is given) against its offered rate, with the
// objective's limit and the knee. With a latency objective the y axis
// stops at 4× its limit, so the passing steps stay readable; slower steps
// are drawn on the top edge with their value, and the caption says so.
func (r *Report) latencyChart() string {
	if len(r.Steps) == 0 || r.Steps[len(r.Steps)-1].OfferedRPS <= 0 {
		return ""
	}
	stat, limit, idx := "p(95)", math.NaN(), -1
	for i, o := range r.Inputs.SLOs {
		if o.Latency() {
			stat, limit, idx = o.Stat, o.Limit, i
			break
		}
	}
	ys := make([]float64, len(r.Steps))
	xs := make([]float64, len(r.Steps))
	var xmax, maxY float64
	for i, st := range r.Steps {
		xs[i] = st.OfferedRPS
		ys[i] = st.LatencyMS.P95
		if idx >= 0 && st.SLOs[idx].Value != nil {
			ys[i] = *st.SLOs[idx].Value
		}
		xmax = math.Max(xmax, xs[i])
		maxY = math.Max(maxY, ys[i])
	}
	ymax := maxY * 1.1
	if !math.IsNaN(limit) {
		ymax = math.Min(ymax, math.Max(limit*4, 1))
		ymax = math.Max(ymax, limit*1.2) // the objective's line stays inside
	}
	c := svgchart.New(svgchart.Options{ID: "latency", Title: "Latency " + stat + " vs offered load",
		XLabel: "offered /s", YLabel: stat + " ms", XMax: xmax * 1.05, YMax: ymax, LegendBottom: true})
	c.Line(xs, ys, svgchart.Blue, "")
	c.Legend(svgchart.Blue, "", "measured "+stat)
	for i := range xs {
		c.Dot(xs[i], ys[i], svgchart.Blue)
	}
	if !math.IsNaN(limit) {
		c.HLine(limit, svgchart.Green, "6 3", "objective "+r.Inputs.SLOs[idx].Source)
		c.Legend(svgchart.Green, "6 3", "objective")
	}
	if r.Knee != nil && r.Knee.Found {
		c.VLine(r.Knee.OfferedRPS, svgchart.Purple, "2 2", "knee: step "+fmt.Sprint(r.Knee.Step))
		c.Legend(svgchart.Purple, "2 2", "knee")
	}
	return c.SVG()
}
