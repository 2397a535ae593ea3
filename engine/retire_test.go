package engine

import (
	"context"
	"fmt"
	"runtime"
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

// An arrival-rate scenario retires the VUs it added for a stall once a
// whole vuRetireWindow passed without needing them, closes them, lowers
// vus_max, and reuses their ids when the next stall needs VUs again.
func TestArrivalRateRetiresIdleVUs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		st := &stallState{
			// 1 s iterations at 10/s need ~10 VUs: one stall at the start,
			// one at 70 s; 10 ms iterations need one.
			stalls: [][2]time.Duration{{0, 2 * time.Second}, {70 * time.Second, 72 * time.Second}},
			closed: map[uint64]int{},
		}
		o := mustOptions(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":10,"timeUnit":"1s","duration":"130s","preAllocatedVUs":1,"maxVUs":12}}}`)
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
		// vus_max per interval: high after each stall, down to the one
		// pre-allocated VU once a whole window passed without a stall.
		vusMax := map[time.Duration]float64{}
		smu.Lock()
		for _, s := range snaps {
			if sk := s.Merge(bi.VUsMax, nil); sk != nil {
				vusMax[s.End.Sub(start).Round(time.Second)] = sk.Value
			}
		}
		smu.Unlock()
		at := func(d time.Duration) float64 { return vusMax[d] }
		if at(10*time.Second) < 8 {
			t.Errorf("vus_max %v at 10 s, want the ~10 VUs the first stall needed", at(10*time.Second))
		}
		// The window [0 s, 30 s) had the stall; [30 s, 60 s) needed one VU,
		// so the extra VUs go at 60 s.
		if got := at(65 * time.Second); got != 1 {
			t.Errorf("vus_max %v at 65 s, want 1 (the extra VUs retired after an idle window)", got)
		}
		if at(80*time.Second) < 8 {
			t.Errorf("vus_max %v at 80 s, want ~10 again (the second stall)", at(80*time.Second))
		}
		// [60, 90) had the second stall, [90, 120) did not.
		if got := at(125 * time.Second); got != 1 {
			t.Errorf("vus_max %v at 125 s, want 1", got)
		}
		closes := 0
		for id, n := range st.closed {
			closes += n
			if id == 1 {
				t.Errorf("VU 1, pre-allocated, was retired")
			}
		}
		if closes < 14 {
			t.Errorf("%d VUs closed, want the extra VUs of both stalls (~9 each)", closes)
		}
		if st.maxID > 12 {
			t.Errorf("a VU got id %d: retired ids were not reused (maxVUs 12)", st.maxID)
		}
		p := e.Progress()[0]
		if p.Started+p.Dropped != 1300 {
			t.Errorf("started %d + dropped %d != 1300 scheduled", p.Started, p.Dropped)
		}
		if got := e.InitializedVUs(); got != 1 {
			t.Errorf("InitializedVUs() = %d at the end, want 1", got)
		}
	})
}

// spinVU busies its thread for spin (without blocking) on iteration
// spinAt of the scenario and returns at once otherwise.
type spinVU struct {
	spinAt int64
	spin   time.Duration
}

func (v *spinVU) RunIteration(_ context.Context, it *Iteration) error {
	if it.InScenario == v.spinAt {
		for t0 := time.Now(); time.Since(t0) < v.spin; {
		}
	}
	return nil
}

// When the scheduler itself falls behind (here: one P, held by a spinning
// VU until the runtime preempts it), the starts it makes late find too few
// VUs and are dropped, but they add no VUs: the shortage is the load
// generator's own stall, not what the load needs.
func TestArrivalRateCatchUpAddsNoVUs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	o := mustOptions(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":2000,"timeUnit":"1s","duration":"300ms","preAllocatedVUs":3,"maxVUs":50}}}`)
	plan, err := o.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{
		Options: &o, Plan: plan,
		NewVU: func(_ context.Context, id uint64) (VU, error) {
			return &spinVU{spinAt: 100, spin: 60 * time.Millisecond}, nil
		},
		Logf: func(string, ...any) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := e.Progress()[0]
	if p.Dropped == 0 {
		t.Fatalf("no start was dropped (started %d): the spinning VU did not stall the scheduler, so the test shows nothing", p.Started)
	}
	if got := e.InitializedVUs(); got != 3 {
		t.Errorf("%d VUs initialised after %d late starts were dropped, want the 3 pre-allocated (catch-up bursts add none)", got, p.Dropped)
	}
}
