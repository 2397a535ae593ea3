package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadline/loadline/engine"
)

// runFlags are the command-line settings of `load run`.
type runFlags struct {
	vus             int64
	duration        string
	iterations      int64
	stages          []string
	env             []string
	tags            []string
	noSummary       bool
	quiet           bool
	summaryExport   string
	trendStats      string
	timeUnit        string
	noSystemEnv     bool
	consoleOutput   string
	configFile      string
	noColor         bool
	verbose         bool
	segment         string
	segmentSequence string

	userAgent             string
	maxRedirects          int64
	batch                 int64
	batchPerHost          int64
	throw                 bool
	insecureSkipTLSVerify bool
	noConnectionReuse     bool
	noVUConnectionReuse   bool
	discardResponseBodies bool
	setupTimeout          string
	teardownTimeout       string

	capacity capacityFlags // --capacity-steps and friends (steps.go)
	out      outFlags      // --out, --interval, --label, --max-series (out.go)
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.Int64VarP(&f.vus, "vus", "u", 0, "number of VUs to run concurrently")
	fs.StringVarP(&f.duration, "duration", "d", "", "test duration, e.g. 30s, 5m")
	fs.Int64VarP(&f.iterations, "iterations", "i", 0, "total iterations, shared by the VUs")
	fs.StringArrayVarP(&f.stages, "stage", "s", nil, "ramping stage DURATION:TARGET, repeatable (e.g. -s 10s:20 -s 20s:0)")
	fs.StringArrayVarP(&f.env, "env", "e", nil, "set __ENV.KEY=VALUE, repeatable")
	fs.StringArrayVar(&f.tags, "tag", nil, "add a tag KEY=VALUE to every sample, repeatable")
	fs.BoolVar(&f.noSummary, "no-summary", false, "do not print the end-of-test summary")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "hide the progress display")
	fs.StringVar(&f.summaryExport, "summary-export", "", "write the end-of-test summary as JSON to FILE (k6's summary-export shape)")
	fs.StringVar(&f.trendStats, "summary-trend-stats", "", "trend statistics in the summary, e.g. avg,med,p(99),max")
	fs.StringVar(&f.timeUnit, "summary-time-unit", "", "fixed time unit in the summary: s, ms or us")
	fs.BoolVar(&f.noSystemEnv, "no-system-env", false, "do not pass the OS environment to __ENV")
	fs.StringVar(&f.consoleOutput, "console-output", "", "write console.* output to FILE instead of stderr")
	fs.StringVarP(&f.configFile, "config", "c", "", "JSON file of options (between the script's options and LOAD_* variables)")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours in the output")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "show debug output (console.debug)")
	fs.StringVar(&f.segment, "execution-segment", "", "run only this segment of the plan, e.g. 1/3:2/3")
	fs.StringVar(&f.segmentSequence, "execution-segment-sequence", "", "all segments of the test, e.g. 0,1/3,2/3,1")

	fs.StringVar(&f.userAgent, "user-agent", "", "User-Agent header of requests")
	fs.Int64Var(&f.maxRedirects, "max-redirects", 10, "redirects followed per request")
	fs.Int64Var(&f.batch, "batch", 0, "parallel requests in http.batch (default 20)")
	fs.Int64Var(&f.batchPerHost, "batch-per-host", 0, "parallel requests per host in http.batch (default 6)")
	fs.BoolVarP(&f.throw, "throw", "w", false, "throw on failed HTTP requests")
	fs.BoolVar(&f.insecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip TLS certificate verification")
	fs.BoolVar(&f.noConnectionReuse, "no-connection-reuse", false, "open a new connection for every request")
	fs.BoolVar(&f.noVUConnectionReuse, "no-vu-connection-reuse", false, "do not reuse connections between iterations")
	fs.BoolVar(&f.discardResponseBodies, "discard-response-bodies", false, "read and discard response bodies")
	fs.StringVar(&f.setupTimeout, "setup-timeout", "", "limit for setup(), e.g. 60s")
	fs.StringVar(&f.teardownTimeout, "teardown-timeout", "", "limit for teardown(), e.g. 60s")
	f.capacity.register(fs)
	f.out.register(fs)
	f.registerJUnit(fs)
}

