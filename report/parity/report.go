package parity

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/loadline/loadline/engine/results"
)

// Options tune Build. The zero value of a field means its default.
type Options struct {
	// Tolerance is X: staging predicts production when each latency ratio
	// is within 1 ± X and the predicted capacity within ±X of the
	// measured one. Default 0.15.
	Tolerance float64
	// ErrorTolerance is the largest error-rate difference (absolute,
	// 0..1) still counted as parity. Default 0.01 (1 percentage point).
	ErrorTolerance float64
	// SLO decides which spans of a run are sustainable. Default
	// DefaultSLO.
	SLO SLO
	// Bootstrap is the number of bootstrap rounds. Default 1000.
	Bootstrap int
	// Confidence is the level of the bootstrap intervals. Default 0.95.
	Confidence float64
	// Seed seeds the bootstrap's PCG generator, so a report is
	// reproducible. Default 1.
	Seed uint64
	// Service is the service the runs measured, for per-instance figures
	// and the capacity prediction. Default: the first staging service
	// that production also has.
	Service string
}

// DefaultOptions returns the defaults spelled out.
func DefaultOptions() Options {
	return Options{Tolerance: 0.15, ErrorTolerance: 0.01, SLO: DefaultSLO(), Bootstrap: 1000, Confidence: 0.95, Seed: 1}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Tolerance <= 0 {
		o.Tolerance = d.Tolerance
	}
	if o.ErrorTolerance <= 0 {
		o.ErrorTolerance = d.ErrorTolerance
	}
	if o.SLO == (SLO{}) {
		o.SLO = d.SLO
	}
	if o.SLO.Percentile == 0 {
		o.SLO.Percentile = d.SLO.Percentile
	}
	if o.Bootstrap <= 0 {
		o.Bootstrap = d.Bootstrap
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = d.Confidence
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	return o
}

// ScaleDim is one dimension capacity is taken to scale with, with its
// value in each environment.
type ScaleDim struct {
	Name       string  `json:"name"`
	Staging    float64 `json:"staging"`
	Production float64 `json:"production"`
}

// Prediction extrapolates production's capacity from staging's.
//
// The model is linear scaling: the service's sustainable throughput is
// proportional to its capacity units, the product of its scaling
// dimensions (replicas, and workers per replica when stated; see
// Service.ScalesWith), so
//
//	predicted = staging sustainable × units(production) ÷ units(staging)
//
// which is the Universal Scalability Law with no contention or coherency
// cost between units (Gunther, Guerrilla Capacity Planning, 2007, ch. 4:
// X(N) = λN when σ = κ = 0). Contention makes it an upper bound.
type Prediction struct {
	Model   string `json:"model"`
	Service string `json:"service"`
	// SLO is the objective that defines "sustainable".
	SLO string `json:"slo"`
	// StagingSustainableRPS is the highest throughput of a staging span
	// that met the SLO; StagingPerInstanceRPS divides it by staging's
	// replicas, StagingPerUnitRPS by its capacity units.
	StagingSustainableRPS float64 `json:"staging_sustainable_rps"`
	StagingPerInstanceRPS float64 `json:"staging_per_instance_rps"`
	StagingPerUnitRPS     float64 `json:"staging_per_unit_rps"`
	// Dims are the scaling dimensions; ScaleFactor = units(production) ÷
	// units(staging).
	Dims        []ScaleDim `json:"scaling_dimensions"`
	ScaleFactor float64    `json:"scale_factor"`
	// PredictedRPS is production's predicted sustainable throughput.
	PredictedRPS float64 `json:"predicted_rps"`
	// Measured is set when production runs exist: MeasuredRPS is their
	// sustainable throughput, ErrorFraction = (predicted − measured) ÷
	// measured, and Within reports |ErrorFraction| ≤ Tolerance.
	Measured      bool    `json:"measured"`
	MeasuredRPS   float64 `json:"measured_rps,omitempty"`
	ErrorFraction float64 `json:"error_fraction,omitempty"`
	Within        bool    `json:"within_tolerance"`
	// Staging and Production are each environment's measured capacity
	// (Production absent without production runs), USL fits side by side.
	Staging    *SideCapacity `json:"staging_capacity"`
	Production *SideCapacity `json:"production_capacity,omitempty"`
}

// Report is the parity report: the environment diff and, with runs, the
// per-endpoint comparison and the capacity prediction.
type Report struct {
	Staging    string `json:"staging"`
	Production string `json:"production"`
	// Tolerance is the X of the verdicts (0.15 = ±15%).
	Tolerance float64 `json:"tolerance"`
	// Rules are the parameters every verdict and interval of the report
	// was computed with.
	Rules Rules `json:"rules"`
	// Drifts are ranked highest risk first.
	Drifts []Drift `json:"drifts"`
	// EnvScore is EnvScore(Drifts).
	EnvScore float64 `json:"env_score"`
	// Endpoints and Overall compare the runs (absent without runs for
	// both environments). Overall covers every request.
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	Overall   *Endpoint  `json:"overall,omitempty"`
	// RunScore is 100 × the share of endpoints within tolerance (verdict
	// VerdictWithin; absent without runs).
	RunScore *float64 `json:"run_score,omitempty"`
	// Prediction is absent without staging runs.
	Prediction *Prediction `json:"prediction,omitempty"`
	// Score is the overall parity score, 0..100: the lowest of EnvScore,
	// RunScore and, when the prediction was measured, 100 × max(0, 1 −
	// |error| ÷ (2 × Tolerance)). Drivers names what lowered it most.
	Score   float64  `json:"score"`
	Drivers []string `json:"drivers"`
	// Verdict is one sentence: can staging's results be trusted to
	// predict production's?
	Verdict string `json:"verdict"`
}

// Rules are the parameters a report was computed with, so its text and
// JSON can state them: Options after defaults, plus the fixed penalties of
// the environment score.
type Rules struct {
	// Tolerance is X: ratios within 1 ± X, the prediction within ±X.
	Tolerance float64 `json:"tolerance"`
	// ErrorTolerance is the largest error-rate difference (0..1) still
	// counted as parity.
	ErrorTolerance float64 `json:"error_tolerance"`
	// SLO is the objective that makes a span sustainable.
	SLO string `json:"slo"`
	// BootstrapRounds, Confidence and Seed are the bootstrap's settings;
	// the resampling unit is one results-file interval.
	BootstrapRounds int     `json:"bootstrap_rounds"`
	Confidence      float64 `json:"confidence"`
	Seed            uint64  `json:"seed"`
	// Service is the service the runs measured ("" without one in both
	// descriptors).
	Service string `json:"service,omitempty"`
	// PenaltyHigh, PenaltyMedium and PenaltyLow are subtracted from 100
	// per drift for the environment score.
	PenaltyHigh   float64 `json:"penalty_high"`
	PenaltyMedium float64 `json:"penalty_medium"`
	PenaltyLow    float64 `json:"penalty_low"`
}

// Build makes the parity report. stagingRuns and productionRuns may be
// empty; the comparison needs both, the prediction needs staging's.
func Build(staging, production *Descriptor, stagingRuns, productionRuns []*results.Run, o Options) (r *Report, err error) {
	if staging == nil || production == nil {
		return nil, errors.New("parity: both descriptors are needed")
	}
	o = o.withDefaults()
	r = &Report{Staging: nameOr(staging.Name, "staging"), Production: nameOr(production.Name, "production"), Tolerance: o.Tolerance}
	r.Drifts = Diff(staging, production)
	r.EnvScore = EnvScore(r.Drifts)

	r.Rules = Rules{Tolerance: o.Tolerance, ErrorTolerance: o.ErrorTolerance, SLO: o.SLO.String(),
		BootstrapRounds: o.Bootstrap, Confidence: o.Confidence, Seed: o.Seed,
		PenaltyHigh: PenaltyHigh, PenaltyMedium: PenaltyMedium, PenaltyLow: PenaltyLow}

	var st, pr *Service
	if o.Service != "" {
		st, pr = staging.Service(o.Service), production.Service(o.Service)
		if st == nil || pr == nil {
			return nil, fmt.Errorf("parity: service %q is not in both descriptors", o.Service)
		}
	} else {
		for i := range staging.Services {
			if p := production.Service(staging.Services[i].Name); p != nil {
				st, pr = &staging.Services[i], p
				break
			}
		}
	}
	stRep, prRep := 1, 1
	if st != nil {
		stRep, prRep = st.Replicas, pr.Replicas
		r.Rules.Service = st.Name
	}

	if len(stagingRuns) > 0 && len(productionRuns) > 0 {
		rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
		for _, name := range endpoints(stagingRuns, productionRuns) {
			r.Endpoints = append(r.Endpoints, compareEndpoint(name, Select{Endpoint: name}, stagingRuns, productionRuns, stRep, prRep, o, rng))
		}
		ov := compareEndpoint("(overall)", Select{}, stagingRuns, productionRuns, stRep, prRep, o, rng)
		r.Overall = &ov
		within := 0
		for _, e := range r.Endpoints {
			if e.Within {
				within++
			}
		}
		rs := 100.0
		if len(r.Endpoints) > 0 {
			rs = 100 * float64(within) / float64(len(r.Endpoints))
		} else if !ov.Within {
			rs = 0
		}
		r.RunScore = &rs
	}
	if len(stagingRuns) > 0 {
		if st == nil {
			return nil, errors.New("parity: no service is in both descriptors, so capacity cannot be extrapolated")
		}
		if r.Prediction, err = predict(st, pr, stagingRuns, productionRuns, o); err != nil {
			return nil, err
		}
	}
	r.score(o)
	return r, nil
}

func nameOr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// units returns the capacity units of s along dims and the per-dimension
// values (0 read as 1).
func dimValue(s *Service, dim string) float64 {
	var v float64
	switch dim {
	case "replicas":
		v = float64(s.Replicas)
	case "workers":
		v = float64(s.Workers)
	case "cpu":
		v = float64(s.CPU)
	}
	if v <= 0 {
		return 1
	}
	return v
}

// sustainable is the highest SustainableRPS of runs.
func sustainable(runs []*results.Run, slo SLO) float64 {
	best := 0.0
	for _, run := range runs {
		if v, ok := SustainableRPS(run, slo); ok && v > best {
			best = v
		}
	}
	return best
}

func predict(st, pr *Service, stRuns, prRuns []*results.Run, o Options) (*Prediction, error) {
	p := &Prediction{Service: st.Name, SLO: o.SLO.String()}
	var err error
	if p.Staging, err = measureSide(stRuns, o.SLO, st.Replicas); err != nil {
		return nil, err
	}
	dims := scaleDims(st, pr)
	stUnits, prUnits := 1.0, 1.0
	for _, d := range dims {
		a, b := dimValue(st, d), dimValue(pr, d)
		p.Dims = append(p.Dims, ScaleDim{Name: d, Staging: a, Production: b})
		stUnits *= a
		prUnits *= b
	}
	p.Model = fmt.Sprintf("linear scaling: predicted = staging sustainable × (%s in production) ÷ (%s in staging)", dimsProduct(dims), dimsProduct(dims))
	p.ScaleFactor = prUnits / stUnits
	p.StagingSustainableRPS = p.Staging.SustainableRPS
	p.StagingPerInstanceRPS = p.StagingSustainableRPS / float64(max(st.Replicas, 1))
	p.StagingPerUnitRPS = p.StagingSustainableRPS / stUnits
	p.PredictedRPS = p.StagingSustainableRPS * p.ScaleFactor
	if len(prRuns) > 0 {
		p.Measured = true
		if p.Production, err = measureSide(prRuns, o.SLO, pr.Replicas); err != nil {
			return nil, err
		}
		p.MeasuredRPS = p.Production.SustainableRPS
		if p.MeasuredRPS > 0 {
			p.ErrorFraction = (p.PredictedRPS - p.MeasuredRPS) / p.MeasuredRPS
			p.Within = math.Abs(p.ErrorFraction) <= o.Tolerance
		}
	}
	return p, nil
}

func dimsProduct(dims []string) string {
	s := ""
	for i, d := range dims {
		if i > 0 {
			s += " × "
		}
		s += d
	}
	return s
}

// score fills Score, Drivers and Verdict.
func (r *Report) score(o Options) {
	type driver struct {
		loss float64
		text string
	}
	var ds []driver
	for _, d := range r.Drifts {
		loss := map[Risk]float64{High: PenaltyHigh, Medium: PenaltyMedium, Low: PenaltyLow}[d.Risk]
		ds = append(ds, driver{loss, fmt.Sprintf("%s risk: %s %s differs (%s vs %s): %s", d.Risk, d.Subject, d.Field, d.Staging, d.Production, d.Reason)})
	}
	r.Score = r.EnvScore
	if r.RunScore != nil {
		r.Score = math.Min(r.Score, *r.RunScore)
		per := 100.0 / float64(max(len(r.Endpoints), 1))
		for _, e := range r.Endpoints {
			switch e.Verdict {
			case VerdictOutside:
				ds = append(ds, driver{per, fmt.Sprintf("endpoint %s: %s", e.Name, joinWhy(e.Why))})
			case VerdictInconclusive:
				ds = append(ds, driver{per, fmt.Sprintf("endpoint %s is inconclusive: %s", e.Name, joinWhy(e.Why))})
			}
		}
	}
	predOK := true
	if p := r.Prediction; p != nil && p.Measured {
		ps := 100 * math.Max(0, 1-math.Abs(p.ErrorFraction)/(2*o.Tolerance))
		if p.MeasuredRPS == 0 {
			ps = 0
		}
		r.Score = math.Min(r.Score, ps)
		predOK = p.Within
		if !p.Within {
			ds = append(ds, driver{100 - ps, fmt.Sprintf("capacity prediction off by %+.1f%% (predicted %.0f/s, measured %.0f/s)", 100*p.ErrorFraction, p.PredictedRPS, p.MeasuredRPS)})
		}
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].loss > ds[j].loss })
	r.Drivers = []string{}
	for i, d := range ds {
		if i == 5 {
			break
		}
		r.Drivers = append(r.Drivers, d.text)
	}
	endOK := r.RunScore == nil || *r.RunScore == 100
	switch p := r.Prediction; {
	case p != nil && p.Measured && predOK && endOK:
		r.Verdict = fmt.Sprintf("staging predicts production within ±%s%%: capacity off by %+.1f%% and every endpoint's latency within tolerance", fmtNum(100*r.Tolerance), 100*p.ErrorFraction)
	case p != nil && p.Measured && predOK:
		r.Verdict = fmt.Sprintf("staging predicts production's capacity within ±%s%% (off by %+.1f%%) once scaled by %s, but not every endpoint's latency", fmtNum(100*r.Tolerance), 100*p.ErrorFraction, dimsProduct(dimNames(p.Dims)))
		if n := r.inconclusive(); n > 0 {
			r.Verdict += fmt.Sprintf(" (%d endpoint(s) inconclusive: confidence interval wider than the tolerance)", n)
		}
	case p != nil && p.Measured:
		r.Verdict = fmt.Sprintf("staging does not predict production within ±%s%%: capacity off by %+.1f%%", fmtNum(100*r.Tolerance), 100*p.ErrorFraction)
	case p != nil:
		r.Verdict = fmt.Sprintf("no production run to check against; staging predicts %.0f/s for production (%s)", p.PredictedRPS, p.Model)
	default:
		r.Verdict = fmt.Sprintf("no runs: the environments differ in %d ways (score %.0f/100)", len(r.Drifts), r.EnvScore)
	}
}

// inconclusive counts the endpoints whose verdict is inconclusive.
func (r *Report) inconclusive() int {
	n := 0
	for _, e := range r.Endpoints {
		if e.Verdict == VerdictInconclusive {
			n++
		}
	}
	return n
}

func dimNames(ds []ScaleDim) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func joinWhy(w []string) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += "; "
		}
		s += x
	}
	return s
}
