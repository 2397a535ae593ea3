package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// sleepVU is a Go VU whose iteration sleeps d (cut short by ctx).
type sleepVU struct {
	id  uint64
	d   time.Duration
	log *iterLog
}

// iterLog records every iteration the VUs of a test ran.
type iterLog struct {
	mu    sync.Mutex
	its   []Iteration
	perVU map[uint64]int
}

func (l *iterLog) add(it *Iteration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.its = append(l.its, *it)
	if l.perVU == nil {
		l.perVU = map[uint64]int{}
	}
	l.perVU[it.VUID]++
}

func (l *iterLog) count(vu uint64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.perVU[vu]
}

func (v *sleepVU) RunIteration(ctx context.Context, it *Iteration) error {
	if it.VUID != v.id {
		return fmt.Errorf("VU %d got an iteration for VU %d", v.id, it.VUID)
	}
	v.log.add(it)
	if v.d <= 0 {
		return nil
	}
	t := time.NewTimer(v.d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ VU = (*sleepVU)(nil)

// harness runs an engine on Go VUs with real metrics.
type harness struct {
	e       *Engine
	log     *iterLog
	agg     *metrics.Aggregator
	builtin *metrics.Builtin
	mu      sync.Mutex
	warns   []string
	snaps   []*metrics.Snapshot
}

func newHarness(t *testing.T, opts string, d time.Duration) *harness {
	t.Helper()
	o := mustOptions(t, opts)
	plan, err := o.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	reg := metrics.NewRegistry()
	h := &harness{log: &iterLog{}, agg: metrics.NewAggregator(reg), builtin: metrics.RegisterBuiltin(reg)}
	h.e, err = New(Config{
		Options: &o, Plan: plan,
		NewVU: func(_ context.Context, id uint64) (VU, error) {
			return &sleepVU{id: id, d: d, log: h.log}, nil
		},
		Aggregator: h.agg, Builtin: h.builtin,
		OnInterval: func(s *metrics.Snapshot) {
			h.mu.Lock()
			h.snaps = append(h.snaps, s)
			h.mu.Unlock()
		},
		Logf: func(f string, a ...any) {
			h.mu.Lock()
			h.warns = append(h.warns, fmt.Sprintf(f, a...))
			h.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// run runs the engine and returns how long it took on the (fake) clock.
func (h *harness) run(t *testing.T, ctx context.Context) time.Duration {
	t.Helper()
	start := time.Now()
	if err := h.e.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return time.Since(start)
}

func (h *harness) progress(t *testing.T, name string) Progress {
	t.Helper()
	for _, p := range h.e.Progress() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no scenario %q", name)
	return Progress{}
}

func (h *harness) total(m *metrics.Metric, scenario string) *metrics.Sink {
	var f []metrics.Tag
	if scenario != "" {
		f = []metrics.Tag{{Key: "scenario", Value: scenario}}
	}
	s := h.agg.Totals().Merge(m, f)
	if s == nil {
		return metrics.NewSink(m.Type)
	}
	return s
}

// gaugeAt returns the value of gauge m in the interval snapshot that ends
// at offset off from start.
func (h *harness) gaugeSeries(m *metrics.Metric, start time.Time) map[time.Duration]float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[time.Duration]float64{}
	for _, s := range h.snaps {
		if sk := s.Merge(m, nil); sk != nil {
			out[s.End.Sub(start)] = sk.Value
		}
	}
	return out
}

func TestCase_C01_DroppedIterations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{"car":{"executor":"constant-arrival-rate","rate":1,"timeUnit":"1s","duration":"30s","preAllocatedVUs":1,"maxVUs":1}}}`, 1900*time.Millisecond)
		h.run(t, t.Context())
		p := h.progress(t, "car")
		if p.Started != 15 || p.Dropped != 15 || p.Iterations != 15 || p.Started+p.Dropped != 30 {
			t.Fatalf("started %d completed %d dropped %d; want 15, 15, 15 (30 scheduled)", p.Started, p.Iterations, p.Dropped)
		}
		// Starts at even seconds, on schedule.
		for i, it := range h.log.its {
			if want := it.Scenario.StartTime.Add(time.Duration(2*i) * time.Second); !it.IntendedStart.Equal(want) || !it.Start.Equal(want) {
				t.Fatalf("iteration %d intended %v started %v, want %v", i, it.IntendedStart, it.Start, want)
			}
		}
		if got := h.total(h.builtin.DroppedIterations, "car").Sum; got != 15 {
			t.Errorf("dropped_iterations{scenario:car} = %v, want 15", got)
		}
		if lag := h.total(h.builtin.ScheduleLag, "car"); lag.Count != 15 || lag.Max != 0 {
			t.Errorf("schedule_lag count %d max %v, want 15 samples of 0", lag.Count, lag.Max)
		}
		if len(h.warns) != 1 || !strings.Contains(h.warns[0], "insufficient VUs") || !strings.Contains(h.warns[0], "15 iterations dropped") {
			t.Fatalf("warnings %q, want one insufficient-VUs warning with the count", h.warns)
		}
		if p.Scheduled != 30 || p.OfferedRate != 1 {
			t.Errorf("scheduled %d offered %v/s, want 30 and 1/s", p.Scheduled, p.OfferedRate)
		}
	})
}

func TestCase_C03_RampingArrivalRateArea(t *testing.T) {
	tests := []struct {
		name, stages string
		startRate    int
		want         int64
	}{
		{"A scaled", `[{"duration":"1s","target":300},{"duration":"2s","target":600},{"duration":"4s","target":600},{"duration":"2s","target":60}]`, 300, 4260},
		{"B scaled", `[{"duration":"1s","target":1000},{"duration":"1s","target":2000},{"duration":"1s","target":3000},{"duration":"1s","target":4000},{"duration":"1s","target":5000}]`, 0, 12500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, fmt.Sprintf(`{"scenarios":{"rar":{"executor":"ramping-arrival-rate","startRate":%d,"timeUnit":"1s","preAllocatedVUs":4,"maxVUs":4,"stages":%s}}}`, tt.startRate, tt.stages), 0)
				h.run(t, t.Context())
				p := h.progress(t, "rar")
				if p.Started+p.Dropped != tt.want {
					t.Fatalf("started %d + dropped %d = %d, want %d", p.Started, p.Dropped, p.Started+p.Dropped, tt.want)
				}
				if p.Dropped != 0 {
					t.Errorf("dropped %d with instant iterations", p.Dropped)
				}
				if got := int64(h.total(h.builtin.DroppedIterations, "rar").Sum) + int64(len(h.log.its)); got != tt.want {
					t.Errorf("iterations seen by VUs + dropped_iterations = %d, want %d", got, tt.want)
				}
			})
		})
	}
}

func TestCase_C05_RampingVUsStages(t *testing.T) {
	t.Run("a ramp 1 to 2 over 3s", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, `{"stages":[{"duration":"3s","target":2}]}`, 500*time.Millisecond)
			h.run(t, t.Context())
			if a, b := h.log.count(1), h.log.count(2); a != 6 || b != 0 {
				t.Fatalf("VU 1 ran %d, VU 2 ran %d; want 6 and 0", a, b)
			}
		})
	})
	t.Run("b trailing zero stages", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, `{"stages":[{"duration":"1s","target":2},{"duration":"1s","target":0},{"duration":"5s","target":0}]}`, 200*time.Millisecond)
			if p := h.progress(t, "default"); p.Total != 7*time.Second {
				t.Fatalf("planned total %v, want 7s", p.Total)
			}
			if took := h.run(t, t.Context()); took != 7*time.Second {
				t.Fatalf("run took %v, want 7s", took)
			}
			if p := h.progress(t, "default"); !p.Done || p.Elapsed != 7*time.Second || p.Fraction != 1 || p.Iterations == 0 {
				t.Fatalf("progress %+v", p)
			}
		})
	})
}

func TestCase_C06_GracefulStop(t *testing.T) {
	t.Run("a gracefulStop", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, `{"scenarios":{
				"g30":{"executor":"constant-vus","vus":2,"duration":"5s"},
				"g0":{"executor":"constant-vus","vus":2,"duration":"5s","gracefulStop":"0s"}}}`, 3*time.Second)
			if took := h.run(t, t.Context()); took != 6*time.Second {
				t.Errorf("run took %v, want 6s", took)
			}
			for _, tt := range []struct {
				name                  string
				complete, interrupted int64
			}{{"g30", 4, 0}, {"g0", 2, 2}} {
				p := h.progress(t, tt.name)
				if p.Iterations != tt.complete || p.Interrupted != tt.interrupted {
					t.Errorf("%s: %d complete, %d interrupted; want %d, %d", tt.name, p.Iterations, p.Interrupted, tt.complete, tt.interrupted)
				}
			}
		})
	})
	for _, tt := range []struct {
		name, rampDown string
		want           func(sec int) float64
	}{
		{"b default gracefulRampDown", "", func(int) float64 { return 4 }},
		{"b gracefulRampDown 0s", `,"gracefulRampDown":"0s"`, func(s int) float64 {
			if s > 5 && s < 10 {
				return 0
			}
			return 4
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, `{"scenarios":{"r":{"executor":"ramping-vus","gracefulStop":"0s"`+tt.rampDown+`,"stages":[
					{"duration":"0s","target":4},{"duration":"5s","target":4},{"duration":"0s","target":0},
					{"duration":"5s","target":0},{"duration":"0s","target":4},{"duration":"5s","target":4}]}}}`, 30*time.Second)
				start := time.Now()
				if took := h.run(t, t.Context()); took != 15*time.Second {
					t.Errorf("run took %v, want 15s", took)
				}
				series := h.gaugeSeries(h.builtin.VUs, start)
				for s := 1; s < 15; s++ {
					if s == 5 || s == 10 {
						continue // a step and a sample at the same instant
					}
					got, ok := series[time.Duration(s)*time.Second]
					if !ok || got != tt.want(s) {
						t.Errorf("vus at %ds = %v (sampled %v), want %v", s, got, ok, tt.want(s))
					}
				}
				if got := h.total(h.builtin.VUsMax, "").Value; got != 4 {
					t.Errorf("vus_max = %v, want 4", got)
				}
			})
		})
	}
}

func TestIterationCounts(t *testing.T) {
	tests := []struct {
		name, opts string
		perVU      map[uint64]int
		total      int
	}{
		{"per-vu-iterations 3x4", `{"scenarios":{"s":{"executor":"per-vu-iterations","vus":3,"iterations":4}}}`, map[uint64]int{1: 4, 2: 4, 3: 4, 4: 0}, 12},
		{"shared-iterations 3 VUs 10", `{"scenarios":{"s":{"executor":"shared-iterations","vus":3,"iterations":10}}}`, nil, 10},
		{"shortcut iterations", `{"vus":2,"iterations":5}`, nil, 5},
		{"nothing set: one iteration", `{}`, map[uint64]int{1: 1}, 1},
		{"constant-arrival-rate 10/s x 3s", `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":10,"duration":"3s","preAllocatedVUs":2}}}`, nil, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, tt.opts, 100*time.Millisecond)
				h.run(t, t.Context())
				if len(h.log.its) != tt.total {
					t.Fatalf("%d iterations, want %d", len(h.log.its), tt.total)
				}
				for vu, n := range tt.perVU {
					if got := h.log.count(vu); got != n {
						t.Errorf("VU %d ran %d, want %d", vu, got, n)
					}
				}
				// InScenario is unique and dense; InScenarioVU counts per VU from 0.
				seen := map[int64]bool{}
				next := map[uint64]int64{}
				for _, it := range h.log.its {
					if seen[it.InScenario] || it.InScenario < 0 || it.InScenario >= int64(tt.total) {
						t.Fatalf("InScenario %d repeated or out of range", it.InScenario)
					}
					seen[it.InScenario] = true
					if it.InScenarioVU != next[it.VUID] {
						t.Fatalf("VU %d: InScenarioVU %d, want %d", it.VUID, it.InScenarioVU, next[it.VUID])
					}
					next[it.VUID]++
				}
				p := h.e.Progress()[0]
				if p.Iterations != int64(tt.total) || !p.Done || p.Fraction != 1 {
					t.Errorf("progress %+v", p)
				}
			})
		})
	}
}

