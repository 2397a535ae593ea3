// ramping-arrival-rate: the start rate ramps 0 -> 100/s over 5 s, holds 5 s,
// then falls to 0 over 5 s: 250 + 500 + 250 = 1000 starts in all.
import http from 'load/http';
import { check } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      preAllocatedVUs: 20,
      maxVUs: 100,
      stages: [
        { duration: '5s', target: 100 },
        { duration: '5s', target: 100 },
        { duration: '5s', target: 0 },
      ],
    },
  },
  thresholds: {
    'iterations{scenario:ramp}': ['count==1000'],
    http_req_failed: ['rate<0.01'],
  },
};

export default function () {
  check(http.get(`${BASE}/capacity`), { 'status 200': (r) => r.status === 200 });
}
