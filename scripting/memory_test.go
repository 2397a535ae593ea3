package scripting

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/loadline/loadline/engine"
)

// TestMemoryPerVU bounds the heap an initialised VU of a typical script
// keeps (runtime, globals, the modules it imports, its init state). The
// compiled program is shared and not counted.
func TestMemoryPerVU(t *testing.T) {
	e := newEnv(t)
	r, err := Load(context.Background(), filepath.Join("testdata/compat", "16-custom-metrics.ts"), e.config())
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	vus := make([]engine.VU, 0, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		v, err := r.NewVU(context.Background(), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		vus = append(vus, v)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("heap per VU: %d KiB", per/1024)
	const limit = 56 << 10 // measured 43 KiB on 2026-11-30 (93 KiB before module members were made on first use)
	if per > limit {
		t.Errorf("heap per VU = %d KiB, want <= %d KiB", per/1024, limit>>10)
	}
	runtime.KeepAlive(vus)
}