func TestLateStarts(t *testing.T) {
	tests := []struct {
		name, policy     string
		started, dropped int64
		maxLag           time.Duration
	}{
		// 10/s for 1 s, one VU, 150 ms iterations.
		{"drop", "drop", 5, 5, 0},
		// queue: starts at 0, .15, .30, ... .90; starts 7..9 never found a VU.
		{"queue", "queue", 7, 3, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":10,"duration":"1s","preAllocatedVUs":1,"lateStarts":"`+tt.policy+`"}}}`, 150*time.Millisecond)
				h.run(t, t.Context())
				p := h.progress(t, "s")
				if p.Started != tt.started || p.Dropped != tt.dropped {
					t.Fatalf("started %d dropped %d, want %d %d", p.Started, p.Dropped, tt.started, tt.dropped)
				}
				lag := h.total(h.builtin.ScheduleLag, "s")
				if time.Duration(lag.Max*float64(time.Millisecond)) != tt.maxLag {
					t.Errorf("max schedule_lag %v ms, want %v", lag.Max, tt.maxLag)
				}
				for _, it := range h.log.its {
					if it.IntendedStart.IsZero() || it.Start.Before(it.IntendedStart) {
						t.Fatalf("iteration intended %v started %v", it.IntendedStart, it.Start)
					}
				}
			})
		})
	}
}

