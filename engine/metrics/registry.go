package metrics

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// maxNameLen is k6's limit on metric name length.
const maxNameLen = 128

// Registry holds the metrics of one test run and interns their tag sets.
// It is safe for concurrent use. The zero value is not usable; call
// NewRegistry.
type Registry struct {
	mu      sync.RWMutex
	metrics []*Metric
	byName  map[string]*Metric

	tagMu   sync.Mutex
	tagKeys map[string]*TagSet // encoded pairs -> interned set
	tagSets []*TagSet          // by ID
	empty   *TagSet
}

// NewRegistry returns an empty registry. The empty tag set is interned first
// and has ID 0.
func NewRegistry() *Registry {
	r := &Registry{
		byName:  make(map[string]*Metric),
		tagKeys: make(map[string]*TagSet),
	}
	r.empty = r.intern(nil, nil)
	return r
}

// ValidName reports whether name follows k6's metric name rule: 1–128
// characters of ASCII letters, digits and underscore, not starting with a
// digit (`^[a-zA-Z_][a-zA-Z0-9_]{0,127}$`).
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// New registers a metric, or returns the existing one when name, type and
// value type match. Names follow k6's rule: 1–128 characters of ASCII
// letters, digits and underscore, not starting with a digit. An existing name
// with another type is an error.
func (r *Registry) New(name string, t Type, vt ValueType) (*Metric, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("metrics: invalid metric name %q: use 1 to 128 ASCII letters, digits or underscores, not starting with a digit", name)
	}
	if t < Counter || t > Trend {
		return nil, fmt.Errorf("metrics: metric %q: unknown type %d", name, t)
	}
	if vt > Data {
		return nil, fmt.Errorf("metrics: metric %q: unknown value type %d", name, vt)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.byName[name]; ok {
		if m.Type != t || m.Contains != vt {
			return nil, fmt.Errorf("metrics: metric %q already registered as a %s of %s values, not a %s of %s values",
				name, m.Type, m.Contains, t, vt)
		}
		return m, nil
	}
	m := &Metric{Name: name, Type: t, Contains: vt, ID: uint32(len(r.metrics))}
	r.metrics = append(r.metrics, m)
	r.byName[name] = m
	return m, nil
}

// Lookup returns the metric called name, or nil.
func (r *Registry) Lookup(name string) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[name]
}

// Metrics returns all metrics in registration order, as a new slice.
func (r *Registry) Metrics() []*Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.metrics)
}

// metricByID returns the metric with the given ID, or nil.
func (r *Registry) metricByID(id uint32) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if int(id) < len(r.metrics) {
		return r.metrics[id]
	}
	return nil
}

// Tags interns a tag set built from pairs (copied; a later duplicate key
// wins; empty values are kept).
func (r *Registry) Tags(pairs ...Tag) *TagSet {
	scratch := slices.Clone(pairs)
	scratch = normalize(scratch)
	key := encodePairs(nil, scratch)
	return r.intern(key, scratch)
}

// Empty returns the interned empty tag set (ID 0).
func (r *Registry) Empty() *TagSet { return r.empty }

// TagSetByID returns the interned tag set with the given ID, or nil.
func (r *Registry) TagSetByID(id uint32) *TagSet {
	r.tagMu.Lock()
	defer r.tagMu.Unlock()
	if int(id) < len(r.tagSets) {
		return r.tagSets[id]
	}
	return nil
}

// intern returns the set for the encoded key, creating it from the
// normalized pairs (which it copies) when new.
func (r *Registry) intern(key []byte, pairs []Tag) *TagSet {
	r.tagMu.Lock()
	defer r.tagMu.Unlock()
	if ts, ok := r.tagKeys[string(key)]; ok {
		return ts
	}
	ts := &TagSet{ID: uint32(len(r.tagSets)), Pairs: slices.Clip(slices.Clone(pairs))}
	if ts.Pairs == nil {
		ts.Pairs = []Tag{}
	}
	r.tagSets = append(r.tagSets, ts)
	r.tagKeys[string(key)] = ts
	return ts
}

// NewTagCache returns a lock-free, per-goroutine front to the registry's
// interner. Not safe for concurrent use.
func (r *Registry) NewTagCache() *TagCache {
	return &TagCache{reg: r, m: make(map[string]*TagSet), buf: make([]byte, 0, 256)}
}

// TagCache interns tag sets without allocating or locking on a hit. It is
// owned by one goroutine. Its map grows with the number of distinct tag sets
// that goroutine interns.
type TagCache struct {
	reg *Registry
	m   map[string]*TagSet
	buf []byte // scratch for the encoded key, reused

	// recent are the last tagRecent distinct inputs of Intern, as given,
	// with their sets: a goroutine interns the same few lists over and
	// over (a check's tags, a metric's), and comparing a list with them is
	// cheaper than sorting, encoding and hashing it.
	recent     [tagRecent]recentTags
	recentNext int
}

