package main

import (
	"fmt"
	"time"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/scripting"
)

// scenarioSummaries turns the engine's final progress into summary lines.
func scenarioSummaries(eng *engine.Engine) []report.ScenarioSummary {
	var out []report.ScenarioSummary
	for _, p := range eng.Progress() {
		out = append(out, report.ScenarioSummary{
			Name:        p.Name,
			Executor:    p.Executor,
			Completed:   p.Iterations,
			Interrupted: p.Interrupted,
			Dropped:     p.Dropped,
			OfferedRate: p.OfferedRate,
		})
	}
	return out
}

// summaryNotes are the one-line warnings printed under the summary: dropped
// starts and schedule lag in the open model (request latencies understate
// what users would see).
func summaryNotes(eng *engine.Engine, totals *metrics.Snapshot, bi *metrics.Builtin) []string {
	var notes []string
	var dropped int64
	for _, p := range eng.Progress() {
		dropped += p.Dropped
	}
	lagP99 := 0.0
	if s := totals.Merge(bi.ScheduleLag, nil); s != nil && s.Count > 0 {
		lagP99 = s.Percentile(99)
	}
	switch {
	case dropped > 0:
		notes = append(notes, fmt.Sprintf("%d iteration starts were dropped for lack of free VUs: the request latencies understate what users would see (raise maxVUs, or use lateStarts: 'queue' to measure the wait)", dropped))
	case lagP99 > 10:
		notes = append(notes, fmt.Sprintf("schedule_lag p(99) is %.1f ms: iterations started late, so the request latencies understate what users would see (see iteration_latency)", lagP99))
	}
	return notes
}

// execState adapts the engine's progress for load/execution's instance.*.
func execState(eng *engine.Engine, started time.Time) scripting.ExecState {
	var st scripting.ExecState
	for _, p := range eng.Progress() {
		st.IterationsCompleted += p.Iterations
		st.IterationsInterrupted += p.Interrupted
		st.VUsActive += p.ActiveVUs
	}
	st.VUsInitialized = eng.InitializedVUs()
	st.TestRunDurationMs = float64(time.Since(started).Microseconds()) / 1000
	return st
}
