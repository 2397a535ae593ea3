// Package html writes the HTML report of a run: one self-contained file that
// works offline, with the run's facts, threshold and check verdicts, the
// per-endpoint table and interactive charts (throughput, errors, active VUs,
// latency percentiles over time, the latency percentile spectrum, and
// iteration_latency, schedule_lag and dropped iterations when the run has
// them, with marked spans such as capacity steps shaded).
//
// # Entry point
//
// Write(w, report, opts), where report comes from runreport.New. The page
// is built with html/template; the chart data is embedded as JSON (escaped
// by html/template for its script context).
//
// # Assets
//
// The chart library is uPlot (MIT), vendored in assets/ and embedded with
// go:embed (see assets/README.md for version, source and hashes), together
// with Loadline's own report.js and report.css. The page loads nothing from
// the network.
//
// # Self-check
//
// The page records errors (window error events, unhandled rejections and
// console.error calls) from its first script on, and after drawing writes a
// JSON object into the hidden <pre id="selfcheck">: {"charts": [{"id",
// "canvas", "width", "height", "points"}], "errors": [...]}. Tests read it
// from the DOM that headless Chromium dumps.
//
// # Cost
//
// The chart data is the report's Timeline (at most runreport.Options.MaxPoints
// points per series) and Spectrum (201 points per line, at most
// Options.MaxSpectrumLines lines), so the page stays a few hundred kilobytes
// however long the run.
//
// # Concurrency
//
// Write may be called concurrently; it only reads the report.
package html
