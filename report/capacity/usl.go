package capacity

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat/distuv"
)

// Point is one measurement for a USL fit: throughput X (per second) at
// concurrency N (units of work in flight, e.g. requests or VUs).
type Point struct {
	Concurrency float64 `json:"concurrency"`
	Throughput  float64 `json:"throughput_rps"`
}

// Interval is a two-sided confidence interval [Low, High].
type Interval struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Contains reports whether v lies in [Low, High].
func (i Interval) Contains(v float64) bool { return v >= i.Low && v <= i.High }

// USL is a fitted Universal Scalability Law (Gunther, "Guerrilla Capacity
// Planning", 2007, ch. 4):
//
//	X(N) = λN / (1 + σ(N−1) + κN(N−1))
//
// Sigma (σ) is contention (the serial fraction), Kappa (κ) coherency
// (crosstalk), Lambda (λ) the throughput of one unit of concurrency.
// Standard errors come from the linearised model at the optimum:
// Cov = s²(JᵀJ)⁻¹ with s² = SSR/(n−3) and J the Jacobian of X(N) with
// respect to (λ, σ, κ); the 95% intervals are estimate ± t(0.975, n−3)·SE
// (Student's t). RSquared is 1 − SSR/SST of the throughputs.
type USL struct {
	Lambda   float64  `json:"lambda"`
	Sigma    float64  `json:"sigma"`
	Kappa    float64  `json:"kappa"`
	LambdaSE float64  `json:"lambda_se"`
	SigmaSE  float64  `json:"sigma_se"`
	KappaSE  float64  `json:"kappa_se"`
	LambdaCI Interval `json:"lambda_ci95"`
	SigmaCI  Interval `json:"sigma_ci95"`
	KappaCI  Interval `json:"kappa_ci95"`

	RSquared float64 `json:"r_squared"`
	// Points is the number of measurements fitted; DoF = Points − 3.
	Points int `json:"points"`
	// PeakConcurrency is N* = sqrt((1−σ)/κ), where X(N) is highest; +Inf
	// (encoded as null in JSON through PeakFinite) when κ ≤ 0 or σ ≥ 1.
	PeakConcurrency float64 `json:"-"`
	// MaxThroughput is X(N*) (per second); when N* is infinite, the
	// asymptote λ/σ (σ > 0), else +Inf.
	MaxThroughput float64 `json:"-"`
}

// At returns X(n) of the fitted law.
func (u USL) At(n float64) float64 { return uslX(u.Lambda, u.Sigma, u.Kappa, n) }

func uslX(lambda, sigma, kappa, n float64) float64 {
	return lambda * n / (1 + sigma*(n-1) + kappa*n*(n-1))
}

// uslJac writes ∂X/∂(λ, σ, κ) at n into g.
func uslJac(g []float64, lambda, sigma, kappa, n float64) {
	d := 1 + sigma*(n-1) + kappa*n*(n-1)
	g[0] = n / d
	g[1] = -lambda * n * (n - 1) / (d * d)
	g[2] = -lambda * n * n * (n - 1) / (d * d)
}

// ErrTooFewPoints is returned by FitUSL with fewer than 4 distinct
// concurrency levels: three parameters need at least one degree of freedom
// left for an error estimate.
var ErrTooFewPoints = errors.New("capacity: the USL fit needs at least 4 points at distinct concurrency levels")

