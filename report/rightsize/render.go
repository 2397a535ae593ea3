package rightsize

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/loadline/loadline/report/svgchart"
)

var htmlTmpl = template.Must(template.New("rightsize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Right-sizing</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:76em;color:#222}table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}td.l,th.l{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:1em}svg{border:1px solid #eee;max-width:100%;height:auto}.warn{color:#b00}</style>
</head><body>
<h1>Right-sizing</h1>
<p>{{.Source}}</p>
<p>{{.Rule}}</p>
<table><tr><th class="l">service</th>{{range .Cols}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{index . 0}}</td>{{range $i, $c := .}}{{if $i}}<td data-name="{{index $.RowKeys $i}}">{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</table>
{{range .Warnings}}<p class="warn">warning: {{.}}</p>{{end}}
{{range .Services}}<h2>{{.Name}}</h2>
<div class="charts">{{range .Charts}}{{.}}{{end}}</div>{{end}}
<script type="application/json" id="rightsize-data">{{.JSON}}</script>
</body></html>
`))

// WriteHTML writes r as one self-contained, offline HTML page: the rule
// with its parameters, the recommendation table, and per service a chart
// of CPU and one of memory usage over the run (Report.Usage; shaded: the
// windows of sustainable load whose samples count) with the recommended
// request and limit and the current request and limit as lines. The JSON
// document is embedded in a <script type="application/json"
// id="rightsize-data"> element.
func (r *Report) WriteHTML(w io.Writer) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("rightsize: html: %w", err)
	}
	type service struct {
		Name   string
		Charts []template.HTML
	}
	view := struct {
		Source, Rule string
		Cols         []string
		RowKeys      []string
		Rows         [][]string
		Warnings     []string
		Services     []service
		JSON         template.JS
	}{Source: r.SourceText(), Rule: r.RuleText(), Warnings: r.Warnings,
		JSON:    template.JS(strings.ReplaceAll(string(data), "</", `<\/`)),
		Cols:    []string{"resource", "samples", "p50", "p90", "p99", "max", "base p" + fmtG(r.Rule.RequestPercentile), "request", "limit", "current", "over-provisioned"},
		RowKeys: []string{"", "resource", "samples", "p50", "p90", "p99", "max", "base", "request", "limit", "current", "over_provisioned"},
	}
	for _, s := range r.Services {
		svc := service{Name: s.Service}
		for _, x := range s.resources() {
			view.Rows = append(view.Rows, append([]string{s.Service}, x.cells()...))
			if c := r.usageChart(s.Service, x); c != "" {
				svc.Charts = append(svc.Charts, template.HTML(c))
			}
		}
		view.Services = append(view.Services, svc)
	}
	if err := htmlTmpl.Execute(w, view); err != nil {
		return fmt.Errorf("rightsize: html: %w", err)
	}
	return nil
}

// usageChart charts one resource of one service over the run, "" without
// usage points for it.
func (r *Report) usageChart(service string, x resourceRow) string {
	var pts []UsagePoint
	for _, u := range r.Usage {
		if u.Service == service {
			pts = u.Points
		}
	}
	val := func(p UsagePoint) (float64, bool) {
		if x.name == "cpu" {
			if p.CPUCores == nil {
				return 0, false
			}
			return *p.CPUCores, true
		}
		if p.MemoryBytes == nil {
			return 0, false
		}
		return *p.MemoryBytes, true
	}
	first, last, top := -1, -1, 0.0
	for i, p := range pts {
		if v, ok := val(p); ok {
			if first < 0 {
				first = i
			}
			last = i
			top = math.Max(top, v)
		}
	}
	if first < 0 {
		return ""
	}
	start := pts[first].Time
	for _, w := range r.Windows {
		if w.Start.Before(start) && !w.End.Before(start) {
			start = w.Start
		}
	}
	sec := func(p UsagePoint) float64 { return p.Time.Sub(start).Seconds() }
	xmax := sec(pts[last])
	for _, w := range r.Windows {
		if !w.Start.After(pts[last].Time) {
			xmax = math.Max(xmax, w.End.Sub(start).Seconds())
		}
	}
	res := x.x
	for _, v := range []float64{res.Request, res.Limit, res.Current, res.CurrentLimit} {
		top = math.Max(top, v)
	}
	what, unit := "CPU", "cores"
	if x.name == "memory" {
		what, unit = "Memory", "bytes"
	}
	c := svgchart.New(svgchart.Options{ID: "usage-" + sanitize(service) + "-" + x.name,
		Title: fmt.Sprintf("%s of %s per instance", what, service), XLabel: "seconds since " + start.UTC().Format("2006-01-02 15:04:05 UTC"),
		YLabel: what + " (" + unit + ")", XMax: math.Max(xmax, 1), YMax: top * 1.1, YFormat: x.f})
	for _, w := range r.Windows {
		c.Band(w.Start.Sub(start).Seconds(), w.End.Sub(start).Seconds(), svgchart.Green, "window of sustainable load: its samples count")
	}
	for _, p := range pts {
		if v, ok := val(p); ok {
			col := svgchart.Grey
			if p.InWindow {
				col = svgchart.Blue
			}
			c.Dot(sec(p), v, col)
		}
	}
	c.Legend(svgchart.Blue, "", "usage (counted)")
	c.Legend(svgchart.Grey, "", "usage (outside the windows)")
	if res.Samples > 0 {
		c.HLine(res.Request, svgchart.Green, "", "recommended request "+x.f(res.Request))
		c.HLine(res.Limit, svgchart.Red, "6 3", "recommended limit "+x.f(res.Limit))
		c.Legend(svgchart.Green, "", "recommended request")
		c.Legend(svgchart.Red, "6 3", "recommended limit")
	}
	if res.Current > 0 {
		c.HLine(res.Current, svgchart.Purple, "4 3", "current request "+x.f(res.Current))
		c.Legend(svgchart.Purple, "4 3", "current request")
	}
	if res.CurrentLimit > 0 {
		c.HLine(res.CurrentLimit, svgchart.Purple, "1 3", "current limit "+x.f(res.CurrentLimit))
		c.Legend(svgchart.Purple, "1 3", "current limit")
	}
	c.Note("Shaded: windows of sustainable load, whose samples count.")
	return c.SVG()
}

// sanitize keeps letters, digits and '-' of s, for an element id.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}
