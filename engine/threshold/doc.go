// Package threshold parses k6-style thresholds from options and evaluates
// them against metric snapshots.
//
// # Entry point
//
// ParseAll(options.Thresholds, registry) before the run: it parses every key
// (`metric` or `metric{tag:value,...}`) and expression (`aggregation
// operator number`), and checks that the metric exists and the aggregation
// fits its type. Errors are *Error values whose ExitCode is 104. During and
// after the run, Set.Eval (or EvalAt with the test's elapsed time) evaluates
// a set against a Snapshot, normally the aggregator's totals, and records
// each Threshold's Evaluated, Passed and Value.
//
// # Expressions
//
// Aggregations per metric type (as k6): Counter: count (the sum of the
// values), rate (count per second of elapsed test time); Gauge: value (the
// last value); Rate: rate (non-zero samples / samples, 0..1); Trend: avg,
// min, max, med, p(N) with N in 0..100, in the metric's unit (milliseconds
// for time). count is not a Trend aggregation. Operators: < <= > >= == !=,
// and === as a synonym of ==. Spaces are allowed around each part; the
// number is a decimal, possibly negative or with an exponent. Percentiles
// follow engine/metrics' documented rule (k6's interpolation between closest
// ranks over HDR buckets, within 0.1%).
//
// # Metrics without samples (CASES.md C09)
//
// A Counter with no matching samples evaluates as count 0 and rate 0, so
// `count==0` passes and `count>500` fails. A Rate, Trend or Gauge with no
// matching samples has no value to compare: its thresholds are not
// evaluated and FAIL as "no data" (Evaluated=false, Passed=false, Value 0 and
// not meaningful). Summaries must print "no data" for them, never a value,
// so the verdict and the printed value never disagree. The compat corpus has
// no threshold on a Rate, Trend or Gauge that legitimately gets no samples.
//
// # Concurrency
//
// Parsing is pure. Eval writes the verdict fields of its Set's Thresholds,
// so one Set must not be evaluated from two goroutines at once, nor read
// while being evaluated.
package threshold
