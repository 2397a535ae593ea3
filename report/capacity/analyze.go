package capacity

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Config are the settings of an analysis. DefaultConfig spells out the
// defaults.
type Config struct {
	// SLOs are the objectives every sustainable step must meet.
	SLOs []SLO
	// Instances is how many instances of the system under test served the
	// run (≥ 1); InstancesSource says where the number came from
	// ("--instances", "label instances", "default").
	Instances       int
	InstancesSource string
	// ForecastPeak is the production peak to size for, requests/s; 0 skips
	// sizing.
	ForecastPeak float64
	// Headroom is the share of each instance's sustainable rate kept free
	// at the peak (0 ≤ h < 1): the utilisation ceiling is 1 − Headroom.
	// Default 0.3.
	Headroom float64
	// Redundancy is the number of spare instances added on top (N+k),
	// default 2.
	Redundancy int
	// SaturationRatio: a step whose achieved rate is below this share of its
	// offered rate is saturated. Default 0.95.
	SaturationRatio float64
	// KneedleSensitivity is Kneedle's S. Default 1.
	KneedleSensitivity float64
	// Concurrency picks the USL's N: "little" (throughput × mean latency,
	// default) or "vus" (mean active VUs); Analyze sets "given" when it
	// fits points passed in.
	Concurrency string
}

// DefaultConfig returns one instance, 30% headroom, N+2, saturation below
// 95% of the offered rate, Kneedle sensitivity 1 and Little's-law
// concurrency.
func DefaultConfig() Config {
	return Config{Instances: 1, InstancesSource: "default", Headroom: 0.3, Redundancy: 2,
		SaturationRatio: 0.95, KneedleSensitivity: 1, Concurrency: "little"}
}

// Report is a capacity analysis: every number the outputs show, computed
// once, so the JSON, Markdown and HTML renderings agree by construction.
type Report struct {
	Inputs Inputs `json:"inputs"`
	Steps  []Step `json:"steps"`
	// Points are the (concurrency, throughput) pairs the USL was fitted to.
	Points []Point `json:"points"`
	Knee   *Knee   `json:"knee"`
	// USL is nil when the fit was not possible; USLError says why.
	USL      *USL   `json:"usl"`
	USLError string `json:"usl_error,omitempty"`

	// SustainableThroughputRPS is the sustainable rate per instance at the
	// objectives (requests/s): SustainableTotalRPS / Instances. Null in
	// JSON when no step met every objective.
	SustainableThroughputRPS *float64 `json:"sustainable_throughput_rps"`
	// SustainableTotalRPS is the highest throughput achieved by a step
	// meeting every objective, over all instances.
	SustainableTotalRPS *float64 `json:"sustainable_total_rps"`
	// SustainableStep is that step's position (1-based), 0 if none.
	SustainableStep int `json:"sustainable_step,omitempty"`

	// RecommendedInstances is the production instance count for
	// Inputs.ForecastPeakRPS (null without a forecast or a sustainable
	// rate).
	RecommendedInstances *int `json:"recommended_instances"`
	// Sizing shows the parts of RecommendedInstances.
	Sizing *Sizing `json:"sizing,omitempty"`

	// Derivations explain each headline number: its inputs and formula in
	// plain words.
	Derivations []Derivation `json:"derivations"`

	// Notes are one-line remarks on the input that the numbers depend on,
	// such as results files without capacity steps. Absent when none.
	Notes []string `json:"notes,omitempty"`
}

// Inputs echo what the analysis was given.
type Inputs struct {
	Sources         []string `json:"sources"`
	SLOs            []SLO    `json:"slos"`
	Instances       int      `json:"instances"`
	InstancesSource string   `json:"instances_source"`
	ForecastPeakRPS float64  `json:"forecast_peak_rps,omitempty"`
	Headroom        float64  `json:"headroom"`
	Redundancy      int      `json:"redundancy"`
	SaturationRatio float64  `json:"saturation_ratio"`
	Concurrency     string   `json:"concurrency"`
}

