//go:build !race

package scripting

import "testing"

// benchIteration runs one VU of src against cannedServer and reports the
// cost of an iteration (ns/op and allocations; the canned server's own
// share of the CPU is included, it allocates nothing).
func benchIteration(b *testing.B, src string) {
	run := warmVU(b, src)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
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

// BenchmarkIterationChecksNoHTTP is checks.js without the request: a plain
// object stands for the response, so what remains is check() with its two
// conditions and Trend.add, without the network's noise.
func BenchmarkIterationChecksNoHTTP(b *testing.B) {
	benchIteration(b, `
import { check } from 'k6';
import { Trend } from 'k6/metrics';
const waiting = new Trend('bench_waiting', true);
const res = { status: 200, body: 'hello world!\n', timings: { waiting: 1.25 } };
export default function () {
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is hello world': (r) => r.body === 'hello world!\n',
  });
  waiting.add(res.timings.waiting);
}`)
}
