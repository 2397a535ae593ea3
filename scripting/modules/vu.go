// Package modules holds what the JavaScript modules of one VU share: the
// VU's runtime and state. The core (package scripting) owns and fills a VU;
// module packages (httpjs, encodingjs, cryptojs, datajs) only read it and
// call its methods. Everything here belongs to one VU goroutine: not safe for
// concurrent use.
package modules

import (
	"context"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
)

// VU is one virtual user's JavaScript state, as modules see it.
type VU struct {
	Runtime  *goja.Runtime
	Registry *metrics.Registry
	Builtin  *metrics.Builtin
	Recorder *metrics.Recorder
	HTTP     *httpc.Client
	// Options are the run's final options (nil while the first, options-
	// reading init runs).
	Options *engine.Options
	// ID is __VU (0 in the options-reading init VU and in setup/teardown).
	ID uint64

	// Ctx is the context of the running iteration (or of setup/teardown);
	// nil in the init context.
	Ctx context.Context
	// InInit is true while the script's top level (init context) runs.
	InInit bool

	// State is the core's per-VU state behind the methods below.
	State State
}

// State is what the core implements for modules.
type State interface {
	// Tags returns the current base tags of samples: options.tags, the
	// scenario's tags, exec.vu.tags, `scenario` and `group`. The slice is
	// scratch owned by the caller until the next call.
	Tags(dst []metrics.Tag) []metrics.Tag
	// Group returns the current group path ("" at the root, "::a::b").
	Group() string
	// Throw reports whether the `throw` option is on.
	Throw() bool
	// Expected returns the VU's current response callback (http.setResponseCallback); nil means none.
	Expected() *httpc.Expected
	// SetExpected sets the response callback.
	SetExpected(e *httpc.Expected)
	// RunOnLoop schedules fn on the VU's event loop (for promise-returning
	// APIs such as http.asyncRequest). It must be called on the VU goroutine
	// and returns a function that, called from any goroutine, queues fn's
	// completion. Call the returned function exactly once: the iteration
	// does not end before it was called and fn ran on the VU goroutine
	// (fn's error fails the iteration). When the iteration is cut or fails
	// first, a later call is accepted and fn is dropped.
	RunOnLoop() func(fn func() error)
}

// ThrowError throws a JavaScript Error with message msg in rt.
func ThrowError(rt *goja.Runtime, msg string) {
	panic(rt.NewGoError(errorString(msg)))
}

type errorString string

func (e errorString) Error() string { return string(e) }
