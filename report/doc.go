// Package report turns a finished run's aggregated metrics into what users
// read: the end-of-test text summary (WriteText), the k6-shaped data object
// handed to a script's handleSummary (Data) and the legacy
// --summary-export JSON (WriteExport).
//
// Entry point: fill a Summary with the run's totals snapshot, the evaluated
// threshold sets and the summary options, then call its methods. Every
// output is computed from the same model, so the text, the data object and
// the export always agree: the same metrics (those with samples, plus those
// with thresholds), the same summaryTrendStats and the same verdicts.
//
// Concurrency: a Summary is read-only once filled; its methods may run
// concurrently. Nothing here starts goroutines.
//
// Units: Time metrics hold milliseconds (float64) in every output; the text
// summary formats them with FormatDuration (µs, ms, s, m, honouring
// summaryTimeUnit). Data metrics hold bytes, shown with SI prefixes
// (FormatBytes: 1 kB = 1000 B). Counter rates are per second of the run's
// duration. Percentiles come from the metrics package's HDR histograms, so
// they are exact to its precision rather than k6's interpolated values.
//
// Groups and checks are read from tags, not kept separately: every series'
// "group" tag ("::outer::inner", "" for the root) makes a node of the group
// tree and the checks metric's "check" tag names a check in its group.
// Children are ordered by first appearance (lowest interned tag set ID).
// Group and check ids are the hex MD5 of their paths, as in k6.
//
// Thresholds that could not be evaluated (no samples) are shown as
// "no data" with the verdict the threshold package gave them, never with a
// number that could contradict that verdict.
package report
