// constant-arrival-rate: 50 iterations per second for 10 s (an open model:
// starts do not wait for the server). Exactly 500 starts; any start with no
// free VU is dropped and counted in dropped_iterations.
import http from 'load/http';
import { check } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    arrivals: {
      executor: 'constant-arrival-rate',
      rate: 50,
      timeUnit: '1s',
      duration: '10s',
      preAllocatedVUs: 10,
      maxVUs: 50,
    },
  },
  thresholds: {
    dropped_iterations: ['count==0'],
    iteration_latency: ['p(99)<500'], // from the intended start: includes any wait for a VU
    http_req_failed: ['rate<0.01'],
  },
};

export default function () {
  check(http.get(`${BASE}/capacity`), { 'status 200': (r) => r.status === 200 });
}
