package scripting

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

// footprintServerEnv, when set, makes TestRunningFootprint the target
// server instead of the measurement (the test runs itself as a child
// process, so the server's per-connection heap does not count).
const footprintServerEnv = "LOADLINE_FOOTPRINT_SERVER"

// TestRunningFootprint bounds the heap a VU keeps while it sleeps inside an
// iteration of bench/scenarios/sleep.js (`http.get(TARGET); sleep(...)`):
// what bench/memory.sh measures as RSS, without the stacks. n VUs each
// start one iteration on a goroutine of their own; once every request has
// been recorded and the VUs sleep, the live heap above the moment the VUs
// were made is divided by n. The target is a child process answering like
// the nginx of bench/lib.sh (five header lines, a 13-byte body), over one
// kept-alive connection per VU.
//
// Budgets have ~23% headroom over what was measured on 2026-11-30 at 04:40
// UTC: 9.3 KiB after NewVU and 14.2 KiB asleep (15.1 and 23.4 KiB at
// 04:10, before the work the commits since then describe).
func TestRunningFootprint(t *testing.T) {
	if os.Getenv(footprintServerEnv) != "" {
		serveFootprint(t)
		return
	}
	const (
		n           = 200
		initBudget  = 11776 // bytes after NewVU (11.5 KiB), as TestVUFootprint's
		sleepBudget = 17920 // bytes while the iteration sleeps (17.5 KiB)
	)
	target := startFootprintServer(t)
	if os.Getenv(footprintProfileEnv) != "" {
		runtime.MemProfileRate = 1
	}
	e := newEnv(t)
	e.write(map[string]string{"main.js": `
import http from 'k6/http';
import { sleep } from 'k6';
const TARGET = __ENV.TARGET;
export const options = { vus: 1000, duration: '20s' };
export default function () { http.get(TARGET); sleep(30); }`})
	cfg := e.config()
	cfg.Env["TARGET"] = target
	r, err := Load(context.Background(), filepath.Join(e.dir, "main.js"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.SetOptions(r.Options())

	// The iterations' goroutines and engine.Iterations exist before the
	// first measurement, the goroutines parked until the VUs are made: in a
	// run they are the engine's.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := make(chan struct{})
	release := sync.OnceFunc(func() { close(start) })
	vus := make([]engine.VU, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sc := testScenario("s")
	for i := range n {
		id := uint64(i + 1)
		it := &engine.Iteration{Scenario: sc, VUID: id, VUIDInTest: id, Start: time.Now()}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if vus[i] != nil {
				errs <- vus[i].RunIteration(ctx, it)
			}
		}()
	}
	defer func() {
		cancel() // ends the sleeps
		release()
		wg.Wait()
		for _, v := range vus {
			if c, ok := v.(engine.VUCloser); ok {
				c.Close()
			}
		}
	}()

	base := settledHeap()
	baseStacks := stackInuse()
	writeFootprintProfile(t, "base")
	for i := range vus {
		v, err := r.NewVU(context.Background(), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		vus[i] = v
	}
	inited := settledHeap()
	writeFootprintProfile(t, "init")
	release()

	// Wait until every request has been recorded: the VUs then sleep.
	var reqs float64
	var failed int64
	for deadline := time.Now().Add(20 * time.Second); reqs < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%v of %d requests recorded after 20 s", reqs, n)
		}
		select {
		case err := <-errs:
			t.Fatalf("an iteration ended before its sleep: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		snap := e.agg.Flush()
		if s := e.sink(snap, "http_reqs"); s != nil {
			reqs += s.Sum
		}
		if s := e.sink(snap, "http_req_failed"); s != nil {
			failed += s.Trues
		}
	}
	if failed != 0 {
		t.Fatalf("%d of %d requests failed", failed, n)
	}
	pooled := liveHeap()
	sleeping := settledHeap()
	stacks := stackInuse()
	runtime.KeepAlive(vus)
	writeFootprintProfile(t, "sleep")

	perInit := float64(inited-base) / n
	perSleep := float64(sleeping-base) / n
	t.Logf("heap per VU: %.1f KiB after NewVU (budget %.1f KiB), %.1f KiB while sleeping (budget %.1f KiB), +%.1f KiB for the iteration; the pools' buffers, not counted: %.1f KiB",
		perInit/1024, initBudget/1024.0, perSleep/1024, sleepBudget/1024.0, (perSleep-perInit)/1024, float64(pooled-sleeping)/n/1024)
	// Not asserted (the runtime sizes the test's goroutines as it likes):
	// the stacks the VUs' goroutines hold while they sleep.
	t.Logf("stacks: %.1f KiB per sleeping VU", float64(stacks-baseStacks)/n/1024)
	if perInit > initBudget {
		t.Errorf("heap per VU after NewVU = %.1f KiB, over the budget of %.1f KiB", perInit/1024, initBudget/1024.0)
	}
	if perSleep > sleepBudget {
		t.Errorf("heap per sleeping VU = %.1f KiB, over the budget of %.1f KiB", perSleep/1024, sleepBudget/1024.0)
	}
}

// The VU's interrupt hook also aborts its HTTP request in flight (the
// client registers nothing of its own on the iteration's context): an
// iteration cancelled in a slow request ends at once, on this context and
// on the next one, and the next request runs clean.
func TestCancelAbortsRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	e := newEnv(t)
	e.write(map[string]string{"main.js": `
import http from 'k6/http';
export default function () {
  const res = http.get(__ENV.TARGET + (__ITER % 2 === 0 ? '/slow' : '/fast'));
  if (__ITER % 2 === 1 && res.status !== 200) throw new Error('status ' + res.status + ' ' + res.error);
}`})
	r := e.loadWithTarget("main.js", srv.URL)
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer v.(engine.VUCloser).Close()
	sc := testScenario("s")
	for round := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		if err := v.RunIteration(ctx, &engine.Iteration{Scenario: sc, VUID: 1, Start: start}); err != nil {
			t.Fatalf("round %d: cancelled iteration: %v", round, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("round %d: the cancelled iteration took %v", round, took)
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
		err := v.RunIteration(ctx2, &engine.Iteration{Scenario: sc, VUID: 1, Start: time.Now()})
		cancel2()
		if err != nil {
			t.Fatalf("round %d: the iteration after: %v", round, err)
		}
	}
	if got := r.iterationsInterrupted.Load(); got != 2 {
		t.Errorf("iterations interrupted = %d, want 2", got)
	}
}

// settledHeap is liveHeap after the sync.Pools' victims are gone (a
// second GC): buffers pooled for the whole process are not a VU's.
func settledHeap() int64 {
	runtime.GC()
	return liveHeap()
}

func stackInuse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.StackInuse)
}

// startFootprintServer starts this test binary as the target server and
// returns its URL; the child stops when the test ends (its stdin closes).
func startFootprintServer(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunningFootprint$", "-test.count=1")
	cmd.Env = append(os.Environ(), footprintServerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("footprint server: %v", err)
		}
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return url
		}
	}
	t.Fatalf("footprint server did not start: %v", lines.Err())
	return ""
}

