package metrics

// This file is the package's public contract. Other packages (engine, httpc,
// scripting, report, cmd) are written against these names; change them only
// together with every caller.

import "time"

// Type is the kind of a metric: how its samples aggregate.
type Type uint8

// The four metric types, as in k6.
const (
	Counter Type = iota + 1 // sum of values; summary shows count and rate per second
	Gauge                   // last value, with min and max
	Rate                    // fraction of non-zero values
	Trend                   // distribution: HDR histogram plus exact min, max, sum, count
)

// ValueType says what a metric's values measure; it decides display units.
type ValueType uint8

// Value types.
const (
	Default ValueType = iota // plain numbers
	Time                     // milliseconds
	Data                     // bytes
)

// Metric is a registered metric. Handles are resolved once (at init) and kept;
// the hot path passes the pointer.
type Metric struct {
	Name     string
	Type     Type
	Contains ValueType
	ID       uint32 // dense index in its Registry, from 0
}

// Tag is one key/value pair of a tag set.
type Tag struct{ Key, Value string }

// TagSet is an interned, immutable, key-sorted set of tags. Two equal tag sets
// from the same Registry are the same pointer, so they compare with ==.
type TagSet struct {
	ID    uint32 // dense index in its Registry, from 0
	Pairs []Tag  // sorted by Key, keys unique; must not be modified
}

// Sink holds the aggregated samples of one series (or a merge of several).
// Which fields are meaningful depends on the metric Type:
//
//   - Counter: Sum (total), Count (number of Add calls)
//   - Gauge:   Value (last), Min, Max, Count, Stamp (when Value was set)
//   - Rate:    Trues (non-zero samples), Count (all samples)
//   - Trend:   Hist, Min, Max, Sum, Count (exact, independent of the histogram)
type Sink struct {
	Type  Type
	Count int64
	Trues int64
	Sum   float64
	Value float64
	Min   float64
	Max   float64
	Hist  *Histogram // Trend only

	// Stamp is, for a Gauge, when Value was set: Unix nanoseconds, taken from
	// the monotonic clock of the aggregator that recorded it (so it never goes
	// backwards within a run). Merge keeps the Value with the latest Stamp,
	// so a merge over several tag sets reports the value set last in time.
	// Zero for other types.
	Stamp int64
}

// Series is one (metric, tag set) pair and its sink.
type Series struct {
	Metric *Metric
	Tags   *TagSet
	Sink   *Sink
}

// Snapshot is the aggregated data of a time span: one interval, or the run's
// totals. Series are ordered by metric ID, then tag set ID.
type Snapshot struct {
	Start, End time.Time
	Series     []*Series
}
