package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// within reports whether got is within rel (relative) of want.
func within(got, want, rel float64) bool {
	return math.Abs(got-want) <= math.Abs(want)*rel+1e-12
}

// precision is the histogram's relative precision for the case tests.
const precision = 1e-3

func trendOf(values ...float64) *Sink {
	s := NewSink(Trend)
	for _, v := range values {
		s.Add(v)
	}
	return s
}

func seq(from, to int) []float64 {
	var out []float64
	for i := from; i <= to; i++ {
		out = append(out, float64(i))
	}
	return out
}

func TestCase_C12_PercentileDefinition(t *testing.T) {
	a := trendOf(seq(1, 100)...)
	b := trendOf(100, 200)
	c := trendOf(7)
	tests := []struct {
		name string
		sink *Sink
		p    float64
		want float64
	}{
		{"A med", a, 50, 50.5},
		{"A p90", a, 90, 90.1},
		{"A p95", a, 95, 95.05},
		{"A p98", a, 98, 98.02},
		{"A p99", a, 99, 99.01},
		{"A p99.9", a, 99.9, 99.901},
		{"A p0 is min", a, 0, 1},
		{"A p100 is max", a, 100, 100},
		{"B med", b, 50, 150},
		{"B p90", b, 90, 190},
		{"B p99", b, 99, 199},
		{"C med", c, 50, 7},
		{"C p0", c, 0, 7},
		{"C p95", c, 95, 7},
		{"C p100", c, 100, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sink.Percentile(tt.p); !within(got, tt.want, precision) {
				t.Fatalf("p(%v) = %v, want %v ±%.1f%%", tt.p, got, tt.want, precision*100)
			}
		})
	}
	for _, s := range []*Sink{a, b, c} {
		if s.Med() != s.Percentile(50) {
			t.Fatal("med != p(50)")
		}
	}
	// min, max and avg are exact.
	if a.Min != 1 || a.Max != 100 || a.Avg() != 50.5 || c.Min != 7 || c.Max != 7 || c.Avg() != 7 {
		t.Fatalf("exact stats: A %v..%v avg %v, C %v..%v avg %v", a.Min, a.Max, a.Avg(), c.Min, c.Max, c.Avg())
	}
}

func TestCase_C14_Outliers(t *testing.T) {
	s := NewSink(Trend)
	for range 14_985 {
		s.Add(2)
	}
	for range 15 {
		s.Add(3000)
	}
	if s.Count != 15_000 || !within(s.Avg(), 4.998, 1e-12) {
		t.Fatalf("count %d avg %v, want 15000 and 4.998", s.Count, s.Avg())
	}
	tests := []struct {
		name string
		p    float64
		want float64
		rel  float64
	}{
		{"med", 50, 2, 0},
		{"p95", 95, 2, 0},
		{"p99", 99, 2, 0},
		{"p99.9 interpolates", 99.9, 4.998, precision},
		{"p99.95 is max", 99.95, 3000, 0},
		{"p100 is max", 100, 3000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Percentile(tt.p); !within(got, tt.want, tt.rel) {
				t.Fatalf("p(%v) = %v, want %v", tt.p, got, tt.want)
			}
			// (1−q)·P(q) ≤ mean for non-negative data.
			if q := tt.p / 100; (1-q)*s.Percentile(tt.p) > s.Avg() {
				t.Fatalf("invariant broken at p(%v)", tt.p)
			}
		})
	}
	if s.Max != 3000 {
		t.Fatalf("max = %v", s.Max)
	}
}

// worker records one worker's samples of C27 through its own aggregator and
// returns the flushed interval.
func c27Worker(t *testing.T, outlier float64) *Snapshot {
	t.Helper()
	r := NewRegistry()
	m, err := r.New("http_req_duration", Trend, Time)
	if err != nil {
		t.Fatal(err)
	}
	agg := NewAggregator(r)
	rc := agg.NewRecorder()
	tags := r.Tags(Tag{"name", "api"})
	for range 980 {
		rc.Add(m, tags, 10)
	}
	for range 20 {
		rc.Add(m, tags, outlier)
	}
	return agg.Flush()
}

func TestCase_C27_MergeAcrossWorkers(t *testing.T) {
	a, b := c27Worker(t, 1000), c27Worker(t, 500)
	metric := &Metric{Name: "http_req_duration", Type: Trend, Contains: Time}

	// Per worker: p99 is the outlier.
	if got := a.Merge(metric, nil).Percentile(99); !within(got, 1000, precision) {
		t.Fatalf("worker A p99 = %v", got)
	}
	if got := b.Merge(metric, nil).Percentile(99); !within(got, 500, precision) {
		t.Fatalf("worker B p99 = %v", got)
	}

	merged := a.Clone()
	merged.MergeFrom(b)
	if len(merged.Series) != 1 {
		t.Fatalf("merged into %d series, want 1 (same metric name and tags)", len(merged.Series))
	}
	viaSnapshot := merged.Merge(metric, []Tag{{"name", "api"}})
	viaSink := a.Series[0].Sink.Clone()
	viaSink.Merge(b.Series[0].Sink)

	for name, s := range map[string]*Sink{"Snapshot.MergeFrom": viaSnapshot, "Sink.Merge": viaSink} {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				stat string
				got  float64
				want float64
				rel  float64
			}{
				{"count", float64(s.Count), 2000, 0},
				{"hist count", float64(s.Hist.TotalCount()), 2000, 0},
				{"p95 (exact: lowest bucket is Min)", s.Percentile(95), 10, 0},
				{"p99 interpolated", s.Percentile(99), 505, precision},
				{"p100 is max", s.Percentile(100), 1000, 0},
				{"max", s.Max, 1000, 0},
				{"min", s.Min, 10, 0},
				{"avg", s.Avg(), (1960*10 + 20*1000 + 20*500) / 2000.0, 1e-12},
			}
			for _, tt := range tests {
				if !within(tt.got, tt.want, tt.rel) {
					t.Errorf("%s = %v, want %v", tt.stat, tt.got, tt.want)
				}
			}
			// Neither shortcut: mean (750) or max (1000) of worker p99s.
			if p := s.Percentile(99); p > 600 {
				t.Errorf("p99 = %v looks like a merge of percentiles", p)
			}
		})
	}
	// The sources are unchanged by the merge.
	if a.Series[0].Sink.Count != 1000 || b.Series[0].Sink.Count != 1000 {
		t.Fatal("MergeFrom changed its inputs")
	}
}

