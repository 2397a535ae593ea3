package main

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Saturation thresholds: a load generator that uses more than
// saturatedShare of the cores it may use measures its own queues, not the
// server's latency. When the run as a whole stays under the threshold, the
// warning still appears if at least saturatedIntervals of the sampled
// intervals were over it (a saturated ramp's top, say).
const (
	saturatedShare     = 0.90
	saturatedIntervals = 0.10
	cpuSampleEvery     = time.Second
)

// cpuSample is the process's CPU time (user + system, all threads) at a
// wall-clock instant.
type cpuSample struct {
	at  time.Time
	cpu time.Duration
}

// processCPU reads the process's CPU time with getrusage(2).
func processCPU() cpuSample {
	var ru syscall.Rusage
	now := time.Now()
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuSample{at: now}
	}
	return cpuSample{at: now, cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
}

// usableCores is how many cores the process may use: GOMAXPROCS, which Go
// sets from the CPU affinity mask (taskset) and the cgroup CPU limit
// (rounded up to a whole core), bounded by the machine's CPUs.
func usableCores() float64 {
	return float64(min(runtime.GOMAXPROCS(0), runtime.NumCPU()))
}

// cpuMonitor samples the process's CPU time every interval while the test
// runs, to tell whether the load generator itself was the bottleneck. Start
// it with startCPUMonitor, end it with stop (once), then read note. The
// sampling goroutine is owned by the monitor; stop waits for it.
type cpuMonitor struct {
	cores float64
	every time.Duration
	read  func() cpuSample

	mu     sync.Mutex
	first  cpuSample
	last   cpuSample
	shares []float64 // CPU share of each whole interval, of cores

	done chan struct{}
	wg   sync.WaitGroup
}

// startCPUMonitor starts sampling every `every` against cores usable cores,
// reading the CPU time with read (processCPU outside tests).
func startCPUMonitor(every time.Duration, cores float64, read func() cpuSample) *cpuMonitor {
	m := &cpuMonitor{cores: cores, every: every, read: read, done: make(chan struct{})}
	m.first = read()
	m.last = m.first
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.sample()
			case <-m.done:
				return
			}
		}
	}()
	return m
}

// sample closes one interval.
func (m *cpuMonitor) sample() {
	s := m.read()
	m.mu.Lock()
	defer m.mu.Unlock()
	if wall := s.at.Sub(m.last.at); wall > 0 {
		m.shares = append(m.shares, float64(s.cpu-m.last.cpu)/float64(wall)/m.cores)
	}
	m.last = s
}

// stop ends sampling and takes the final reading.
func (m *cpuMonitor) stop() {
	close(m.done)
	m.wg.Wait()
	s := m.read()
	m.mu.Lock()
	m.last = s
	m.mu.Unlock()
}

// note returns the summary note when the generator was CPU-saturated, or "".
func (m *cpuMonitor) note() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return saturationNote(m.cores, m.every, m.first, m.last, m.shares)
}

// saturationNote is the warning for a run that used cpu time between first
// and last on cores cores, with the shares of its intervals of length every
// (each CPU time over wall time over cores): "" when the share of
// the whole run is at most saturatedShare and fewer than saturatedIntervals
// of the intervals exceeded it.
func saturationNote(cores float64, every time.Duration, first, last cpuSample, shares []float64) string {
	wall := last.at.Sub(first.at)
	if wall <= 0 || cores <= 0 {
		return ""
	}
	const tail = ": its latencies describe itself, not the server (give it more cores, or spread the load over more machines)"
	share := float64(last.cpu-first.cpu) / float64(wall) / cores
	if share > saturatedShare {
		return fmt.Sprintf("the load generator was CPU-saturated (%.0f%% of %s)%s", 100*min(share, 1), coresString(cores), tail)
	}
	over, peak := 0, 0.0
	for _, s := range shares {
		if s > saturatedShare {
			over++
		}
		peak = max(peak, s)
	}
	if over == 0 || float64(over) < saturatedIntervals*float64(len(shares)) {
		return ""
	}
	return fmt.Sprintf("the load generator was CPU-saturated in %d of %d intervals of %s (peak %.0f%% of %s)%s",
		over, len(shares), every, 100*min(peak, 1), coresString(cores), tail)
}

func coresString(cores float64) string {
	if cores == 1 {
		return "1 core"
	}
	return fmt.Sprintf("%g cores", cores)
}

// appendNote appends note to notes unless it is empty.
func appendNote(notes []string, note string) []string {
	if note == "" {
		return notes
	}
	return append(notes, note)
}
