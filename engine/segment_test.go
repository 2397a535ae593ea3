package engine

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestParseExecutionSegment(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "0:1", ""},
		{"1/3:2/3", "1/3:2/3", ""},
		{"0.5:1", "1/2:1", ""},
		{"25%:50%", "1/4:1/2", ""},
		{"1/4", "0:1/4", ""},
		{"2/3:1/3", "", "start must be below end"},
		{"0:3/2", "", "outside [0, 1]"},
		{"a:b", "", "not a fraction"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseExecutionSegment(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || s.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", s, err, tt.want)
			}
		})
	}
}

func TestParseExecutionSegmentSequence(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"0,1/3,2/3,1", "0,1/3,2/3,1", ""},
		{"0,0.5,1", "0,1/2,1", ""},
		{"0,1", "0,1", ""},
		{"1/3,1", "", "must start at 0"},
		{"0,1/3", "", "must end at 1"},
		{"0,2/3,1/3,1", "", "must increase"},
		{"0", "", "at least two"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := ParseExecutionSegmentSequence(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || q.String() != tt.want {
				t.Fatalf("got %v, %v; want %s", q, err, tt.want)
			}
		})
	}
}

func TestSegmentShareStriping(t *testing.T) {
	// Thirds: indices are dealt 0,1,2,0,1,2,...
	shares, err := EvenSequence(3).Shares()
	if err != nil {
		t.Fatal(err)
	}
	for j, sh := range shares {
		for k := range int64(5) {
			if got, want := sh.Global(k), 3*k+int64(j); got != want {
				t.Errorf("thirds: share %d Global(%d) = %d, want %d", j, k, got, want)
			}
		}
	}
	// An uneven split 0, 1/2, 3/4, 1 gets 2, 1, 1 of every 4 indices, spread out.
	seq, _ := ParseExecutionSegmentSequence("0,1/2,3/4,1")
	shares, _ = seq.Shares()
	for j, want := range []int64{5, 3, 2} {
		if got := shares[j].Count(10); got != want {
			t.Errorf("0,1/2,3/4,1: share %d Count(10) = %d, want %d", j, got, want)
		}
	}
	if sh, err := NewSegmentShare("1/4:1/2", ""); err != nil || sh.Count(8) != 2 {
		t.Errorf("lone segment 1/4:1/2 of 8: %v %v", sh, err)
	}
	if !FullShare().Whole() || shares[0].Whole() {
		t.Error("Whole() is wrong")
	}
}

// randomSequence returns a sequence of 1..8 segments with boundaries that
// are fractions with denominators up to 12.
func randomSequence(rng *rand.Rand) ExecutionSegmentSequence {
	set := map[string]*big.Rat{}
	for range rng.IntN(8) {
		d := rng.Int64N(11) + 2
		n := rng.Int64N(d-1) + 1
		r := big.NewRat(n, d)
		set[r.RatString()] = r
	}
	pts := []*big.Rat{new(big.Rat)}
	for _, r := range set {
		pts = append(pts, r)
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].Cmp(pts[j]) < 0 })
	pts = append(pts, big.NewRat(1, 1))
	var b []string
	for _, p := range pts {
		b = append(b, p.RatString())
	}
	seq, err := ParseExecutionSegmentSequence(strings.Join(b, ","))
	if err != nil {
		panic(err)
	}
	return seq
}

// segmentParts runs the pure per-segment parameter computation of New for
// one scenario and every share of seq.
func segmentParts(t *testing.T, sp *ScenarioPlan, shares []*SegmentShare) []*scenarioRun {
	t.Helper()
	var runs []*scenarioRun
	for _, sh := range shares {
		runs = append(runs, newScenarioRun(&Engine{share: sh}, sp))
	}
	return runs
}

func vusAt(steps []vuStep, at time.Duration) int64 {
	var v int64
	for _, s := range steps {
		if s.At > at {
			break
		}
		v = s.VUs
	}
	return v
}

