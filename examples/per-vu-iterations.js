// per-vu-iterations: each of 4 VUs runs exactly 10 iterations (40 in all).
import http from 'load/http';
import { check } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    each: { executor: 'per-vu-iterations', vus: 4, iterations: 10, maxDuration: '30s' },
  },
  thresholds: { iterations: ['count==40'], http_req_failed: ['rate==0'] },
};

export default function () {
  check(http.get(`${BASE}/fast`), { 'status 200': (r) => r.status === 200 });
}
