package svgchart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Colours used by the reports, so their charts look alike.
const (
	Blue   = "#1f77b4"
	Red    = "#d62728"
	Green  = "#2ca02c"
	Purple = "#9467bd"
	Orange = "#ff7f0e"
	Grey   = "#7f7f7f"
)

// Tick is one labelled position on an axis.
type Tick struct {
	At    float64
	Label string
}

// Options describe a chart. The zero value of Width and Height means
// 560 × 340; an empty or inverted range is widened to one unit.
type Options struct {
	// ID makes the chart's clip path unique within a page; it must be
	// unique per page (letters, digits, '-').
	ID     string
	Title  string
	XLabel string
	YLabel string
	// XMin..XMax and YMin..YMax are the plotted data ranges.
	XMin, XMax, YMin, YMax float64
	// XTicks replace the five evenly spaced x ticks (e.g. category names
	// or clock times); YFormat formats the y ticks (default Num).
	XTicks  []Tick
	YFormat func(float64) string
	Width   float64
	Height  float64
	// LegendBottom puts the legend in the plot's bottom right corner
	// instead of the top right (for data that ends high on the right).
	LegendBottom bool
}

// Chart is an SVG chart being drawn.
type Chart struct {
	o                      Options
	padL, padR, padT, padB float64
	plotW, plotH           float64
	b                      strings.Builder
	above                  int // dots drawn on the top edge
	legend                 []legendItem
	notes                  []string
}

type legendItem struct{ color, dash, label string }

// New starts a chart: frame, ticks, axis labels and the clip path.
func New(o Options) *Chart {
	if o.Width <= 0 {
		o.Width = 560
	}
	if o.Height <= 0 {
		o.Height = 340
	}
	if !(o.XMax > o.XMin) {
		o.XMax = o.XMin + 1
	}
	if !(o.YMax > o.YMin) {
		o.YMax = o.YMin + 1
	}
	if o.YFormat == nil {
		o.YFormat = Num
	}
	// An axis from 0 with the default five ticks ends on a round number,
	// so the ticks are round too.
	if o.XMin == 0 && o.XTicks == nil {
		o.XMax = NiceMax(o.XMax)
	}
	if o.YMin == 0 {
		o.YMax = NiceMax(o.YMax)
	}
	c := &Chart{o: o, padL: 64, padR: 16, padT: 28, padB: 44}
	c.plotW, c.plotH = o.Width-c.padL-c.padR, o.Height-c.padT-c.padB
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" id="chart-%s" width="%g" height="%%HEIGHT%%" viewBox="0 0 %g %%HEIGHT%%" font-size="11" font-family="sans-serif">`,
		esc(o.ID), o.Width, o.Width)
	fmt.Fprintf(&c.b, `<text x="%g" y="16" font-size="13">%s</text>`, c.padL, esc(o.Title))
	fmt.Fprintf(&c.b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#999"/>`, c.padL, c.padT, c.plotW, c.plotH)
	fmt.Fprintf(&c.b, `<clipPath id="plot-%s"><rect x="%g" y="%g" width="%g" height="%g"/></clipPath>`, esc(o.ID), c.padL, c.padT, c.plotW, c.plotH)
	ticks := o.XTicks
	if ticks == nil {
		for i := 0; i <= 4; i++ {
			x := o.XMin + (o.XMax-o.XMin)*float64(i)/4
			ticks = append(ticks, Tick{x, Num(x)})
		}
	}
	for _, t := range ticks {
		if t.At < o.XMin || t.At > o.XMax {
			continue
		}
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, c.PX(t.At), c.padT+c.plotH+14, esc(t.Label))
	}
	for i := 0; i <= 4; i++ {
		y := o.YMin + (o.YMax-o.YMin)*float64(i)/4
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`, c.padL-4, c.PY(y)+4, esc(o.YFormat(y)))
		if i > 0 && i < 4 {
			fmt.Fprintf(&c.b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#eee"/>`, c.padL, c.padL+c.plotW, c.PY(y), c.PY(y))
		}
	}
	fmt.Fprintf(&c.b, `<text x="%g" y="%g" text-anchor="middle">%s</text>`, c.padL+c.plotW/2, o.Height-8, esc(o.XLabel))
	fmt.Fprintf(&c.b, `<text x="12" y="%g" transform="rotate(-90 12 %g)" text-anchor="middle">%s</text>`, c.padT+c.plotH/2, c.padT+c.plotH/2, esc(o.YLabel))
	return c
}

