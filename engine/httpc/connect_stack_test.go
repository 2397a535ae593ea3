//go:build linux && !race

package httpc

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/internal/stackgrow"
)

// VUs that start together have all their first connects waiting together,
// each on a dial goroutine, so what that goroutine's stack holds while it
// waits is paid once per VU at the start of a test. A connect to an
// address (no lookup, no TLS) waits on a stack of at most 4 KiB; it was 16
// KiB through net.Dialer (bench/RESULTS.md, fifth round). Built without
// -race, whose instrumentation deepens every frame.
func TestWaitingConnectStack(t *testing.T) {
	ap := fullListener(t)
	r := newRig(t, nil)
	const n = 200
	ctx, cancel := context.WithCancel(context.Background())
	stackInUse := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.StackInuse
	}
	// The callers are VUs: their stacks are 8 KiB before they dial.
	ready := make(chan struct{}, n)
	var wg sync.WaitGroup
	callers := stackInUse()
	gate := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stackgrow.To8KiB()
			ready <- struct{}{}
			<-gate
			_, err := r.c.dial(ctx, ap.Addr().String(), strconv.Itoa(int(ap.Port())), false, time.Now().Add(10*time.Second))
			if err == nil {
				t.Error("a connect to a full listener succeeded")
			}
		}()
	}
	for range n {
		<-ready
	}
	before := stackInUse()
	perCaller := float64(before-callers) / n
	close(gate)
	time.Sleep(300 * time.Millisecond) // every connect is waiting now
	waiting := stackInUse()
	cancel()
	wg.Wait()
	perDial := float64(waiting-before) / n
	t.Logf("stack per caller %.1f KiB, per waiting dial %.1f KiB", perCaller/1024, perDial/1024)
	if perCaller < 7.5*1024 {
		t.Fatalf("callers hold %.1f KiB of stack each, want 8 (the measure is off)", perCaller/1024)
	}
	if perDial > 4.5*1024 {
		t.Errorf("a waiting connect holds %.1f KiB of stack, want at most 4", perDial/1024)
	}
}
