package capacity

import (
	"strings"
	"testing"
)

func TestReadPoints(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Point
		wantErr string
	}{
		{"header and rows", "concurrency,throughput\n1,100\n2,190\n", []Point{{1, 100}, {2, 190}}, ""},
		{"no header, comments, spaces, extra column", "# from vendor tool\n1, 100, x\n4,350\n", []Point{{1, 100}, {4, 350}}, ""},
		{"bad number on line 3", "n,x\n1,100\nfoo,2\n", nil, "pts.csv:3"},
		{"one column", "1\n", nil, "pts.csv:1"},
		{"zero throughput", "1,0\n", nil, "> 0"},
		{"empty", "", nil, "no concurrency,throughput pairs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPoints(strings.NewReader(tc.in), "pts.csv")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("point %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func FuzzReadPoints(f *testing.F) {
	f.Add("concurrency,throughput\n1,100\n2,190\n")
	f.Add("#c\n1,\"2\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		pts, err := ReadPoints(strings.NewReader(s), "f")
		if err == nil && len(pts) == 0 {
			t.Error("no error and no points")
		}
		for _, p := range pts {
			if !(p.Concurrency > 0 && p.Throughput > 0) {
				t.Errorf("point %v accepted", p)
			}
		}
	})
}
