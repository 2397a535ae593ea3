// constant-vus: 10 VUs loop for 5 s, each pausing 100 ms between requests
// (a closed model: the request rate depends on the server's speed).
import http from 'load/http';
import { check, sleep } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    steady: { executor: 'constant-vus', vus: 10, duration: '5s' },
  },
  thresholds: { http_req_duration: ['p(95)<200'], http_req_failed: ['rate<0.01'] },
};

export default function () {
  check(http.get(`${BASE}/delay?ms=20`), { 'status 200': (r) => r.status === 200 });
  sleep(0.1);
}
