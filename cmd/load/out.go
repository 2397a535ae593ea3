package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/engine/threshold"
)

// outFlags are `load run`'s results-file flags: --out, --interval, --label
// and --max-series.
type outFlags struct {
	path      string
	interval  string
	labels    []string
	maxSeries int

	// Set by validate.
	every     time.Duration
	labelsMap map[string]string
}

func (o *outFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.path, "out", "", "write the results file to FILE as the run goes (JSON Lines; gzip when FILE ends in .gz), e.g. results.jsonl.gz")
	fs.StringVar(&o.interval, "interval", "1s", "metrics interval: how often samples are aggregated (and written to --out); runs planned longer than 20m default to 5s with --out")
	fs.StringArrayVar(&o.labels, "label", nil, "label the results file KEY=VALUE (e.g. env=staging), repeatable")
	fs.IntVar(&o.maxSeries, "max-series", results.DefaultMaxSeries, "tag sets per metric written to --out; further ones go to one overflow series")
}

// Bounds of --interval: below 100 ms the flush work dominates, above an hour
// a run has too few points to chart.
const (
	minInterval = 100 * time.Millisecond
	maxInterval = time.Hour
)

// A run planned longer than longRun writes its results file every
// longRunInterval unless --interval is given: at 1 s, an hour at 10,000
// requests/s over 20 endpoints needs about 116 MB gzipped, above the
// information floor of its 3-digit histograms at that interval (~53 MB),
// while 5 s needs 43 MB and still gives 720 points per hour.
const (
	longRun         = 20 * time.Minute
	longRunInterval = 5 * time.Second
)

// k6OutputSpec matches k6's --out KIND=ARG form (json=, csv=, influxdb=...).
var k6OutputSpec = regexp.MustCompile(`^[a-z][a-z0-9-]*=`)

// validate checks the flags and sets every and labelsMap. Errors are usage
// errors (exit 2).
func (o *outFlags) validate() error {
	if strings.TrimSpace(o.interval) == "" {
		o.interval = "1s"
	}
	d, err := time.ParseDuration(strings.TrimSpace(o.interval))
	if err != nil || d < minInterval || d > maxInterval {
		return errorf(exitUsage, "--interval %q: give a duration from %s to %s, e.g. 1s or 5s", o.interval, minInterval, maxInterval)
	}
	o.every = d
	if k6OutputSpec.MatchString(o.path) {
		return errorf(exitUsage, "--out %q: k6's output plugins (json=, csv=, influxdb=, ...) are not supported; give a file path such as results.jsonl or results.jsonl.gz", o.path)
	}
	if o.path == "" && len(o.labels) > 0 {
		return errorf(exitUsage, "--label labels the results file: add --out FILE")
	}
	if o.maxSeries < 1 {
		return errorf(exitUsage, "--max-series %d: give a positive number of tag sets per metric (default %d)", o.maxSeries, results.DefaultMaxSeries)
	}
	if o.labelsMap, err = parseKeyValues("--label", o.labels); err != nil {
		return withCode(exitUsage, err)
	}
	return nil
}

// resultsOut writes --out while the run goes. Its methods are nil-safe (no
// --out: they do nothing). interval is called from the engine's flush
// goroutine, the rest from runTest's; a mutex orders them.
type resultsOut struct {
	mu     sync.Mutex
	w      *results.Writer
	path   string
	log    *logger
	err    error // the first write error, reported once
	closed bool
}

