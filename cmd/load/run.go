package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/scripting"
)

func (c *cli) runCmd() *cobra.Command {
	f := &runFlags{}
	cmd := &cobra.Command{
		Use:   "run [flags] SCRIPT",
		Short: "Run a load test scenario (JavaScript or TypeScript, k6-compatible)",
		Long: `Run a load test. SCRIPT is an ES module (.js) or TypeScript (.ts) file in k6's
dialect: export const options, export default function, setup, teardown.

Options apply in this order, later ones winning: defaults, the script's
options, --config FILE, LOAD_* environment variables, command-line flags.`,
		Example: `  load run script.js
  load run --vus 10 --duration 30s script.js
  load run -e TARGET=http://127.0.0.1:8080 examples/quickstart.js`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.runTest(cmd.Context(), f, cmd.Flags(), args[0])
		},
	}
	f.register(cmd.Flags())
	addProfileFlags(cmd) // hidden --cpuprofile, --memprofile (profile.go)
	return cmd
}

// logger writes warnings to stderr, or above the progress display while it
// is shown. Safe for concurrent use.
type logger struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

func (l *logger) setWriter(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

func (l *logger) Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s\n", strings.TrimRight(msg, "\n"))
}

// runTest is `load run`: load the script, resolve options, run setup, the
// scenarios and teardown, then print the summary and return an exit code.
func (c *cli) runTest(ctx context.Context, f *runFlags, fs flagSet, script string) (retErr error) {
	started := time.Now()
	defer tuneGC(c.environ())() // GOGC with a minimum headroom (gctune.go)
	if st, err := os.Stat(script); err != nil {
		return errorf(exitUsage, "script %s: %v (give the path of a .js or .ts file)", script, errors.Unwrap(err))
	} else if st.IsDir() {
		return errorf(exitUsage, "script %s is a directory (give the path of a .js or .ts file)", script)
	}
	log := &logger{w: c.stderr}
	// Output files are checked before the run, so a test is never run for
	// a report that cannot be written.
	for _, o := range []struct{ flag, path string }{{"--summary-export", f.summaryExport}, {"--junit", junitPath(fs)}} {
		if err := checkWritable(o.path); err != nil {
			return errorf(exitUsage, "%s: %v", o.flag, err)
		}
	}
	if err := f.out.validate(); err != nil { // --out, --interval, --label (out.go)
		return err
	}

	env, err := c.scriptEnvChecked(f)
	if err != nil {
		return err
	}

	console := c.stderr
	if f.consoleOutput != "" {
		cf, err := os.Create(f.consoleOutput)
		if err != nil {
			return errorf(exitGenericError, "--console-output: %v", err)
		}
		defer cf.Close()
		console = cf
	}

	reg := metrics.NewRegistry()
	builtin := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)

	runner, err := scripting.Load(ctx, script, scripting.Config{
		Env:        env,
		Registry:   reg,
		Builtin:    builtin,
		Aggregator: agg,
		Console:    console,
		Logf:       log.Logf,
		Verbose:    f.verbose,
	})
	if err != nil {
		return scriptErr(err)
	}

	opts, err := c.layeredOptions(runner.Options(), f, fs)
	if err != nil {
		return err
	}
	stairs, err := f.capacity.staircase(fs) // --capacity-steps: the last options layer (steps.go)
	if err != nil {
		return withCode(exitUsage, err)
	}
	opts = stairs.apply(opts)
	plan, err := opts.Resolve()
	if err != nil {
		return withCode(exitInvalidConfig, err)
	}
	thresholds, err := threshold.ParseAll(opts.Thresholds, reg)
	if err != nil {
		return withCode(exitInvalidConfig, err)
	}
	if err := report.ValidateTrendStats(opts.SummaryTrendStats); err != nil {
		return withCode(exitInvalidConfig, err)
	}
	if err := report.ValidateTimeUnit(opts.SummaryTimeUnit); err != nil {
		return withCode(exitInvalidConfig, err)
	}
	// The final plan may name other functions than the script's own
	// options did (shortcut flags replace its scenarios).
	if err := runner.CheckPlan(plan); err != nil {
		return scriptErr(err)
	}
	runner.SetOptions(opts)
	if f.out.path != "" && !fs.Changed("interval") && plan.MaxDuration() > longRun {
		// A long run's results file at 1 s intervals would hold more than
		// its charts can show and grow past what 3-digit histograms can be
		// compressed to (engine/results/doc.go, "Size"): default to 5 s.
		f.out.every = longRunInterval
		log.Logf("--out: the plan runs up to %s, so samples are aggregated every %s (set --interval to choose)", plan.MaxDuration(), longRunInterval)
	}

	// Ctrl-C / SIGTERM: the first stops the test gracefully, the second
	// cuts running iterations at once.
	hardCtx, hardStop := context.WithCancel(ctx)
	defer hardStop()
	// initCtx ends at the first signal: creating VUs is cut short at once.
	initCtx, initStop := context.WithCancel(hardCtx)
	defer initStop()
	var interrupted atomic.Bool
	var abortCode atomic.Int64
	var abortReason atomic.Value
	var eng *engine.Engine
	var out *resultsOut // --out (out.go)

	abortOnFail := thresholdsAbort(thresholds)
	var abortMu sync.Mutex
	eng, err = engine.New(engine.Config{
		Options:    &opts,
		Plan:       plan,
		NewVU:      runner.NewVU,
		Aggregator: agg,
		Builtin:    builtin,
		Logf:       log.Logf,
		Interval:   f.out.every,
		OnInterval: func(snap *metrics.Snapshot) {
			out.interval(snap)
			if len(abortOnFail) == 0 {
				return
			}
			abortMu.Lock()
			defer abortMu.Unlock()
			totals := agg.Totals()
			elapsed := time.Since(started)
			for _, s := range abortOnFail {
				if s.EvalAt(totals, elapsed) {
					continue
				}
				for _, t := range s.Thresholds {
					if t.AbortOnFail && t.Evaluated && !t.Passed && elapsed >= t.DelayAbortEval {
						if abortCode.CompareAndSwap(0, exitThresholdsFailed) {
							abortReason.Store(fmt.Sprintf("threshold %s %q failed and has abortOnFail", s.Key, t.Source))
							log.Logf("stopping the test: threshold %s %q failed (abortOnFail)", s.Key, t.Source)
							eng.Stop("threshold abortOnFail")
						}
					}
				}
			}
		},
	})
	if err != nil {
		return withCode(exitInvalidConfig, err)
	}
	if out, err = f.out.startResults(script, opts, started, log); err != nil {
		return err
	}
	// Whatever happens from here on, what was measured is written to --out.
	defer func() { retErr = out.finish(retErr, eng, agg, thresholds, stairs.finishedMarks()) }()
	runner.SetAbortHandler(func(reason string) {
		if abortCode.CompareAndSwap(0, exitScriptAborted) {
			abortReason.Store(reason)
			log.Logf("test aborted: %s", reason)
		}
		eng.Stop("test.abort: " + reason)
	})
	runner.SetExecutionState(func() scripting.ExecState { return execState(eng, started) })

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	sigDone := make(chan struct{})
	defer close(sigDone)
	go func() {
		n := 0
		for {
			select {
			case <-sigs:
				n++
				interrupted.Store(true)
				if n == 1 {
					log.Logf("stopping the test gracefully (press Ctrl-C again to stop at once)")
					initStop()
					if eng != nil {
						eng.Stop("interrupted")
					}
				} else {
					log.Logf("stopping at once")
					hardStop()
				}
			case <-sigDone:
				return
			}
		}
	}()

	if err := eng.Init(initCtx); err != nil {
		if interrupted.Load() {
			return withCode(exitExternalAbort, errors.New("the test was interrupted while its VUs were being initialised"))
		}
		return scriptErr(err)
	}

	cpuMon := startCPUMonitor(cpuSampleEvery, usableCores(), processCPU) // saturation note (cpusat.go)
	prog := startProgress(c.stderr, eng, plan, f.quiet, log)
	runErr := func() error {
		if err := runner.Setup(hardCtx); err != nil {
			return scriptErr(err)
		}
		if interrupted.Load() || abortCode.Load() != 0 {
			return nil
		}
		stairs.begin() // the staircase's clock: its marks are offsets from here
		if err := eng.Run(hardCtx); err != nil && !errors.Is(err, context.Canceled) {
			return withCode(exitGenericError, err)
		}
		return nil
	}()
	prog.stop()
	cpuMon.stop()
	if runErr != nil {
		return runErr
	}
	// Teardown runs even after abortOnFail or test.abort (k6 does too).
	teardownErr := runner.Teardown(hardCtx)

	// Final evaluation on everything measured, teardown's samples included.
	out.interval(agg.Flush()) // teardown's samples go to --out too
	totals := agg.Totals()
	elapsed := time.Since(started)
	allPassed := true
	for _, s := range thresholds {
		if !s.EvalAt(totals, elapsed) {
			allPassed = false
		}
	}

	sum := &report.Summary{
		Registry:    reg,
		Totals:      totals,
		Thresholds:  thresholds,
		TrendStats:  opts.SummaryTrendStats,
		TimeUnit:    opts.SummaryTimeUnit,
		Duration:    elapsed,
		SetupData:   runner.SetupData(),
		Scenarios:   scenarioSummaries(eng),
		Notes:       appendNote(summaryNotes(eng, totals, builtin), cpuMon.note()),
		NoColor:     f.noColor || !isTerminal(c.stdout),
		IsStdoutTTY: isTerminal(c.stdout),
		IsStderrTTY: isTerminal(c.stderr),
	}
	var writeErr error
	if err := c.writeSummary(ctx, f, runner, sum); err != nil {
		log.Logf("summary: %v", err)
		writeErr = err
	}
	if err := c.writeRunJUnit(fs, thresholds, totals, started, elapsed); err != nil {
		log.Logf("%v", err)
		writeErr = err
	}

	switch {
	case abortCode.Load() == exitScriptAborted:
		return withCode(exitScriptAborted, fmt.Errorf("test aborted: %v", abortReason.Load()))
	case teardownErr != nil:
		return scriptErr(teardownErr)
	case interrupted.Load():
		// Interrupted wins over failed thresholds: the verdict of a test
		// cut short is not the test's verdict.
		return withCode(exitExternalAbort, errors.New("the test was interrupted"))
	case abortCode.Load() == exitThresholdsFailed || !allPassed:
		return withCode(exitThresholdsFailed, errors.New("some thresholds have failed"))
	case writeErr != nil:
		return withCode(exitGenericError, writeErr)
	}
	return nil
}

