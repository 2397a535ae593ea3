package results

// This file is the package's public contract: the results file is the
// contract between running and reporting (DESIGN.md). report/*, cmd/load and
// (later) cluster are written against these names; change them only
// together with every caller.

import (
	"encoding/json"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// FormatVersion is the version of the results file format written by this
// package. Readers accept files with the same major version.
const FormatVersion = 1

// Header is the first record of a results file.
type Header struct {
	Format       int               `json:"format"`
	ToolVersion  string            `json:"tool_version"`
	Start        time.Time         `json:"start"`
	Script       string            `json:"script"`        // path as given
	ScriptSHA256 string            `json:"script_sha256"` // hex
	Options      json.RawMessage   `json:"options"`       // the resolved engine.Options as JSON
	Labels       map[string]string `json:"labels,omitempty"`
	Host         Host              `json:"host"`
	Interval     time.Duration     `json:"interval_ns"`
	// Members are the cluster members that produced the data (empty on a
	// single machine).
	Members []string `json:"members,omitempty"`
}

// Host are facts of the machine that ran the load.
type Host struct {
	Hostname  string `json:"hostname"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
}

// Interval is one flush period's data: every (metric, tag set) series that
// had samples in [Start, End).
type Interval struct {
	Start, End time.Time
	Snapshot   *metrics.Snapshot
}

// Mark labels a span of the run, such as one steady step of a capacity
// staircase, with free-form attributes (offered rate, step number, ...).
type Mark struct {
	Name  string         `json:"name"`
	Start time.Time      `json:"start"`
	End   time.Time      `json:"end"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// Summary is the closing record.
type Summary struct {
	End        time.Time         `json:"end"`
	EndReason  string            `json:"end_reason"` // "finished", "interrupted", "aborted: ...", "threshold abortOnFail"
	ExitCode   int               `json:"exit_code"`
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Scenarios  []ScenarioResult  `json:"scenarios,omitempty"`
}

// ThresholdResult is one threshold's final verdict.
type ThresholdResult struct {
	Key       string  `json:"key"`    // e.g. "http_req_duration{name:checkout}"
	Source    string  `json:"source"` // e.g. "p(95)<500"
	Passed    bool    `json:"passed"`
	Evaluated bool    `json:"evaluated"` // false: no data
	Value     float64 `json:"value"`
}

// ScenarioResult is one scenario's final counts.
type ScenarioResult struct {
	Name        string  `json:"name"`
	Executor    string  `json:"executor"`
	Completed   int64   `json:"completed"`
	Interrupted int64   `json:"interrupted"`
	Dropped     int64   `json:"dropped"`
	OfferedRate float64 `json:"offered_rate,omitempty"` // iterations/s, arrival-rate only
}

// Run is a results file read back (or several merged).
type Run struct {
	Header    Header
	Registry  *metrics.Registry // metrics and tag sets of the snapshots below
	Intervals []Interval        // in time order
	Marks     []Mark
	Summary   *Summary // nil when the run did not finish (crash, kill -9)
	// Warnings are problems met while reading, e.g. a truncated last line.
	Warnings []string
}

// WriterOptions tune a Writer.
type WriterOptions struct {
	// MaxSeries caps the tag sets per metric (default 1,000). Samples of
	// further tag sets are folded into one series tagged
	// {__overflow__:"true"} and one warning names the offending tag.
	MaxSeries int
	// Logf reports warnings.
	Logf func(format string, args ...any)
}
