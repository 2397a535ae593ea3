// Package results writes and reads the results file: the contract between
// running a test and reporting on it (DESIGN.md). A run writes it as it goes
// (`load run --out results.jsonl[.gz]`); every report reads it back, and
// files of several workers or repeated runs merge exactly.
//
// # Entry points
//
// Create a Writer with the run's Header, call WriteInterval with every
// interval snapshot the engine flushes (engine.Config.OnInterval),
// WriteMark for labelled spans, and Close with the Summary. Read parses a
// file back into a Run; Merge combines Runs; Run.Totals merges a Run's
// intervals into one snapshot. Synthesize writes a realistic synthetic file
// for sizing and benchmarks.
//
// # Concurrency
//
// A Writer belongs to one goroutine at a time (the engine's flush
// goroutine while the run goes, then the caller's at Close). Read, Merge and
// Totals are safe to call concurrently on distinct values; a Run is not
// safe for concurrent mutation. Read parses series lines on all CPUs and
// returns only when done.
//
// # Crash safety
//
// Every WriteInterval, WriteMark and Create ends with a flush of the line
// buffer and, for .gz files, a gzip flush (a sync flush point), so once it
// returns the interval is in the operating system's hands: a kill -9 of the
// process loses nothing written so far (a power loss may: the file is not
// fsynced). Read skips a last line cut short (no newline and not valid
// JSON) and a gzip stream that ends early, each with a warning in
// Run.Warnings; series lines of an interval whose closing interval line is
// missing are dropped with a warning. Run.Summary is then nil.
//
// # File format, version 1
//
// JSON Lines (RFC 8259 objects, one per line, UTF-8, '\n' ends every line),
// optionally gzip-compressed as one gzip member (readers detect gzip by its
// magic bytes 1f 8b; writers compress when the name ends in .gz). Every line
// is an object whose first member is "type". Times t0/t1 are integer Unix
// microseconds (exact in IEEE doubles, so JavaScript and jq read them
// losslessly); "start"/"end" members are RFC 3339 strings with nanoseconds.
// Numbers are shortest round-trip decimals; the non-finite float values a
// counter sum or gauge may reach are the strings "+Inf", "-Inf" and "NaN".
// Values are in the metric's unit: milliseconds for "time" metrics, bytes
// for "data" metrics, plain numbers for "default" ones.
//
// Lines, in file order:
//
//   - header, exactly one, first: {"type":"header","format":1,
//     "tool_version":"0.1.0","start":"2026-…Z","script":"test.js",
//     "script_sha256":"<hex>","options":{…the resolved options, k6's
//     names…},"labels":{"env":"staging"},"host":{"hostname":…,"os":…,
//     "arch":…,"cpus":8,"go_version":…},"interval_ns":1000000000,
//     "members":["w1","w2"]}. labels and members are omitted when empty.
//   - def, before the first series line that uses its id:
//     {"type":"def","id":0,"metric":"http_req_duration","mtype":"trend",
//     "contains":"time","tags":{"method":"GET","name":"…","status":"200"}}.
//     id is a file-local integer, unique, dense from 0 in the files this
//     package writes. mtype is counter, gauge, rate or trend; contains is
//     default, time or data; tags is omitted for the empty tag set. Writing
//     the name and tags once per series keeps an hour of per-second data
//     compact.
//   - series, one per (metric, tag set) with samples in an interval:
//     {"type":"series","t0":…,"t1":…,"id":0,"n":…, …values…} where n is
//     the number of samples in [t0, t1) and the values depend on mtype:
//     counter: "sum" (the total of the values; n counts Add calls);
//     rate: "trues" (non-zero samples, 0 ≤ trues ≤ n);
//     gauge: "last", "min", "max" and "stamp" (when last was set, Unix
//     nanoseconds from the recording aggregator's monotonic clock; merges
//     keep the later one; an int64 beyond 2^53, so read it as an integer);
//     trend: "sum", "min", "max" (exact, not from the histogram) and "hist",
//     the histogram in HdrHistogram's standard V2 compressed encoding
//     (base64, as hdrhistogram-go Encode and the Java/C log formats; lowest
//     1, highest 10^15, 3 significant figures) of round(value × 1000):
//     microseconds for time trends. When the trend holds negative values, a
//     space and the V2 encoding of the magnitudes of the negative values
//     follow (metrics.Histogram.Encode). The histogram's total count equals
//     n.
//   - interval, closing the series lines of one interval (which come
//     together, after the defs they need): {"type":"interval","t0":…,
//     "t1":…,"n":3}, n being the number of series lines with this t0/t1
//     just before it. Intervals appear in time order; an interval with no
//     samples has n 0.
//   - mark, any number, anywhere after the header: {"type":"mark",
//     "name":"step 3","start":"…","end":"…","attrs":{"rate":300}}.
//   - summary, at most one, last: {"type":"summary","end":"…",
//     "end_reason":"finished","exit_code":0,"thresholds":[{"key":…,
//     "source":"p(95)<500","passed":true,"evaluated":true,"value":123.4}],
//     "scenarios":[{"name":"default","executor":"constant-vus",
//     "completed":…,"interrupted":…,"dropped":…,"offered_rate":…}]}.
//     end_reason is "finished", "interrupted", "aborted: <reason>",
//     "threshold abortOnFail" or "error: <message>"; exit_code is the
//     process's (README, Exit codes).
//
// When a metric reaches WriterOptions.MaxSeries tag sets, the samples of
// its further tag sets go to one series of that metric tagged
// {"__overflow__":"true"} (OverflowTag).
//
// # Versioning
//
// "format" is the major version (FormatVersion). A reader rejects a file
// with another major version. Within a version, writers may add members to
// existing lines and new line types; readers ignore members and line types
// they do not know. Removing or changing the meaning of a member is a new
// major version.
//
// # Size
//
// Trend histograms dominate. A histogram of a few hundred latency samples
// spread over a log-normal costs 3–4 bits per sample at the information
// limit of 3-digit buckets and about twice that in the standard encoding,
// so the size grows with the spread and shrinks as more samples share a
// series and interval. Measured with Synthesize (BenchmarkWriteHour, `make
// bench-results`): one hour at 10,000 requests/s over 20 endpoints
// (log-normal latencies, σ 0.4; 9 HTTP metrics per endpoint, 0.1% failures
// as their own tag sets) is 116 MB gzipped at 1 s intervals and 43 MB at
// 5 s intervals (--interval 5s). The def lines, ids and t0/t1 cost under 3%.
package results