// flagSet is what runFlags.options needs of a pflag.FlagSet.
type flagSet = interface{ Changed(string) bool }

// scriptEnvChecked returns __ENV: the OS environment unless --no-system-env,
// overlaid with -e KEY=VAL.
func (c *cli) scriptEnvChecked(f *runFlags) (map[string]string, error) {
	env := map[string]string{}
	if !f.noSystemEnv {
		for _, kv := range c.environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	cliEnv, err := parseKeyValues("-e", f.env)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	for k, v := range cliEnv {
		env[k] = v
	}
	return env, nil
}

// layeredOptions applies the layers over the script's options: defaults <
// script < --config file < LOAD_* environment < command-line flags.
func (c *cli) layeredOptions(script engine.Options, f *runFlags, fs flagSet) (engine.Options, error) {
	opts := script
	fileOpts, err := configFileOptions(f.configFile, c.logf)
	if err != nil {
		return opts, withCode(exitInvalidConfig, err)
	}
	opts = opts.Apply(fileOpts)
	envOpts, err := envOptions(c.environ())
	if err != nil {
		return opts, withCode(exitInvalidConfig, err)
	}
	opts = opts.Apply(envOpts)
	cliOpts, err := f.options(fs)
	if err != nil {
		return opts, withCode(exitUsage, err)
	}
	return opts.Apply(cliOpts), nil
}

// writeSummary prints the summary (or hands it to handleSummary) and writes
// --summary-export.
func (c *cli) writeSummary(ctx context.Context, f *runFlags, runner *scripting.Runner, sum *report.Summary) error {
	if f.summaryExport != "" {
		if err := writeFileWith(f.summaryExport, sum.WriteExport); err != nil {
			return fmt.Errorf("--summary-export: %w", err)
		}
	}
	if runner.HasHandleSummary() {
		outs, err := runner.HandleSummary(ctx, sum.Data())
		if err != nil {
			// Fall back to the text summary so nothing is lost.
			if !f.noSummary {
				_ = sum.WriteText(c.stdout)
			}
			return fmt.Errorf("handleSummary: %w", err)
		}
		names := make([]string, 0, len(outs))
		for k := range outs {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			b := outs[name]
			switch name {
			case "stdout":
				_, _ = c.stdout.Write(b)
			case "stderr":
				_, _ = c.stderr.Write(b)
			default:
				if dir := filepath.Dir(name); dir != "" {
					_ = os.MkdirAll(dir, 0o755)
				}
				if err := os.WriteFile(name, b, 0o644); err != nil {
					return fmt.Errorf("handleSummary output %s: %w", name, err)
				}
			}
		}
		return nil
	}
	if f.noSummary {
		return nil
	}
	return sum.WriteText(c.stdout)
}

// checkWritable reports whether a file can be created at path (empty: no
// file asked for): its directory exists and path is not a directory.
func checkWritable(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory; give a file path", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("directory %s does not exist; create it or give another path", dir)
	}
	return nil
}

func writeFileWith(path string, write func(io.Writer) error) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(fh); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// scriptErr maps a scripting error to its exit code.
func scriptErr(err error) error {
	var se *scripting.Error
	if errors.As(err, &se) {
		return withCode(se.ExitCode, err)
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return withCode(exitScriptException, err)
}

// thresholdsAbort returns the sets that have an abortOnFail threshold.
func thresholdsAbort(sets []*threshold.Set) []*threshold.Set {
	var out []*threshold.Set
	for _, s := range sets {
		for _, t := range s.Thresholds {
			if t.AbortOnFail {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
