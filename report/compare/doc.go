// Package compare compares two runs, a baseline and a current one, read
// from results files, and decides per metric and tag set whether the
// current run regressed: the statistics behind `load compare` and its CI
// gate.
//
// # What is compared
//
// By default: http_req_duration, http_req_failed and http_reqs overall and
// per `name` tag (when a run has several names), iteration_duration and
// checks. Trends get rows for p(50), p(95), p(99) and avg (milliseconds for
// time trends); rates a row for the rate (a fraction); counters a row for
// the rate per second. Each --fail-on Rule adds the row it reads when it is
// not among these.
//
// # The judgement
//
// The unit of evidence is the interval (results.Interval, 1 s by default):
// samples within one interval are not independent (a GC pause or a slow
// backend moment moves many of them together), intervals are much closer to
// it. For each row:
//
//  1. Mann–Whitney U test (H. B. Mann and D. R. Whitney, "On a test of
//     whether one of two random variables is stochastically larger than the
//     other", Annals of Mathematical Statistics 18(1), 1947) on the
//     per-interval values of the row's statistic (each interval's p(95) for
//     a p(95) row, its mean for avg, its rate for rates and counters): the
//     two-sided p-value, exact for small samples without ties, else the
//     normal approximation with tie correction (see MannWhitney).
//  2. A bootstrap confidence interval (B. Efron, "Bootstrap methods: another
//     look at the jackknife", Annals of Statistics 7(1), 1979; the
//     percentile interval of Efron and Tibshirani, "An Introduction to the
//     Bootstrap", 1993, ch. 13) of the change current − baseline: each of
//     Options.Resamples resamples draws, with replacement and separately per
//     run, as many intervals as the run has, merges the drawn intervals'
//     histograms exactly (the same HDR buckets and percentile rule as
//     metrics.Sink.Percentile) and computes the statistic; the interval is
//     the α/2 and 1−α/2 quantiles of the differences. Resampling whole
//     intervals is a block bootstrap: it keeps the dependence within an
//     interval. The random numbers are seeded (Options.Seed), so the same
//     inputs always give the same output.
//  3. A practical-size floor: a change smaller than Options.MinRelative of
//     the baseline (5%), or for time trends smaller than Options.MinTime
//     (1 ms), or for rates smaller than Options.MinRatePoints (0.1
//     percentage points), is "no practical change" even when significant.
//
// A table has many rows, and at α = 0.05 one row in twenty would look
// significant by chance: the p-values are adjusted by Holm's method (S.
// Holm, "A simple sequentially rejective multiple test procedure",
// Scandinavian Journal of Statistics 6(2), 1979) over all rows of the
// table, or, for the gate's rules, over the rules. A change is significant
// when the adjusted p-value is below Options.Alpha (0.05) and the confidence
// interval excludes 0. The verdict is "regression" or
// "improvement" (by the metric's direction: higher is worse, except for
// checks, http_reqs, iterations and data_*) when it is significant and
// practical; "inconclusive" when it is practical but not significant, or a
// side has fewer than Options.MinIntervals intervals with samples; "no
// change" otherwise.
//
// # What the statistics cannot see
//
// Intervals are treated as exchangeable draws within each run. A difference
// between the runs' conditions (a busier machine, a noisy neighbour, a
// different runner type, a cold cache) is a real difference in what was
// measured, and shows as a change: compare runs recorded on the same kind of
// machine, under the same other load. Stalls of the load generator's
// machine (CPU starvation) widen the bootstrap interval of the tail
// percentiles, which then reads "inconclusive" rather than a verdict; that is
// the honest answer when the machine, not the service, made the p(99).
//
// # The gate
//
// Result.Regressed is the gate: without rules, any "regression" row; with
// rules, any failed rule and nothing else. A change rule (a signed value:
// +10%, +0.5pp, +20ms) fails when the change crosses its bound and the
// change is significant as above; its bound replaces the practical floor.
// A level rule (unsigned: 500ms, 1%) fails on the current run's value
// alone, like a threshold. A rule whose series has no samples fails as "no
// data" (the same rule as Loadline's thresholds).
//
// # Entry points
//
// ParseRule for each --fail-on; Concat for repeated runs of one side (or
// results.Merge for the workers of one run); then Compare(baseline,
// current, opts); the
// Result writes itself as text (WriteText), Markdown (WriteMarkdown), JSON
// (WriteJSON) or JUnit XML (JUnit, then junit.Suites.Write).
//
// # Concurrency and cost
//
// Compare is a pure function of its inputs; it does not modify the runs and
// may run concurrently with other calls. Its cost is
// O(series × Resamples × (intervals + histogram buckets)); for a typical
// run (tens of series, hundreds of intervals) it takes well under a second.
package compare
