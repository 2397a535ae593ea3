package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"
)

// GC tuning of `load run`. Go's default, GOGC=100, collects whenever the heap
// has grown by as much as is live. A load generator with a few dozen VUs has
// a small live heap (10-30 MiB) and allocates steadily (response objects,
// JavaScript values), so it collected several times a second and spent
// about 6% of its CPU marking (profile of bench/scenarios/get.js, 50 VUs, one
// core). Rather than a fixed higher GOGC, which would multiply the heap of a
// 1,000-VU run as well, the tuner keeps a fixed headroom: after each check
// it sets
//
//	GOGC = clamp(100 × gcHeadroom / live heap, gcMinPercent, gcMaxPercent)
//
// (see gcPercentFor for the allocation rate's part) so that the heap may
// grow by up to gcHeadroom (64 MiB) between collections: a
// small heap collects far less often than with the default, a heap of 64 to
// 256 MiB holds less garbage than with the default (whose headroom equals
// the live heap), and a larger one keeps a quarter of its size, so that a
// long run's RSS settles early (bench/RESULTS.md, run length). Compared with
// the default the cost is at most 64 MiB of extra RSS for a small heap. A GOGC or GOMEMLIMIT in the
// environment means the user chose: the tuner then does nothing. Go's own
// memory limit (GOMEMLIMIT) still bounds the heap when set.
const (
	gcHeadroom   = 64 << 20
	gcMinPercent = 12
	gcMaxPercent = 1000
	gcTuneEvery  = 250 * time.Millisecond

	// gcStartPercent is the GOGC of the first gcTuneEvery: before its
	// first collection the runtime's goal is 4 MiB × GOGC/100, so this is
	// a goal of gcHeadroom.
	gcStartPercent = 100 * gcHeadroom / (4 << 20)
)

// gcPercentFor returns the GOGC value for a live heap of live bytes that
// allocates allocPerSec bytes a second: the heap may grow between
// collections by the garbage of about one second, at most gcHeadroom (or a
// quarter of the live heap when that is more) and at least an eighth of the
// live heap, within gcMinPercent..gcMaxPercent. A heap that allocates
// little (1,000 VUs mostly sleeping) so keeps a small headroom and its RSS
// settles within seconds, instead of filling 64 MiB of garbage first (a
// collection of such a heap every second or so costs about 1% of a core);
// a busy one (50 VUs at full speed) keeps 64 MiB and collects rarely, and a
// busy large one a quarter of itself.
func gcPercentFor(live, allocPerSec uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	headroom := max(live/8, min(max(uint64(gcHeadroom), live/4), allocPerSec))
	p := int(100 * headroom / live)
	return min(max(p, gcMinPercent), gcMaxPercent)
}

// tuneGC starts the GC tuner unless environ sets GOGC or GOMEMLIMIT, and
// returns the function that stops it and restores the GOGC in force before
// (call it once; it waits for the tuner's goroutine).
func tuneGC(environ []string) (stop func()) {
	for _, kv := range environ {
		if strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=") {
			return func() {}
		}
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	read := func() (live, allocs uint64) {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			live = sample[0].Value.Uint64()
		}
		if sample[1].Value.Kind() == metrics.KindUint64 {
			allocs = sample[1].Value.Uint64()
		}
		return live, allocs
	}
	_, lastAllocs := read()
	lastAt := time.Now()
	// Until the first check, the heap may grow by the full headroom from
	// nothing: start-up (VU initialisation and every VU's first iteration,
	// 1,000 VUs in about 0.1 s) then runs without a collection, which
	// took 15-20% of its CPU. The first check (gcTuneEvery) collects if
	// nothing has been collected yet, so that start-up's garbage goes
	// before the run's own allocations land on top of it, and then sets
	// the usual value from the live heap it measured.
	cur := gcStartPercent
	first := true
	prev := debug.SetGCPercent(cur)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(gcTuneEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if first {
					first = false
					if live, _ := read(); live == 0 {
						runtime.GC()
					}
				}
				// Only a change of over 10% is applied: SetGCPercent stops
				// the world briefly.
				live, allocs := read()
				now := time.Now()
				rate := uint64(float64(allocs-lastAllocs) / now.Sub(lastAt).Seconds())
				lastAllocs, lastAt = allocs, now
				if p := gcPercentFor(live, rate); p*10 > cur*11 || p*11 < cur*10 {
					cur = p
					debug.SetGCPercent(p)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		debug.SetGCPercent(prev)
	}
}
