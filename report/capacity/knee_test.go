package capacity

import (
	"testing"
)

func seq(from, to float64) []float64 {
	var xs []float64
	for x := from; x <= to; x++ {
		xs = append(xs, x)
	}
	return xs
}

func mapf(xs []float64, f func(float64) float64) []float64 {
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = f(x)
	}
	return ys
}

// TestKneedle runs the algorithm on textbook curves whose knee follows from
// its definition: the maximum of the difference curve yₙ − xₙ is where the
// curve's slope equals the chord's.
func TestKneedle(t *testing.T) {
	xs := seq(1, 10)
	tests := []struct {
		name   string
		x, y   []float64
		s      float64
		want   int
		wantOK bool
	}{
		// Satopää et al.'s y = −1/x + 5: slope 1/x² equals the chord's
		// (0.9/9) at x = √10 ≈ 3.16; on integers d(3) = 0.519 > d(4) = 0.5.
		{"paper curve -1/x+5", xs, mapf(xs, func(x float64) float64 { return -1/x + 5 }), 1, 2, true},
		// A saturating line: the knee is the last point on the slope.
		{"min(x, 5)", xs, mapf(xs, func(x float64) float64 { return min(x, 5) }), 1, 4, true},
		{"saturation at 800 of a staircase", []float64{150, 300, 450, 600, 750, 900, 1050, 1200},
			[]float64{150, 300, 450, 600, 750, 795, 798, 796}, 1, 4, true},
		{"straight line has no knee", xs, xs, 1, 0, false},
		{"convex curve has no knee", xs, mapf(xs, func(x float64) float64 { return x * x }), 1, 0, false},
		// The threshold d(3) − 10/9 is negative and d never goes below 0.
		{"high sensitivity finds none", xs, mapf(xs, func(x float64) float64 { return -1/x + 5 }), 10, 0, false},
		{"two points", []float64{1, 2}, []float64{1, 2}, 1, 0, false},
		{"flat", xs, mapf(xs, func(float64) float64 { return 3 }), 1, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Kneedle(tc.x, tc.y, tc.s)
			if ok != tc.wantOK || (ok && got != tc.want) {
				t.Errorf("Kneedle = (%d, %t), want (%d, %t)", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestInstancesFor(t *testing.T) {
	tests := []struct {
		name            string
		peak, per, head float64
		red             int
		wantNeeded      int
		wantRecommended int
		wantErr         bool
	}{
		// 1000 / (500 × 0.5) = 4 exactly: no rounding up through float noise.
		{"exact multiple", 1000, 500, 0.5, 2, 4, 6, false},
		// 1000 / (800 × 0.7) = 1.79 → 2, N+2 → 4.
		{"rounds up", 1000, 800, 0.3, 2, 2, 4, false},
		// 100 / 560 = 0.18 → 1 (at least one instance), N+2 → 3.
		{"small peak", 100, 800, 0.3, 2, 1, 3, false},
		// 5000 / (750 × 0.7) = 9.52 → 10, no spares.
		{"no redundancy", 5000, 750, 0.3, 0, 10, 10, false},
		// 5000 / 750 = 6.67 → 7, N+1.
		{"no headroom", 5000, 750, 0, 1, 7, 8, false},
		{"headroom 100%", 1000, 500, 1, 2, 0, 0, true},
		{"negative headroom", 1000, 500, -0.1, 2, 0, 0, true},
		{"negative redundancy", 1000, 500, 0.3, -1, 0, 0, true},
		{"zero sustainable rate", 1000, 0, 0.3, 2, 0, 0, true},
		{"zero peak", 0, 500, 0.3, 2, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := InstancesFor(tc.peak, tc.per, tc.head, tc.red)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %t", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if s.Needed != tc.wantNeeded || s.Recommended != tc.wantRecommended {
				t.Errorf("needed %d recommended %d, want %d and %d", s.Needed, s.Recommended, tc.wantNeeded, tc.wantRecommended)
			}
			if s.PeakUtilisation > 1-tc.head+1e-12 {
				t.Errorf("peak utilisation %g above the ceiling %g", s.PeakUtilisation, 1-tc.head)
			}
		})
	}
}

func TestParseSLO(t *testing.T) {
	tests := []struct {
		in      string
		stat    string
		op      string
		limit   float64
		wantErr bool
	}{
		{"p(95)<300ms", "p(95)", "<", 300, false},
		{"p(99.9) <= 1.5s", "p(99.9)", "<=", 1500, false},
		{"avg<200", "avg", "<", 200, false},
		{"med<500us", "med", "<", 0.5, false},
		{"max<2s", "max", "<", 2000, false},
		{"errors<1%", "errors", "<", 0.01, false},
		{"errors<=0.05", "errors", "<=", 0.05, false},
		{"p(95)>300ms", "", "", 0, true},
		{"p(101)<3", "", "", 0, true},
		{"errors<2ms", "", "", 0, true},
		{"p(95)<30%", "", "", 0, true},
		{"errors<150%", "", "", 0, true},
		{"latency<3", "", "", 0, true},
		{"", "", "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			o, err := ParseSLO(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %t", err, tc.wantErr)
			}
			if err == nil && (o.Stat != tc.stat || o.Op != tc.op || o.Limit != tc.limit) {
				t.Errorf("got %+v, want stat %s op %s limit %g", o, tc.stat, tc.op, tc.limit)
			}
		})
	}
}

func FuzzParseSLO(f *testing.F) {
	for _, s := range []string{"p(95)<300ms", "errors<1%", "avg<=2s", "p(9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseSLO(s)
		if err == nil && (o.Limit < 0 || (o.Op != "<" && o.Op != "<=")) {
			t.Errorf("ParseSLO(%q) = %+v", s, o)
		}
	})
}
