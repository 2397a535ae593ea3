package scripting

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules/datajs"
)

// Config is what Load needs. Load does not modify it.
type Config struct {
	// Env is __ENV: the OS environment (unless --no-system-env) overlaid
	// with -e KEY=VAL.
	Env map[string]string
	// Registry receives custom metrics (load/metrics) and interns tags.
	Registry *metrics.Registry
	// Builtin holds the built-in metric handles (checks, iterations, ...).
	Builtin *metrics.Builtin
	// Aggregator gives the VUs their Recorders (shared, see recorderFor);
	// nil records nothing (useful
	// to inspect a script without running it).
	Aggregator *metrics.Aggregator
	// Console receives console.* output (stderr by default, or
	// --console-output FILE), one `level=info msg="..." source=console`
	// line per call. Writes are serialised by the Runner. Nil discards.
	Console io.Writer
	// Verbose shows console.debug lines.
	Verbose bool
	// Logf reports warnings (unknown options, ...) and iteration
	// exceptions (once per distinct message). It may be called from any VU
	// goroutine, concurrently. Nil writes them to Console.
	Logf func(format string, args ...any)
}

// Default timeouts of setup() and teardown(), as in k6.
const (
	DefaultSetupTimeout    = 60 * time.Second
	DefaultTeardownTimeout = 60 * time.Second
)

// Runner is a compiled script: it builds VUs, runs setup/teardown and
// handleSummary. Load makes one; NewVU may then be called from many
// goroutines at once. Setup, Teardown and HandleSummary share one
// lifecycle VU (__VU 0) and must not run concurrently with each other.
type Runner struct {
	cfg        Config
	compiler   *compiler
	main       *program
	sharedData *datajs.Cache // SharedArrays, built once per process

	scriptOptions engine.Options
	exported      map[string]bool // exported function names
	envKeys       []string        // keys of Config.Env, sorted (__ENV's order)

	envMu        sync.Mutex
	scenarioKeys map[string][]string // keys of Env and a scenario's env, by scenario

	mu       sync.Mutex
	options  *engine.Options // final options (SetOptions), or the script's
	optsJSON string
	httpCfg  *httpc.Config
	setup    []byte // setup()'s JSON, nil when none ran
	life     *vu    // lifecycle VU for setup, teardown, handleSummary
	abortFn  func(reason string)
	stateFn  func() ExecState
	seen     map[string]bool // logged exception messages
	seenFull bool            // seen reached maxLoggedExceptions

	recOnce sync.Once
	recs    []*metrics.Recorder // shared by the VUs, see recorderFor

	consoleMu sync.Mutex
	counters
}

// Load transforms the script at path with esbuild, compiles it and runs its
// init context once (as VU 0) to read `options`. Errors are *Error: exit
// code 107 for unreadable files, syntax errors and init exceptions
// (message "file:line:col: ..."), 104 for invalid options, 108 when the
// init code calls test.abort(). Unknown option keys are reported through
// Logf, one warning each.
func Load(ctx context.Context, path string, cfg Config) (*Runner, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{ExitCode: ExitScriptError, Message: fmt.Sprintf("scripting: %v", err)}
	}
	r := &Runner{cfg: cfg, compiler: newCompiler(), sharedData: datajs.NewCache(), seen: map[string]bool{}}
	r.envKeys = envKeys(cfg.Env)
	main, err := r.compiler.load(abs)
	if err != nil {
		return nil, err
	}
	r.main = main
	init, err := r.newVU(ctx, 0, nil)
	if err != nil {
		return nil, err
	}
	opts, err := r.readOptions(init)
	if err != nil {
		return nil, err
	}
	r.scriptOptions = opts
	r.exported = map[string]bool{}
	for _, k := range init.exports.Keys() {
		if _, ok := goja.AssertFunction(init.exports.Get(k)); ok {
			r.exported[k] = true
		}
	}
	if err := r.checkExecs(&opts); err != nil {
		return nil, err
	}
	o := opts
	r.setOptions(&o)
	return r, nil
}

