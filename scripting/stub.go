package scripting

import (
	"context"
	"io"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
)

// Config is what Load needs.
type Config struct {
	// Env is __ENV: the OS environment (unless --no-system-env) overlaid
	// with -e KEY=VAL.
	Env        map[string]string
	Registry   *metrics.Registry
	Builtin    *metrics.Builtin
	Aggregator *metrics.Aggregator
	// Console receives console.* output (stderr by default, or --console-output FILE).
	Console io.Writer
	// Logf reports warnings (unknown options, ...).
	Logf func(format string, args ...any)
}

// Runner is a compiled script: it builds VUs, runs setup/teardown and
// handleSummary.
type Runner struct{ _ int }

// Load transforms the script at path with esbuild, compiles it and runs its
// init context once to read `options`. Errors are *Error with an exit code.
func Load(ctx context.Context, path string, cfg Config) (*Runner, error) {
	panic("scripting: stub")
}

// Options returns the options the script exported.
func (r *Runner) Options() engine.Options { panic("scripting: stub") }

// SetOptions gives the runner the final, merged options before any VU is made.
func (r *Runner) SetOptions(o engine.Options) { panic("scripting: stub") }

// NewVU implements engine.NewVUFunc.
func (r *Runner) NewVU(ctx context.Context, id uint64) (engine.VU, error) {
	panic("scripting: stub")
}

// Setup runs the exported setup() (if any) within setupTimeout and keeps its
// JSON result for the VUs and teardown.
func (r *Runner) Setup(ctx context.Context) error { panic("scripting: stub") }

// Teardown runs the exported teardown(data) (if any) within teardownTimeout.
func (r *Runner) Teardown(ctx context.Context) error { panic("scripting: stub") }

// SetupData returns setup()'s result as JSON ("null" when none).
func (r *Runner) SetupData() []byte { panic("scripting: stub") }

// HasHandleSummary reports whether the script exports handleSummary.
func (r *Runner) HasHandleSummary() bool { panic("scripting: stub") }

// HandleSummary calls handleSummary(data) and returns its result: output
// name ("stdout", "stderr" or a file path) to content.
func (r *Runner) HandleSummary(ctx context.Context, data map[string]any) (map[string][]byte, error) {
	panic("scripting: stub")
}

// Error is a script error: a syntax error, an init exception, a setup or
// teardown failure, or test.abort(). Message is one line,
// "file:line:col: message" where a position is known.
type Error struct {
	ExitCode int
	Message  string
}

func (e *Error) Error() string { return e.Message }