// Sizing is the production instance count rule:
//
//	needed = ceil(peak / (per-instance sustainable × (1 − headroom)))
//	recommended = needed + redundancy
type Sizing struct {
	PeakRPS            float64 `json:"peak_rps"`
	PerInstanceRPS     float64 `json:"per_instance_rps"`
	UtilisationCeiling float64 `json:"utilisation_ceiling"`
	UsablePerInstance  float64 `json:"usable_per_instance_rps"`
	Needed             int     `json:"needed"`
	Redundancy         int     `json:"redundancy"`
	Recommended        int     `json:"recommended"`
	PeakUtilisation    float64 `json:"peak_utilisation"`     // peak / (recommended × per-instance)
	UtilisationOneDown float64 `json:"utilisation_one_down"` // peak / ((recommended − redundancy) × per-instance)
}

// Derivation is one headline number with its formula and inputs in words.
type Derivation struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Formula string `json:"formula"`
}

// InstancesFor applies the sizing rule: ceil(peak / (perInstance ×
// (1 − headroom))) + redundancy. It fails on a non-positive rate, a
// headroom outside [0, 1) or a negative redundancy.
func InstancesFor(peak, perInstance, headroom float64, redundancy int) (Sizing, error) {
	switch {
	case !(perInstance > 0):
		return Sizing{}, errors.New("capacity: sizing needs a positive sustainable rate per instance")
	case !(peak > 0):
		return Sizing{}, errors.New("capacity: sizing needs a positive forecast peak")
	case headroom < 0 || headroom >= 1:
		return Sizing{}, fmt.Errorf("capacity: headroom %g is outside [0, 1)", headroom)
	case redundancy < 0:
		return Sizing{}, fmt.Errorf("capacity: redundancy %d is negative", redundancy)
	}
	s := Sizing{PeakRPS: peak, PerInstanceRPS: perInstance, UtilisationCeiling: 1 - headroom, Redundancy: redundancy}
	s.UsablePerInstance = perInstance * (1 - headroom)
	// A tiny tolerance keeps exact multiples (e.g. 1000/(500×0.5) = 4) from
	// rounding up through floating-point noise.
	s.Needed = int(math.Ceil(peak/s.UsablePerInstance - 1e-9))
	s.Needed = max(s.Needed, 1)
	s.Recommended = s.Needed + redundancy
	s.PeakUtilisation = peak / (float64(s.Recommended) * perInstance)
	s.UtilisationOneDown = peak / (float64(s.Needed) * perInstance)
	return s, nil
}