// checkExecs reports a scenario whose exec function the script does not
// export (107, as k6).
func (r *Runner) checkExecs(o *engine.Options) error {
	names := []string{}
	if len(o.Scenarios) == 0 {
		names = append(names, "default")
	}
	for _, sc := range o.Scenarios {
		if sc == nil {
			continue
		}
		if sc.Exec == "" {
			names = append(names, "default")
		} else {
			names = append(names, sc.Exec)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !r.exported[n] {
			if n == "default" {
				return &Error{ExitCode: ExitScriptError, Message: fmt.Sprintf("scripting: %s does not export a default function", r.main.name)}
			}
			return &Error{ExitCode: ExitScriptError, Message: fmt.Sprintf("scripting: exec function %q is not exported by %s", n, r.main.name)}
		}
	}
	return nil
}

// readOptions converts the init VU's exports.options to engine.Options
// through JSON.
func (r *Runner) readOptions(init *vu) (engine.Options, error) {
	var opts engine.Options
	val := init.exports.Get("options")
	if val == nil || goja.IsUndefined(val) || goja.IsNull(val) {
		return opts, nil
	}
	js, err := jsonStringify(init.rt, val)
	if err != nil {
		return opts, &Error{ExitCode: ExitInvalidOptions, Message: fmt.Sprintf("options: cannot serialise options: %v", err)}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		return opts, &Error{ExitCode: ExitInvalidOptions, Message: "options: `options` must be an object"}
	}
	known := knownOptionKeys()
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			r.logf("options: unknown option %q is ignored", k)
		}
	}
	if err := json.Unmarshal([]byte(js), &opts); err != nil {
		return opts, &Error{ExitCode: ExitInvalidOptions, Message: optionsErrorMessage(err)}
	}
	return opts, nil
}

func optionsErrorMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		want := friendlyType(te.Type)
		article := "a"
		if strings.ContainsRune("aeiou", rune(want[0])) {
			article = "an"
		}
		return fmt.Sprintf("options: invalid value for %q: %s is not %s %s", te.Field, te.Value, article, want)
	}
	return "options: " + strings.TrimPrefix(err.Error(), "json: ")
}

func friendlyType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64:
		return "integer"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

// knownOptionKeys returns the JSON names of engine.Options.
func knownOptionKeys() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(engine.Options{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}

// jsonStringify is JSON.stringify(val) in rt; a value JSON cannot represent
// at the top level (a function, undefined, a symbol) is an error.
func jsonStringify(rt *goja.Runtime, val goja.Value) (string, error) {
	if _, isFn := goja.AssertFunction(val); isFn {
		return "", errors.New("a function cannot be serialised to JSON")
	}
	stringify, _ := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("stringify"))
	res, err := stringify(goja.Undefined(), val)
	if err != nil {
		return "", newException(err)
	}
	if goja.IsUndefined(res) {
		return "", fmt.Errorf("a value of type %s cannot be serialised to JSON", val.ExportType())
	}
	return res.String(), nil
}

// scenarioEnvKeys returns the sorted keys of __ENV in scenario sc: those
// of Config.Env and of sc.Env, computed once per scenario for all VUs.
func (r *Runner) scenarioEnvKeys(sc *engine.Scenario) []string {
	r.envMu.Lock()
	defer r.envMu.Unlock()
	if keys, ok := r.scenarioKeys[sc.Name]; ok {
		return keys
	}
	keys := envKeys(r.cfg.Env, sc.Env)
	if r.scenarioKeys == nil {
		r.scenarioKeys = map[string][]string{}
	}
	r.scenarioKeys[sc.Name] = keys
	return keys
}

// Options returns the options the script exported.
func (r *Runner) Options() engine.Options { return r.scriptOptions }

// SetOptions gives the runner the final, merged options before any VU is
// made; VUs build their HTTP client and tags from them.
func (r *Runner) SetOptions(o engine.Options) { r.setOptions(&o) }

func (r *Runner) setOptions(o *engine.Options) {
	b, err := json.Marshal(o)
	if err != nil {
		b = []byte("{}")
	}
	cfg := httpConfigFrom(o)
	r.mu.Lock()
	r.options = o
	r.optsJSON = string(b)
	r.httpCfg = cfg
	r.mu.Unlock()
}

func (r *Runner) finalOptions() *engine.Options {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.options
}

func (r *Runner) optionsJSON() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.optsJSON
}

