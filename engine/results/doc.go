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
// file back into a Run; Scan hands its intervals to a callback one by one
// instead of keeping them, and ScanWith also skips the decoding of metrics
// the reader does not want (ScanOptions.Metrics); Merge combines Runs; Run.Totals merges a Run's
// intervals into one snapshot. Synthesize writes a realistic synthetic file
// for sizing and benchmarks. CountsIndex and CountsIndexValue give the
// histograms' bucket geometry to readers that merge them as dense arrays.
//
// # Concurrency
//
// A Writer belongs to one goroutine at a time (the engine's flush
// goroutine while the run goes, then the caller's at Close). Read, Merge and
// Totals are safe to call concurrently on distinct values; a Run is not
// safe for concurrent mutation. Read, Scan and ScanWith parse series lines
// on all CPUs (by hand for the lines this package writes, encoding/json for
// anything else) and return only when done; Scan's callback runs on the
// caller's goroutine.
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
// Trend histograms dominate. Measured with Synthesize (BenchmarkWriteHour,
// `make bench-results`): one hour at 10,000 requests/s over 20 endpoints
// (log-normal latencies, σ 0.4; 9 HTTP metrics per endpoint, 0.1% failures
// as their own tag sets) is 116 MB gzipped at 1 s intervals, 77 MB at 2 s,
// 60 MB at 3 s, 50 MB at 4 s and 43 MB at 5 s (--interval). At 1 s,
// http_req_duration and http_req_waiting cost ~37 MB each, receiving 17,
// sending 9, blocked and iteration_duration 6.5 each; the all-zero
// connecting and TLS histograms ~0.6 MB each (their lines repeat, and gzip
// sees that); every counter, rate and gauge together ~2 MB; the exact sum,
// min and max of the trends ~16 MB.
//
// The floor. A histogram of n draws holds less information than n values:
// with Poisson counts it is Σ_i H(Poisson(n·p_i)) bits over its buckets i.
// For Synthesize's distributions at 3-digit buckets that is 3.8 bits per
// request for http_req_duration and for http_req_waiting (500 draws per
// series and second over ~2,400 buckets), and 45.3 MB per hour for all its
// trend histograms at 1 s (BenchmarkEntropyBoundHour: duration 17.1 MB,
// waiting 17.2, receiving 4.7, iteration_duration 4.3, sending 1.6, blocked
// 0.4). The exact float64 sum, min and max of the ~100 trend series a
// second whose values are not all zero add ≥ 6 MB (≥ 45 random bits each:
// Synthesize draws continuous values), and ids, times and counters ~2 MB.
// So no lossless encoding of this hour at 1 s and 3 digits, however clever,
// is under ~53 MB; the standard V2 encoding under gzip is about twice the
// histograms' floor (the embedded zlib streams pay their own headers and
// Huffman tables, ~500 draws each are too few to amortise them, and base64
// hides byte boundaries from the outer gzip). Below 50 MB it takes 5 s intervals (43 MB; the HTML
// report of an hour draws at most 1,000 points, 3.6 s each, anyway) or
// fewer significant digits, which this format does not do.
//
// Tried, on the first 60 intervals of the hour, scaled to an hour (gzip
// -6 / gzip -9 / zstd at its best level with a 64 MB window): this format
// 116/114/109 MB; base64 of the uncompressed V2 encoding (cookie
// 0x1c849303), left to the outer compressor, 113/107/101; the same in hex,
// which keeps byte boundaries visible to the compressor, 109/99/97; the
// V2 payload as a list of decimal integers 110/97/97. The best of them
// saves 16% and gives up the standard compressed encoding (or, in hex, any
// standard text form), grows plain .jsonl files by 70%, and needs a new
// major version; the version stays 1 until an encoding closes more of the
// gap.
package results
