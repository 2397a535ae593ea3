package capacity

import (
	"math"
	"math/rand/v2"
	"testing"
)

// uslData returns X(N) of known parameters at m concurrency levels spread
// over 1..3N* (or 1..64 without a peak), plus Gaussian noise of sd noise·X(N*).
func uslData(rng *rand.Rand, l, s, k float64, m int, noise float64) []Point {
	top := 64.0
	if k > 0 {
		top = math.Max(8, 3*math.Sqrt((1-s)/k))
	}
	_, peak := uslPeak(l, s, k)
	pts := make([]Point, m)
	for i := range pts {
		n := 1 + (top-1)*float64(i)/float64(m-1)
		x := uslX(l, s, k, n)
		if noise > 0 {
			x += rng.NormFloat64() * noise * peak
		}
		pts[i] = Point{Concurrency: n, Throughput: x}
	}
	return pts
}

func randomParams(rng *rand.Rand) (l, s, k float64) {
	l = 50 + rng.Float64()*950             // 50..1000 /s per unit
	s = 0.01 + rng.Float64()*0.29          // 0.01..0.3
	k = math.Pow(10, -4+rng.Float64()*2.5) // 1e-4..3e-2
	return
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// TestFitUSL_RecoversNoiseFree is acceptance point 2, first half: from
// noise-free data generated with random known (λ, σ, κ), the fit recovers σ
// and κ within 2% (and λ too), in every one of 200 trials.
func TestFitUSL_RecoversNoiseFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		l, s, k := randomParams(rng)
		u, err := FitUSL(uslData(rng, l, s, k, 12, 0))
		if err != nil {
			t.Fatalf("trial %d (λ=%g σ=%g κ=%g): %v", trial, l, s, k, err)
		}
		if relErr(u.Sigma, s) > 0.02 || relErr(u.Kappa, k) > 0.02 || relErr(u.Lambda, l) > 0.02 {
			t.Errorf("trial %d: fitted λ=%g σ=%g κ=%g, want λ=%g σ=%g κ=%g within 2%%", trial, u.Lambda, u.Sigma, u.Kappa, l, s, k)
		}
		if u.RSquared < 0.999999 {
			t.Errorf("trial %d: R² = %g on noise-free data, want ≈ 1", trial, u.RSquared)
		}
	}
}

// TestFitUSL_NoisyCoverage is acceptance point 2, second half. Rule: over
// 100 trials with random parameters and Gaussian noise (sd 2% of the peak
// throughput, 20 points), the true σ lies within the reported 95% interval
// in at least 90 trials, and likewise κ. (The intervals are linearised
// Wald intervals, so their coverage is close to, not exactly, 95%.)
func TestFitUSL_NoisyCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials = 100
	var inSigma, inKappa, inLambda int
	for trial := range trials {
		l, s, k := randomParams(rng)
		u, err := FitUSL(uslData(rng, l, s, k, 20, 0.02))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if u.SigmaCI.Contains(s) {
			inSigma++
		}
		if u.KappaCI.Contains(k) {
			inKappa++
		}
		if u.LambdaCI.Contains(l) {
			inLambda++
		}
	}
	t.Logf("coverage of the 95%% intervals over %d trials: σ %d, κ %d, λ %d", trials, inSigma, inKappa, inLambda)
	if inSigma < 90 || inKappa < 90 || inLambda < 90 {
		t.Errorf("coverage σ %d, κ %d, λ %d of %d; want each ≥ 90", inSigma, inKappa, inLambda, trials)
	}
}

func TestFitUSL_Errors(t *testing.T) {
	tests := []struct {
		name string
		pts  []Point
	}{
		{"three points", []Point{{1, 10}, {2, 19}, {3, 27}}},
		{"four points, three distinct levels", []Point{{1, 10}, {2, 19}, {3, 27}, {3, 26}}},
		{"zero throughput", []Point{{1, 10}, {2, 0}, {3, 27}, {4, 30}}},
		{"negative concurrency", []Point{{-1, 10}, {2, 19}, {3, 27}, {4, 30}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FitUSL(tc.pts); err == nil {
				t.Fatal("FitUSL succeeded, want an error")
			}
		})
	}
}

func TestUSLPeak(t *testing.T) {
	tests := []struct {
		name         string
		l, s, k      float64
		wantN, wantX float64
	}{
		// N* = sqrt(0.96/0.0006) = 40; X(40) = 400/(1+1.56+0.936) = 114.41...
		{"retrograde", 10, 0.04, 0.0006, 40, 400 / (1 + 0.04*39 + 0.0006*40*39)},
		{"contention only: asymptote λ/σ", 10, 0.1, 0, math.Inf(1), 100},
		{"linear", 10, 0, 0, math.Inf(1), math.Inf(1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, x := uslPeak(tc.l, tc.s, tc.k)
			if !(n == tc.wantN || math.Abs(n-tc.wantN) < 1e-9) || !(x == tc.wantX || math.Abs(x-tc.wantX) < 1e-9) {
				t.Errorf("uslPeak = (%g, %g), want (%g, %g)", n, x, tc.wantN, tc.wantX)
			}
		})
	}
}
