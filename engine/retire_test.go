package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// stallVU runs iterations that last long while a stall is on (its start
// falls inside one of stalls, as offsets from the scenario start) and
// briefly otherwise. It records Close and fails iterations after it.
type stallVU struct {
	id   uint64
	mu   *sync.Mutex
	st   *stallState
	gone bool
}

type stallState struct {
	stalls  [][2]time.Duration
	closed  map[uint64]int // closes per VU id
	maxID   uint64
	misuse  []string
	started map[uint64]bool
}

func (v *stallVU) RunIteration(ctx context.Context, it *Iteration) error {
	v.mu.Lock()
	if v.gone {
		v.st.misuse = append(v.st.misuse, fmt.Sprintf("VU %d ran an iteration after Close", v.id))
	}
	off := it.IntendedStart.Sub(it.Scenario.StartTime)
	d := 10 * time.Millisecond
	for _, s := range v.st.stalls {
		if off >= s[0] && off < s[1] {
			d = time.Second
		}
	}
	v.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return nil
}

func (v *stallVU) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.gone {
		v.st.misuse = append(v.st.misuse, fmt.Sprintf("VU %d closed twice", v.id))
	}
	v.gone = true
	v.st.closed[v.id]++
}

var _ VUCloser = (*stallVU)(nil)

// runStalls runs opts (arrival-rate scenarios, on the fake clock) on
// stallVUs with the given stalls and returns vus_max per interval end (the
// offset from the start in whole seconds), the VUs' record and the engine.
func runStalls(t *testing.T, opts string, stalls [][2]time.Duration) (map[time.Duration]float64, *stallState, *Engine) {
	t.Helper()
	var mu sync.Mutex
	st := &stallState{stalls: stalls, closed: map[uint64]int{}}
	o := mustOptions(t, opts)
	plan, err := o.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	agg := metrics.NewAggregator(reg)
	bi := metrics.RegisterBuiltin(reg)
	var snaps []*metrics.Snapshot
	var smu sync.Mutex
	start := time.Now()
	e, err := New(Config{
		Options: &o, Plan: plan,
		NewVU: func(_ context.Context, id uint64) (VU, error) {
			mu.Lock()
			defer mu.Unlock()
			st.maxID = max(st.maxID, id)
			return &stallVU{id: id, mu: &mu, st: st}, nil
		},
		Aggregator: agg, Builtin: bi,
		OnInterval: func(s *metrics.Snapshot) {
			smu.Lock()
			snaps = append(snaps, s)
			smu.Unlock()
		},
		Logf: func(string, ...any) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range st.misuse {
		t.Error(m)
	}
	vusMax := map[time.Duration]float64{}
	smu.Lock()
	defer smu.Unlock()
	for _, s := range snaps {
		if sk := s.Merge(bi.VUsMax, nil); sk != nil {
			vusMax[s.End.Sub(start).Round(time.Second)] = sk.Value
		}
	}
	return vusMax, st, e
}

// An arrival-rate scenario keeps the VUs it added while the peaks that
// need them recur (here every 20 s), retires them once they stayed idle for
// vuRetireIdle, closes them, lowers vus_max, and reuses their ids when a
// later peak needs VUs again.
func TestArrivalRateRetiresIdleVUs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 1 s iterations at 10/s need ~10 VUs: stalls every 20 s up to
		// 42 s, then one at 100 s; 10 ms iterations need one.
		vusMax, st, e := runStalls(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":10,"timeUnit":"1s","duration":"160s","preAllocatedVUs":1,"maxVUs":12}}}`,
			[][2]time.Duration{
				{0, 2 * time.Second}, {20 * time.Second, 22 * time.Second}, {40 * time.Second, 42 * time.Second},
				{100 * time.Second, 102 * time.Second},
			})
		at := func(d time.Duration) float64 { return vusMax[d] }
		for _, sec := range []time.Duration{10, 30, 50, 70} {
			// Kept through the recurring stalls and for 30 s after the
			// last (idle since ~43 s).
			if got := at(sec * time.Second); got < 8 {
				t.Errorf("vus_max %v at %v, want the ~10 VUs the recurring stalls need", got, sec*time.Second)
			}
		}
		if got := at(90 * time.Second); got != 1 {
			t.Errorf("vus_max %v at 90 s, want 1 (the extra VUs retired after 30 s idle)", got)
		}
		if at(110*time.Second) < 8 {
			t.Errorf("vus_max %v at 110 s, want ~10 again (the stall at 100 s)", at(110*time.Second))
		}
		if got := at(155 * time.Second); got != 1 {
			t.Errorf("vus_max %v at 155 s, want 1", got)
		}
		closes := 0
		for _, n := range st.closed {
			closes += n
		}
		if closes < 14 || closes > 24 {
			t.Errorf("%d VUs closed, want the extra VUs of the two idle spells (~9 each), no churn while stalls recur", closes)
		}
		if st.maxID > 12 {
			t.Errorf("a VU got id %d: retired ids were not reused (maxVUs 12)", st.maxID)
		}
		p := e.Progress()[0]
		if p.Started+p.Dropped != 1600 {
			t.Errorf("started %d + dropped %d != 1600 scheduled", p.Started, p.Dropped)
		}
		if got := e.InitializedVUs(); got != 1 {
			t.Errorf("InitializedVUs() = %d at the end, want 1", got)
		}
	})
}

// Idle VUs are retired on schedule also while no start comes due: here a
// ramping-arrival-rate stage at 0 for 60 s, after a peak that needed ~10.
func TestArrivalRateRetiresDuringZeroStage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		vusMax, _, _ := runStalls(t, `{"scenarios":{"s":{"executor":"ramping-arrival-rate","startRate":10,"timeUnit":"1s","preAllocatedVUs":1,"maxVUs":12,
"stages":[{"target":10,"duration":"3s"},{"target":0,"duration":"0s"},{"target":0,"duration":"60s"},{"target":5,"duration":"2s"}]}}}`,
			[][2]time.Duration{{0, 3 * time.Second}})
		if got := vusMax[5*time.Second]; got < 8 {
			t.Errorf("vus_max %v at 5 s, want the ~10 VUs of the first stage", got)
		}
		if got := vusMax[40*time.Second]; got != 1 {
			t.Errorf("vus_max %v at 40 s, inside the 0 stage, want 1 (retired 30 s after the last start)", got)
		}
	})
}
