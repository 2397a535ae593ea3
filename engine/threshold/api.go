package threshold

import (
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Config is one threshold as written in options: either a plain string
// ("p(95)<500") or an object {threshold, abortOnFail, delayAbortEval}.
// UnmarshalJSON accepts both forms.
type Config struct {
	Threshold      string `json:"threshold"`
	AbortOnFail    bool   `json:"abortOnFail,omitempty"`
	DelayAbortEval string `json:"delayAbortEval,omitempty"`
}

// Set is the parsed thresholds of one options key such as
// `http_req_duration{name:checkout}`.
type Set struct {
	Key        string        // the key as written
	MetricName string        // e.g. "http_req_duration"
	Filter     []metrics.Tag // sub-metric tags, empty for the whole metric
	Metric     *metrics.Metric
	Thresholds []*Threshold
}

// Threshold is one parsed expression and its latest verdict.
type Threshold struct {
	Source         string // as written, e.g. "p(95)<500"
	AbortOnFail    bool
	DelayAbortEval time.Duration
	Agg            string  // avg min max med p count rate value
	P              float64 // for Agg == "p": 0..100
	Op             string  // < <= > >= == !=
	Want           float64 // right-hand side

	// Set by Eval.
	Evaluated bool // false when there was no data to evaluate (see package doc rule)
	Passed    bool
	Value     float64 // the aggregation's value, valid when Evaluated
}
