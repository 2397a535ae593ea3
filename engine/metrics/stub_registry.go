package metrics

import "time"

// Registry holds the metrics of one test run and interns their tag sets.
// It is safe for concurrent use.
type Registry struct{ _ int }

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { panic("metrics: stub") }

// New registers a metric, or returns the existing one when name, type and
// value type match. Names follow k6's rule: 1–128 characters of ASCII
// letters, digits and underscore, not starting with a digit. An existing name
// with another type is an error.
func (r *Registry) New(name string, t Type, vt ValueType) (*Metric, error) { panic("metrics: stub") }

// Lookup returns the metric called name, or nil.
func (r *Registry) Lookup(name string) *Metric { panic("metrics: stub") }

// Metrics returns all metrics in registration order.
func (r *Registry) Metrics() []*Metric { panic("metrics: stub") }

// Tags interns a tag set built from pairs (copied; a later duplicate key
// wins; empty values are kept).
func (r *Registry) Tags(pairs ...Tag) *TagSet { panic("metrics: stub") }

// NewTagCache returns a lock-free, per-goroutine front to the registry's
// interner. Not safe for concurrent use.
func (r *Registry) NewTagCache() *TagCache { panic("metrics: stub") }

// TagCache interns tag sets without allocating or locking on a hit.
type TagCache struct{ _ int }

// Intern returns the interned set of pairs. It may reorder pairs in place
// (the caller owns the slice as scratch); it does not keep it.
func (c *TagCache) Intern(pairs []Tag) *TagSet { panic("metrics: stub") }

// Get returns the value of key.
func (t *TagSet) Get(key string) (string, bool) { panic("metrics: stub") }

// Map returns the tags as a new map.
func (t *TagSet) Map() map[string]string { panic("metrics: stub") }

// Contains reports whether every pair of filter is in t.
func (t *TagSet) Contains(filter []Tag) bool { panic("metrics: stub") }

// Aggregator collects samples from many Recorders into per-interval and total
// snapshots.
type Aggregator struct{ _ int }

// NewAggregator returns an aggregator for metrics of r.
func NewAggregator(r *Registry) *Aggregator { panic("metrics: stub") }

// Registry returns the registry the aggregator was made with.
func (a *Aggregator) Registry() *Registry { panic("metrics: stub") }

// NewRecorder returns a recorder owned by one goroutine (a VU). Recording is
// lock-free for other recorders and allocation-free in steady state.
func (a *Aggregator) NewRecorder() *Recorder { panic("metrics: stub") }

// Flush hands every recorder's samples since the previous Flush to the
// aggregator, merges them into the totals and returns them as one interval
// snapshot [previous flush, now). Safe to call concurrently with Add.
func (a *Aggregator) Flush() *Snapshot { panic("metrics: stub") }

// Totals returns a deep copy of everything flushed so far.
func (a *Aggregator) Totals() *Snapshot { panic("metrics: stub") }

// Recorder records samples for one goroutine.
type Recorder struct{ _ int }

// Add records value v for metric m with tags t.
func (rc *Recorder) Add(m *Metric, t *TagSet, v float64) { panic("metrics: stub") }

// AddDuration records d in milliseconds (for Time metrics).
func (rc *Recorder) AddDuration(m *Metric, t *TagSet, d time.Duration) { panic("metrics: stub") }

// NewSink returns an empty sink of type t.
func NewSink(t Type) *Sink { panic("metrics: stub") }

// Add adds one sample.
func (s *Sink) Add(v float64) { panic("metrics: stub") }

// Merge adds o's samples to s. Histograms merge bucket by bucket (exact).
func (s *Sink) Merge(o *Sink) { panic("metrics: stub") }

// Avg returns Sum/Count for trends, 0 when empty.
func (s *Sink) Avg() float64 { panic("metrics: stub") }

// Rate returns Trues/Count for rates, 0 when empty.
func (s *Sink) Rate() float64 { panic("metrics: stub") }

// Percentile returns the p-th percentile (p in 0..100) of a trend.
func (s *Sink) Percentile(p float64) float64 { panic("metrics: stub") }

// Merge returns the merge of all series of m whose tags contain filter, or nil
// when there is none.
func (s *Snapshot) Merge(m *Metric, filter []Tag) *Sink { panic("metrics: stub") }

// Histogram is a trend's distribution.
type Histogram struct{ _ int }