// TestArrivalRateGrowsVUs: with maxVUs above preAllocatedVUs, VUs are added
// in the background and every start is either started or dropped.
func TestArrivalRateGrowsVUs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{"s":{"executor":"constant-arrival-rate","rate":10,"duration":"3s","preAllocatedVUs":1,"maxVUs":4}}}`, 350*time.Millisecond)
		h.run(t, t.Context())
		p := h.progress(t, "s")
		if p.Started+p.Dropped != 30 {
			t.Fatalf("started %d + dropped %d != 30", p.Started, p.Dropped)
		}
		if got := h.e.pool.created.Load(); got != 4 {
			t.Errorf("%d VUs initialised, want 4 (maxVUs)", got)
		}
		if p.Dropped == 0 || p.Dropped > 5 {
			t.Errorf("dropped %d, want a few early drops while VUs are added", p.Dropped)
		}
	})
}

func TestStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{
			"a":{"executor":"constant-vus","vus":2,"duration":"10s"},
			"later":{"executor":"constant-vus","vus":1,"duration":"1s","startTime":"5s"}}}`, time.Second)
		time.AfterFunc(2500*time.Millisecond, func() { h.e.Stop("test"); h.e.Stop("again") })
		if took := h.run(t, t.Context()); took != 3*time.Second {
			t.Errorf("run took %v, want 3s (iterations finish in the grace period)", took)
		}
		if p := h.progress(t, "a"); p.Iterations != 6 || p.Interrupted != 0 {
			t.Errorf("a: %d complete %d interrupted, want 6, 0", p.Iterations, p.Interrupted)
		}
		if p := h.progress(t, "later"); p.Started != 0 || !p.Done {
			t.Errorf("later: %+v, want never started", p)
		}
		if h.e.StopReason() != "test" {
			t.Errorf("stop reason %q", h.e.StopReason())
		}
	})
}

func TestHardStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{"a":{"executor":"constant-vus","vus":2,"duration":"10s"}}}`, time.Second)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(2500*time.Millisecond, cancel)
		start := time.Now()
		err := h.e.Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != 2500*time.Millisecond {
			t.Errorf("run took %v, want 2.5s", took)
		}
		if p := h.progress(t, "a"); p.Iterations != 4 || p.Interrupted != 2 {
			t.Errorf("%d complete %d interrupted, want 4, 2", p.Iterations, p.Interrupted)
		}
	})
}

func TestInit(t *testing.T) {
	errBoom := errors.New("script exploded")
	tests := []struct {
		name    string
		failID  uint64
		wantErr error
	}{
		{"all succeed", 0, nil},
		{"first error returned as is", 3, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustOptions(t, `{"scenarios":{"a":{"executor":"constant-vus","vus":5,"duration":"1s"},"b":{"executor":"constant-arrival-rate","rate":1,"duration":"1s","preAllocatedVUs":3,"maxVUs":9}}}`)
			var made atomic.Int64
			e, err := New(Config{Options: &o, NewVU: func(_ context.Context, id uint64) (VU, error) {
				if id == tt.failID {
					return nil, errBoom
				}
				made.Add(1)
				return &sleepVU{id: id, log: &iterLog{}}, nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			if e.VUs() != 8 {
				t.Fatalf("VUs() = %d, want 5 + 3 pre-allocated", e.VUs())
			}
			err = e.Init(t.Context())
			if err != tt.wantErr {
				t.Fatalf("Init = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && (made.Load() != 8 || e.pool.created.Load() != 8) {
				t.Fatalf("made %d VUs, want 8", made.Load())
			}
			if tt.wantErr != nil {
				if err := e.Run(t.Context()); err != errBoom {
					t.Fatalf("Run after failed Init = %v", err)
				}
			}
		})
	}
}

// TestSegmentedRun runs the thirds of a plan and checks that their
// iterations add up to the whole plan's.
func TestSegmentedRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var total, started int
		for _, seg := range []string{"0:1/3", "1/3:2/3", "2/3:1"} {
			h := newHarness(t, `{"executionSegment":"`+seg+`","executionSegmentSequence":"0,1/3,2/3,1","scenarios":{
				"si":{"executor":"shared-iterations","vus":3,"iterations":10},
				"car":{"executor":"constant-arrival-rate","rate":10,"duration":"1s","preAllocatedVUs":3}}}`, 10*time.Millisecond)
			h.run(t, t.Context())
			total += int(h.progress(t, "si").Iterations)
			started += int(h.progress(t, "car").Started)
		}
		if total != 10 || started != 10 {
			t.Fatalf("segments ran %d shared iterations and %d arrivals, want 10 and 10", total, started)
		}
	})
}

func TestProgressLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{"s":{"executor":"constant-vus","vus":2,"duration":"4s"}}}`, 300*time.Millisecond)
		var mid Progress
		var active, initialised int64
		var scenarioFraction float64
		time.AfterFunc(time.Second+time.Millisecond, func() {
			mid = h.e.Progress()[0]
			active, initialised = h.e.ActiveVUs(), h.e.InitializedVUs()
			h.log.mu.Lock()
			scenarioFraction = h.log.its[0].Scenario.Progress()
			h.log.mu.Unlock()
		})
		h.run(t, t.Context())
		if mid.Elapsed != time.Second+time.Millisecond || mid.ActiveVUs != 2 || mid.MaxVUs != 2 || mid.Done || mid.Iterations != 6 {
			t.Fatalf("progress at 1s: %+v", mid)
		}
		if want := float64(time.Second+time.Millisecond) / float64(4*time.Second); mid.Fraction != want || scenarioFraction != want {
			t.Errorf("fraction %v (scenario %v), want %v", mid.Fraction, scenarioFraction, want)
		}
		if active != 2 || initialised != 2 {
			t.Errorf("ActiveVUs %d InitializedVUs %d, want 2 2", active, initialised)
		}
		if end := h.e.Progress()[0]; !end.Done || end.ActiveVUs != 0 || end.Fraction != 1 || h.e.ActiveVUs() != 0 {
			t.Errorf("final progress %+v", end)
		}
	})
}

func TestMaxDurationCutsIterations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, `{"scenarios":{"s":{"executor":"per-vu-iterations","vus":1,"iterations":10,"maxDuration":"2500ms","gracefulStop":"0s"}}}`, time.Second)
		if took := h.run(t, t.Context()); took != 2500*time.Millisecond {
			t.Errorf("run took %v, want 2.5s", took)
		}
		if p := h.progress(t, "s"); p.Iterations != 2 || p.Interrupted != 1 {
			t.Errorf("%d complete %d interrupted, want 2, 1", p.Iterations, p.Interrupted)
		}
	})
}
