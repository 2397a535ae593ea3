// Package metrics registers a run's metrics, interns their tag sets and
// aggregates samples into per-interval and total snapshots without
// allocating or sharing a lock on the hot path.
//
// # Entry point
//
// NewRegistry, then RegisterBuiltin and Registry.New for custom metrics;
// NewAggregator over the registry; Aggregator.NewRecorder for each VU
// goroutine, or one shared by a few VUs (a Recorder takes its own mutex, so
// sharing is safe, and it saves the per-series state a recorder per VU
// repeats; scripting shares 4×GOMAXPROCS). VUs call Recorder.Add with metric handles resolved once and tag
// sets interned once (Registry.Tags, or a per-goroutine TagCache); samples
// always recorded together with one tag set (an HTTP request's eleven) go
// through a Group and Recorder.AddGroup, one lock and one lookup for all. A flusher
// calls Aggregator.Flush every interval and gets a Snapshot; Totals returns
// everything flushed so far.
//
// # Types and units
//
// Counter sums values (Sink.Sum; Count is the number of samples), Gauge keeps
// the last value with Min and Max, Rate counts non-zero samples (Trues) out of
// all (Count), Trend keeps an HDR histogram beside the exact Min, Max, Sum and
// Count. Time metrics are in milliseconds (AddDuration converts), Data
// metrics in bytes. Trend histograms record round(value×1000) as integers
// with 3 significant figures: microseconds for Time trends, a resolution of
// 0.001 for the rest. Negative values go to a mirrored histogram; magnitudes
// above 1e12 are clamped (Histogram.Clamped counts them; the exact Min, Max
// and Sum are unaffected). NaN samples are ignored.
//
// # Percentiles: the one rule
//
// Sink.Percentile uses k6's definition, linear interpolation between closest
// ranks: for the n samples in ascending order v[0..n−1],
//
//	pos = p/100 · (n−1)
//	P(p) = v[⌊pos⌋] + (v[⌊pos⌋+1] − v[⌊pos⌋]) · (pos − ⌊pos⌋)
//
// where v[i] stands for the sample of rank i, read from the histogram: the
// exact Min for a rank in the lowest populated bucket, the exact Max for a
// rank in the highest populated bucket, and otherwise the bucket's
// representative value: the value itself when the bucket is one unit wide
// (every value below 2.048 in trend terms, i.e. 2.048 ms for Time trends),
// else the midpoint of the bucket's equivalent range, clamped to [Min, Max].
// (When one bucket holds every sample, its midpoint clamped to [Min, Max] is
// used.) The median is P(50) by construction. Each v[i] differs from the true
// sample by less than one bucket width, at most 1/1024 of the value (0.1%;
// half that for midpoints), so P differs from k6's exact value by at most
// that; the ends are exact, so P(0) = Min, P(100) = Max, a single-valued
// trend reports that value for every percentile, and a percentile that falls
// among the top outliers reports Max exactly. Histograms merge bucket by
// bucket, so percentiles of merged VUs, intervals or workers are the
// percentiles of all their samples, never an average of percentiles.
//
// # Concurrency
//
// Registry and Aggregator are safe for concurrent use. A Recorder and a
// TagCache belong to one goroutine; Flush may run concurrently with Add.
// Each Recorder holds a mutex that only its owner and Flush take; counters,
// rates and gauges accumulate in the recorder; trend values collect in a
// per-series buffer (up to 256 values, 2 KB) that is drained into the
// aggregator's series under the series' own lock when full, and at Flush. A
// full buffer goes to the series' stage, dense 16-bit counts by HDR bucket
// that Flush folds into the interval histogram (exactly: the same buckets
// and counts as recording every value); drains at Flush, and series that
// never fill a buffer, record into the histogram directly. The stage costs a
// series that fills buffers 328 bytes plus 2 KB per power of two of values
// it receives (about 30 KB for latencies spanning 1 ms..10 s), and is freed
// chunk by chunk after an interval without use. There is no per-sample
// channel send, lock shared by all VUs, or allocation once a series is warm.
// Gauge ordering across recorders uses a monotonic-clock stamp taken at Add
// (Sink.Stamp).
//
// Snapshots, Sinks and Histograms returned to the caller are the caller's and
// are not safe for concurrent mutation. Metric and TagSet values are
// immutable.
package metrics
