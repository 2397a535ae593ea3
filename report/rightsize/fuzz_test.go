package rightsize

import (
	"math"
	"strings"
	"testing"
)

func FuzzReadCSV(f *testing.F) {
	f.Add(CSVHeader + "\n2026-01-02T03:04:05Z,api,0.5,1000\n")
	f.Add(CSVHeader + "\n1767323046.5,api,,\n")
	f.Add("x,y\n")
	f.Fuzz(func(t *testing.T, s string) {
		samples, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, x := range samples {
			if x.Service == "" || x.CPUCores < 0 || x.MemoryBytes < 0 || math.IsInf(x.CPUCores, 0) {
				t.Fatalf("accepted sample %+v", x)
			}
		}
	})
}
