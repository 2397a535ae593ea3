package threshold

import "github.com/loadline/loadline/engine/metrics"

// Parse parses one options key and its thresholds. Errors name the key and
// the expression.
func Parse(key string, cfgs []Config) (*Set, error) { panic("threshold: stub") }

// ParseAll parses every key, checks that each metric exists in r and that
// each aggregation fits the metric's type. The result is sorted by key.
func ParseAll(m map[string][]Config, r *metrics.Registry) ([]*Set, error) {
	panic("threshold: stub")
}

// Eval evaluates every threshold of s against snap and reports whether all
// passed.
func (s *Set) Eval(snap *metrics.Snapshot) bool { panic("threshold: stub") }