// recorderFor returns the metrics recorder of VU id: one of 4×GOMAXPROCS
// recorders shared by all VUs (id modulo their number). A Recorder takes
// its own mutex on every Add, so sharing is safe; what it saves is the
// per-series state (about 3.4 KiB for a VU that makes HTTP requests) that
// a recorder per VU repeats 1,000 times in a 1,000-VU test. With that many
// recorders, VUs on different processors rarely take the same one at the
// same moment.
func (r *Runner) recorderFor(id uint64) *metrics.Recorder {
	r.recOnce.Do(func() {
		r.recs = make([]*metrics.Recorder, 4*runtime.GOMAXPROCS(0))
		for i := range r.recs {
			r.recs[i] = r.cfg.Aggregator.NewRecorder()
		}
	})
	return r.recs[id%uint64(len(r.recs))]
}

func (r *Runner) httpConfig() *httpc.Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.httpCfg
}

// httpConfigFrom maps the HTTP options onto httpc.DefaultConfig (timeout
// 60 s, maxRedirects 10, the default User-Agent).
func httpConfigFrom(o *engine.Options) *httpc.Config {
	cfg := httpc.DefaultConfig()
	c := &cfg
	if o.UserAgent != nil {
		c.UserAgent = *o.UserAgent
	}
	if o.MaxRedirects != nil {
		c.MaxRedirects = int(*o.MaxRedirects)
	}
	b := func(p *bool) bool { return p != nil && *p }
	c.InsecureSkipTLSVerify = b(o.InsecureSkipTLSVerify)
	c.NoConnectionReuse = b(o.NoConnectionReuse)
	c.NoVUConnectionReuse = b(o.NoVUConnectionReuse)
	c.DiscardResponseBodies = b(o.DiscardResponseBodies)
	c.NoCookiesReset = b(o.NoCookiesReset)
	c.Hosts = httpc.NormalizeHosts(o.Hosts)
	c.BlockHostnames = o.BlockHostnames
	if o.TLSVersion != nil {
		c.TLSMinVersion = tlsVersion(o.TLSVersion.Min)
		c.TLSMaxVersion = tlsVersion(o.TLSVersion.Max)
	}
	return c
}

func tlsVersion(s string) uint16 {
	switch strings.ToLower(s) {
	case "tls1.0":
		return tls.VersionTLS10
	case "tls1.1":
		return tls.VersionTLS11
	case "tls1.2":
		return tls.VersionTLS12
	case "tls1.3":
		return tls.VersionTLS13
	}
	return 0
}

// NewVU implements engine.NewVUFunc: a new runtime whose init context ran
// with __VU = id. Errors are *Error (107 for init exceptions).
func (r *Runner) NewVU(ctx context.Context, id uint64) (engine.VU, error) {
	v, err := r.newVU(ctx, id, r.finalOptions())
	if err != nil {
		return nil, err
	}
	r.vusInitialized.Add(1)
	return v, nil
}

// SetAbortHandler sets the function test.abort(reason) calls (from the VU
// goroutine, possibly concurrently from several VUs); the CLI stops the
// engine there. The aborting iteration returns an *Error with ExitAborted.
func (r *Runner) SetAbortHandler(fn func(reason string)) {
	r.mu.Lock()
	r.abortFn = fn
	r.mu.Unlock()
}

// SetExecutionState sets the source of load/execution's instance counters
// (the CLI wires it to the engine's progress). Without it the Runner counts
// its own VUs and iterations, and measures the run from the first setup or
// iteration.
func (r *Runner) SetExecutionState(fn func() ExecState) {
	r.mu.Lock()
	r.stateFn = fn
	r.mu.Unlock()
}

func (r *Runner) execState() ExecState {
	r.mu.Lock()
	fn := r.stateFn
	r.mu.Unlock()
	if fn != nil {
		return fn()
	}
	s := ExecState{
		VUsActive:             r.vusActive.Load(),
		VUsInitialized:        r.vusInitialized.Load(),
		IterationsCompleted:   r.iterationsCompleted.Load(),
		IterationsInterrupted: r.iterationsInterrupted.Load(),
	}
	if start := r.startNanos.Load(); start != 0 {
		s.TestRunDurationMs = float64(time.Now().UnixNano()-start) / 1e6
	}
	return s
}

