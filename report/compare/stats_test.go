package compare

import (
	"math"
	"testing"
)

func TestHolm(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ps, want []float64
	}{
		// Worked by hand: sorted 0.01, 0.02, 0.04 with m = 3 give
		// 3×0.01 = 0.03, max(0.03, 2×0.02) = 0.04, max(0.04, 1×0.04) = 0.04.
		{"three", []float64{0.04, 0.01, 0.02}, []float64{0.04, 0.03, 0.04}},
		{"monotone step-down", []float64{0.001, 0.5, 0.03, 0.9}, []float64{0.004, 1, 0.09, 1}},
		{"single is unchanged", []float64{0.2}, []float64{0.2}},
		{"empty", nil, []float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.ps)
			if len(got) != len(tc.want) {
				t.Fatalf("len %d, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 {
					t.Errorf("Holm(%v) = %v, want %v", tc.ps, got, tc.want)
					break
				}
			}
		})
	}
}
