package engine

import (
	"time"

	"github.com/loadline/loadline/engine/threshold"
)

// Duration is a time.Duration that reads from JSON as a Go duration string
// ("1m30s", "500ms") or a number of milliseconds, as in k6's options.
type Duration time.Duration

// Stage is one step of a ramp: reach Target (VUs or iterations per TimeUnit)
// linearly over Duration.
type Stage struct {
	Duration Duration `json:"duration"`
	Target   int64    `json:"target"`
}

// ScenarioConfig is one entry of the `scenarios` option, as in k6. Unset
// pointer fields take the executor's defaults in Resolve.
type ScenarioConfig struct {
	Executor         string            `json:"executor"`
	Exec             string            `json:"exec,omitempty"`
	StartTime        *Duration         `json:"startTime,omitempty"`
	GracefulStop     *Duration         `json:"gracefulStop,omitempty"`
	GracefulRampDown *Duration         `json:"gracefulRampDown,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`

	VUs         *int64    `json:"vus,omitempty"`
	Iterations  *int64    `json:"iterations,omitempty"`
	Duration    *Duration `json:"duration,omitempty"`
	MaxDuration *Duration `json:"maxDuration,omitempty"`
	StartVUs    *int64    `json:"startVUs,omitempty"`
	Stages      []Stage   `json:"stages,omitempty"`

	Rate            *float64  `json:"rate,omitempty"`
	StartRate       *float64  `json:"startRate,omitempty"`
	TimeUnit        *Duration `json:"timeUnit,omitempty"`
	PreAllocatedVUs *int64    `json:"preAllocatedVUs,omitempty"`
	MaxVUs          *int64    `json:"maxVUs,omitempty"`
	LateStarts      string    `json:"lateStarts,omitempty"` // "drop" (default) or "queue"
}

// Options are a test's options: k6's names and JSON shapes. Pointer fields
// are unset when nil, so layers (defaults < script < env < CLI) can be
// applied with Apply.
type Options struct {
	VUs        *int64                        `json:"vus,omitempty"`
	Duration   *Duration                     `json:"duration,omitempty"`
	Iterations *int64                        `json:"iterations,omitempty"`
	Stages     []Stage                       `json:"stages,omitempty"`
	Scenarios  map[string]*ScenarioConfig    `json:"scenarios,omitempty"`
	Thresholds map[string][]threshold.Config `json:"thresholds,omitempty"`

	SummaryTrendStats []string          `json:"summaryTrendStats,omitempty"`
	SummaryTimeUnit   string            `json:"summaryTimeUnit,omitempty"`
	SetupTimeout      *Duration         `json:"setupTimeout,omitempty"`
	TeardownTimeout   *Duration         `json:"teardownTimeout,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`

	UserAgent             *string           `json:"userAgent,omitempty"`
	NoConnectionReuse     *bool             `json:"noConnectionReuse,omitempty"`
	NoVUConnectionReuse   *bool             `json:"noVUConnectionReuse,omitempty"`
	DiscardResponseBodies *bool             `json:"discardResponseBodies,omitempty"`
	MaxRedirects          *int64            `json:"maxRedirects,omitempty"`
	Batch                 *int64            `json:"batch,omitempty"`
	BatchPerHost          *int64            `json:"batchPerHost,omitempty"`
	Throw                 *bool             `json:"throw,omitempty"`
	InsecureSkipTLSVerify *bool             `json:"insecureSkipTLSVerify,omitempty"`
	TLSVersion            *TLSVersion       `json:"tlsVersion,omitempty"`
	NoCookiesReset        *bool             `json:"noCookiesReset,omitempty"`
	Hosts                 map[string]string `json:"hosts,omitempty"`
	BlockHostnames        []string          `json:"blockHostnames,omitempty"`

	ExecutionSegment         string `json:"executionSegment,omitempty"`
	ExecutionSegmentSequence string `json:"executionSegmentSequence,omitempty"`
}

// TLSVersion is the tlsVersion option: a string ("tls1.2") or an object
// {min, max}.
type TLSVersion struct {
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
}
