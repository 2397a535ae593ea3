package results

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// BenchmarkWriteHour writes the synthetic 1-hour file of the size
// acceptance (10,000 requests/s over 20 endpoints, 1 s intervals) and
// reports its gzipped size and how long reading it back takes. Run it with
// `go test -run - -bench WriteHour -benchtime 1x ./engine/results` (make
// bench-results); LOAD_SYNTH_HOURS shortens it (e.g. 0.1) and
// LOAD_SYNTH_INTERVAL sets the interval (default 1s).
func BenchmarkWriteHour(b *testing.B) {
	hours := 1.0
	if v := os.Getenv("LOAD_SYNTH_HOURS"); v != "" {
		d, err := time.ParseDuration(v + "h")
		if err != nil {
			b.Fatalf("LOAD_SYNTH_HOURS=%q: %v", v, err)
		}
		hours = d.Hours()
	}
	every := time.Second
	if v := os.Getenv("LOAD_SYNTH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("LOAD_SYNTH_INTERVAL=%q: %v", v, err)
		}
		every = d
	}
	path := filepath.Join(b.TempDir(), "hour.jsonl.gz")
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := synthesize(path, hours, 10_000, 20, 1, every); err != nil {
			b.Fatal(err)
		}
		write := time.Since(start)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		run, err := Read(path)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Since(start)
		b.ReportMetric(float64(st.Size())/1e6, "MB-gz")
		b.ReportMetric(float64(st.Size())/1e6/hours, "MB-gz/hour")
		b.ReportMetric(write.Seconds(), "s-write")
		b.ReportMetric(read.Seconds(), "s-read")
		b.ReportMetric(float64(len(run.Intervals)), "intervals")
	}
}

// BenchmarkEntropyBoundHour reports the information content of the trend
// histograms of Synthesize's hour (10,000 requests/s over 20 endpoints),
// in MB per hour at 1 s intervals: a lower bound on the size of any
// lossless encoding of them at metrics' 3-digit HDR buckets, before the
// exact min, max and sum that each trend line also carries. Run with `make
// bench-results`.
//
// Method: an interval's histogram of n draws from a distribution with bucket
// probabilities p_i has, with Poisson counts (the "Poissonization" of the
// multinomial, which adds only the ~7 bits of the total count), the entropy
// Σ_i H(Poisson(n·p_i)) bits, H(Poisson(λ)) = −Σ_k P(k) log2 P(k) (summed
// exactly for λ ≤ 200, else ½·log2(2πeλ) − 1/(12λ·ln2)). The p_i are
// estimated from a million draws of Synthesize's distributions per series.
func BenchmarkEntropyBoundHour(b *testing.B) {
	const endpoints, rps, draws = 20, 10_000, 1_000_000
	for b.Loop() {
		rng := rand.New(rand.NewSource(1))
		medians := make([]float64, endpoints) // as synthesize draws them
		for i := range medians {
			medians[i] = 20 * math.Exp(rng.Float64()*1.4-0.7)
		}
		logn := func(median, sigma float64) float64 { return median * math.Exp(sigma*rng.NormFloat64()) }
		bitsOf := func(n float64, draw func() float64) float64 {
			counts := map[int64]int{}
			for range draws {
				counts[CountsIndex(int64(math.Round(draw()*metrics.Scale)))]++
			}
			h := 0.0
			for _, c := range counts {
				h += poissonEntropy(n * float64(c) / draws)
			}
			return h
		}
		perEndpoint := float64(rps / endpoints)
		bits := map[string]float64{}
		for _, m := range medians {
			bits["waiting"] += bitsOf(perEndpoint, func() float64 { return logn(m, 0.4) })
			bits["duration"] += bitsOf(perEndpoint, func() float64 { return logn(0.03, 0.3) + logn(m, 0.4) + logn(0.08, 0.5) })
			bits["sending"] += bitsOf(perEndpoint, func() float64 { return logn(0.03, 0.3) })
			bits["receiving"] += bitsOf(perEndpoint, func() float64 { return logn(0.08, 0.5) })
			bits["blocked"] += bitsOf(perEndpoint, func() float64 { return logn(0.002, 0.5) })
		}
		bits["iteration"] = bitsOf(rps, func() float64 {
			return logn(0.03, 0.3) + logn(medians[rng.Intn(endpoints)], 0.4) + logn(0.08, 0.5) + 0.05
		})
		total := 0.0
		for name, v := range bits {
			total += v
			b.ReportMetric(v/8*3600/1e6, "MB-"+name+"/hour")
		}
		b.ReportMetric(total/8*3600/1e6, "MB-bound/hour")
		b.ReportMetric((bits["waiting"]+bits["duration"])/(2*rps), "bits/sample")
	}
}

// poissonEntropy is the entropy of Poisson(l) in bits.
func poissonEntropy(l float64) float64 {
	if l <= 0 {
		return 0
	}
	if l > 200 {
		return 0.5*math.Log2(2*math.Pi*math.E*l) - 1/(12*l*math.Ln2)
	}
	h, lp := 0.0, -l // lp: ln P(k)
	for k := 0; k < int(l+20*math.Sqrt(l)+40); k++ {
		if k > 0 {
			lp += math.Log(l) - math.Log(float64(k))
		}
		h -= math.Exp(lp) * lp / math.Ln2
	}
	return h
}

func TestPoissonEntropy(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    float64
		want float64 // bits
	}{
		{"no draws", 0, 0},
		// P(0) = e^-1, P(1) = e^-1, P(2) = e^-1/2, ...: 1.8825 bits (tables).
		{"λ 1", 1, 1.8825},
		// The normal approximation ½·log2(2πeλ): 6.2 bits at λ 100.
		{"λ 100", 100, 0.5 * math.Log2(2*math.Pi*math.E*100)},
		{"λ 1000 (asymptotic branch)", 1000, 0.5 * math.Log2(2*math.Pi*math.E*1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := poissonEntropy(tc.l); math.Abs(got-tc.want) > 0.01 {
				t.Errorf("poissonEntropy(%g) = %.4f bits, want %.4f", tc.l, got, tc.want)
			}
		})
	}
}