// options returns the options the command line sets; fs tells which flags
// were given.
func (f *runFlags) options(fs flagSet) (engine.Options, error) {
	var o engine.Options
	set := func(name string) bool { return fs.Changed(name) }
	if set("vus") {
		v := f.vus
		o.VUs = &v
	}
	if set("duration") {
		d, err := parseDuration("--duration", f.duration)
		if err != nil {
			return o, err
		}
		o.Duration = &d
	}
	if set("iterations") {
		v := f.iterations
		o.Iterations = &v
	}
	if set("stage") {
		st, err := parseStages("--stage", f.stages)
		if err != nil {
			return o, err
		}
		o.Stages = st
	}
	if set("tag") {
		tags, err := parseKeyValues("--tag", f.tags)
		if err != nil {
			return o, err
		}
		o.Tags = tags
	}
	if set("summary-trend-stats") {
		o.SummaryTrendStats = splitList(f.trendStats)
	}
	if set("summary-time-unit") {
		o.SummaryTimeUnit = f.timeUnit
	}
	if set("execution-segment") {
		o.ExecutionSegment = f.segment
	}
	if set("execution-segment-sequence") {
		o.ExecutionSegmentSequence = f.segmentSequence
	}
	if set("user-agent") {
		v := f.userAgent
		o.UserAgent = &v
	}
	if set("max-redirects") {
		v := f.maxRedirects
		o.MaxRedirects = &v
	}
	if set("batch") {
		v := f.batch
		o.Batch = &v
	}
	if set("batch-per-host") {
		v := f.batchPerHost
		o.BatchPerHost = &v
	}
	boolOpt := func(name string, v bool, dst **bool) {
		if set(name) {
			b := v
			*dst = &b
		}
	}
	boolOpt("throw", f.throw, &o.Throw)
	boolOpt("insecure-skip-tls-verify", f.insecureSkipTLSVerify, &o.InsecureSkipTLSVerify)
	boolOpt("no-connection-reuse", f.noConnectionReuse, &o.NoConnectionReuse)
	boolOpt("no-vu-connection-reuse", f.noVUConnectionReuse, &o.NoVUConnectionReuse)
	boolOpt("discard-response-bodies", f.discardResponseBodies, &o.DiscardResponseBodies)
	for _, d := range []struct {
		name string
		val  string
		dst  **engine.Duration
	}{{"setup-timeout", f.setupTimeout, &o.SetupTimeout}, {"teardown-timeout", f.teardownTimeout, &o.TeardownTimeout}} {
		if set(d.name) {
			v, err := parseDuration("--"+d.name, d.val)
			if err != nil {
				return o, err
			}
			*d.dst = &v
		}
	}
	return o, nil
}

