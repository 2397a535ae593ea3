package main

// The capacity preset of `load run`: --capacity-steps N --capacity-max-rate R
// --step-duration D replaces the script's scenarios with a staircase of N
// steps (an arrival-rate or VU staircase), and one results mark per steady
// step tells `load capacity` which intervals to measure.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/capacity"
)

// capacityScenario is the name of the staircase scenario.
const capacityScenario = "capacity"

// capacityFlags are the --capacity-* flags of `load run`.
type capacityFlags struct {
	steps    int
	maxRate  float64
	maxVUs   int64
	stepDur  string
	ramp     string
	executor string
}

func (c *capacityFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&c.steps, "capacity-steps", 0, "run a capacity staircase of N steps instead of the script's scenarios (see 'load capacity')")
	fs.Float64Var(&c.maxRate, "capacity-max-rate", 0, "arrival rate of the top step, iterations/s; steps go from R/N to R")
	fs.Int64Var(&c.maxVUs, "capacity-max-vus", 0, "VUs of the top step with --capacity-executor vus; with arrival, the VU cap (default max(100, R/2))")
	fs.StringVar(&c.stepDur, "step-duration", "30s", "steady hold of each capacity step (measured), after its ramp")
	fs.StringVar(&c.ramp, "step-ramp", "", "ramp before each capacity step's hold (default a tenth of --step-duration, whole seconds, at least 1s)")
	fs.StringVar(&c.executor, "capacity-executor", "arrival", "capacity staircase executor: arrival (ramping-arrival-rate, open model) or vus (ramping-vus, closed model)")
}

// stair is one step of a staircase; offsets are from the start of the run.
type stair struct {
	index       int
	rate        float64 // iterations/s (arrival)
	vus         int64   // VUs (vus executor)
	steadyStart time.Duration
	steadyEnd   time.Duration
}

// staircase is a resolved capacity preset.
type staircase struct {
	executor string // "arrival" or "vus"
	ramp     time.Duration
	hold     time.Duration
	preVUs   int64
	maxVUs   int64
	steps    []stair
	started  time.Time // set by begin
}

// staircase resolves the flags; nil when --capacity-steps is not given.
// Errors are usage errors (exit code 2).
func (c *capacityFlags) staircase(fs flagSet) (*staircase, error) {
	if !fs.Changed("capacity-steps") {
		for _, n := range []string{"capacity-max-rate", "capacity-max-vus", "step-duration", "step-ramp", "capacity-executor"} {
			if fs.Changed(n) {
				return nil, fmt.Errorf("--%s needs --capacity-steps", n)
			}
		}
		return nil, nil
	}
	for _, n := range []string{"vus", "duration", "iterations", "stage"} {
		if fs.Changed(n) {
			return nil, fmt.Errorf("--%s and --capacity-steps both set the scenarios; give one", n)
		}
	}
	if !fs.Changed("out") {
		return nil, errors.New("--capacity-steps needs --out FILE: the step marks that 'load capacity' measures go to the results file")
	}
	if c.steps < 1 || c.steps > 1000 {
		return nil, fmt.Errorf("--capacity-steps %d: want 1 to 1000 steps", c.steps)
	}
	hold, err := parseDuration("--step-duration", c.stepDur)
	if err != nil {
		return nil, err
	}
	s := &staircase{executor: c.executor, hold: time.Duration(hold)}
	if s.hold < time.Second {
		return nil, fmt.Errorf("--step-duration %s: want at least 1s (each step is measured over whole 1 s intervals)", c.stepDur)
	}
	s.ramp = max(time.Second, (s.hold / 10).Round(time.Second))
	if c.ramp != "" {
		r, err := parseDuration("--step-ramp", c.ramp)
		if err != nil {
			return nil, err
		}
		s.ramp = time.Duration(r)
	}
	switch c.executor {
	case "arrival":
		if !(c.maxRate > 0) || math.IsInf(c.maxRate, 0) {
			return nil, errors.New("--capacity-steps with the arrival executor needs --capacity-max-rate R > 0 (iterations/s of the top step)")
		}
		// Pre-allocate for 20 ms per iteration at the top rate, allow 500 ms:
		// enough to keep offering load well past the knee.
		s.preVUs = max(10, int64(math.Ceil(c.maxRate*0.02)))
		s.maxVUs = max(100, int64(math.Ceil(c.maxRate*0.5)))
		if c.maxVUs > 0 {
			s.maxVUs = c.maxVUs
			s.preVUs = min(s.preVUs, s.maxVUs)
		}
	case "vus":
		if c.maxVUs < int64(c.steps) {
			return nil, fmt.Errorf("--capacity-executor vus needs --capacity-max-vus of at least --capacity-steps (%d)", c.steps)
		}
		if fs.Changed("capacity-max-rate") {
			return nil, errors.New("--capacity-max-rate applies to the arrival executor; give --capacity-max-vus with --capacity-executor vus")
		}
		s.maxVUs = c.maxVUs
	default:
		return nil, fmt.Errorf("--capacity-executor %q: want arrival or vus", c.executor)
	}
	at := time.Duration(0)
	for i := 1; i <= c.steps; i++ {
		st := stair{index: i}
		if s.executor == "arrival" {
			st.rate = c.maxRate * float64(i) / float64(c.steps)
		} else {
			st.vus = int64(math.Round(float64(s.maxVUs) * float64(i) / float64(c.steps)))
		}
		at += s.ramp
		st.steadyStart = at
		at += s.hold
		st.steadyEnd = at
		s.steps = append(s.steps, st)
	}
	return s, nil
}

