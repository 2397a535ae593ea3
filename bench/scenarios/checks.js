// Throughput with the usual per-iteration work: one GET, two checks and a
// custom Trend sample, as a typical scenario would do.
//
// Run by bench/compare.sh as:
//   load run -q -u 50 -d 10s -e TARGET=http://127.0.0.1:PORT/ bench/scenarios/checks.js
import http from 'k6/http';
import { check } from 'k6';
import { Trend } from 'k6/metrics';

const TARGET = __ENV.TARGET;
const waiting = new Trend('bench_waiting', true);

export const options = {
  vus: 50,
  duration: '10s',
};

export default function () {
  const res = http.get(TARGET);
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is hello world': (r) => r.body === 'hello world!\n',
  });
  waiting.add(res.timings.waiting);
}
