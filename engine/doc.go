// Package engine runs a load test's plan: it resolves k6-style options into
// scenarios, creates a pool of VUs and drives them with six executors
// (shared-iterations, per-vu-iterations, constant-vus, ramping-vus,
// constant-arrival-rate, ramping-arrival-rate), and flushes metrics every
// interval. It knows nothing of JavaScript: it drives the VU interface, so Go
// code can run a plan without a script.
//
// # Entry point
//
//	plan, err := opts.Resolve()                // shortcuts, defaults, validation
//	e, err := engine.New(engine.Config{Plan: plan, NewVU: ..., Aggregator: ...})
//	err = e.Init(ctx)                          // create VUs (errors returned as is)
//	err = e.Run(ctx)                           // until done, Stop, or ctx cancelled
//	results := e.Progress()                    // final per-scenario counts
//
// Options are layered with Apply (defaults < script < env < CLI); a layer that
// sets duration, iterations, stages or vus replaces the lower layers'
// scenarios with the shortcut scenario, as in k6.
//
// # Concurrency model
//
// Run starts one goroutine per scenario (it sleeps until the scenario's
// startTime), one goroutine per looping VU (closed-model executors), one
// scheduler goroutine per arrival-rate scenario plus one goroutine per
// running iteration, and one flush goroutine. A VU runs one iteration at a
// time. Run returns only after every goroutine it started has ended. Stop,
// Progress, ActiveVUs and InitializedVUs are safe from any goroutine.
//
// # Units and time
//
// Durations are time.Duration (options read milliseconds or Go duration
// strings from JSON); rates are iterations per timeUnit (default 1 s). Every
// start time is computed from the scenario's start as an absolute offset,
// never by accumulating sleeps, so schedules do not drift.
// Arrival-rate schedulers wait for a start on a runtime timer until 1.5 ms
// before it, then, on Linux, on a timerfd(2) read through the netpoller and
// raced against a read deadline: Go's timers can wake up to 1 ms late in an
// idle process (the netpoller waits in whole milliseconds), which at 1,000
// starts/s would be a whole gap of schedule_lag; the kernel's timer wakes
// the idle netpoller within tens of µs, and in a busy process the deadline
// (a runtime timer, checked on every scheduling round) wins. No CPU spins
// and no thread sleeps holding a P (see waitUntil). The timerfd serves at
// most 1,000 waits a second (each of its wake-ups costs tens of µs of CPU
// on a virtual machine): above 1,000 starts/s the others wait on the
// runtime timer alone, on time in a busy process and within about 1 ms in
// an idle one (fineBudget). Under a fake clock
// (testing/synctest) and on other systems the runtime timer alone is used.
//
// # Boundary rule
//
// A scenario's window is half-open, [start, start+duration): an iteration
// (closed model) or an arrival (open model) due exactly at the end does not
// start. Arrival n (from 0) is due when the area under the rate curve
// reaches n, so there are exactly ceil(area) arrivals: rate 10/s for 3 s
// gives 30, and a ramping stage gives duration × (from + to) / 2. Ramping VU
// counts are the linear interpolation rounded down, so a 3 s ramp from 1 to
// 2 VUs reaches 2 only at 3 s. A scenario lasts the sum of its stages, even
// when the last ones target 0.
//
// # Stopping
//
// At the end of its duration (or on Stop) a scenario starts nothing new and
// its running iterations get gracefulStop (default 30 s) before their context
// is cancelled; cancelled iterations count as interrupted. When a ramping-vus
// stage lowers the VU count, the excess VUs finish their iteration within
// gracefulRampDown (default 30 s) and are then cut; they stay active (and in
// the vus gauge) until then, and take up work again if the count rises first.
// Cancelling Run's context is a hard stop: iterations are cut at once.
//
// # Dropped versus queued starts
//
// An arrival-rate start that finds no free VU is, by default (lateStarts
// "drop", k6's model), dropped: counted in dropped_iterations{scenario}, never
// started late, with one "insufficient VUs" warning per scenario at its end,
// giving the count. With lateStarts "queue" (wrk2's model) the start waits
// for the next free VU; the delay shows in schedule_lag and, via
// Iteration.IntendedStart, in iteration_latency. Starts that came due inside
// the window but were not handled when it closed or Stop came (queued starts
// still waiting, or a scheduler behind on a starved CPU) are counted as
// dropped, so that started + dropped always equals the starts scheduled
// (ScenarioPlan.Starts for a run to its end). When maxVUs exceeds
// preAllocatedVUs, a start without a free VU makes the scenario create one
// more VU in the background (one at a time); that start is dropped (or
// queued), the next ones can use the new VU. A start takes the VU freed
// last; while a scenario holds more than preAllocatedVUs VUs, those idle
// for vuRetireIdle (30 s) are retired, longest idle first, checked every
// second of the schedule (VUCloser.Close, vus_max lowered, id reused by the
// next VU created). k6
// hands out the VU idle longest and keeps every VU, so its pool only grows.
//
// # VU pool
//
// Init creates the sum over scenarios of their pre-allocated VUs (MaxVUs for
// closed-model executors, preAllocatedVUs for arrival-rate ones) with ids
// from 1, in parallel (at most GOMAXPROCS at once), failing on the first
// NewVU error. Like k6, scenarios do not share VUs even when they do not
// overlap: simple and predictable, at the cost of some memory. A scenario
// takes the idle VUs with the lowest ids when it starts and returns them when
// it ends. Iteration.VUIDInTest equals VUID (the engine has no cluster-wide
// numbering).
//
// # Execution segments
//
// A plan can be split over instances with an execution segment (from, to]
// of a segment sequence (Options.ExecutionSegment and
// ExecutionSegmentSequence; "1/3:2/3" in "0,1/3,2/3,1"). Following the idea of
// k6's execution segments, every countable thing (VUs, iterations,
// arrival-rate starts) is numbered 0, 1, 2, ... in the unsegmented plan and
// each number is dealt to exactly one segment: with L the common
// denominator of the sequence's boundaries, each cycle of L numbers gives
// segment j L×size_j of them, spread evenly (each position goes to the
// segment furthest behind its share). Hence per-segment VU counts, iteration
// counts and ramping VU counts (at every instant) add up exactly to the
// whole; and an arrival-rate segment runs only its own starts at their
// unsegmented times, so the union of all segments' starts is exactly the
// single-instance schedule, each segment throttled at its fractional rate
// (10/s over 16 instances is 0.625/s each, never 0, never unthrottled).
// Caveat: a segment whose VU share rounds to 0 cannot run the iterations
// dealt to it; New warns. Use at least one VU per segment.
//
// # Metrics
//
// VUs record iterations, iteration_duration and iteration_latency. The
// engine records schedule_lag (actual minus intended start, arrival-rate
// only) and dropped_iterations, both tagged {scenario}, and samples the vus
// (active) and vus_max (initialised) gauges, untagged, at every flush.
package engine