// envOptions reads options from LOAD_* variables (K6_* are accepted as
// aliases; LOAD_* wins). The names are the options' in upper snake case:
// LOAD_VUS, LOAD_DURATION, LOAD_ITERATIONS, LOAD_STAGES ("10s:5,20s:0"),
// LOAD_USER_AGENT, LOAD_INSECURE_SKIP_TLS_VERIFY, ...
func envOptions(environ []string) (engine.Options, error) {
	env := map[string]string{}
	from := map[string]string{}                       // option name -> the variable that set it
	for _, prefix := range []string{"K6_", "LOAD_"} { // LOAD_ last: it wins
		for _, kv := range environ {
			k, v, ok := strings.Cut(kv, "=")
			if ok && strings.HasPrefix(k, prefix) {
				env[strings.TrimPrefix(k, prefix)] = v
				from[strings.TrimPrefix(k, prefix)] = k
			}
		}
	}
	var o engine.Options
	var err error
	get := func(name string) (string, bool) { v, ok := env[name]; return v, ok && v != "" }
	intOpt := func(name string, dst **int64) {
		if v, ok := get(name); ok && err == nil {
			n, e := strconv.ParseInt(v, 10, 64)
			if e != nil {
				err = fmt.Errorf("environment variable %s=%q is not a whole number", from[name], v)
				return
			}
			*dst = &n
		}
	}
	boolOpt := func(name string, dst **bool) {
		if v, ok := get(name); ok && err == nil {
			b, e := strconv.ParseBool(v)
			if e != nil {
				err = fmt.Errorf("environment variable %s=%q is not true or false", from[name], v)
				return
			}
			*dst = &b
		}
	}
	durOpt := func(name string, dst **engine.Duration) {
		if v, ok := get(name); ok && err == nil {
			d, e := parseDuration(from[name], v)
			if e != nil {
				err = e
				return
			}
			*dst = &d
		}
	}
	intOpt("VUS", &o.VUs)
	intOpt("ITERATIONS", &o.Iterations)
	durOpt("DURATION", &o.Duration)
	if v, ok := get("STAGES"); ok {
		o.Stages, err = parseStages(from["STAGES"], strings.Split(v, ","))
	}
	if v, ok := get("USER_AGENT"); ok {
		o.UserAgent = &v
	}
	intOpt("MAX_REDIRECTS", &o.MaxRedirects)
	intOpt("BATCH", &o.Batch)
	intOpt("BATCH_PER_HOST", &o.BatchPerHost)
	boolOpt("THROW", &o.Throw)
	boolOpt("INSECURE_SKIP_TLS_VERIFY", &o.InsecureSkipTLSVerify)
	boolOpt("NO_CONNECTION_REUSE", &o.NoConnectionReuse)
	boolOpt("NO_VU_CONNECTION_REUSE", &o.NoVUConnectionReuse)
	boolOpt("DISCARD_RESPONSE_BODIES", &o.DiscardResponseBodies)
	boolOpt("NO_COOKIES_RESET", &o.NoCookiesReset)
	durOpt("SETUP_TIMEOUT", &o.SetupTimeout)
	durOpt("TEARDOWN_TIMEOUT", &o.TeardownTimeout)
	if v, ok := get("SUMMARY_TREND_STATS"); ok {
		o.SummaryTrendStats = splitList(v)
	}
	if v, ok := get("SUMMARY_TIME_UNIT"); ok {
		o.SummaryTimeUnit = v
	}
	if v, ok := get("EXECUTION_SEGMENT"); ok {
		o.ExecutionSegment = v
	}
	if v, ok := get("EXECUTION_SEGMENT_SEQUENCE"); ok {
		o.ExecutionSegmentSequence = v
	}
	return o, err
}

// configFileOptions reads a JSON options file (k6's --config shape: the
// options object at the top level). Keys that are not options are reported
// through logf, one warning each, as the script's unknown options are.
func configFileOptions(path string, logf func(string, ...any)) (engine.Options, error) {
	var o engine.Options
	if path == "" {
		return o, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return o, fmt.Errorf("config file: %w", err)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return o, fmt.Errorf("config file %s: %w (it must be a JSON object of options)", path, err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err == nil {
		known := optionKeys()
		names := make([]string, 0, len(keys))
		for k := range keys {
			if !known[k] {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			logf("config file %s: unknown option %q is ignored", path, k)
		}
	}
	return o, nil
}

// optionKeys returns the JSON names of engine.Options' fields.
func optionKeys() map[string]bool {
	known := map[string]bool{}
	t := reflect.TypeOf(engine.Options{})
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			known[name] = true
		}
	}
	return known
}

func parseDuration(where, s string) (engine.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		// A bare number is seconds on the command line, as in k6.
		return engine.Duration(time.Duration(n * float64(time.Second))), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s: %q is not a duration (use e.g. 30s, 5m, 1h30m)", where, s)
	}
	return engine.Duration(d), nil
}

func parseStages(where string, specs []string) ([]engine.Stage, error) {
	var st []engine.Stage
	for _, spec := range specs {
		d, t, ok := strings.Cut(strings.TrimSpace(spec), ":")
		if !ok {
			return nil, fmt.Errorf("%s: stage %q must be DURATION:TARGET, e.g. 30s:10", where, spec)
		}
		dur, err := parseDuration(where, d)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s: stage %q: target %q is not a whole number >= 0", where, spec, t)
		}
		st = append(st, engine.Stage{Duration: dur, Target: n})
	}
	return st, nil
}

func parseKeyValues(where string, kvs []string) (map[string]string, error) {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: %q must be KEY=VALUE", where, kv)
		}
		m[k] = v
	}
	return m, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