// startResults creates the results file and writes its header; nil when
// --out is not given. Errors are I/O errors (exit 1).
func (o *outFlags) startResults(script string, opts engine.Options, started time.Time, log *logger) (*resultsOut, error) {
	if o.path == "" {
		return nil, nil
	}
	optsJSON, err := json.Marshal(opts)
	if err != nil {
		return nil, errorf(exitGenericError, "--out: encoding the options: %v", err)
	}
	src, err := os.ReadFile(script)
	if err != nil {
		return nil, errorf(exitGenericError, "--out: hashing the script: %v", err)
	}
	sum := sha256.Sum256(src)
	host, _ := os.Hostname()
	w, err := results.Create(o.path, results.Header{
		ToolVersion:  version,
		Start:        started,
		Script:       script,
		ScriptSHA256: hex.EncodeToString(sum[:]),
		Options:      optsJSON,
		Labels:       o.labelsMap,
		Host:         results.Host{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
		Interval:     o.every,
	}, results.WriterOptions{MaxSeries: o.maxSeries, Logf: log.Logf})
	if err != nil {
		return nil, errorf(exitGenericError, "--out %s: %v (check that the directory exists and is writable)", o.path, errors.Unwrap(err))
	}
	return &resultsOut{w: w, path: o.path, log: log}, nil
}

// interval writes one interval snapshot. A write error is logged once and
// stops further writes; finish reports it in the exit code.
func (r *resultsOut) interval(snap *metrics.Snapshot) {
	if r == nil || snap == nil || len(snap.Series) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.err != nil {
		return
	}
	if err := r.w.WriteInterval(results.Interval{Start: snap.Start, End: snap.End, Snapshot: snap}); err != nil {
		r.err = err
		r.log.Logf("%v; the results file keeps the intervals before this one", err)
	}
}

// finish writes what the run has not yet written (samples still in the
// aggregator, e.g. of a setup() that failed; finished capacity-step marks),
// the summary with the exit code runErr carries, and closes the file. It
// returns runErr, or an exit-1 error when the file could not be written and
// the run would otherwise have succeeded.
func (r *resultsOut) finish(runErr error, eng *engine.Engine, agg *metrics.Aggregator, thresholds []*threshold.Set, marks []results.Mark) error {
	if r == nil {
		return runErr
	}
	r.interval(agg.Flush())
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for _, m := range marks {
		if r.err == nil {
			r.err = r.w.WriteMark(m)
		}
	}
	code := exitOK
	if runErr != nil {
		code = codeOf(runErr)
	}
	sum := &results.Summary{End: time.Now(), EndReason: endReason(eng.StopReason(), code, runErr), ExitCode: code}
	sum.Thresholds = thresholdResults(thresholds)
	for _, sc := range scenarioSummaries(eng) {
		sum.Scenarios = append(sum.Scenarios, results.ScenarioResult{
			Name: sc.Name, Executor: sc.Executor, Completed: sc.Completed, Interrupted: sc.Interrupted,
			Dropped: sc.Dropped, OfferedRate: sc.OfferedRate,
		})
	}
	hadErr := r.err != nil
	if err := r.w.Close(sum); err != nil && !hadErr {
		r.err = err
		r.log.Logf("%v", err)
	}
	if r.err != nil && runErr == nil {
		return errorf(exitGenericError, "the results file %s is incomplete: %v", r.path, r.err)
	}
	return runErr
}

// thresholdResults is the outcome of every threshold of sets, in order, as
// the results file's summary and --junit report them.
func thresholdResults(sets []*threshold.Set) []results.ThresholdResult {
	var out []results.ThresholdResult
	for _, s := range sets {
		for _, t := range s.Thresholds {
			out = append(out, results.ThresholdResult{Key: s.Key, Source: t.Source, Passed: t.Passed, Evaluated: t.Evaluated, Value: t.Value})
		}
	}
	return out
}

// endReason is the summary's end_reason: "finished", "interrupted",
// "threshold abortOnFail", "aborted: <reason>" (test.abort) or
// "error: <message>".
func endReason(stop string, code int, runErr error) string {
	switch {
	case strings.HasPrefix(stop, "test.abort: "):
		return "aborted: " + strings.TrimPrefix(stop, "test.abort: ")
	case stop != "":
		return stop
	case code == exitOK || code == exitThresholdsFailed:
		return "finished"
	case code == exitExternalAbort:
		return "interrupted"
	}
	return fmt.Sprintf("error: %s", oneLine(runErr.Error()))
}