// Analyze computes the report from measured steps (from Measure, in any
// order; they are sorted by offered load) under cfg. Steps may be empty
// when points are given (the --csv path: USL only). Errors are for invalid
// settings; a USL fit that is not possible is reported in Report.USLError.
func Analyze(steps []Step, points []Point, sources []string, cfg Config) (*Report, error) {
	if cfg.Instances < 1 {
		return nil, fmt.Errorf("capacity: instances %d: want at least 1", cfg.Instances)
	}
	if cfg.Headroom < 0 || cfg.Headroom >= 1 {
		return nil, fmt.Errorf("capacity: headroom %g is outside [0, 1)", cfg.Headroom)
	}
	if cfg.Redundancy < 0 {
		return nil, fmt.Errorf("capacity: redundancy %d is negative", cfg.Redundancy)
	}
	if cfg.SaturationRatio <= 0 || cfg.SaturationRatio > 1 {
		cfg.SaturationRatio = 0.95
	}
	if cfg.KneedleSensitivity <= 0 {
		cfg.KneedleSensitivity = 1
	}
	if cfg.Concurrency == "" {
		cfg.Concurrency = "little"
	}
	if len(points) > 0 {
		cfg.Concurrency = "given" // the pairs carry their own concurrency
	}
	if cfg.Concurrency != "little" && cfg.Concurrency != "vus" && cfg.Concurrency != "given" {
		return nil, fmt.Errorf("capacity: concurrency %q: want little or vus", cfg.Concurrency)
	}
	r := &Report{
		Inputs: Inputs{Sources: sources, SLOs: cfg.SLOs, Instances: cfg.Instances, InstancesSource: cfg.InstancesSource,
			ForecastPeakRPS: cfg.ForecastPeak, Headroom: cfg.Headroom, Redundancy: cfg.Redundancy,
			SaturationRatio: cfg.SaturationRatio, Concurrency: cfg.Concurrency},
		Steps: append([]Step(nil), steps...),
	}
	if r.Inputs.SLOs == nil {
		r.Inputs.SLOs = []SLO{}
	}
	sortSteps(r.Steps)
	for i := range r.Steps {
		r.Steps[i].evaluate(cfg.SLOs)
	}

	// Points for the USL.
	r.Points = append([]Point(nil), points...)
	if len(points) == 0 {
		for _, st := range r.Steps {
			n := st.ConcurrencyLaw
			if cfg.Concurrency == "vus" {
				n = st.ConcurrencyVUs
			}
			if n > 0 && st.ThroughputRPS > 0 {
				r.Points = append(r.Points, Point{Concurrency: n, Throughput: st.ThroughputRPS})
			}
		}
	}
	if u, err := FitUSL(r.Points); err != nil {
		r.USLError = err.Error()
	} else {
		r.USL = &u
	}

	if len(r.Steps) > 0 {
		kn := findKnee(r.Steps, cfg.SLOs, cfg.SaturationRatio, cfg.KneedleSensitivity)
		r.Knee = &kn
		best := -1
		for i, st := range r.Steps {
			if st.Pass && (best < 0 || st.ThroughputRPS > r.Steps[best].ThroughputRPS) {
				best = i
			}
		}
		if best >= 0 {
			total := r.Steps[best].ThroughputRPS
			per := total / float64(cfg.Instances)
			r.SustainableTotalRPS, r.SustainableThroughputRPS, r.SustainableStep = &total, &per, best+1
		}
		if cfg.ForecastPeak > 0 && r.SustainableThroughputRPS != nil {
			s, err := InstancesFor(cfg.ForecastPeak, *r.SustainableThroughputRPS, cfg.Headroom, cfg.Redundancy)
			if err != nil {
				return nil, err
			}
			r.Sizing = &s
			r.RecommendedInstances = &s.Recommended
		}
	}
	r.Derivations = r.derive()
	r.Notes = stepNotes(r.Steps)
	return r, nil
}

// stepNotes says which results files had no capacity steps, so were
// measured as one step each.
func stepNotes(steps []Step) []string {
	var whole []string
	for _, st := range steps {
		if st.WholeRun && !slices.Contains(whole, st.Source) {
			whole = append(whole, st.Source)
		}
	}
	switch len(whole) {
	case 0:
		return nil
	case 1:
		return []string{fmt.Sprintf("%s has no capacity steps, so the whole run is measured as one step; run with --capacity-steps N for a staircase", whole[0])}
	}
	return []string{fmt.Sprintf("%s have no capacity steps, so each whole run is measured as one step; run with --capacity-steps N for a staircase", strings.Join(whole, ", "))}
}

// offeredText is a step's offered load for people: "900/s", "4 VUs" for
// a closed-model step, "—" when the step has none (a whole run of VUs).
func offeredText(st Step) string {
	switch {
	case st.OfferedRPS > 0:
		return num(st.OfferedRPS) + "/s"
	case st.TargetVUs > 0:
		return num(st.TargetVUs) + " VUs"
	}
	return "—"
}

