package scripting

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
)

// env is a test harness: a metrics pipeline, captured console and log.
type env struct {
	t       testing.TB
	dir     string
	reg     *metrics.Registry
	bi      *metrics.Builtin
	agg     *metrics.Aggregator
	console *syncBuffer
	mu      sync.Mutex
	logs    []string
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), console: &syncBuffer{}}
	e.reg, e.bi, e.agg = newMetricsPipeline()
	return e
}

func newMetricsPipeline() (*metrics.Registry, *metrics.Builtin, *metrics.Aggregator) {
	reg := metrics.NewRegistry()
	return reg, metrics.RegisterBuiltin(reg), metrics.NewAggregator(reg)
}

// write creates files (name -> content) below the env's directory.
func (e *env) write(files map[string]string) {
	e.t.Helper()
	for name, content := range files {
		p := filepath.Join(e.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) config() Config {
	return Config{
		Env:        map[string]string{"TARGET": "http://127.0.0.1:1", "FROM_ENV": "yes"},
		Registry:   e.reg,
		Builtin:    e.bi,
		Aggregator: e.agg,
		Console:    e.console,
		Logf: func(format string, args ...any) {
			e.mu.Lock()
			e.logs = append(e.logs, fmt.Sprintf(format, args...))
			e.mu.Unlock()
		},
	}
}

func (e *env) logged() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.logs...)
}

// load loads name (written before) and fails the test on error.
func (e *env) load(name string) *Runner {
	e.t.Helper()
	r, err := Load(context.Background(), filepath.Join(e.dir, name), e.config())
	if err != nil {
		e.t.Fatalf("Load: %v", err)
	}
	return r
}

// script writes main.js with src and loads it.
func (e *env) script(src string) *Runner {
	e.t.Helper()
	e.write(map[string]string{"main.js": src})
	return e.load("main.js")
}

func testScenario(name string) *engine.Scenario {
	return &engine.Scenario{Name: name, Executor: "per-vu-iterations", Exec: "default", StartTime: time.Now()}
}

// iterate makes VU id and runs n iterations of sc, returning each error.
func (e *env) iterate(r *Runner, id uint64, sc *engine.Scenario, n int) []error {
	e.t.Helper()
	v, err := r.NewVU(context.Background(), id)
	if err != nil {
		e.t.Fatalf("NewVU: %v", err)
	}
	var errs []error
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, v.RunIteration(ctx, &engine.Iteration{Scenario: sc, VUID: id, VUIDInTest: id, InScenarioVU: int64(i), InScenario: int64(i), Start: time.Now()}))
		cancel()
	}
	return errs
}

// sink merges the flushed samples of metric name whose tags contain filter.
func (e *env) sink(snap *metrics.Snapshot, name string, filter ...metrics.Tag) *metrics.Sink {
	e.t.Helper()
	m := e.reg.Lookup(name)
	if m == nil {
		e.t.Fatalf("metric %q not registered", name)
	}
	return snap.Merge(m, filter)
}

func tag(k, v string) metrics.Tag { return metrics.Tag{Key: k, Value: v} }

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("iteration %d: %v", i, err)
		}
	}
}

// serveRequests answers every request header read from c with what reply
// appends to its (reused) buffer, until c fails or a request header
// exceeds 8 KiB. It allocates nothing per request, so allocation tests
// that count the whole process see only the client's.
func serveRequests(c net.Conn, reply func(dst []byte) []byte) {
	buf := make([]byte, 0, 8192)
	var resp []byte
	for {
		n, err := c.Read(buf[len(buf):cap(buf)])
		if err != nil {
			return
		}
		buf = buf[:len(buf)+n]
		for {
			i := bytes.Index(buf, []byte("\r\n\r\n"))
			if i < 0 {
				break
			}
			resp = reply(resp[:0])
			if _, err := c.Write(resp); err != nil {
				return
			}
			buf = buf[:copy(buf, buf[i+4:])]
		}
		if len(buf) == cap(buf) {
			return
		}
	}
}
