package capacity

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/loadline/loadline/engine/metrics"
)

// SLO is one service-level objective a step must meet, such as
// "p(95)<300ms" or "errors<1%".
type SLO struct {
	// Source is the text as given.
	Source string `json:"source"`
	// Stat is "p(N)", "avg", "med", "min", "max" (latency of
	// http_req_duration, milliseconds) or "errors" (fraction of failed
	// requests, http_req_failed).
	Stat string `json:"stat"`
	// Percentile is N of p(N) (0..100), 50 for med.
	Percentile float64 `json:"-"`
	// Op is "<" or "<=".
	Op string `json:"op"`
	// Limit is the bound: milliseconds for latency, a fraction (0..1) for
	// errors.
	Limit float64 `json:"limit"`
}

var sloRE = regexp.MustCompile(`^\s*(p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\)|avg|med|min|max|errors|error_rate)\s*(<=|<)\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|us|µs|%)?\s*$`)

// ParseSLO parses an objective: STAT OP VALUE[UNIT], where STAT is p(N),
// avg, med, min or max of request latency (UNIT ms (default), s, us) or
// errors (UNIT % or none for a fraction: errors<1% = errors<0.01), and OP is
// < or <=.
func ParseSLO(s string) (SLO, error) {
	m := sloRE.FindStringSubmatch(s)
	if m == nil {
		return SLO{}, fmt.Errorf("capacity: SLO %q: want STAT<VALUE such as 'p(95)<300ms', 'avg<=200ms' or 'errors<1%%'", s)
	}
	o := SLO{Source: strings.TrimSpace(s), Op: m[3]}
	v, _ := strconv.ParseFloat(m[4], 64)
	unit := m[5]
	switch stat := m[1]; {
	case stat == "errors" || stat == "error_rate":
		o.Stat = "errors"
		switch unit {
		case "%":
			v /= 100
		case "":
		default:
			return SLO{}, fmt.Errorf("capacity: SLO %q: an error rate takes %% or a fraction, not %s", s, unit)
		}
		if v > 1 {
			return SLO{}, fmt.Errorf("capacity: SLO %q: an error rate above 100%%", s)
		}
	default:
		if unit == "%" {
			return SLO{}, fmt.Errorf("capacity: SLO %q: a latency takes ms, s or us, not %%", s)
		}
		switch unit {
		case "s":
			v *= 1000
		case "us", "µs":
			v /= 1000
		}
		o.Stat = stat
		switch {
		case strings.HasPrefix(stat, "p("):
			p, _ := strconv.ParseFloat(m[2], 64)
			if p > 100 {
				return SLO{}, fmt.Errorf("capacity: SLO %q: percentile above 100", s)
			}
			o.Percentile = p
			o.Stat = "p(" + strconv.FormatFloat(p, 'f', -1, 64) + ")"
		case stat == "med":
			o.Percentile = 50
		}
	}
	o.Limit = v
	return o, nil
}

// Latency reports whether the objective is on latency (not errors).
func (o SLO) Latency() bool { return o.Stat != "errors" }

// Value returns the objective's statistic of a step: milliseconds from the
// latency trend, or the error fraction. NaN when the step has no requests.
func (o SLO) Value(lat *metrics.Sink, errors float64, requests int64) float64 {
	if !o.Latency() {
		if requests == 0 {
			return math.NaN()
		}
		return errors
	}
	if lat == nil || lat.Count == 0 {
		return math.NaN()
	}
	switch o.Stat {
	case "avg":
		return lat.Avg()
	case "min":
		return lat.Min
	case "max":
		return lat.Max
	}
	return lat.Percentile(o.Percentile)
}

// Met reports whether v meets the objective; NaN (no data) never does.
func (o SLO) Met(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if o.Op == "<=" {
		return v <= o.Limit
	}
	return v < o.Limit
}

// Unit returns "ms" for latency objectives and "" for error rates.
func (o SLO) Unit() string {
	if o.Latency() {
		return "ms"
	}
	return ""
}
