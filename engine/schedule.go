package engine

import (
	"math"
	"math/big"
	"math/bits"
	"time"
)

// vuStep is a change of a ramping-vus scenario's VU count: from offset At
// (since the scenario's start) on, VUs are wanted.
type vuStep struct {
	At  time.Duration
	VUs int64
}

// rampingVUSteps returns the VU count of a ramping-vus scenario as a step
// function: the first step is at 0, and steps are strictly increasing in
// time. Within a stage from a to b VUs over d the count at offset τ is
// floor(a + (b−a)·τ/d) (linear interpolation rounded down), so a ramp up
// reaches k at τ = ceil((k−a)·d/(b−a)) and a ramp down leaves k+1 just after
// τ = (a−k−1)·d/(a−b); a stage of length 0 jumps to its target at once.
// Steps at or after the end of the last stage are kept: the executor ignores
// them, as the scenario is over then.
func rampingVUSteps(startVUs int64, stages []Stage) []vuStep {
	steps := []vuStep{{0, startVUs}}
	add := func(at time.Duration, v int64) {
		last := &steps[len(steps)-1]
		switch {
		case last.At == at:
			last.VUs = v
		case last.VUs != v:
			steps = append(steps, vuStep{at, v})
		}
		if n := len(steps); n > 1 && steps[n-1].VUs == steps[n-2].VUs {
			steps = steps[:n-1]
		}
	}
	var t0 time.Duration
	from := startVUs
	for _, st := range stages {
		d, to := time.Duration(st.Duration), st.Target
		switch {
		case d == 0:
			add(t0, to)
		case to > from:
			for k := from + 1; k <= to; k++ {
				add(t0+time.Duration(mulDivCeil(uint64(k-from), uint64(d), uint64(to-from))), k)
			}
		case to < from:
			for k := from - 1; k >= to; k-- {
				add(t0+time.Duration(mulDivFloor(uint64(from-k-1), uint64(d), uint64(from-to)))+1, k)
			}
		}
		t0 += d
		from = to
	}
	return steps
}

// scaleSteps maps a step function of VU counts onto a segment share: each
// count v becomes share.Count(v), so the segments' counts add up at every
// instant. Steps that no longer change the count are merged.
func scaleSteps(steps []vuStep, share *SegmentShare) []vuStep {
	out := make([]vuStep, 0, len(steps))
	for _, s := range steps {
		v := share.Count(s.VUs)
		if len(out) > 0 && out[len(out)-1].VUs == v {
			continue
		}
		out = append(out, vuStep{s.At, v})
	}
	return out
}

func mulDivFloor(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, c)
	return min(q, math.MaxInt64)
}

func mulDivCeil(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return min(q, math.MaxInt64)
}

// rateSchedule is the start schedule of an arrival-rate scenario: a rate
// (iterations per timeUnit) that is piecewise linear in time, from startRate
// through each stage's target. The n-th start (n from 0) is at the first
// offset t where the area under the rate curve, A(t) = ∫₀ᵗ rate/timeUnit,
// reaches n, so starts are at absolute offsets from the scenario start and
// never drift. Starts fall in the half-open window [0, duration): there are
// exactly ceil(A(duration)) of them (A(duration) itself when that is a
// whole number, e.g. rate 10/s for 3 s gives 30). Per stage the area is
// duration × (from + to) / 2 (the trapezoid rule, exact for linear ramps).
type rateSchedule struct {
	timeUnit float64 // ns
	stages   []rateStage
	total    time.Duration
	count    int64
}

type rateStage struct {
	start    time.Duration
	d        float64 // ns
	r0, r1   float64 // iterations per timeUnit at the stage's start and end
	cumStart float64 // area before the stage
	cumEnd   float64
}

// newRateSchedule returns the schedule for a ramping rate; a constant rate
// is one stage with startRate == target.
func newRateSchedule(startRate float64, stages []Stage, timeUnit time.Duration) *rateSchedule {
	s := &rateSchedule{timeUnit: float64(timeUnit)}
	exact := new(big.Rat)
	from := startRate
	var cum float64
	for _, st := range stages {
		d := time.Duration(st.Duration)
		to := float64(st.Target)
		rs := rateStage{start: s.total, d: float64(d), r0: from, r1: to, cumStart: cum}
		cum += float64(d) * (from + to) / 2 / s.timeUnit
		rs.cumEnd = cum
		s.stages = append(s.stages, rs)
		// exact area: d·(from+to)/(2·timeUnit)
		a := new(big.Rat).SetFloat64(from)
		a.Add(a, new(big.Rat).SetFloat64(to))
		a.Mul(a, new(big.Rat).SetInt64(int64(d)))
		a.Quo(a, new(big.Rat).SetInt64(2*int64(timeUnit)))
		exact.Add(exact, a)
		s.total += d
		from = to
	}
	// count = ceil(exact)
	q, r := new(big.Int).QuoRem(exact.Num(), exact.Denom(), new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.IsInt64() {
		s.count = q.Int64()
	} else {
		s.count = math.MaxInt64
	}
	return s
}

// constantRateSchedule returns the schedule of rate iterations per timeUnit
// for duration d.
func constantRateSchedule(rate float64, d, timeUnit time.Duration) *rateSchedule {
	return newRateSchedule(rate, []Stage{{Duration: Duration(d), Target: 0}}, timeUnit).withConstant(rate)
}

func (s *rateSchedule) withConstant(rate float64) *rateSchedule {
	// Stage targets are integers; a constant fractional rate is set here.
	st := &s.stages[0]
	st.r1 = rate
	st.cumEnd = st.d * rate / s.timeUnit
	exact := new(big.Rat).SetFloat64(rate)
	exact.Mul(exact, new(big.Rat).SetInt64(int64(st.d)))
	exact.Quo(exact, new(big.Rat).SetInt64(int64(s.timeUnit)))
	q, r := new(big.Int).QuoRem(exact.Num(), exact.Denom(), new(big.Int))
	if r.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	s.count = math.MaxInt64
	if q.IsInt64() {
		s.count = q.Int64()
	}
	return s
}

// Count returns the number of starts in [0, duration).
func (s *rateSchedule) Count() int64 { return s.count }

// At returns the offset of the n-th start (0 <= n < Count()), always in
// [0, duration). Within a stage it solves r0·τ + (r1−r0)·τ²/(2d) =
// (n − A(stage start))·timeUnit for τ with the cancellation-free form
// τ = 2x / (r0 + sqrt(r0² + 2(r1−r0)x/d)).
func (s *rateSchedule) At(n int64) time.Duration {
	if n <= 0 || len(s.stages) == 0 {
		return 0
	}
	fn := float64(n)
	idx := -1
	for i := range s.stages {
		st := &s.stages[i]
		if st.cumEnd > st.cumStart {
			idx = i
			if fn < st.cumEnd {
				break
			}
		}
	}
	if idx < 0 {
		return 0
	}
	st := &s.stages[idx]
	x := (fn - st.cumStart) * s.timeUnit
	var tau float64
	if x > 0 {
		disc := st.r0*st.r0 + 2*(st.r1-st.r0)*x/st.d
		den := st.r0 + math.Sqrt(max(disc, 0))
		if den > 0 {
			tau = 2 * x / den
		}
	}
	t := st.start + time.Duration(math.Round(min(max(tau, 0), st.d)))
	return min(t, s.total-1)
}
