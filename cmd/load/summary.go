package main

import (
	"fmt"
	"sort"
	"strings"
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
			// Started per second of the scheduling window that OfferedRate
			// uses (window = Scheduled / OfferedRate).
			AchievedRate: achievedRate(p),
		})
	}
	return out
}

// Closed-model stall rule (possible coordinated omission). A closed-model VU
// sends nothing while its iteration waits, so a stall of the system under
// test leaves few slow samples where an open-model client would have
// recorded one per missed arrival. A closed-model scenario is flagged when
// its slowest iteration (iteration_duration{scenario} max) took at least
// stallRatio times its median iteration and at least stallMin longer than
// it: the VU then missed about max/median − 1 ≥ 9 iterations of its usual
// pacing. A scenario with one distinct iteration duration is never flagged
// (its max is its median).
const (
	stallRatio = 10
	stallMin   = time.Second
)

// closedExecutor reports whether name is a closed-model executor.
func closedExecutor(name string) bool {
	switch name {
	case engine.SharedIterations, engine.PerVUIterations, engine.ConstantVUs, engine.RampingVUs:
		return true
	}
	return false
}

// summaryNotes are the one-line warnings printed under the summary: dropped
// starts and schedule lag in the open model, and stalled iterations in the
// closed model (request latencies understate what users would see).
func summaryNotes(eng *engine.Engine, totals *metrics.Snapshot, bi *metrics.Builtin) []string {
	return notesFor(eng.Progress(), totals, bi)
}

// notesFor builds the notes from the scenarios' final progress and the run's
// totals. Open model: one note when starts were dropped, else one when
// schedule_lag p(99) exceeds 10 ms. Closed model: one note per scenario that
// stalled by the rule above.
func notesFor(progress []engine.Progress, totals *metrics.Snapshot, bi *metrics.Builtin) []string {
	var notes []string
	var dropped, queuedDropped int64
	// Starts the scheduler had not reached when a scenario ended or the
	// test stopped are not for lack of VUs: no note blames the VUs for
	// them (they are in dropped_iterations, and schedule_lag shows a late
	// scheduler).
	for _, p := range progress {
		n := p.Dropped - p.DroppedLate
		dropped += n
		if p.Queued {
			queuedDropped += n
		}
	}
	lagP99 := 0.0
	if s := totals.Merge(bi.ScheduleLag, nil); s != nil && s.Count > 0 {
		lagP99 = s.Percentile(99)
	}
	if n := failureNote(totals, bi); n != "" {
		notes = append(notes, n)
	}
	switch {
	case dropped > 0 && queuedDropped == dropped:
		notes = append(notes, fmt.Sprintf("%d queued iteration starts were still waiting for a free VU when their scenario ended and were dropped: the VUs could not keep up with the arrival rate (raise maxVUs); iteration_latency includes the wait of the starts that ran", dropped))
	case dropped > 0:
		notes = append(notes, fmt.Sprintf("%d iteration starts were dropped for lack of free VUs: the request latencies understate what users would see (raise maxVUs, or use lateStarts: 'queue' to measure the wait)", dropped))
	case lagP99 > 10:
		notes = append(notes, fmt.Sprintf("schedule_lag p(99) is %.1f ms: iterations started late, so the request latencies understate what users would see (see iteration_latency)", lagP99))
	}
	for _, p := range progress {
		if !closedExecutor(p.Executor) {
			continue
		}
		s := totals.Merge(bi.IterationDuration, []metrics.Tag{{Key: "scenario", Value: p.Name}})
		if s == nil || s.Count < 2 {
			continue
		}
		med, slowest := s.Percentile(50), s.Max
		stallMs := float64(stallMin) / float64(time.Millisecond)
		if slowest >= stallRatio*med && slowest-med >= stallMs {
			notes = append(notes, fmt.Sprintf("scenario %s: an iteration took %s, %.0f× its median of %s: its VU sent nothing meanwhile, so the request latencies understate what users would see during the stall (possible coordinated omission; an arrival-rate executor measures it, see iteration_latency)",
				p.Name, fmtMs(slowest), slowest/max(med, 0.001), fmtMs(med)))
		}
	}
	return notes
}

// fmtMs formats a duration given in milliseconds to about 3 significant
// digits: 2.01s, 10.57ms, 250µs.
func fmtMs(ms float64) string {
	d := time.Duration(ms * float64(time.Millisecond))
	switch {
	case d >= time.Second:
		d = d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(10 * time.Microsecond)
	default:
		d = d.Round(time.Microsecond)
	}
	return d.String()
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

// achievedRate is an arrival-rate scenario's started iterations per second
// of its scheduling window, so it compares with OfferedRate even when the
// scenario started late or ran shorter than the test.
func achievedRate(p engine.Progress) float64 {
	if p.OfferedRate <= 0 || p.Scheduled <= 0 {
		return 0
	}
	return p.OfferedRate * float64(p.Started) / float64(p.Scheduled)
}

// errorCodeMeaning names the transport error codes users meet most (k6's
// codes, engine/httpc/errors.go).
var errorCodeMeaning = map[string]string{
	"1000": "other error", "1020": "invalid URL", "1050": "request timeout",
	"1100": "DNS error", "1101": "no such host", "1111": "hostname blocked",
	"1200": "TCP error", "1211": "dial timeout", "1212": "connection refused",
	"1220": "connection reset by peer", "1300": "TLS error",
	"1310": "TLS: unknown certificate authority", "1311": "TLS: certificate not valid for the host",
}

// failureNote says why requests failed without an HTTP response: the counts
// of their error codes, most frequent first (HTTP 4xx/5xx are left to
// http_req_failed and the status tag).
func failureNote(totals *metrics.Snapshot, bi *metrics.Builtin) string {
	counts := map[string]float64{}
	for _, s := range totals.Series {
		if s.Metric != bi.HTTPReqs {
			continue
		}
		code, ok := s.Tags.Get("error_code")
		if !ok || code == "" || (len(code) == 4 && code[:2] >= "14" && code[:2] <= "15") {
			continue
		}
		counts[code] += s.Sink.Sum
	}
	if len(counts) == 0 {
		return ""
	}
	codes := make([]string, 0, len(counts))
	var total float64
	for k, n := range counts {
		codes = append(codes, k)
		total += n
	}
	sort.Slice(codes, func(i, j int) bool {
		if counts[codes[i]] != counts[codes[j]] {
			return counts[codes[i]] > counts[codes[j]]
		}
		return codes[i] < codes[j]
	})
	parts := make([]string, 0, len(codes))
	for _, k := range codes {
		p := fmt.Sprintf("error_code %s × %.0f", k, counts[k])
		if m := errorCodeMeaning[k]; m != "" {
			p += " (" + m + ")"
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%.0f requests got no HTTP response: %s; res.error holds each message", total, strings.Join(parts, ", "))
}
