package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// String returns d in Go's duration notation ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a Go duration string ("1m30s"), which
// UnmarshalJSON reads back exactly.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string ("1m30s", "500ms", "0s"; a bare
// "0" too) or a JSON number of milliseconds (fractions allowed, as in k6).
// Negative durations are an error.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("engine: duration: %w", err)
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("engine: duration %s: want a string such as \"1m30s\" or a number of milliseconds", b)
	}
	return d.setMillis(ms, string(b))
}

func (d *Duration) setMillis(ms float64, src string) error {
	if ms < 0 || math.IsNaN(ms) || ms*float64(time.Millisecond) > math.MaxInt64 {
		return fmt.Errorf("engine: duration %s: out of range", src)
	}
	*d = Duration(math.Round(ms * float64(time.Millisecond)))
	return nil
}

// ParseDuration parses a Go duration string; a plain number is taken as
// milliseconds (k6 accepts both). Negative durations are an error.
func ParseDuration(s string) (Duration, error) {
	if ms, err := strconv.ParseFloat(s, 64); err == nil {
		var d Duration
		return d, d.setMillis(ms, strconv.Quote(s))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("engine: duration %q: want a Go duration such as \"1m30s\" or \"500ms\"", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("engine: duration %q: negative", s)
	}
	return Duration(v), nil
}

// UnmarshalJSON reads "tls1.2" (min = max = that version) or
// {"min": "tls1.2", "max": "tls1.3"}.
func (t *TLSVersion) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("engine: tlsVersion: %w", err)
		}
		*t = TLSVersion{Min: s, Max: s}
		return nil
	}
	type plain TLSVersion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("engine: tlsVersion: want \"tls1.2\" or {min, max}: %w", err)
	}
	*t = TLSVersion(p)
	return nil
}

// Apply overlays the set fields of top onto o (used for the precedence
// defaults < script < env < CLI) and returns the result; o is not changed.
// Pointer fields of top that are non-nil, and maps and slices that are
// non-nil, replace o's. Execution options follow k6's layering rule: when
// top sets any of duration, iterations, stages or scenarios, the lower
// layer's duration, iterations, stages and scenarios are all dropped (and its
// vus too when top sets scenarios), so a CLI shortcut replaces a script's
// scenarios and a higher layer's scenarios replace lower shortcuts; top's vus
// alone also replaces the lower layer's scenarios with the shortcut
// scenario. Options set together in one layer are kept together, so Resolve
// can reject a same-layer conflict.
func (o Options) Apply(top Options) Options {
	r := o
	switch {
	case top.Duration != nil || top.Iterations != nil || top.Stages != nil || top.Scenarios != nil:
		r.Duration, r.Iterations, r.Stages, r.Scenarios = top.Duration, top.Iterations, top.Stages, top.Scenarios
		if top.Scenarios != nil {
			r.VUs = nil
		}
	case top.VUs != nil:
		r.Scenarios = nil
	}
	set(&r.VUs, top.VUs)
	if top.Thresholds != nil {
		r.Thresholds = top.Thresholds
	}
	if top.SummaryTrendStats != nil {
		r.SummaryTrendStats = top.SummaryTrendStats
	}
	if top.SummaryTimeUnit != "" {
		r.SummaryTimeUnit = top.SummaryTimeUnit
	}
	set(&r.SetupTimeout, top.SetupTimeout)
	set(&r.TeardownTimeout, top.TeardownTimeout)
	if top.Tags != nil {
		r.Tags = top.Tags
	}
	set(&r.UserAgent, top.UserAgent)
	set(&r.NoConnectionReuse, top.NoConnectionReuse)
	set(&r.NoVUConnectionReuse, top.NoVUConnectionReuse)
	set(&r.DiscardResponseBodies, top.DiscardResponseBodies)
	set(&r.MaxRedirects, top.MaxRedirects)
	set(&r.Batch, top.Batch)
	set(&r.BatchPerHost, top.BatchPerHost)
	set(&r.Throw, top.Throw)
	set(&r.InsecureSkipTLSVerify, top.InsecureSkipTLSVerify)
	set(&r.TLSVersion, top.TLSVersion)
	set(&r.NoCookiesReset, top.NoCookiesReset)
	if top.Hosts != nil {
		r.Hosts = top.Hosts
	}
	if top.BlockHostnames != nil {
		r.BlockHostnames = top.BlockHostnames
	}
	if top.ExecutionSegment != "" {
		r.ExecutionSegment = top.ExecutionSegment
	}
	if top.ExecutionSegmentSequence != "" {
		r.ExecutionSegmentSequence = top.ExecutionSegmentSequence
	}
	return r
}

func set[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}
