// Package scripting runs k6-dialect JavaScript and TypeScript scenarios on
// goja: it is the engine.VU implementation behind `load run script.js`.
//
// # Pipeline
//
// Load reads the script, transforms it with esbuild (CommonJS, ES2017,
// TypeScript when the file ends in .ts, inline source map), wraps it as
// `(function(module, exports, require){...})` and compiles it once to a
// goja.Program that every VU runs. Local imports (relative or absolute
// paths, .js/.ts, extension optional) are transformed and compiled once per
// process too; each VU runs its own instance of every module. Built-in
// modules are `load`, `load/http`, `load/metrics`, `load/execution`,
// `load/encoding`, `load/crypto`, `load/data` and `load/timers`, with the
// `k6/...` names as aliases; any other bare name or URL (k6/ws, k6/browser,
// https://...) fails with "module ... is not supported by loadline".
//
// Load then runs the init context once in a throwaway VU (__VU 0) to read
// `export const options`, converted through JSON into engine.Options; each
// unknown key is one warning through Config.Logf.
//
// # Errors and exit codes
//
// Script problems come back as *Error with k6's exit codes: 107 for syntax
// errors, init exceptions and setup/teardown exceptions, 104 for invalid
// options, 100/101 for setup/teardown timeouts, 108 for test.abort().
// Messages read "file:line:col: message" with positions mapped back through
// the source map to the user's own file. An exception in an iteration only
// fails that iteration: it is logged once per distinct message with the
// script's stack, counted (Runner.Exceptions) and returned from
// RunIteration.
//
// # Concurrency
//
// A Runner is shared: NewVU may be called from many goroutines at once, and
// the compiled programs, the open() file cache and the SharedArray cache are
// shared read-only. Each VU owns one goja.Runtime and an event loop
// (timers, promises, RunOnLoop completions) and is driven by one goroutine
// at a time, as engine.VU requires. Setup, Teardown and HandleSummary run
// on a separate lifecycle VU (__VU 0) and must not overlap each other.
// Cancelling an iteration's context interrupts the runtime (rt.Interrupt),
// so even `for (;;) {}` ends when its graceful stop expires.
//
// # Units
//
// Durations in JS are milliseconds (timers, Date.now, scenario.startTime as
// epoch ms, currentTestRunDuration); sleep() takes seconds, as in k6.
// iteration_duration, iteration_latency and group_duration are recorded as
// time.Duration through the metrics Recorder (milliseconds in summaries).
//
// # Entry points
//
// Load, then Runner.SetOptions with the merged options, Runner.NewVU as the
// engine's NewVUFunc, Runner.Setup before the run, Runner.Teardown and
// Runner.HandleSummary after it. Runner.SetAbortHandler and
// Runner.SetExecutionState connect test.abort() and load/execution's
// instance counters to the engine.
package scripting
