// Package svgchart draws the small, self-contained SVG charts of the
// capacity, parity and right-sizing reports: linear axes with ticks, dots,
// polylines, horizontal and vertical reference lines, error bars, bars,
// shaded x ranges and a legend. The output is one <svg> element with no
// script, stylesheet or external reference, so it can be inlined in an
// offline HTML page.
//
// # Entry point
//
// New takes Options (title, axis labels, the data ranges) and starts a
// chart; the drawing methods take data coordinates; SVG ends the chart and
// returns the markup. A value above the y range is never silently cut: Dot
// draws it as a triangle on the top edge labelled with its value, and the
// chart's caption says how many points lie above the axis. Lines leaving
// the plot are clipped to it (a clip path) and keep their slope.
//
// # Units
//
// Data coordinates are whatever the caller plots; the chart is
// Options.Width × Options.Height SVG user units (default 560 × 340).
//
// # Concurrency
//
// A Chart is not safe for concurrent use; separate charts are independent.
// Num and the other functions are pure.
package svgchart
