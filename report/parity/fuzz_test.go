package parity

import (
	"math"
	"testing"
)

func FuzzParseQuantity(f *testing.F) {
	for _, s := range []string{"250m", "2", "1.5Gi", "5G", "", "1e3", "-1", "3Xi", "NaN", "Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseQuantity(s)
		if err == nil && (v < 0 || math.IsNaN(v)) {
			t.Fatalf("ParseQuantity(%q) = %v without an error", s, v)
		}
	})
}

func FuzzParseDescriptor(f *testing.F) {
	f.Add([]byte(baseYAML))
	f.Add([]byte("services: [{name: a, replicas: -1}]"))
	f.Add([]byte("traffic: {cdn: yes}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDescriptor(b)
		if err != nil {
			return
		}
		for _, s := range d.Services {
			if s.Replicas < 1 || s.Name == "" {
				t.Fatalf("accepted service %+v", s)
			}
		}
		// A descriptor never drifts from itself.
		if ds := Diff(d, d); len(ds) != 0 {
			t.Fatalf("self-diff %+v", ds)
		}
	})
}