// PX maps a data x to an SVG x.
func (c *Chart) PX(x float64) float64 { return c.padL + (x-c.o.XMin)/(c.o.XMax-c.o.XMin)*c.plotW }

// PY maps a data y to an SVG y.
func (c *Chart) PY(y float64) float64 {
	return c.padT + c.plotH - (y-c.o.YMin)/(c.o.YMax-c.o.YMin)*c.plotH
}

// Above returns how many dots were drawn on the top edge because their
// value lay above the y range.
func (c *Chart) Above() int { return c.above }

// Dot draws a point with a tooltip of its coordinates. A y above the range
// is drawn as a triangle on the top edge, labelled with its value, and
// counted in the caption; NaN coordinates are skipped.
func (c *Chart) Dot(x, y float64, color string) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return
	}
	tip := fmt.Sprintf("%s, %s", Num(x), c.o.YFormat(y))
	if y > c.o.YMax {
		c.above++
		px, py := c.PX(x), c.padT
		fmt.Fprintf(&c.b, `<path class="above" d="M%.1f %.1f l-5 9 h10 z" fill="%s"><title>%s (above the axis)</title></path>`, px, py, color, esc(tip))
		fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="middle" font-size="9">%s</text>`, px, py+19, color, esc("↑"+c.o.YFormat(y)))
		return
	}
	fmt.Fprintf(&c.b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s</title></circle>`, c.PX(x), c.PY(y), color, esc(tip))
}

// Line draws a polyline through (xs[i], ys[i]), clipped to the plot;
// dash is an SVG stroke-dasharray ("" for solid). Points with a NaN
// coordinate are skipped.
func (c *Chart) Line(xs, ys []float64, color, dash string) {
	var pts []string
	span := c.o.YMax - c.o.YMin
	for i := range xs {
		if i >= len(ys) || math.IsNaN(xs[i]) || math.IsNaN(ys[i]) {
			continue
		}
		// Clamp far outside the plot only (the clip path hides the
		// rest), so a line leaving the plot keeps its slope.
		y := math.Max(c.o.YMin-span, math.Min(ys[i], c.o.YMax+span))
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", c.PX(xs[i]), c.PY(y)))
	}
	if len(pts) == 0 {
		return
	}
	fmt.Fprintf(&c.b, `<polyline clip-path="url(#plot-%s)" fill="none" stroke="%s" stroke-width="1.5" stroke-dasharray="%s" points="%s"/>`,
		esc(c.o.ID), color, dash, strings.Join(pts, " "))
}

// HLine draws a horizontal reference line at y across the plot, with a
// label at its left end ("" for none).
func (c *Chart) HLine(y float64, color, dash, label string) {
	c.Line([]float64{c.o.XMin, c.o.XMax}, []float64{y, y}, color, dash)
	if label != "" && y >= c.o.YMin && y <= c.o.YMax {
		c.Text(c.o.XMin, y, color, label)
	}
}

// VLine draws a vertical reference line at x, with a label at four
// fifths of the plot's height ("" for none).
func (c *Chart) VLine(x float64, color, dash, label string) {
	c.Line([]float64{x, x}, []float64{c.o.YMin, c.o.YMax}, color, dash)
	if label != "" && x >= c.o.XMin && x <= c.o.XMax {
		c.Text(x, c.o.YMin+(c.o.YMax-c.o.YMin)*0.8, color, label)
	}
}

// ErrorBar draws a vertical interval low..high at x with caps, clipped to
// the plot.
func (c *Chart) ErrorBar(x, low, high float64, color string) {
	if math.IsNaN(low) || math.IsNaN(high) {
		return
	}
	lo, hi := math.Max(low, c.o.YMin), math.Min(high, c.o.YMax)
	if lo > hi {
		return
	}
	px := c.PX(x)
	fmt.Fprintf(&c.b, `<g stroke="%s" stroke-width="1.2"><title>%s to %s</title><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`,
		color, esc(c.o.YFormat(low)), esc(c.o.YFormat(high)), px, px, c.PY(lo), c.PY(hi))
	if high <= c.o.YMax {
		fmt.Fprintf(&c.b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, px-4, px+4, c.PY(hi), c.PY(hi))
	}
	if low >= c.o.YMin {
		fmt.Fprintf(&c.b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, px-4, px+4, c.PY(lo), c.PY(lo))
	}
	c.b.WriteString(`</g>`)
}