// derive writes the plain-words explanation of each headline number.
func (r *Report) derive() []Derivation {
	out := []Derivation{}
	add := func(name, value, formula string, args ...any) {
		out = append(out, Derivation{Name: name, Value: value, Formula: fmt.Sprintf(formula, args...)})
	}
	if r.Knee != nil {
		if r.Knee.Found {
			st := r.Steps[r.Knee.Step-1]
			value := fmt.Sprintf("step %d (%s offered)", r.Knee.Step, offeredText(st))
			if st.OfferedRPS <= 0 {
				value = fmt.Sprintf("step %d (%s)", r.Knee.Step, offeredText(st))
				if st.TargetVUs <= 0 {
					value = fmt.Sprintf("step %d", r.Knee.Step)
				}
			}
			add("knee", value,
				"the first step past the knee, by the first signal that fired in the order: objectives broken, achieved rate below %s of offered, Kneedle on throughput vs offered load. %s.",
				pct(r.Inputs.SaturationRatio), r.Knee.Note)
		} else {
			add("knee", "not found", "%s", r.Knee.Note)
		}
	}
	if r.SustainableThroughputRPS != nil {
		st := r.Steps[r.SustainableStep-1]
		add("sustainable throughput per instance", num(*r.SustainableThroughputRPS)+"/s",
			"the highest throughput among steps meeting every objective: step %d achieved %s requests in %s s = %s/s over %d instance(s) (%s), so %s / %d = %s/s per instance (no interpolation between steps, so it errs low by at most one step)",
			r.SustainableStep, num(float64(st.Requests)), num(st.WindowSeconds), num(st.ThroughputRPS), r.Inputs.Instances, r.Inputs.InstancesSource,
			num(st.ThroughputRPS), r.Inputs.Instances, num(*r.SustainableThroughputRPS))
	} else if len(r.Steps) > 0 {
		add("sustainable throughput per instance", "none", "no step met every objective, so no rate is sustainable at them; start the staircase lower")
	}
	if s := r.Sizing; s != nil {
		add("recommended instances", fmt.Sprint(s.Recommended),
			"enough instances that the forecast peak stays under each instance's sustainable rate times the utilisation ceiling, plus spares: ceil(%s/s ÷ (%s/s × (1 − %s headroom))) = ceil(%s ÷ %s) = %d, plus %d for redundancy (N+%d) = %d. At the peak, all %d instances run at %s of their sustainable rate; with the %d spares down, %s",
			num(s.PeakRPS), num(s.PerInstanceRPS), pct(1-s.UtilisationCeiling), num(s.PeakRPS), num(s.UsablePerInstance), s.Needed,
			s.Redundancy, s.Redundancy, s.Recommended, s.Recommended, pct(s.PeakUtilisation), s.Redundancy, pct(s.UtilisationOneDown))
	} else if r.Inputs.ForecastPeakRPS > 0 {
		add("recommended instances", "none", "sizing needs a sustainable rate, and no step met every objective")
	}
	if u := r.USL; u != nil {
		add("USL fit", fmt.Sprintf("σ=%s κ=%s λ=%s/s", sci(u.Sigma), sci(u.Kappa), num(u.Lambda)),
			"X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted to %d (concurrency, throughput) points by least squares; concurrency is %s. 95%% intervals: σ in [%s, %s], κ in [%s, %s], λ in [%s, %s] (estimate ± t(0.975, %d) × standard error from s²(JᵀJ)⁻¹). R² = %s",
			u.Points, concurrencyWords(r.Inputs.Concurrency), sci(u.SigmaCI.Low), sci(u.SigmaCI.High), sci(u.KappaCI.Low), sci(u.KappaCI.High),
			num(u.LambdaCI.Low), num(u.LambdaCI.High), u.Points-3, fmt.Sprintf("%.4f", u.RSquared))
		if finite(u.PeakConcurrency) != nil {
			add("USL peak", fmt.Sprintf("N*=%s, X(N*)=%s/s", num(u.PeakConcurrency), num(u.MaxThroughput)),
				"throughput is highest at N* = sqrt((1 − σ)/κ) = sqrt((1 − %s)/%s) = %s; beyond it, adding concurrency lowers throughput. X(N*) = %s/s",
				sci(u.Sigma), sci(u.Kappa), num(u.PeakConcurrency), num(u.MaxThroughput))
		} else {
			add("USL peak", "none", "κ ≤ 0 or σ ≥ 1: no retrograde region within the model; throughput tends to λ/σ = %s/s", num(u.MaxThroughput))
		}
	} else if r.USLError != "" {
		add("USL fit", "not fitted", "%s", r.USLError)
	}
	return out
}

func concurrencyWords(c string) string {
	switch c {
	case "vus":
		return "the mean number of active VUs"
	case "given":
		return "as given in the input"
	}
	return "Little's law: throughput × mean request latency"
}