func (r *Runner) abort(ae *abortError) error {
	r.mu.Lock()
	fn := r.abortFn
	r.mu.Unlock()
	if fn != nil {
		fn(ae.reason)
	}
	return &Error{ExitCode: ExitAborted, Message: ae.Error()}
}

// Exceptions returns how many iterations ended with an exception so far.
func (r *Runner) Exceptions() int64 { return r.exceptions.Load() }

func (r *Runner) logf(format string, args ...any) {
	if r.cfg.Logf != nil {
		r.cfg.Logf(format, args...)
		return
	}
	r.consoleLine("warning", fmt.Sprintf(format, args...))
}

// maxLoggedExceptions bounds the distinct exception messages the Runner
// remembers (and logs). A script whose messages carry an ID or a time
// would otherwise grow the set by one string per iteration for as long as
// the test runs.
const maxLoggedExceptions = 1000

// logException logs an iteration exception once per distinct message, for
// the first maxLoggedExceptions distinct messages; then it says once that
// further new messages are not logged.
func (r *Runner) logException(msg, stack string) {
	r.mu.Lock()
	seen := r.seen[msg]
	full := len(r.seen) >= maxLoggedExceptions
	if !seen && !full {
		r.seen[msg] = true
	}
	first := full && !r.seenFull
	r.seenFull = r.seenFull || full
	r.mu.Unlock()
	if seen {
		return
	}
	if full {
		if first {
			r.logf("scripting: %d distinct exception messages logged; further new ones are not (the iterations still count as failed)", maxLoggedExceptions)
		}
		return
	}
	if stack != "" {
		r.logf("%s\n%s", msg, stack)
		return
	}
	r.logf("%s", msg)
}

// consoleLine writes one log line to Config.Console.
func (r *Runner) consoleLine(level, msg string) {
	if r.cfg.Console == nil {
		return
	}
	var b bytes.Buffer
	b.WriteString("level=")
	b.WriteString(level)
	b.WriteString(" msg=")
	b.WriteString(strconv.Quote(msg))
	b.WriteString(" source=console\n")
	r.consoleMu.Lock()
	_, _ = r.cfg.Console.Write(b.Bytes())
	r.consoleMu.Unlock()
}

// lifecycle returns the VU (ID 0) that runs setup, teardown and
// handleSummary, creating it on first use.
func (r *Runner) lifecycle(ctx context.Context) (*vu, error) {
	if r.life != nil {
		return r.life, nil
	}
	v, err := r.newVU(ctx, 0, r.finalOptions())
	if err != nil {
		return nil, err
	}
	r.life = v
	return v, nil
}

func (r *Runner) setupJSON() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.setup
}

// Setup runs the exported setup() (if any) within setupTimeout (default
// 60 s) and keeps its JSON result for the VUs and teardown. Errors: *Error
// with ExitSetupTimeout on timeout, ExitScriptError for an exception or a
// result JSON cannot represent (a function), ExitAborted for test.abort().
func (r *Runner) Setup(ctx context.Context) error {
	r.markStart()
	if !r.exported["setup"] {
		return nil
	}
	timeout := DefaultSetupTimeout
	if o := r.finalOptions(); o != nil && o.SetupTimeout != nil && *o.SetupTimeout > 0 {
		timeout = time.Duration(*o.SetupTimeout)
	}
	res, err := r.runLifecycle(ctx, "setup", timeout, ExitSetupTimeout)
	if err != nil {
		return err
	}
	if res == nil || goja.IsUndefined(res) {
		return nil
	}
	js, err := jsonStringify(r.life.rt, res)
	if err != nil {
		return &Error{ExitCode: ExitScriptError, Message: fmt.Sprintf("setup: setup() must return data that can be serialised to JSON: %v", err)}
	}
	r.mu.Lock()
	r.setup = []byte(js)
	r.mu.Unlock()
	return nil
}

