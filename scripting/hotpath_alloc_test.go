//go:build !race

package scripting

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

// iterationAllocBudget is what one iteration of
//
//	export default function () { const res = http.get(TARGET); if (res.status !== 200) throw ... }
//
// may allocate in steady state, through the real Runner, VU and HTTP client
// (kept-alive connection, warm tag sets and trend buffers). Measured: 6:
// goja's value stack 2 (goja frees it when control leaves the runtime),
// the response 3 (the Go struct with its inline header storage, goja's
// dynamic object and its wrapper) and the body 1. The VU's own work
// allocates nothing: the interrupt hook stays registered on the
// iteration's context, the call's argument and error targets live in the
// VU, __ITER is read from the VU when the script reads it, and the
// iteration's tag set is cached (it was 15 before, 5 of them the hook).
// Lower it when the hot path gets cheaper; never raise it without a
// profile that says why.
const iterationAllocBudget = 6

// TestIterationAllocs guards the JavaScript hot path (issue 6): a VU
// iteration that calls http.get and reads res.status allocates at most
// iterationAllocBudget objects. The server is a canned-response loop over
// a raw socket that allocates nothing per request, so AllocsPerRun (which
// counts the whole process) sees the client's allocations.
func TestIterationAllocs(t *testing.T) {
	run := warmVU(t, `
import http from 'k6/http';
const TARGET = __ENV.TARGET;
export default function () {
  const res = http.get(TARGET);
  if (res.status !== 200) throw new Error('status ' + res.status);
}`)
	got := testing.AllocsPerRun(500, run)
	t.Logf("%.1f allocations per iteration (budget %d)", got, iterationAllocBudget)
	if got > iterationAllocBudget {
		t.Errorf("an iteration with http.get and res.status allocates %.1f objects, budget %d", got, iterationAllocBudget)
	}
}

// checksAllocBudget is what one iteration of bench/scenarios/checks.js
//
//	const res = http.get(TARGET);
//	check(res, { 'status is 200': (r) => ..., 'body is hello world': (r) => ... });
//	waiting.add(res.timings.waiting);
//
// may allocate in steady state. Measured: 48 (53 before check reused its
// conditions' argument list, 2, and res.body reused the string of an equal
// last body, 3). goja's share is 41: the script's check set (its two arrow
// functions 16, the object ~7), enumerating the set's keys (Object.Keys)
// 11, a callable for each condition 4, the value stack 3. The rest: the
// response 3 and its body buffer 1 as in iterationAllocBudget, and
// res.timings 3 (goja's dynamic object 2, the number 1). check's tag sets
// and Trend.add cost nothing once warm.
const checksAllocBudget = 48

// TestIterationChecksAllocs guards checks.js's iteration (issue: its CPU per
// request against wrk's) the way TestIterationAllocs guards http.get's.
func TestIterationChecksAllocs(t *testing.T) {
	run := warmVU(t, `
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';
const TARGET = __ENV.TARGET;
const waiting = new Trend('bench_waiting', true);
export default function () {
  const res = http.get(TARGET);
  const ok = check(res, {
    'status is 200': (r) => r.status === 200,
    'body is hello world': (r) => r.body === 'hello world!\n',
  });
  if (!ok) throw new Error('checks failed: ' + res.status + ' ' + JSON.stringify(res.body));
  waiting.add(res.timings.waiting);
}`)
	got := testing.AllocsPerRun(500, run)
	t.Logf("%.1f allocations per iteration (budget %d)", got, checksAllocBudget)
	if got > checksAllocBudget {
		t.Errorf("an iteration of checks.js allocates %.1f objects, budget %d", got, checksAllocBudget)
	}
}

// warmVU loads src as main.js with TARGET set to cannedServer, makes VU 1
// and runs 300 iterations (connection, buffers, tag sets, trend buffers and
// goja's stack warm), and returns a function that runs one more iteration.
// The test's context ends after a minute.
func warmVU(t testing.TB, src string) func() {
	t.Helper()
	e := newEnv(t)
	e.write(map[string]string{"main.js": src})
	cfg := e.config()
	cfg.Env["TARGET"] = cannedServer(t) + "/fast"
	r, err := Load(context.Background(), e.dir+"/main.js", cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	it := &engine.Iteration{Scenario: testScenario("s"), VUID: 1, VUIDInTest: 1, Start: time.Now()}
	run := func() {
		if err := v.RunIteration(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	for range 300 {
		run()
	}
	return run
}

// cannedServer serves "HTTP/1.1 200 OK" with a 13-byte body to every
// request on 127.0.0.1:0 over kept-alive connections, without allocating
// per request. It returns the base URL.
func cannedServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello world!\n")
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serveRequests(c, func(dst []byte) []byte { return append(dst, resp...) })
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}
