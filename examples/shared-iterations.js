// shared-iterations: 5 VUs share 100 iterations; fast VUs take more of them.
import http from 'load/http';
import { check } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 5, iterations: 100, maxDuration: '30s' },
  },
  thresholds: { http_reqs: ['count==100'], http_req_failed: ['rate==0'] },
};

export default function () {
  check(http.get(`${BASE}/fast`), { 'status 200': (r) => r.status === 200 });
}
