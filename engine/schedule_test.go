package engine

import (
	"reflect"
	"testing"
	"time"
)

func TestRampingVUSteps(t *testing.T) {
	s := time.Second
	tests := []struct {
		name     string
		startVUs int64
		stages   []Stage
		want     []vuStep
	}{
		// C05(a): 1 -> 2 over 3 s reaches 2 only at t = 3 s.
		{"C05a ramp 1 to 2 over 3s", 1, []Stage{{Duration(3 * s), 2}},
			[]vuStep{{0, 1}, {3 * s, 2}}},
		// 0 -> 4 over 1 s: k VUs from ceil(k*1s/4).
		{"ramp 0 to 4 over 1s", 0, []Stage{{Duration(s), 4}},
			[]vuStep{{0, 0}, {250 * time.Millisecond, 1}, {500 * time.Millisecond, 2}, {750 * time.Millisecond, 3}, {s, 4}}},
		// 4 -> 0 over 1 s, rounded down: 3 just after the start, then 2 after 250 ms ...
		{"ramp 4 to 0 over 1s", 4, []Stage{{Duration(s), 0}},
			[]vuStep{{0, 4}, {1, 3}, {250*time.Millisecond + 1, 2}, {500*time.Millisecond + 1, 1}, {750*time.Millisecond + 1, 0}}},
		// 1 -> 100 allocates all 100 (k6#1358).
		{"ramp 1 to 3 over 2s", 1, []Stage{{Duration(2 * s), 3}},
			[]vuStep{{0, 1}, {s, 2}, {2 * s, 3}}},
		// C06(b): 0 s stages jump; a 0 s stage at t=0 replaces startVUs.
		{"C06b jumps", 1, []Stage{{0, 4}, {Duration(5 * s), 4}, {0, 0}, {Duration(5 * s), 0}, {0, 4}, {Duration(5 * s), 4}},
			[]vuStep{{0, 4}, {5 * s, 0}, {10 * s, 4}}},
		{"hold", 2, []Stage{{Duration(s), 2}}, []vuStep{{0, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rampingVUSteps(tt.startVUs, tt.stages)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("steps = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRateScheduleCount(t *testing.T) {
	s := func(n int) Duration { return Duration(time.Duration(n) * time.Second) }
	tests := []struct {
		name  string
		sched *rateSchedule
		want  int64
	}{
		{"10/s for 3s", constantRateSchedule(10, 3*time.Second, time.Second), 30},
		{"C01 1/s for 30s", constantRateSchedule(1, 30*time.Second, time.Second), 30},
		{"10 per 500ms for 2s", constantRateSchedule(10, 2*time.Second, 500*time.Millisecond), 40},
		{"C27b 10/s for 15s", constantRateSchedule(10, 15*time.Second, time.Second), 150},
		{"fractional area rounds up: 2.5/s for 1s", constantRateSchedule(2.5, time.Second, time.Second), 3},
		// C03 A scaled: 300 + 900 + 2400 + 660.
		{"C03 A scaled", newRateSchedule(300, []Stage{{s(1), 300}, {s(2), 600}, {s(4), 600}, {s(2), 60}}, time.Second), 4260},
		// C03 A as documented (timeUnit 1m, minutes).
		{"C03 A per minute", newRateSchedule(300, []Stage{{s(60), 300}, {s(120), 600}, {s(240), 600}, {s(120), 60}}, time.Minute), 4260},
		// C03 B scaled: 500 + 1500 + 2500 + 3500 + 4500.
		{"C03 B scaled", newRateSchedule(0, []Stage{{s(1), 1000}, {s(1), 2000}, {s(1), 3000}, {s(1), 4000}, {s(1), 5000}}, time.Second), 12500},
		// compat 31: 10 + 20 + 10.
		{"compat 31", newRateSchedule(0, []Stage{{s(1), 20}, {s(1), 20}, {s(1), 0}}, time.Second), 40},
		{"trailing zero stage adds nothing", newRateSchedule(0, []Stage{{s(2), 10}, {0, 0}, {s(5), 0}}, time.Second), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sched.Count(); got != tt.want {
				t.Fatalf("Count() = %d, want %d", got, tt.want)
			}
			// Every start lies in [0, duration) and the schedule never goes back.
			prev := time.Duration(-1)
			for n := range tt.sched.Count() {
				at := tt.sched.At(n)
				if at < prev || at < 0 || at >= tt.sched.total {
					t.Fatalf("At(%d) = %v after %v (duration %v)", n, at, prev, tt.sched.total)
				}
				prev = at
			}
		})
	}
}

func TestRateScheduleAt(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		sched *rateSchedule
		n     int64
		want  time.Duration
	}{
		{"10/s: start 0 at 0", constantRateSchedule(10, 3*time.Second, time.Second), 0, 0},
		{"10/s: start 7 at 700ms", constantRateSchedule(10, 3*time.Second, time.Second), 7, 700 * ms},
		{"10/s: last start at 2.9s", constantRateSchedule(10, 3*time.Second, time.Second), 29, 2900 * ms},
		{"10 per 500ms: start 3 at 150ms", constantRateSchedule(10, 2*time.Second, 500*ms), 3, 150 * ms},
		// Ramp 0 -> 20/s over 1 s: A(t) = 10 t^2, so start n is at sqrt(n/10) s.
		{"ramp: start 10 at 1s", newRateSchedule(0, []Stage{{Duration(time.Second), 20}, {Duration(time.Second), 20}}, time.Second), 10, time.Second},
		{"ramp: start 1 at sqrt(0.1)s", newRateSchedule(0, []Stage{{Duration(time.Second), 20}}, time.Second), 1, 316227766},
		// then 20/s: start 10 + k at 1s + k*50ms
		{"hold after ramp", newRateSchedule(0, []Stage{{Duration(time.Second), 20}, {Duration(time.Second), 20}}, time.Second), 14, 1200 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sched.At(tt.n); got != tt.want {
				t.Fatalf("At(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}
