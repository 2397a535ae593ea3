package compare

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/loadline/loadline/engine/metrics"
)

// Kind says what a Rule's value is compared with.
type Kind int

// Rule kinds.
const (
	// Relative: the change relative to the baseline, (current−baseline)/baseline
	// ("+10%"). Value is a fraction (0.10).
	Relative Kind = iota + 1
	// Points: the change of a rate in percentage points ("+0.5pp"). Value is
	// a fraction (0.005).
	Points
	// Absolute: the change in the metric's unit ("+20ms", "+3"). Value is in
	// milliseconds for time metrics.
	Absolute
	// Level: the current run's value itself, no change ("500ms", "1%").
	// Value is in the metric's unit (a fraction for rates).
	Level
)

// Rule is a parsed --fail-on expression:
//
//	METRIC[{TAG:VALUE,...}] STAT OP VALUE
//
// STAT is avg, med, p(N) (trends) or rate (rates: the fraction of non-zero
// samples; counters: per second). OP is >, >=, < or <=. VALUE with a sign
// (+10%, -5%, +0.5pp, +20ms, +3) is a change from the baseline; without a
// sign (500ms, 1%) it is a level of the current run, like a threshold.
// Units: % (relative change, or a rate's level), pp (percentage points,
// rates only), ms, s, us (time metrics), none (the metric's own unit).
type Rule struct {
	Source string        // as written
	Metric string        // e.g. "http_req_duration"
	Filter []metrics.Tag // sub-metric tags, sorted by key; empty for the whole metric
	Stat   string        // "avg", "p(95)", "rate" (med is stored as "p(50)")
	P      float64       // the percentile for p(N) stats, 0..100
	Op     string        // ">", ">=", "<", "<="
	Kind   Kind
	Value  float64 // see Kind for the unit
}

// ErrRule is wrapped by every ParseRule error.
var ErrRule = errors.New("invalid --fail-on rule")

var ruleRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(\{[^}]*\})?\s+(avg|med|rate|p\(\s*[0-9]+(?:\.[0-9]+)?\s*\))\s*(>=|<=|>|<)\s*([+-]?)\s*([0-9]+(?:\.[0-9]+)?)\s*(%|pp|ms|s|us|µs)?\s*$`)

// ParseRule parses a --fail-on expression (see Rule). Errors wrap ErrRule
// and show the expected shape.
func ParseRule(src string) (Rule, error) {
	m := ruleRE.FindStringSubmatch(src)
	if m == nil {
		return Rule{}, fmt.Errorf("%w %q: want METRIC[{TAG:VALUE}] STAT OP VALUE, e.g. 'http_req_duration{name:checkout} p(95) > +10%%' or 'http_req_failed rate > +0.5pp'", ErrRule, src)
	}
	r := Rule{Source: strings.TrimSpace(src), Metric: m[1], Op: m[4]}
	if m[2] != "" {
		f, err := parseFilter(m[2])
		if err != nil {
			return Rule{}, fmt.Errorf("%w %q: %v", ErrRule, src, err)
		}
		r.Filter = f
	}
	switch stat := m[3]; {
	case stat == "med":
		r.Stat, r.P = "p(50)", 50
	case strings.HasPrefix(stat, "p("):
		p, _ := strconv.ParseFloat(strings.TrimSpace(stat[2:len(stat)-1]), 64)
		if p > 100 {
			return Rule{}, fmt.Errorf("%w %q: percentile %v is above 100", ErrRule, src, p)
		}
		r.Stat, r.P = "p("+strconv.FormatFloat(p, 'f', -1, 64)+")", p
	default:
		r.Stat = stat
	}
	v, _ := strconv.ParseFloat(m[6], 64)
	sign, unit := m[5], m[7]
	if sign == "-" {
		v = -v
	}
	switch {
	case sign == "" && unit == "pp":
		return Rule{}, fmt.Errorf("%w %q: pp is a change; write +N pp or -N pp, or a level such as 1%%", ErrRule, src)
	case sign == "":
		r.Kind = Level
		if unit == "%" {
			if r.Stat != "rate" {
				return Rule{}, fmt.Errorf("%w %q: a level in %% applies to rate only; use a time unit or a signed relative change (+10%%)", ErrRule, src)
			}
			v /= 100
		}
	case unit == "%":
		r.Kind, v = Relative, v/100
	case unit == "pp":
		if r.Stat != "rate" {
			return Rule{}, fmt.Errorf("%w %q: pp (percentage points) applies to rate only", ErrRule, src)
		}
		r.Kind, v = Points, v/100
	default:
		r.Kind = Absolute
	}
	switch unit {
	case "s":
		v *= 1000
	case "us", "µs":
		v /= 1000
	}
	r.Value = v
	return r, nil
}

// parseFilter parses "{k:v,k2:v2}" into tags sorted by key.
func parseFilter(s string) ([]metrics.Tag, error) {
	s = strings.TrimSpace(s[1 : len(s)-1])
	if s == "" {
		return nil, nil
	}
	var out []metrics.Tag
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("tag %q is not KEY:VALUE", strings.TrimSpace(kv))
		}
		out = append(out, metrics.Tag{Key: k, Value: v})
	}
	sortTags(out)
	return out, nil
}

// fires reports whether the rule's condition holds for row (without the
// significance requirement, which Compare applies to changes).
func (r Rule) holds(row *Row) bool {
	var x float64
	switch r.Kind {
	case Relative:
		x = row.Relative
	case Points, Absolute:
		x = row.Delta
	case Level:
		x = row.Current
	}
	switch r.Op {
	case ">":
		return x > r.Value
	case ">=":
		return x >= r.Value
	case "<":
		return x < r.Value
	case "<=":
		return x <= r.Value
	}
	return false
}
