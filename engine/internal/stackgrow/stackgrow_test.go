package stackgrow

import (
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
)

// stackInUse returns the bytes of stack spans in use. No collection: one
// would shrink the stacks of goroutines that use less than a quarter of
// theirs, as these parked ones do.
func stackInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.StackInuse
}

// parked starts n goroutines that call grow and then wait on release, and
// returns the stack memory they hold per goroutine.
func parked(t *testing.T, n int, grow func()) uint64 {
	t.Helper()
	before := stackInUse()
	release := make(chan struct{})
	var ready, done sync.WaitGroup
	for range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			grow()
			ready.Done()
			<-release
		}()
	}
	ready.Wait()
	after := stackInUse()
	close(release)
	done.Wait()
	if after < before {
		return 0
	}
	return (after - before) / uint64(n)
}

// The goroutines really move to the larger stacks (the frames were not
// optimised away), and a plain goroutine does not.
func TestGrow(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = 500
	plain := parked(t, n, func() {})
	k8 := parked(t, n, To8KiB)
	k16 := parked(t, n, To16KiB)
	t.Logf("stack per goroutine: plain %d, To8KiB %d, To16KiB %d bytes", plain, k8, k16)
	if plain >= 8<<10 {
		t.Fatalf("a plain goroutine holds %d bytes of stack: the test cannot tell", plain)
	}
	// Stacks freed earlier in the process (the plain goroutines' among
	// them) are reused without new spans, so the figure per goroutine can
	// be somewhat under the size; a frame optimised away would leave it at
	// the plain goroutine's ~2 KiB.
	if k8 < 6<<10 {
		t.Errorf("after To8KiB a goroutine holds %d bytes of stack, want about 8 KiB", k8)
	}
	if k16 < 12<<10 {
		t.Errorf("after To16KiB a goroutine holds %d bytes of stack, want about 16 KiB", k16)
	}
}
