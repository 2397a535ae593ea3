package capacity

import (
	"fmt"
	"strings"
)

// Kneedle returns the index of the knee of a concave, increasing curve
// (x ascending) by the Kneedle algorithm of Satopää, Albrecht, Irwin and
// Raghavan, "Finding a 'Kneedle' in a Haystack" (ICDCSW 2011), offline and
// without smoothing: normalise x and y to [0, 1]; take the difference curve
// d = yₙ − xₙ; at each local maximum i of d set the threshold
// T = d[i] − S·mean(Δxₙ); the first local maximum after which d falls below
// its threshold before rising to a new local maximum is the knee. S is the
// sensitivity (1 in the paper; larger is more conservative). ok is false for
// fewer than 3 points, a flat or vertical curve, or no knee.
func Kneedle(x, y []float64, s float64) (idx int, ok bool) {
	n := len(x)
	if n < 3 || len(y) != n {
		return 0, false
	}
	xmin, xmax, ymin, ymax := x[0], x[0], y[0], y[0]
	for i := range n {
		xmin, xmax = min(xmin, x[i]), max(xmax, x[i])
		ymin, ymax = min(ymin, y[i]), max(ymax, y[i])
	}
	if xmax == xmin || ymax == ymin {
		return 0, false
	}
	d := make([]float64, n)
	for i := range n {
		d[i] = (y[i]-ymin)/(ymax-ymin) - (x[i]-xmin)/(xmax-xmin)
	}
	// Mean spacing of the normalised x is 1/(n−1) for any ascending x.
	step := 1 / float64(n-1)
	cand, thr := -1, 0.0
	for i := 1; i < n; i++ {
		if i < n-1 && d[i] > d[i-1] && d[i] >= d[i+1] {
			cand, thr = i, d[i]-s*step
			continue
		}
		if cand >= 0 && d[i] < thr {
			return cand, true
		}
	}
	return 0, false
}

// Signal is one way of finding the knee.
type Signal struct {
	// Name is "slo" (first step breaking an objective), "saturation"
	// (first step whose achieved rate falls below the ratio of its offered
	// rate) or "kneedle" (the step after Kneedle's knee point on the
	// throughput curve).
	Name string `json:"name"`
	// Found is false when the signal did not fire within the steps.
	Found bool `json:"found"`
	// Step is the 1-based position (in offered-load order) of the first
	// step past the knee by this signal; 0 when not found.
	Step int `json:"step,omitempty"`
	// OfferedRPS is that step's offered rate (0 for VU steps).
	OfferedRPS float64 `json:"offered_rps,omitempty"`
	// Detail says what fired, in plain words.
	Detail string `json:"detail"`
}

// Knee is where added load stops buying throughput within the objectives:
// the first step past the knee. Step and OfferedRPS come from the first
// signal found in the order slo, saturation, kneedle.
type Knee struct {
	Found      bool     `json:"found"`
	Step       int      `json:"step,omitempty"`
	OfferedRPS float64  `json:"offered_rps,omitempty"`
	Signals    []Signal `json:"signals"`
	// Agree is true when every signal fired at the same step.
	Agree bool `json:"agree"`
	// FoundBy names the signals that put the knee at Step.
	FoundBy []string `json:"found_by"`
	// Note says, in plain words, how the signals compare.
	Note string `json:"note"`
}

// findKnee runs the three signals over steps (already sorted by load and
// evaluated against the objectives).
func findKnee(steps []Step, slos []SLO, ratio, sensitivity float64) Knee {
	pos := func(i int) (int, float64) { return i + 1, steps[i].OfferedRPS }

	sloSig := Signal{Name: "slo"}
	if len(slos) == 0 {
		sloSig.Detail = "no objective given (--slo)"
	} else {
		sloSig.Detail = "every step meets every objective"
		for i, st := range steps {
			if st.Pass {
				continue
			}
			var broken []string
			for _, v := range st.SLOs {
				if !v.Met {
					broken = append(broken, v.Source)
				}
			}
			sloSig.Found = true
			sloSig.Step, sloSig.OfferedRPS = pos(i)
			sloSig.Detail = fmt.Sprintf("step %d is the first to break %s", sloSig.Step, strings.Join(broken, ", "))
			break
		}
	}

	satSig := Signal{Name: "saturation"}
	satSig.Detail = fmt.Sprintf("every step achieves at least %.0f%% of its offered rate", ratio*100)
	offered := false
	for i, st := range steps {
		if st.OfferedRPS <= 0 {
			continue
		}
		offered = true
		if st.AchievedRatio < ratio {
			satSig.Found = true
			satSig.Step, satSig.OfferedRPS = pos(i)
			satSig.Detail = fmt.Sprintf("step %d achieves %.1f/s of %.1f/s offered (%.1f%% < %.0f%%)",
				satSig.Step, st.IterationsPerS, st.OfferedRPS, st.AchievedRatio*100, ratio*100)
			break
		}
	}
	if !offered {
		satSig.Detail = "no step has an offered rate (closed-model steps)"
	}

	kSig := Signal{Name: "kneedle"}
	xs := make([]float64, len(steps))
	ys := make([]float64, len(steps))
	xname := "offered rate"
	for i, st := range steps {
		xs[i], ys[i] = st.OfferedRPS, st.ThroughputRPS
		if !offered {
			xs[i] = st.TargetVUs
			xname = "VUs"
		}
	}
	if k, ok := Kneedle(xs, ys, sensitivity); ok && k+1 < len(steps) {
		kSig.Found = true
		kSig.Step, kSig.OfferedRPS = pos(k + 1)
		kSig.Detail = fmt.Sprintf("the throughput-vs-%s curve bends at step %d (%.1f/s); step %d is the first past it", xname, k+1, ys[k], k+2)
	} else {
		kSig.Detail = fmt.Sprintf("no knee on the throughput-vs-%s curve (sensitivity %g)", xname, sensitivity)
	}

	kn := Knee{Signals: []Signal{sloSig, satSig, kSig}}
	for _, s := range kn.Signals {
		if s.Found && !kn.Found {
			kn.Found, kn.Step, kn.OfferedRPS = true, s.Step, s.OfferedRPS
		}
	}
	kn.Agree = true
	var notFound, other []string
	for _, s := range kn.Signals {
		switch {
		case !s.Found:
			kn.Agree = false
			notFound = append(notFound, s.Name)
		case s.Step == kn.Step:
			kn.FoundBy = append(kn.FoundBy, s.Name)
		default:
			kn.Agree = false
			other = append(other, fmt.Sprintf("%s at step %d", s.Name, s.Step))
		}
	}
	switch {
	case !kn.Found:
		kn.Note = "no signal found a knee: the load never reached the system's limit; raise the maximum rate"
	case kn.Agree:
		kn.Note = fmt.Sprintf("all three signals agree on step %d", kn.Step)
	default:
		parts := []string{fmt.Sprintf("signals disagree: knee at step %d by %s", kn.Step, strings.Join(kn.FoundBy, ", "))}
		if len(other) > 0 {
			parts = append(parts, strings.Join(other, ", "))
		}
		if len(notFound) > 0 {
			parts = append(parts, "not found by "+strings.Join(notFound, ", "))
		}
		kn.Note = strings.Join(parts, "; ")
	}
	return kn
}