// serveFootprint is the child's side: it answers every request on
// 127.0.0.1 with nginx's answer to bench/lib.sh's `return 200 "hello
// world!\n"`, until its stdin closes.
func serveFootprint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("listening on http://%s/\n", ln.Addr())
	var (
		mu    sync.Mutex
		conns = map[net.Conn]bool{}
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(io.Discard, os.Stdin)
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			serveNginxLike(c)
		}()
	}
	wg.Wait()
}

// serveNginxLike answers requests on c until it fails, with the header
// lines and body of bench/lib.sh's nginx.
func serveNginxLike(c net.Conn) {
	serveRequests(c, func(resp []byte) []byte {
		resp = append(resp, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: "...)
		resp = time.Now().UTC().AppendFormat(resp, "Mon, 02 Jan 2006 15:04:05 GMT")
		return append(resp, "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nhello world!\n"...)
	})
}

// footprintProfileEnv, when set to a path prefix, makes TestRunningFootprint
// sample every allocation and write heap profiles at its three
// measurements (prefix.base, .init, .sleep), to attribute the bytes:
//
//	LOADLINE_FOOTPRINT_PROFILE=/tmp/h go test -run 'TestRunningFootprint$' ./scripting
//	go tool pprof -sample_index=inuse_space -diff_base /tmp/h.init -top /tmp/h.sleep
const footprintProfileEnv = "LOADLINE_FOOTPRINT_PROFILE"

func writeFootprintProfile(t *testing.T, name string) {
	prefix := os.Getenv(footprintProfileEnv)
	if prefix == "" {
		return
	}
	f, err := os.Create(prefix + "." + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}

// A VU the engine retires (Close) while its scenario's context lives on is
// garbage: nothing on that context keeps it, so an arrival-rate scenario
// that retires and adds VUs for hours holds only the VUs it has.
func TestClosedVUIsCollected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	e := newEnv(t)
	e.write(map[string]string{"main.js": `
import http from 'k6/http';
export default function () { http.get(__ENV.TARGET); }`})
	r := e.loadWithTarget("main.js", srv.URL)
	scenarioCtx, cancel := context.WithCancel(context.Background())
	defer cancel() // lives past the VU, as the scenario's context does
	collected := make(chan struct{})
	func() {
		v, err := r.NewVU(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := v.RunIteration(scenarioCtx, &engine.Iteration{Scenario: testScenario("s"), VUID: 1, Start: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		runtime.AddCleanup(v.(*vu), func(struct{}) { close(collected) }, struct{}{})
		v.(engine.VUCloser).Close()
	}()
	for range 20 {
		runtime.GC()
		select {
		case <-collected:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("a closed VU is still reachable while its scenario's context lives")
}

// loadWithTarget loads the env's script name with __ENV.TARGET set to
// target and its options applied, as `load run` does.
func (e *env) loadWithTarget(name, target string) *Runner {
	e.t.Helper()
	cfg := e.config()
	cfg.Env["TARGET"] = target
	r, err := Load(context.Background(), filepath.Join(e.dir, name), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	r.SetOptions(r.Options())
	return r
}
