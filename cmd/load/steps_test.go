package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parseStaircase(t *testing.T, withOut bool, args ...string) (*staircase, error) {
	t.Helper()
	f := &runFlags{}
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	f.register(fs)
	if withOut {
		args = append([]string{"--out", "r.jsonl"}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.capacity.staircase(fs)
}

func TestStaircase(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantRates []float64
		wantVUs   []int64
		wantRamp  time.Duration
		wantHold  time.Duration
		wantMax   int64
		wantErr   string
		noOut     bool
	}{
		{name: "no preset", args: nil},
		// 8 steps from 1200/8 = 150/s to 1200/s; ramp 4s/10 rounds to 1s.
		{name: "arrival staircase", args: []string{"--capacity-steps", "8", "--capacity-max-rate", "1200", "--step-duration", "4s"},
			wantRates: []float64{150, 300, 450, 600, 750, 900, 1050, 1200}, wantRamp: time.Second, wantHold: 4 * time.Second, wantMax: 600},
		// ramp = 30s/10 = 3s; maxVUs = max(100, 2000/2) = 1000.
		{name: "issue example", args: []string{"--capacity-steps", "10", "--capacity-max-rate", "2000", "--step-duration", "30s"},
			wantRates: []float64{200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000}, wantRamp: 3 * time.Second, wantHold: 30 * time.Second, wantMax: 1000},
		{name: "explicit ramp and VU cap", args: []string{"--capacity-steps", "2", "--capacity-max-rate", "100", "--step-duration", "5s", "--step-ramp", "2s", "--capacity-max-vus", "7"},
			wantRates: []float64{50, 100}, wantRamp: 2 * time.Second, wantHold: 5 * time.Second, wantMax: 7},
		{name: "vus staircase", args: []string{"--capacity-steps", "4", "--capacity-executor", "vus", "--capacity-max-vus", "20", "--step-duration", "2s"},
			wantVUs: []int64{5, 10, 15, 20}, wantRamp: time.Second, wantHold: 2 * time.Second, wantMax: 20},
		{name: "without --out", noOut: true, args: []string{"--capacity-steps", "4", "--capacity-max-rate", "10"}, wantErr: "needs --out FILE"},
		{name: "missing rate", args: []string{"--capacity-steps", "4"}, wantErr: "--capacity-max-rate"},
		{name: "rate without steps", args: []string{"--capacity-max-rate", "4"}, wantErr: "needs --capacity-steps"},
		{name: "with --vus", args: []string{"--capacity-steps", "4", "--capacity-max-rate", "10", "--vus", "3"}, wantErr: "--vus and --capacity-steps"},
		{name: "zero steps", args: []string{"--capacity-steps", "0", "--capacity-max-rate", "10"}, wantErr: "want 1 to 1000"},
		{name: "short steps", args: []string{"--capacity-steps", "2", "--capacity-max-rate", "10", "--step-duration", "500ms"}, wantErr: "at least 1s"},
		{name: "bad executor", args: []string{"--capacity-steps", "2", "--capacity-max-rate", "10", "--capacity-executor", "x"}, wantErr: "want arrival or vus"},
		{name: "vus without max", args: []string{"--capacity-steps", "4", "--capacity-executor", "vus"}, wantErr: "--capacity-max-vus"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseStaircase(t, !tc.noOut, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantRates == nil && tc.wantVUs == nil {
				if s != nil {
					t.Fatalf("staircase %+v without --capacity-steps", s)
				}
				return
			}
			if s.ramp != tc.wantRamp || s.hold != tc.wantHold || s.maxVUs != tc.wantMax {
				t.Errorf("ramp %s hold %s maxVUs %d, want %s %s %d", s.ramp, s.hold, s.maxVUs, tc.wantRamp, tc.wantHold, tc.wantMax)
			}
			n := max(len(tc.wantRates), len(tc.wantVUs))
			if len(s.steps) != n {
				t.Fatalf("%d steps, want %d", len(s.steps), n)
			}
			for i, st := range s.steps {
				if tc.wantRates != nil && st.rate != tc.wantRates[i] {
					t.Errorf("step %d rate %g, want %g", i+1, st.rate, tc.wantRates[i])
				}
				if tc.wantVUs != nil && st.vus != tc.wantVUs[i] {
					t.Errorf("step %d vus %d, want %d", i+1, st.vus, tc.wantVUs[i])
				}
				// Step i's steady part starts after i ramps and i−1 holds.
				wantStart := time.Duration(i+1)*s.ramp + time.Duration(i)*s.hold
				if st.steadyStart != wantStart || st.steadyEnd != wantStart+s.hold {
					t.Errorf("step %d steady [%s, %s], want [%s, %s]", i+1, st.steadyStart, st.steadyEnd, wantStart, wantStart+s.hold)
				}
			}
			// The options layer resolves to one scenario lasting the whole
			// staircase.
			opts := s.options()
			plan, err := opts.Resolve()
			if err != nil {
				t.Fatalf("options do not resolve: %v", err)
			}
			if len(plan.Scenarios) != 1 || plan.Scenarios[0].Name != capacityScenario {
				t.Fatalf("plan scenarios %+v", plan.Scenarios)
			}
			if got := plan.MaxDuration(); got < s.total() {
				t.Errorf("plan lasts %s, want at least the staircase's %s", got, s.total())
			}
			// Marks: only the steps whose steady part ended by stop.
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if got := len(s.marks(t0, t0.Add(s.total()))); got != n {
				t.Errorf("%d marks at the end, want %d", got, n)
			}
			ms := s.marks(t0, t0.Add(s.steps[0].steadyEnd+time.Millisecond))
			if len(ms) != 1 || ms[0].Name != "step 1" || !ms[0].Start.Equal(t0.Add(s.ramp)) || ms[0].Attrs["step"] != 1 {
				t.Errorf("marks after step 1: %+v", ms)
			}
		})
	}
}
