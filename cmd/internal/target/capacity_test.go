package target

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestCapacityThroughput drives /capacity (4 workers × 10 ms, so 400/s) with
// 40 closed-loop clients for 2 s. Throughput must be C/D ± 10%, and by
// Little's law each request spends N/X = 40 / 400/s = 100 ms in the system,
// 90 ms of it queued.
func TestCapacityThroughput(t *testing.T) {
	cfg := DefaultConfig()
	s := startServer(t, cfg)
	c := newClient(t)
	const (
		clients = 40
		window  = 2 * time.Second
	)
	wantRate := float64(cfg.Workers) / cfg.ServiceTime.Seconds()

	start := time.Now()
	deadline := start.Add(window)
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				r := get(t, c, s.URL()+"/capacity")
				if r.status != 200 {
					t.Errorf("status %d", r.status)
					return
				}
				if time.Now().After(deadline) {
					return // finished outside the window
				}
				mu.Lock()
				latencies = append(latencies, r.elapsed)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	rate := float64(len(latencies)) / window.Seconds()
	if rate < 0.9*wantRate || rate > 1.1*wantRate {
		t.Errorf("throughput %.1f/s, want %.0f/s ± 10%%", rate, wantRate)
	}
	slices.Sort(latencies)
	med := latencies[len(latencies)/2]
	wantMed := time.Duration(float64(clients) / wantRate * float64(time.Second))
	if med < wantMed*6/10 || med > wantMed*16/10 {
		t.Errorf("median latency %v, want about %v (queueing)", med, wantMed)
	}
	t.Logf("throughput %.1f/s (want %.0f), median latency %v, p0 %v", rate, wantRate, med, latencies[0])
}

// TestCapacityFIFO queues requests on a single worker one at a time and
// checks they are served in arrival order.
func TestCapacityFIFO(t *testing.T) {
	s := startServer(t, Config{Workers: 1, ServiceTime: 30 * time.Millisecond})
	c := newClient(t)
	const n = 6
	order := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if r := get(t, c, s.URL()+"/capacity"); r.status != 200 {
				t.Errorf("request %d: status %d", i, r.status)
			}
			order <- i
		})
		// Wait until request i holds the slot (i == 0) or is queued behind
		// the others, so arrival order is known.
		waitFor(t, fmt.Sprintf("request %d queued", i), func() bool {
			s.slots.mu.Lock()
			defer s.slots.mu.Unlock()
			return s.slots.free == 0 && s.slots.queue.Len() == i
		})
	}
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("served in order %v, want %v", got, want)
	}
}

func TestCapacityWorkOverride(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	tests := []struct {
		name string
		work string
		want time.Duration
	}{
		{name: "go duration", work: "60ms", want: 60 * time.Millisecond},
		{name: "bare milliseconds", work: "45", want: 45 * time.Millisecond},
		{name: "fractional milliseconds", work: "20.5", want: 20500 * time.Microsecond},
		{name: "zero", work: "0", want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, c, s.URL()+"/capacity?work="+tc.work)
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			var queue, service float64
			if _, err := fmt.Sscanf(r.header.Get("Server-Timing"), "queue;dur=%g, service;dur=%g", &queue, &service); err != nil {
				t.Fatalf("Server-Timing %q: %v", r.header.Get("Server-Timing"), err)
			}
			got := time.Duration(service * float64(time.Millisecond))
			if got < tc.want || got > tc.want+20*time.Millisecond {
				t.Errorf("service %v, want %v (+20 ms)", got, tc.want)
			}
			if r.elapsed < tc.want || r.elapsed > tc.want+200*time.Millisecond {
				t.Errorf("request took %v, want its work %v (+200 ms)", r.elapsed, tc.want)
			}
		})
	}
}

// queueWaiter starts a goroutine acquiring f under ctx and returns once it
// waits in f's queue (f has no free slot); its acquire's error arrives on
// the channel.
func queueWaiter(t *testing.T, f *fifo, ctx context.Context) <-chan error {
	t.Helper()
	done := make(chan error)
	go func() { _, err := f.acquire(ctx); done <- err }()
	waitFor(t, "waiter queued", func() bool { return f.waiting() == 1 })
	return done
}

func TestFifo(t *testing.T) {
	t.Run("cancelled waiter leaves the queue", func(t *testing.T) {
		f := newFifo(1)
		if _, err := f.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := queueWaiter(t, f, ctx)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("acquire = %v, want context.Canceled", err)
		}
		if w := f.waiting(); w != 0 {
			t.Fatalf("waiting = %d after cancel", w)
		}
		f.release(time.Now())
		if f.free != 1 {
			t.Fatalf("free = %d after release, want 1", f.free)
		}
	})
	t.Run("grant carries the release instant", func(t *testing.T) {
		f := newFifo(1)
		before := time.Now()
		got, err := f.acquire(context.Background())
		if err != nil || got.Before(before) || got.After(time.Now()) {
			t.Fatalf("free slot granted at %v (err %v), want now", got, err)
		}
		at := make(chan time.Time)
		go func() {
			granted, _ := f.acquire(context.Background())
			at <- granted
		}()
		waitFor(t, "waiter queued", func() bool { return f.waiting() == 1 })
		end := time.Now().Add(-3 * time.Millisecond) // an intended end already past
		f.release(end)
		if g := <-at; !g.Equal(end) {
			t.Errorf("waiter granted at %v, want the releaser's end %v", g, end)
		}
	})
	t.Run("grant racing a cancel never leaks a slot", func(t *testing.T) {
		for i := range 200 {
			f := newFifo(1)
			if _, err := f.acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := queueWaiter(t, f, ctx)
			go cancel()
			f.release(time.Now())
			if err := <-done; err == nil {
				f.release(time.Now()) // the waiter got the slot: give it back
			}
			f.mu.Lock()
			free, queued := f.free, f.queue.Len()
			f.mu.Unlock()
			if free != 1 || queued != 0 {
				t.Fatalf("round %d: free=%d queued=%d, want 1 and 0", i, free, queued)
			}
		}
	})
}

// waitFor polls cond every millisecond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
