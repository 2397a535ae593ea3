package engine

import (
	"context"
	"time"
)

// VU is one virtual user as the engine drives it. The engine calls
// RunIteration from one goroutine at a time per VU, never concurrently.
//
// RunIteration runs one iteration of it.Scenario's exec function. ctx is
// cancelled when the iteration must be cut (graceful stop or ramp-down
// expired, hard stop); the VU then returns promptly. A returned error is an
// iteration failure (an exception); it is counted and logged by the VU, and
// never stops the run. The VU records `iterations`, `iteration_duration` and,
// when it.IntendedStart is set, `iteration_latency` itself (it knows the
// iteration's tags); interrupted iterations record no `iteration_duration`.
type VU interface {
	RunIteration(ctx context.Context, it *Iteration) error
}

// VUCloser is a VU holding resources beyond its memory (connections).
// The engine calls Close when it retires the VU: an arrival-rate scenario
// releasing a VU it added above its preAllocatedVUs and no longer needs.
// Close is never called during an iteration, and the VU is not used after.
type VUCloser interface {
	VU
	Close()
}

// NewVUFunc creates and initialises the VU with idInInstance id (from 1).
// The engine calls it from several goroutines at once.
type NewVUFunc func(ctx context.Context, id uint64) (VU, error)

// Iteration describes one iteration handed to a VU.
type Iteration struct {
	Scenario *Scenario
	VUID     uint64 // idInInstance
	// VUIDInTest is the VU's id in the whole test (differs from VUID in a cluster).
	VUIDInTest uint64
	// InScenarioVU is this VU's iteration number within the scenario, from 0
	// (exec.vu.iterationInScenario).
	InScenarioVU int64
	// InScenario is the scenario-wide iteration number across VUs, from 0
	// (exec.scenario.iterationInTest; unique within the test).
	InScenario int64
	// IntendedStart is when an open-model executor scheduled the iteration;
	// zero for closed-model executors.
	IntendedStart time.Time
	// Start is when the engine handed the iteration to the VU.
	Start time.Time
}

// Scenario is a running scenario as VUs see it.
type Scenario struct {
	Name     string
	Executor string
	Exec     string // exported function name; "default" when unset
	Env      map[string]string
	Tags     map[string]string
	// StartTime is when the scenario actually started.
	StartTime time.Time
	progress  func() float64
}

// Progress returns the scenario's progress in [0, 1].
func (s *Scenario) Progress() float64 {
	if s.progress == nil {
		return 0
	}
	return s.progress()
}