// TestSegmentsAddUp is the property test: for every executor and 1,000
// random segment sequences (1 to 8 segments, boundaries with denominators
// up to 12; random VU, iteration, rate, timeUnit and stage parameters), the segments' VU counts, iteration counts and
// arrival-rate start times add up exactly to the unsegmented plan's.
func TestSegmentsAddUp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1000 {
		seq := randomSequence(rng)
		shares, err := seq.Shares()
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("%d:%s", i, seq)
		// Every index belongs to exactly one share, and counts add up.
		n := rng.Int64N(300)
		owner := make([]int, n)
		var sum int64
		for j, sh := range shares {
			c := sh.Count(n)
			sum += c
			for k := range c {
				g := sh.Global(k)
				if g >= n || owner[g] != 0 {
					t.Fatalf("%s: index %d of %d given twice or out of range", name, g, n)
				}
				owner[g] = j + 1
			}
		}
		if sum != n || slices.Contains(owner, 0) {
			t.Fatalf("%s: counts add to %d of %d", name, sum, n)
		}

		vus := rng.Int64N(40) + 1
		iters := vus + rng.Int64N(60)
		plans := map[string]string{
			SharedIterations: fmt.Sprintf(`{"executor":"shared-iterations","vus":%d,"iterations":%d}`, vus, iters),
			PerVUIterations:  fmt.Sprintf(`{"executor":"per-vu-iterations","vus":%d,"iterations":%d}`, vus, iters),
			ConstantVUs:      fmt.Sprintf(`{"executor":"constant-vus","vus":%d,"duration":"3s"}`, vus),
			RampingVUs:       fmt.Sprintf(`{"executor":"ramping-vus","startVUs":%d,"stages":[{"duration":"2s","target":%d},{"duration":"3s","target":%d},{"duration":"0s","target":%d}]}`, rng.Int64N(5), vus, rng.Int64N(vus+1), rng.Int64N(9)),
			// Fractional rates (tenths) and durations that are not whole
			// multiples of timeUnit exercise the ceil(area) boundary rule.
			ConstantArrivalRate: fmt.Sprintf(`{"executor":"constant-arrival-rate","rate":%g,"timeUnit":"%dms","duration":"%dms","preAllocatedVUs":%d,"maxVUs":%d}`, float64(rng.Int64N(500)+1)/10, 100*(rng.Int64N(10)+1), 500+rng.Int64N(2500), vus, vus+iters),
			RampingArrivalRate:  fmt.Sprintf(`{"executor":"ramping-arrival-rate","startRate":%g,"timeUnit":"%dms","preAllocatedVUs":%d,"stages":[{"duration":"1s","target":%d},{"duration":"%dms","target":%d},{"duration":"%dms","target":%d}]}`, float64(rng.Int64N(200))/10, 100*(rng.Int64N(10)+1), vus, rng.Int64N(60), rng.Int64N(2000), rng.Int64N(60), rng.Int64N(1500), rng.Int64N(60)),
		}
		for ex, js := range plans {
			o := mustOptions(t, `{"scenarios":{"s":`+js+`}}`)
			plan, err := o.Resolve()
			if err != nil {
				t.Fatalf("%s %s: %v", name, ex, err)
			}
			whole := newScenarioRun(&Engine{share: FullShare()}, plan.Scenarios[0])
			parts := segmentParts(t, plan.Scenarios[0], shares)
			var sVUs, sIters, sPre, sMax, sStarts int64
			var starts []time.Duration
			for _, p := range parts {
				sVUs += p.vus
				sIters += totalIterations(p)
				sPre += p.preAlloc
				sMax += p.maxVUs
				sStarts += p.starts
				if p.rate != nil {
					for k := range p.starts {
						starts = append(starts, p.rate.At(p.e.share.Global(k)))
					}
				}
			}
			wantIters := totalIterations(whole)
			if sVUs != whole.vus || sIters != wantIters || sPre != whole.preAlloc || sMax != whole.maxVUs || sStarts != whole.starts {
				t.Fatalf("%s %s: segments vus %d iters %d pre %d max %d starts %d; whole %d %d %d %d %d",
					name, ex, sVUs, sIters, sPre, sMax, sStarts, whole.vus, wantIters, whole.preAlloc, whole.maxVUs, whole.starts)
			}
			if whole.rate != nil {
				var want []time.Duration
				for k := range whole.starts {
					want = append(want, whole.rate.At(k))
				}
				slices.Sort(starts)
				if !slices.Equal(starts, want) {
					t.Fatalf("%s %s: union of segment start times differs from the single-instance schedule", name, ex)
				}
			}
			if ex == RampingVUs {
				for _, st := range whole.steps {
					for _, at := range []time.Duration{st.At, st.At + 1} {
						var sum int64
						for _, p := range parts {
							sum += vusAt(p.steps, at)
						}
						if want := vusAt(whole.steps, at); sum != want {
							t.Fatalf("%s ramping-vus at %v: segments have %d VUs, whole %d", name, at, sum, want)
						}
					}
				}
			}
		}
	}
}

// totalIterations is the iterations a run of r performs: per VU times VUs for
// per-vu-iterations, the shared count otherwise (0 for duration-based).
func totalIterations(r *scenarioRun) int64 {
	if r.cfg.Executor == PerVUIterations {
		return r.iterations * r.vus
	}
	return r.iterations
}

// TestCase_C27b_RateSplitAcrossWorkers: 10/s for 15 s on 16 and on 3
// workers gives 150 starts in all, at the single-worker times, and every
// worker is throttled at its fractional share (never rate 0, never
// unthrottled).
func TestCase_C27b_RateSplitAcrossWorkers(t *testing.T) {
	sched := constantRateSchedule(10, 15*time.Second, time.Second)
	for _, workers := range []int{16, 3} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			shares, err := EvenSequence(workers).Shares()
			if err != nil {
				t.Fatal(err)
			}
			var all []time.Duration
			for w, sh := range shares {
				n := sh.Count(sched.Count())
				if n == 0 {
					t.Fatalf("worker %d has rate 0", w)
				}
				var prev time.Duration = -1
				for k := range n {
					at := sched.At(sh.Global(k))
					// An even split deals every workers-th start to each worker:
					// a steady 10/workers per second.
					if want := time.Duration(workers) * 100 * time.Millisecond; prev >= 0 && at-prev != want {
						t.Fatalf("worker %d: starts at %v then %v, want %v apart", w, prev, at, want)
					}
					prev = at
					all = append(all, at)
				}
				// Its offered rate is its fraction of 10/s: 150/workers ± 1 starts.
				if lo, hi := int64(150/workers), int64((150+workers-1)/workers); n < lo || n > hi {
					t.Errorf("worker %d: %d starts, want %d..%d", w, n, lo, hi)
				}
			}
			slices.Sort(all)
			if len(all) != 150 {
				t.Fatalf("%d starts in all, want 150", len(all))
			}
			for k, at := range all {
				if at != sched.At(int64(k)) {
					t.Fatalf("start %d at %v, want %v", k, at, sched.At(int64(k)))
				}
			}
		})
	}
}

func one() *big.Rat { return big.NewRat(1, 1) }