// tagRecent is how many recent inputs a TagCache compares before hashing.
const tagRecent = 8

type recentTags struct {
	in []Tag
	ts *TagSet
}

// Intern returns the interned set of pairs. It may reorder pairs in place
// (the caller owns the slice as scratch); it does not keep it.
//
// A hit costs one sort of pairs, one encoding into the cache's scratch buffer
// and one map lookup, with no allocation and no lock; a miss takes the
// registry's interner lock and stores the key.
//
// Before that, pairs is compared with the cache's last tagRecent distinct
// inputs (pair by pair, or as sets when pairs repeats no key: callers build
// lists from Go maps, whose order varies); a match costs a few string
// comparisons.
func (c *TagCache) Intern(pairs []Tag) *TagSet {
	for i := range c.recent {
		if r := &c.recent[i]; r.ts != nil && len(r.in) == len(pairs) && SameTags(r.in, pairs) {
			return r.ts
		}
	}
	r := &c.recent[c.recentNext]
	c.recentNext = (c.recentNext + 1) % tagRecent
	r.in = append(r.in[:0], pairs...)
	pairs = normalize(pairs)
	c.buf = encodePairs(c.buf[:0], pairs)
	ts, ok := c.m[string(c.buf)]
	if !ok {
		ts = c.reg.intern(c.buf, pairs)
		c.m[string(c.buf)] = ts
	}
	r.ts = ts
	return ts
}

// SameTags reports whether the tag lists a and b (of the same length) make
// the same tag set for certain: equal pair by pair, or equal as sets when b
// repeats no key (with a repeated key the later pair wins, so order
// matters). It does not allocate.
func SameTags(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(b) {
		return true
	}
	for j := range b {
		for k := j + 1; k < len(b); k++ {
			if b[j].Key == b[k].Key {
				return false
			}
		}
		if !slices.Contains(a, b[j]) {
			return false
		}
	}
	return true
}

// normalize sorts pairs by key, stably, and drops every pair whose key is
// repeated later (the later duplicate wins). It works in place and returns
// the shortened slice.
func normalize(pairs []Tag) []Tag {
	if len(pairs) < 2 {
		return pairs
	}
	// Insertion sort: tag sets are small, it is stable and never allocates.
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && pairs[j].Key < pairs[j-1].Key; j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	out := pairs[:0]
	for i := range pairs {
		if i+1 < len(pairs) && pairs[i+1].Key == pairs[i].Key {
			continue // a later pair with the same key wins
		}
		out = append(out, pairs[i])
	}
	return out
}

// encodePairs appends an unambiguous encoding of normalized pairs to dst:
// for every pair, uvarint(len(key)) key uvarint(len(value)) value.
func encodePairs(dst []byte, pairs []Tag) []byte {
	for _, p := range pairs {
		dst = binary.AppendUvarint(dst, uint64(len(p.Key)))
		dst = append(dst, p.Key...)
		dst = binary.AppendUvarint(dst, uint64(len(p.Value)))
		dst = append(dst, p.Value...)
	}
	return dst
}

// Get returns the value of key. A nil set has no tags.
func (t *TagSet) Get(key string) (string, bool) {
	if t == nil {
		return "", false
	}
	i, ok := slices.BinarySearchFunc(t.Pairs, key, func(p Tag, k string) int { return strings.Compare(p.Key, k) })
	if !ok {
		return "", false
	}
	return t.Pairs[i].Value, true
}

// Map returns the tags as a new map (empty, not nil, for an empty or nil set).
func (t *TagSet) Map() map[string]string {
	if t == nil {
		return map[string]string{}
	}
	m := make(map[string]string, len(t.Pairs))
	for _, p := range t.Pairs {
		m[p.Key] = p.Value
	}
	return m
}

// Contains reports whether every pair of filter is in t (same key, same
// value). An empty filter is contained in every set, including nil.
func (t *TagSet) Contains(filter []Tag) bool {
	for _, f := range filter {
		v, ok := t.Get(f.Key)
		if !ok || v != f.Value {
			return false
		}
	}
	return true
}

// String returns the set as `{k1:v1,k2:v2}` (`{}` when empty), for messages.
func (t *TagSet) String() string {
	var b strings.Builder
	b.WriteByte('{')
	if t != nil {
		for i, p := range t.Pairs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(p.Key)
			b.WriteByte(':')
			b.WriteString(p.Value)
		}
	}
	b.WriteByte('}')
	return b.String()
}

// String returns the type's name: "counter", "gauge", "rate" or "trend".
func (t Type) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Rate:
		return "rate"
	case Trend:
		return "trend"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// String returns the value type's name: "default", "time" or "data".
func (vt ValueType) String() string {
	switch vt {
	case Default:
		return "default"
	case Time:
		return "time"
	case Data:
		return "data"
	}
	return fmt.Sprintf("valuetype(%d)", uint8(vt))
}