// TestPercentileMeanInvariant: for non-negative data, (1−q)·P(q) ≤ mean
// (Markov's inequality), on random data sets of several shapes.
func TestPercentileMeanInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := []struct {
		name string
		gen  func() float64
	}{
		{"uniform", func() float64 { return rng.Float64() * 1000 }},
		{"exponential", func() float64 { return rng.ExpFloat64() * 50 }},
		{"lognormal", func() float64 { return math.Exp(rng.NormFloat64()*2 + 3) }},
		{"mostly zero with spikes", func() float64 {
			if rng.IntN(1000) == 0 {
				return 1e6
			}
			return 0
		}},
		{"bimodal", func() float64 {
			if rng.IntN(50) == 0 {
				return 2000 + rng.Float64()
			}
			return 2 + rng.Float64()
		}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			for trial := range 20 {
				n := 1 + rng.IntN(3000)
				s := NewSink(Trend)
				for range n {
					s.Add(sh.gen())
				}
				mean := s.Avg()
				for _, p := range []float64{0, 10, 50, 90, 95, 99, 99.5, 99.9, 99.99, 100} {
					q := p / 100
					got := s.Percentile(p)
					if (1-q)*got > mean*(1+precision)+1e-9 {
						t.Fatalf("trial %d n=%d: (1-%v)·P=%v > mean %v", trial, n, q, (1-q)*got, mean)
					}
					if got < s.Min || got > s.Max {
						t.Fatalf("P(%v)=%v outside [%v,%v]", p, got, s.Min, s.Max)
					}
				}
			}
		})
	}
}

func TestSinkTypes(t *testing.T) {
	tests := []struct {
		name   string
		typ    Type
		values []float64
		check  func(*Sink) bool
	}{
		{"counter sums", Counter, []float64{1, 2, 3.5}, func(s *Sink) bool { return s.Sum == 6.5 && s.Count == 3 }},
		{"rate counts non-zero", Rate, []float64{1, 0, 5, 0}, func(s *Sink) bool { return s.Trues == 2 && s.Count == 4 && s.Rate() == 0.5 }},
		{"gauge keeps last", Gauge, []float64{3, 9, -1, 4}, func(s *Sink) bool { return s.Value == 4 && s.Min == -1 && s.Max == 9 && s.Count == 4 }},
		{"trend exact stats", Trend, []float64{4, -2, 10}, func(s *Sink) bool {
			return s.Min == -2 && s.Max == 10 && s.Sum == 12 && s.Avg() == 4 && within(s.Percentile(50), 4, precision) && s.Percentile(0) == -2 && s.Percentile(100) == 10
		}},
		{"empty rate", Rate, nil, func(s *Sink) bool { return s.Rate() == 0 && s.Avg() == 0 }},
		{"empty trend", Trend, nil, func(s *Sink) bool { return s.Percentile(95) == 0 }},
		{"NaN ignored", Counter, []float64{math.NaN(), 2}, func(s *Sink) bool { return s.Sum == 2 && s.Count == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSink(tt.typ)
			for _, v := range tt.values {
				s.Add(v)
			}
			if !tt.check(s) {
				t.Fatalf("unexpected sink %+v", *s)
			}
			c := s.Clone()
			c.Merge(s)
			if c.Count != 2*s.Count {
				t.Fatalf("self merge count %d, want %d", c.Count, 2*s.Count)
			}
		})
	}
}

func TestGaugeMergeKeepsLatest(t *testing.T) {
	early := &Sink{Type: Gauge, Count: 1, Value: 7, Min: 7, Max: 7, Stamp: 200}
	late := &Sink{Type: Gauge, Count: 2, Value: 5, Min: 1, Max: 5, Stamp: 300}
	for name, order := range map[string][2]*Sink{"early first": {early, late}, "late first": {late, early}} {
		t.Run(name, func(t *testing.T) {
			s := NewSink(Gauge)
			s.Merge(order[0])
			s.Merge(order[1])
			if s.Value != 5 || s.Min != 1 || s.Max != 7 || s.Count != 3 || s.Stamp != 300 {
				t.Fatalf("merged gauge %+v", *s)
			}
		})
	}
}