// Teardown runs the exported teardown(data) (if any) within
// teardownTimeout (default 60 s), with a fresh copy of setup's data.
// Errors as Setup, with ExitTeardownTimeout on timeout.
func (r *Runner) Teardown(ctx context.Context) error {
	if !r.exported["teardown"] {
		return nil
	}
	timeout := DefaultTeardownTimeout
	if o := r.finalOptions(); o != nil && o.TeardownTimeout != nil && *o.TeardownTimeout > 0 {
		timeout = time.Duration(*o.TeardownTimeout)
	}
	_, err := r.runLifecycle(ctx, "teardown", timeout, ExitTeardownTimeout)
	return err
}

// runLifecycle calls setup or teardown on the lifecycle VU in group
// "::<name>", teardown with setup's data.
func (r *Runner) runLifecycle(ctx context.Context, name string, timeout time.Duration, timeoutCode int) (goja.Value, error) {
	v, err := r.lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	fn := v.function(name)
	var args []goja.Value
	if name == "teardown" {
		data := goja.Undefined()
		if raw := r.setupJSON(); raw != nil {
			if data, err = v.parseJSON(string(raw)); err != nil {
				return nil, toError(newException(err), name)
			}
		}
		args = append(args, data)
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v.mv.Ctx = tctx
	v.group = "::" + name
	defer func() { v.mv.Ctx = nil; v.group = "" }()
	if v.mv.HTTP != nil {
		v.mv.HTTP.StartIteration()
	}
	res, err := v.call(tctx, fn, args...)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, &Error{ExitCode: timeoutCode, Message: fmt.Sprintf("%s: %s() execution timed out after %s", name, name, timeout)}
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("scripting: %s: %w", name, ctx.Err())
		}
		return nil, toError(err, name)
	}
	return res, nil
}

// SetupData returns setup()'s result as JSON ("null" when none).
func (r *Runner) SetupData() []byte {
	if b := r.setupJSON(); b != nil {
		return b
	}
	return []byte("null")
}

// HasHandleSummary reports whether the script exports handleSummary.
func (r *Runner) HasHandleSummary() bool { return r.exported["handleSummary"] }

// HandleSummary calls handleSummary(data) and returns its result: output
// name ("stdout", "stderr" or a file path) to content. String values are
// returned as their UTF-8 bytes, ArrayBuffers and typed arrays as their
// bytes, anything else as JSON. data is converted through JSON (values
// JSON cannot hold are passed as Go values).
func (r *Runner) HandleSummary(ctx context.Context, data map[string]any) (map[string][]byte, error) {
	if !r.HasHandleSummary() {
		return nil, nil
	}
	v, err := r.lifecycle(ctx)
	if err != nil {
		return nil, err
	}
	var arg goja.Value
	if b, jerr := json.Marshal(data); jerr == nil {
		if arg, err = v.parseJSON(string(b)); err != nil {
			return nil, toError(newException(err), "handleSummary")
		}
	} else {
		arg = v.rt.ToValue(data)
	}
	v.mv.Ctx = ctx
	defer func() { v.mv.Ctx = nil }()
	res, err := v.call(ctx, v.function("handleSummary"), arg)
	if err != nil {
		return nil, toError(err, "handleSummary")
	}
	out := map[string][]byte{}
	o, ok := res.(*goja.Object)
	if !ok {
		if res == nil || goja.IsUndefined(res) || goja.IsNull(res) {
			return out, nil
		}
		return nil, &Error{ExitCode: ExitScriptError, Message: "handleSummary: handleSummary() must return an object"}
	}
	for _, k := range o.Keys() {
		val := o.Get(k)
		switch {
		case bytesOf(val) != nil:
			out[k] = append([]byte(nil), bytesOf(val)...)
		default:
			if s, isStr := val.Export().(string); isStr {
				out[k] = []byte(s)
				continue
			}
			js, err := jsonStringify(v.rt, val)
			if err != nil {
				js = val.String()
			}
			out[k] = []byte(js)
		}
	}
	return out, nil
}

// CheckPlan reports, as an *Error with ExitScriptError, a scenario of the
// final plan whose exec function the script does not export (the plan may
// differ from the script's own options: command-line shortcuts replace its
// scenarios).
func (r *Runner) CheckPlan(p *engine.Plan) error {
	var o engine.Options
	o.Scenarios = map[string]*engine.ScenarioConfig{}
	for _, sp := range p.Scenarios {
		cfg := sp.Config
		o.Scenarios[sp.Name] = &cfg
	}
	return r.checkExecs(&o)
}
