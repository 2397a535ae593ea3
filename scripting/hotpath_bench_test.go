//go:build !race

package scripting

import (
	"context"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

// benchIteration runs one VU of src against cannedServer and reports the
// cost of an iteration (ns/op and allocations; the canned server's own
// share of the CPU is included, it allocates nothing).
func benchIteration(b *testing.B, src string) {
	e := newEnv(b)
	e.write(map[string]string{"main.js": src})
	cfg := e.config()
	cfg.Env["TARGET"] = cannedServer(b) + "/fast"
	r, err := Load(context.Background(), e.dir+"/main.js", cfg)
	if err != nil {
		b.Fatal(err)
	}
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := &engine.Iteration{Scenario: testScenario("s"), VUID: 1, VUIDInTest: 1, Start: time.Now()}
	for range 300 {
		if err := v.RunIteration(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := v.RunIteration(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIterationGet is bench/scenarios/get.js.
func BenchmarkIterationGet(b *testing.B) {
	benchIteration(b, `
import http from 'k6/http';
const TARGET = __ENV.TARGET;
export default function () { http.get(TARGET); }`)
}

// BenchmarkIterationChecks is bench/scenarios/checks.js.
func BenchmarkIterationChecks(b *testing.B) {
	benchIteration(b, `
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';
const TARGET = __ENV.TARGET;
const waiting = new Trend('bench_waiting', true);
export default function () {
  const res = http.get(TARGET);
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is hello world': (r) => r.body === 'hello world!\n',
  });
  waiting.add(res.timings.waiting);
}`)
}

// BenchmarkIterationChecksHoisted is checks.js with its check set built
// once in the init context: what the script's own closures cost per
// iteration is the difference to BenchmarkIterationChecks.
func BenchmarkIterationChecksHoisted(b *testing.B) {
	benchIteration(b, `
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';
const TARGET = __ENV.TARGET;
const waiting = new Trend('bench_waiting', true);
const checks = {
  'status is 200': (r) => r.status === 200,
  'body is hello world': (r) => r.body === 'hello world!\n',
};
export default function () {
  const res = http.get(TARGET);
  check(res, checks);
  waiting.add(res.timings.waiting);
}`)
}