// FitUSL fits the USL to pts by nonlinear least squares (unweighted, on
// throughput). It starts from Gunther's linearisation (λ from the point of
// lowest concurrency, then σ and κ by linear regression of λN/X − 1 on N−1
// and N(N−1)), then minimises the sum of squared residuals with gonum's
// Newton method on the Gauss-Newton Hessian 2JᵀJ, in parameters scaled to
// order one. Points with N ≤ 0 or X ≤ 0 are rejected.
func FitUSL(pts []Point) (USL, error) {
	distinct := map[float64]bool{}
	for _, p := range pts {
		if !(p.Concurrency > 0) || !(p.Throughput > 0) || math.IsInf(p.Concurrency, 0) || math.IsInf(p.Throughput, 0) {
			return USL{}, fmt.Errorf("capacity: USL point (N=%g, X=%g): concurrency and throughput must be finite and > 0", p.Concurrency, p.Throughput)
		}
		distinct[p.Concurrency] = true
	}
	if len(distinct) < 4 {
		return USL{}, ErrTooFewPoints
	}
	n := len(pts)
	nMax, yMax := 0.0, 0.0
	for _, p := range pts {
		nMax = math.Max(nMax, p.Concurrency)
		yMax = math.Max(yMax, p.Throughput)
	}
	l0, s0, k0 := uslStart(pts)
	// Scaled parameters θ = (λ/λ0, σ·nMax, κ·nMax²) are of order one.
	sc := [3]float64{l0, 1 / nMax, 1 / (nMax * nMax)}
	unscale := func(th []float64) (float64, float64, float64) {
		return th[0] * sc[0], th[1] * sc[1], th[2] * sc[2]
	}
	norm := 1 / (yMax * yMax)
	g := make([]float64, 3)
	prob := optimize.Problem{
		Func: func(th []float64) float64 {
			l, s, k := unscale(th)
			var ssr float64
			for _, p := range pts {
				r := p.Throughput - uslX(l, s, k, p.Concurrency)
				ssr += r * r
			}
			return ssr * norm
		},
		Grad: func(grad, th []float64) {
			l, s, k := unscale(th)
			grad[0], grad[1], grad[2] = 0, 0, 0
			for _, p := range pts {
				r := p.Throughput - uslX(l, s, k, p.Concurrency)
				uslJac(g, l, s, k, p.Concurrency)
				for j := range 3 {
					grad[j] += -2 * r * g[j] * sc[j] * norm
				}
			}
		},
		Hess: func(h *mat.SymDense, th []float64) {
			l, s, k := unscale(th)
			var a [3][3]float64
			for _, p := range pts {
				uslJac(g, l, s, k, p.Concurrency)
				for i := range 3 {
					for j := i; j < 3; j++ {
						a[i][j] += 2 * g[i] * sc[i] * g[j] * sc[j] * norm
					}
				}
			}
			for i := range 3 {
				for j := i; j < 3; j++ {
					h.SetSym(i, j, a[i][j])
				}
			}
		},
	}
	init := []float64{l0 / sc[0], s0 / sc[1], k0 / sc[2]}
	settings := &optimize.Settings{
		GradientThreshold: 1e-15,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-18, Relative: 1e-12, Iterations: 50},
		MajorIterations:   500,
	}
	res, err := optimize.Minimize(prob, init, settings, &optimize.Newton{})
	if err != nil && res == nil {
		return USL{}, fmt.Errorf("capacity: USL fit: %w", err)
	}
	l, s, k := unscale(res.X)
	if math.IsNaN(l) || math.IsNaN(s) || math.IsNaN(k) {
		return USL{}, errors.New("capacity: USL fit did not converge")
	}
	u := USL{Lambda: l, Sigma: s, Kappa: k, Points: n}

	// Statistics at the optimum, in the original parameters.
	var ssr, mean, sst float64
	for _, p := range pts {
		mean += p.Throughput
	}
	mean /= float64(n)
	jac := mat.NewDense(n, 3, nil)
	for i, p := range pts {
		r := p.Throughput - u.At(p.Concurrency)
		ssr += r * r
		d := p.Throughput - mean
		sst += d * d
		uslJac(g, l, s, k, p.Concurrency)
		jac.SetRow(i, g)
	}
	if sst > 0 {
		u.RSquared = 1 - ssr/sst
	} else {
		u.RSquared = 1
	}
	dof := n - 3
	var jtj mat.SymDense
	jtj.SymOuterK(1, jac.T())
	var cov mat.Dense
	se := [3]float64{math.NaN(), math.NaN(), math.NaN()}
	if dof > 0 && cov.Inverse(&jtj) == nil {
		s2 := ssr / float64(dof)
		for j := range 3 {
			if v := s2 * cov.At(j, j); v >= 0 {
				se[j] = math.Sqrt(v)
			}
		}
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(max(dof, 1))}.Quantile(0.975)
	ci := func(v, e float64) Interval { return Interval{Low: v - t*e, High: v + t*e} }
	u.LambdaSE, u.SigmaSE, u.KappaSE = se[0], se[1], se[2]
	u.LambdaCI, u.SigmaCI, u.KappaCI = ci(l, se[0]), ci(s, se[1]), ci(k, se[2])
	u.PeakConcurrency, u.MaxThroughput = uslPeak(l, s, k)
	return u, nil
}

// uslPeak returns N* = sqrt((1−σ)/κ) and X(N*), or (+Inf, λ/σ) without a
// retrograde region (κ ≤ 0 or σ ≥ 1), or (+Inf, +Inf) with neither
// contention nor coherency.
func uslPeak(l, s, k float64) (float64, float64) {
	if k > 0 && s < 1 {
		n := math.Sqrt((1 - s) / k)
		return n, uslX(l, s, k, n)
	}
	if s > 0 {
		return math.Inf(1), l / s
	}
	return math.Inf(1), math.Inf(1)
}

// uslStart is Gunther's linearisation: λ0 = X/N at the lowest N, then
// λ0·N/X − 1 = σ(N−1) + κN(N−1) solved for (σ, κ) by least squares without
// intercept (points with N = 1 carry no information and drop out).
func uslStart(pts []Point) (l0, s0, k0 float64) {
	lo := pts[0]
	for _, p := range pts {
		if p.Concurrency < lo.Concurrency {
			lo = p
		}
	}
	l0 = lo.Throughput / lo.Concurrency
	var a11, a12, a22, b1, b2 float64
	for _, p := range pts {
		y := l0*p.Concurrency/p.Throughput - 1
		x1 := p.Concurrency - 1
		x2 := p.Concurrency * (p.Concurrency - 1)
		a11 += x1 * x1
		a12 += x1 * x2
		a22 += x2 * x2
		b1 += x1 * y
		b2 += x2 * y
	}
	if det := a11*a22 - a12*a12; det != 0 {
		s0 = (a22*b1 - a12*b2) / det
		k0 = (a11*b2 - a12*b1) / det
	}
	if math.IsNaN(s0) || math.IsNaN(k0) {
		s0, k0 = 0, 0
	}
	return l0, s0, k0
}

// MarshalJSON encodes u with peak_concurrency and max_throughput_rps, null
// when infinite (no retrograde region).
func (u USL) MarshalJSON() ([]byte, error) {
	type plain USL
	return json.Marshal(struct {
		plain
		Peak *float64 `json:"peak_concurrency"`
		Max  *float64 `json:"max_throughput_rps"`
	}{plain(u), finite(u.PeakConcurrency), finite(u.MaxThroughput)})
}

// finite returns &v, or nil for an infinite or NaN v.
func finite(v float64) *float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return nil
	}
	return &v
}
