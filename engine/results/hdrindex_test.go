package results

import "testing"

func TestCountsIndexRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		u     int64
		lo    int64 // lowest unit value of u's bucket
		index int64
	}{
		{"zero", 0, 0, 0},
		{"exact below 2048", 2047, 2047, 2047},
		{"first 2-wide bucket", 2049, 2048, 2048},
		{"4-wide", 4099, 4096, 3072},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := CountsIndex(tc.u)
			if i != tc.index || CountsIndexValue(i) != tc.lo {
				t.Errorf("CountsIndex(%d) = %d (lowest %d), want %d (lowest %d)", tc.u, i, CountsIndexValue(i), tc.index, tc.lo)
			}
		})
	}
}
