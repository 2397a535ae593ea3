// Package runreport turns a results file read back (engine/results.Run, one
// run or several merged) into the reports `load report` writes: a Markdown
// summary for pull requests and $GITHUB_STEP_SUMMARY, a machine-readable JSON
// summary, a CSV of every series in every interval, and the chart data of the
// HTML report (package report/html).
//
// # Entry point
//
// New(run, opts) builds a Report once: the run's facts, the threshold
// verdicts, the checks, the per-endpoint table and, with
// Options.AllMetrics, per-metric totals. Open(path, opts) builds the same
// Report from one results file without holding its intervals: it streams
// the file (results.ScanWith) and decodes only the metrics the report
// reads, so an hour of 20 endpoints at 1 s intervals takes a few seconds
// and ~150 MB instead of ~2 GB (`make bench-report`). Then
// WriteMarkdown, WriteJSON and WriteCSV render it, and Timeline and Spectrum
// give the series the HTML charts draw.
//
// # Where the numbers come from
//
//   - Totals are the exact merge of every interval (the same as results.Run.Totals, computed in the one pass that also fills the timeline):
//     histograms add bucket by bucket, so every percentile is a percentile of
//     all samples (engine/metrics' one rule), never an average of
//     percentiles.
//   - Thresholds: a single finished run reports the verdicts recorded in its
//     summary record, exactly as the live run printed them. A merged run
//     (Options.Merged), or one without a summary record (after a crash),
//     re-evaluates the
//     thresholds of its resolved options on the merged totals with
//     engine/threshold, at the run's duration.
//   - Endpoints are the http_req_duration series grouped by their `name` tag
//     (the URL when the script gave no name) and `method` tag; their error
//     rate is http_req_failed of the same name and method.
//   - Per-interval chart series (Timeline) merge each interval's series of a
//     metric once, then merge adjacent intervals into at most MaxPoints
//     points. Merging histograms is exact, so a downsampled p(99) is the
//     p(99) of every sample in its span.
//
// # Units
//
// Time metrics are milliseconds, data metrics bytes, rates of counters are
// per second, a Rate metric's rate is a fraction 0..1. Timestamps in JSON and
// CSV are RFC 3339 in UTC; chart x values are Unix seconds.
//
// # Concurrency
//
// New spreads its one pass over the intervals across GOMAXPROCS goroutines
// and waits for them; each owns a contiguous range of intervals, their
// timeline points and its own partial totals, merged at the end, so nothing
// is shared while they run. Open folds on one goroutine of its own while
// the scan parses and decodes the next lines on every CPU; it waits for
// both before returning. Trend totals accumulate in dense bucket arrays
// (trendAcc), since merging sparse histograms one by one costs the size of
// the running total each time. A Report is read-only once New or Open
// returns; its methods may run concurrently and start no goroutines
// (WriteCSV of an Open report reads the file again, on the caller's
// goroutine and the scan's).
package runreport
