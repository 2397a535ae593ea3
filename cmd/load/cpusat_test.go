package main

import (
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSaturationNote: the warning appears when the whole run used over 90%
// of the usable cores, or when at least 10% of its intervals did; it
// states the share and the cores.
func TestSaturationNote(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(wall, cpu time.Duration) cpuSample { return cpuSample{at: t0.Add(wall), cpu: cpu} }
	tests := []struct {
		name   string
		cores  float64
		last   cpuSample // first is at t0 with 0 CPU
		shares []float64
		want   string // substring; "" means no note
	}{
		{"idle", 2, at(10*time.Second, 2*time.Second), []float64{0.1, 0.1}, ""},
		{"95% of 2 cores", 2, at(10*time.Second, 19*time.Second), nil, "the load generator was CPU-saturated (95% of 2 cores): its latencies describe itself, not the server"},
		{"exactly 90% is not saturated", 1, at(10*time.Second, 9*time.Second), nil, ""},
		{"91% of 1 core", 1, at(10*time.Second, 9100*time.Millisecond), nil, "(91% of 1 core)"},
		{"over 100% is shown as 100%", 1, at(10*time.Second, 11*time.Second), nil, "(100% of 1 core)"},
		{"2 of 10 intervals saturated", 2, at(10*time.Second, 10*time.Second), []float64{0.5, 0.97, 0.99, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4}, "CPU-saturated in 2 of 10 intervals of 1s (peak 99% of 2 cores)"},
		{"1 of 20 intervals is noise", 2, at(20*time.Second, 20*time.Second), append([]float64{0.95}, make([]float64, 19)...), ""},
		{"no wall time", 2, at(0, 0), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := saturationNote(tc.cores, time.Second, at(0, 0), tc.last, tc.shares)
			if tc.want == "" {
				if got != "" {
					t.Fatalf("note %q, want none", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("note %q, want it to contain %q", got, tc.want)
			}
		})
	}
}

// TestCPUMonitorSamples: the monitor samples on its ticker, computes each
// interval's share from the CPU time it reads, and stop takes a last
// reading and ends the goroutine.
func TestCPUMonitorSamples(t *testing.T) {
	var mu sync.Mutex
	wall, cpu := time.Unix(0, 0), time.Duration(0)
	reads := 0
	read := func() cpuSample { // each read: 100 ms of wall time, 95 ms of CPU on 1 core
		mu.Lock()
		defer mu.Unlock()
		reads++
		wall = wall.Add(100 * time.Millisecond)
		cpu += 95 * time.Millisecond
		return cpuSample{at: wall, cpu: cpu}
	}
	m := startCPUMonitor(5*time.Millisecond, 1, read)
	deadline := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		n := len(m.shares)
		m.mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d intervals sampled in 5 s at a 5 ms period", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	m.stop()
	for i, s := range m.shares {
		if s < 0.949 || s > 0.951 {
			t.Errorf("interval %d share %v, want 0.95", i, s)
		}
	}
	if got := m.note(); !strings.Contains(got, "(95% of 1 core)") {
		t.Errorf("note %q, want the run saturated at 95%% of 1 core", got)
	}
	mu.Lock()
	before := reads
	mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if reads != before {
		t.Errorf("the monitor read %d more times after stop", reads-before)
	}
}

// TestProcessCPU: getrusage sees CPU time this process burns.
func TestProcessCPU(t *testing.T) {
	a := processCPU()
	x := 0
	for time.Since(a.at) < 50*time.Millisecond {
		x++
	}
	b := processCPU()
	if b.cpu <= a.cpu || !b.at.After(a.at) {
		t.Fatalf("CPU time %v then %v (spun %d times): not increasing", a.cpu, b.cpu, x)
	}
}

// TestGCPercentFor: the heap may grow by about a second of garbage between
// collections, at most gcHeadroom (a quarter of the live heap when more)
// and at least an eighth of it, within GOGC 12..1000.
func TestGCPercentFor(t *testing.T) {
	const busy = 1 << 30 // allocates far more than gcHeadroom a second
	tests := []struct {
		name  string
		live  uint64
		alloc uint64
		want  int
	}{
		{"empty heap", 0, busy, gcMaxPercent},
		{"1 MiB busy: capped", 1 << 20, busy, gcMaxPercent},
		{"16 MiB busy: 64/16", 16 << 20, busy, 400},
		{"32 MiB busy", 32 << 20, busy, 200},
		{"64 MiB busy: the default", 64 << 20, busy, 100},
		{"128 MiB busy: half", 128 << 20, busy, 50},
		{"256 MiB busy: a quarter", 256 << 20, busy, 25},
		{"1 GiB busy: never below a quarter", 1 << 30, busy, 25},
		{"16 MiB at 8 MiB/s: a second of garbage", 16 << 20, 8 << 20, 50},
		{"80 MiB at 2 MiB/s: an eighth of live", 80 << 20, 2 << 20, 12},
		{"80 MiB at 16 MiB/s: a second of garbage", 80 << 20, 16 << 20, 20},
		{"1 GiB at 200 MiB/s: a second of garbage", 1 << 30, 200 << 20, 19},
		{"idle 4 MiB heap: an eighth", 4 << 20, 0, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := gcPercentFor(tc.live, tc.alloc); got != tc.want {
				t.Fatalf("gcPercentFor(%d, %d) = %d, want %d", tc.live, tc.alloc, got, tc.want)
			}
		})
	}
}

// TestTuneGC: the tuner raises GOGC for this small test heap and restores
// the previous value when stopped; with GOGC in the environment it does
// nothing.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	stop := tuneGC(nil)
	got := debug.SetGCPercent(100) // reads the tuned value
	debug.SetGCPercent(got)
	stop()
	if got <= 100 {
		t.Errorf("GOGC while tuned = %d, want above 100 for a test binary's small heap", got)
	}
	if now := debug.SetGCPercent(100); now != 100 {
		t.Errorf("GOGC after stop = %d, want the previous 100", now)
	}

	stop = tuneGC([]string{"GOGC=50"})
	now := debug.SetGCPercent(100)
	stop()
	if now != 100 {
		t.Errorf("with GOGC in the environment the tuner changed GOGC to %d", now)
	}
}