// Bar draws a filled rectangle from (x0, y0) to (x1, y1), clipped to the
// plot, with a tooltip.
func (c *Chart) Bar(x0, x1, y0, y1 float64, color, tip string) {
	ax, bx := math.Min(c.PX(x0), c.PX(x1)), math.Max(c.PX(x0), c.PX(x1))
	ay, by := math.Min(c.PY(y0), c.PY(y1)), math.Max(c.PY(y0), c.PY(y1))
	fmt.Fprintf(&c.b, `<rect clip-path="url(#plot-%s)" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
		esc(c.o.ID), ax, ay, bx-ax, by-ay, color, esc(tip))
}

// Band shades the x range x0..x1 over the whole plot height (e.g. the
// windows a figure was computed over), translucent.
func (c *Chart) Band(x0, x1 float64, color, tip string) {
	ax, bx := c.PX(math.Max(x0, c.o.XMin)), c.PX(math.Min(x1, c.o.XMax))
	if bx <= ax {
		return
	}
	fmt.Fprintf(&c.b, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="%s" fill-opacity="0.12"><title>%s</title></rect>`,
		ax, c.padT, bx-ax, c.plotH, color, esc(tip))
}

// Text writes a label just right of and above the data point (x, y).
func (c *Chart) Text(x, y float64, color, text string) {
	fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`, c.PX(x)+4, c.PY(y)-4, color, esc(text))
}

// Legend adds an entry to the legend drawn in the plot's top right corner.
func (c *Chart) Legend(color, dash, label string) {
	c.legend = append(c.legend, legendItem{color, dash, label})
}

// Note adds a line to the caption under the chart.
func (c *Chart) Note(s string) { c.notes = append(c.notes, s) }

// SVG ends the chart and returns it. The caption under the plot lists the
// notes and, when dots lay above the y range, how many and where they
// are drawn.
func (c *Chart) SVG() string {
	if len(c.legend) > 0 {
		w := 0
		for _, l := range c.legend {
			w = max(w, len([]rune(l.label)))
		}
		bw := 28 + 6.2*float64(w)
		x := c.padL + c.plotW - bw - 6
		y := c.padT + 6
		if c.o.LegendBottom {
			y = c.padT + c.plotH - 12 - 14*float64(len(c.legend))
		}
		fmt.Fprintf(&c.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#fff" fill-opacity="0.85" stroke="#ddd"/>`, x, y, bw, 6+14*len(c.legend))
		for i, l := range c.legend {
			ly := y + 12 + 14*float64(i)
			fmt.Fprintf(&c.b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="%s"/>`, x+4, x+22, ly-4, ly-4, l.color, l.dash)
			fmt.Fprintf(&c.b, `<text x="%.1f" y="%.1f">%s</text>`, x+26, ly, esc(l.label))
		}
	}
	notes := c.notes
	if c.above > 0 {
		notes = append(notes, fmt.Sprintf("▲ %d point(s) above %s are drawn on the top edge, labelled with their value.", c.above, c.o.YFormat(c.o.YMax)))
	}
	h := c.o.Height
	for _, n := range notes {
		h += 14
		fmt.Fprintf(&c.b, `<text class="note" x="%g" y="%g">%s</text>`, c.padL, h-2, esc(n))
	}
	if len(notes) > 0 {
		h += 4
	}
	c.b.WriteString("</svg>")
	return strings.ReplaceAll(c.b.String(), "%HEIGHT%", strconv.FormatFloat(h, 'g', -1, 64))
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// Num formats a rate or count for people: whole numbers as such, values of
// 1000 and more rounded to units, smaller ones to 4 significant digits;
// "n/a" for NaN and "∞" for infinities.
func Num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	case v == math.Trunc(v) || math.Abs(v) >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	d := 3 - int(math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(v, 'f', min(max(d, 0), 6), 64)
}

// niceSteps are the mantissas of round tick steps.
var niceSteps = []float64{1, 1.2, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10}

// NiceMax returns the smallest top of an axis from 0 at or above v whose
// four tick steps are round (1, 1.2, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 or
// 8 × a power of ten): 59.8 → 60, 478.9 → 480, 1983 → 2000. Non-positive
// or non-finite v is returned as is.
func NiceMax(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return v
	}
	step := v / 4
	p := math.Pow(10, math.Floor(math.Log10(step)))
	for _, m := range niceSteps {
		// A relative tolerance keeps v = 4 × a round step from rounding
		// up through floating-point noise.
		if m*p >= step*(1-1e-12) {
			return 4 * m * p
		}
	}
	return 40 * p
}
