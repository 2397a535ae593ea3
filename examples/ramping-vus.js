// ramping-vus: 0 -> 20 VUs over 5 s, hold 5 s, down to 0 over 3 s.
import http from 'load/http';
import { check, sleep } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '5s', target: 20 },
        { duration: '5s', target: 20 },
        { duration: '3s', target: 0 },
      ],
      gracefulRampDown: '2s',
    },
  },
  thresholds: { http_req_failed: ['rate<0.01'] },
};

export default function () {
  check(http.get(`${BASE}/get`), { 'status 200': (r) => r.status === 200 });
  sleep(0.2);
}
