package scripting

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/loadline/loadline/engine"
)

// TestCompatInit loads every script of the compat corpus (a copy of the
// project's acceptance corpus in testdata/compat): transform, compile, init
// context, options. Iterations need the engine and a target; the CLI's
// compat run covers those.
func TestCompatInit(t *testing.T) {
	files, err := filepath.Glob("testdata/compat/*.[jt]s")
	if err != nil || len(files) < 40 {
		t.Fatalf("compat corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			e := newEnv(t)
			r, err := Load(context.Background(), f, e.config())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			o := r.Options()
			if o.Thresholds == nil && !strings.Contains(f, "40-") {
				t.Errorf("options.thresholds not read")
			}
			for _, l := range e.logged() {
				t.Errorf("unexpected warning: %s", l)
			}
			// A VU of the run initialises too.
			if _, err := r.NewVU(context.Background(), 1); err != nil {
				t.Fatalf("NewVU: %v", err)
			}
		})
	}
	if _, err := os.Stat("testdata/compat/lib/api.js"); err != nil {
		t.Fatal(err)
	}
}

// TestCompatIterations runs the iterations of the compat scripts that need
// only one scenario against a go-httpbin target, VUs in parallel as the
// engine would, and asserts that every check passed and each script's
// `*_finished` counter reached its planned count. Thresholds are the
// engine's business and are not evaluated here.
func TestCompatIterations(t *testing.T) {
	srv := httptest.NewServer(httpbin.New())
	t.Cleanup(srv.Close) // after the parallel subtests
	tests := []struct {
		file     string
		finished string
		want     float64
		failing  int64 // checks that fail on purpose
	}{
		{"14-groups.js", "groups_finished", 2, 0},
		{"15-checks.js", "checks_finished", 2, 8}, // 4 per iteration
		{"16-custom-metrics.ts", "metrics_finished", 6, 0},
		{"18-shared-array.js", "shared_finished", 6, 0},
		{"19-open-binary.js", "open_finished", 1, 0},
		{"20-env-vu-iter.js", "vu_iter_finished", 12, 0},
		{"21-execution-api.js", "exec_finished", 6, 0},
		{"22-lifecycle.ts", "lifecycle_iterations", 4, 0},
		{"35-console.js", "console_finished", 1, 0},
		{"36-fail-iteration.js", "fail_completed", 4, 0},
		{"37-exceptions.js", "exc_completed", 4, 0},
		{"39-local-module.js", "module_finished", 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cfg := e.config()
			cfg.Env = map[string]string{"TARGET": srv.URL}
			r, err := Load(context.Background(), filepath.Join("testdata/compat", tc.file), cfg)
			if err != nil {
				t.Fatal(err)
			}
			name, vus, iters := "default", int64(1), int64(1)
			o := r.Options()
			if o.Iterations != nil {
				iters = *o.Iterations
			}
			for n, sc := range o.Scenarios {
				name, vus, iters = n, *sc.VUs, *sc.Iterations
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := r.Setup(ctx); err != nil {
				t.Fatal(err)
			}
			sc := &engine.Scenario{Name: name, Executor: "per-vu-iterations", StartTime: time.Now()}
			// VUs are made concurrently and all before the start, as the
			// engine does.
			vuList := make([]engine.VU, vus)
			var wg sync.WaitGroup
			for i := range vuList {
				wg.Go(func() {
					var err error
					if vuList[i], err = r.NewVU(ctx, uint64(i+1)); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			var inTest atomic.Int64
			for i, v := range vuList {
				wg.Go(func() {
					for n := int64(0); n < iters; n++ {
						it := &engine.Iteration{Scenario: sc, VUID: uint64(i + 1), VUIDInTest: uint64(i + 1), InScenarioVU: n, InScenario: inTest.Add(1) - 1, Start: time.Now()}
						_ = v.RunIteration(ctx, it) // 36 and 37 throw on purpose
					}
				})
			}
			wg.Wait()
			if err := r.Teardown(ctx); err != nil {
				t.Fatal(err)
			}
			snap := e.agg.Flush()
			checks := e.sink(snap, "checks")
			if checks == nil || checks.Count == 0 || checks.Trues != checks.Count-tc.failing {
				t.Errorf("checks: %+v, want all but %d passing", checks, tc.failing)
				for _, s := range snap.Series {
					if s.Metric.Name == "checks" && s.Sink.Trues != s.Sink.Count {
						t.Logf("failed: %v", s.Tags.Pairs)
					}
				}
				t.Logf("logs: %q", e.logged())
			}
			if f := e.sink(snap, tc.finished); f == nil || f.Sum != tc.want {
				t.Errorf("%s = %+v, want %v", tc.finished, f, tc.want)
			}
		})
	}
}