// options returns the options layer that replaces the script's scenarios
// with the staircase: ramp then hold per step, from 0.
func (s *staircase) options() engine.Options {
	d := func(t time.Duration) *engine.Duration { v := engine.Duration(t); return &v }
	sc := &engine.ScenarioConfig{GracefulStop: d(2 * time.Second)}
	for _, st := range s.steps {
		target := st.vus
		if s.executor == "arrival" {
			// Stage targets are whole iterations per timeUnit; a unit of
			// 1 ms would lose nothing, but k6's shape keeps 1 s, so rates
			// are rounded to whole iterations/s (the offered rate marked is
			// the rounded one).
			target = int64(math.Round(st.rate))
		}
		sc.Stages = append(sc.Stages,
			engine.Stage{Duration: engine.Duration(s.ramp), Target: target},
			engine.Stage{Duration: engine.Duration(s.hold), Target: target})
	}
	if s.executor == "arrival" {
		zero, unit := 0.0, engine.Duration(time.Second)
		sc.Executor = "ramping-arrival-rate"
		sc.StartRate, sc.TimeUnit = &zero, &unit
		sc.PreAllocatedVUs, sc.MaxVUs = &s.preVUs, &s.maxVUs
	} else {
		zero := int64(0)
		sc.Executor = "ramping-vus"
		sc.StartVUs = &zero
		sc.GracefulRampDown = d(0)
	}
	return engine.Options{Scenarios: map[string]*engine.ScenarioConfig{capacityScenario: sc}}
}

// marks returns one mark per step whose steady part ended by stop, for a
// run that started at start: Name "step N", the steady span, and the step
// number, offered rate (arrival) or VUs (vus) as attributes.
func (s *staircase) marks(start, stop time.Time) []results.Mark {
	var out []results.Mark
	for _, st := range s.steps {
		end := start.Add(st.steadyEnd)
		if end.After(stop) {
			break
		}
		attrs := map[string]any{capacity.AttrStep: st.index, "executor": s.executor}
		if s.executor == "arrival" {
			attrs[capacity.AttrOfferedRPS] = math.Round(st.rate)
		} else {
			attrs[capacity.AttrVUs] = st.vus
		}
		out = append(out, results.Mark{Name: "step " + strconv.Itoa(st.index), Start: start.Add(st.steadyStart), End: end, Attrs: attrs})
	}
	return out
}

// total is the staircase's planned length.
func (s *staircase) total() time.Duration {
	if len(s.steps) == 0 {
		return 0
	}
	return s.steps[len(s.steps)-1].steadyEnd
}

// apply returns opts with the staircase's scenarios layered on top; a nil
// staircase returns opts unchanged.
func (s *staircase) apply(opts engine.Options) engine.Options {
	if s == nil {
		return opts
	}
	return opts.Apply(s.options())
}

// begin records when the engine starts running the staircase (just before
// Engine.Run, whose scenarios start from that instant). Nil-safe.
func (s *staircase) begin() {
	if s != nil {
		s.started = time.Now()
	}
}

// finishedMarks returns the marks of the steps whose steady part ended by
// now; nil for a nil staircase or one that never began.
func (s *staircase) finishedMarks() []results.Mark {
	if s == nil || s.started.IsZero() {
		return nil
	}
	return s.marks(s.started, time.Now())
}
