package html

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/runreport"
)

var (
	//go:embed assets/uPlot.iife.min.js
	uplotJS string
	//go:embed assets/uPlot.min.css
	uplotCSS string
	//go:embed assets/report.js
	reportJS string
	//go:embed assets/report.css
	reportCSS string
	//go:embed assets/page.html.tmpl
	pageTmpl string
)

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"ms":    runreport.FormatMS,
	"rate":  runreport.FormatRate,
	"pct":   report.FormatPercent,
	"attrs": formatAttrs,
}).Parse(pageTmpl))

// Options tune Write.
type Options struct {
	// Version is the version of the tool writing the page, shown in its
	// generator meta tag. Optional.
	Version string
	// MaxSpectrumLines caps the lines of the percentile spectrum: all
	// requests, then the busiest endpoints (default 12).
	MaxSpectrumLines int
}

// Chart element ids, in page order. A chart whose data the run lacks is
// left out.
const (
	ChartThroughput       = "chart-throughput"
	ChartErrors           = "chart-errors"
	ChartVUs              = "chart-vus"
	ChartLatency          = "chart-latency"
	ChartSpectrum         = "chart-spectrum"
	ChartIterationLatency = "chart-iteration-latency"
	ChartScheduleLag      = "chart-schedule-lag"
	ChartDropped          = "chart-dropped"
)

// mark is a marked span in chart coordinates (Unix seconds).
type mark struct {
	Name  string  `json:"name"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// data is the JSON embedded in the page for report.js.
type data struct {
	Timeline *runreport.Timeline `json:"timeline"`
	Spectrum *runreport.Spectrum `json:"spectrum"`
	Marks    []mark              `json:"marks"`
}

// view is the template's input.
type view struct {
	R        *runreport.Report
	Version  string
	Charts   []string
	Merged   int
	Data     data
	UPlotJS  template.JS
	JS       template.JS
	UPlotCSS template.CSS
	CSS      template.CSS
}

// Write writes the HTML report of r to w. Errors are w's.
func Write(w io.Writer, r *runreport.Report, opts Options) error {
	if opts.MaxSpectrumLines <= 0 {
		opts.MaxSpectrumLines = 12
	}
	tl := r.Timeline()
	sp := r.Spectrum(opts.MaxSpectrumLines)
	v := view{
		R: r, Version: opts.Version, Merged: tl.Merged,
		Data:    data{Timeline: tl, Spectrum: sp, Marks: []mark{}},
		UPlotJS: template.JS(uplotJS), JS: template.JS(reportJS),
		UPlotCSS: template.CSS(uplotCSS), CSS: template.CSS(reportCSS),
	}
	for _, m := range r.Marks {
		v.Data.Marks = append(v.Data.Marks, mark{
			Name:  m.Name,
			Start: float64(m.Start.UnixNano()) / 1e9,
			End:   float64(m.End.UnixNano()) / 1e9,
		})
	}
	if len(tl.T) > 0 {
		v.Charts = append(v.Charts, ChartThroughput, ChartErrors)
		if tl.VUs != nil {
			v.Charts = append(v.Charts, ChartVUs)
		}
		if tl.Latency != nil {
			v.Charts = append(v.Charts, ChartLatency)
		}
	}
	if sp != nil {
		v.Charts = append(v.Charts, ChartSpectrum)
	}
	if len(tl.T) > 0 {
		if tl.IterationLatency != nil {
			v.Charts = append(v.Charts, ChartIterationLatency)
		}
		if tl.ScheduleLag != nil {
			v.Charts = append(v.Charts, ChartScheduleLag)
		}
		if tl.Dropped != nil {
			v.Charts = append(v.Charts, ChartDropped)
		}
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("html: writing the report: %w", err)
	}
	return nil
}

// formatAttrs formats a mark's attributes as "k=v, k2=v2", keys sorted.
func formatAttrs(a map[string]any) string {
	parts := make([]string, 0, len(a))
	for _, k := range slices.Sorted(maps.Keys(a)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, a[k]))
	}
	return strings.Join(parts, ", ")
}
