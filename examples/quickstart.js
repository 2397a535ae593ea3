// Quickstart: a short test of a few endpoints of `load target`, with checks
// and thresholds. Run it with `make demo`, or:
//   load target --addr 127.0.0.1:8080 &
//   load run -e TARGET=http://127.0.0.1:8080 examples/quickstart.js
import http from 'load/http';
import { check, group, sleep } from 'load';

const BASE = __ENV.TARGET || 'http://127.0.0.1:8080';

export const options = {
  stages: [
    { duration: '3s', target: 10 }, // ramp up to 10 VUs
    { duration: '5s', target: 10 }, // hold
    { duration: '2s', target: 0 },  // ramp down
  ],
  thresholds: {
    http_req_failed: ['rate<0.01'],          // less than 1% errors
    http_req_duration: ['p(95)<500'],        // 95% of requests under 500 ms
    'http_req_duration{name:capacity}': ['p(99)<1000'],
    checks: ['rate>0.99'],
  },
};

export default function () {
  group('browse', () => {
    const res = http.get(`${BASE}/get?page=home`);
    check(res, {
      'home: status 200': (r) => r.status === 200,
      'home: echoes the query': (r) => r.json('args.page.0') === 'home',
    });
  });

  group('order', () => {
    const res = http.post(`${BASE}/post`, JSON.stringify({ item: 'book', qty: 1 }), {
      headers: { 'Content-Type': 'application/json' },
    });
    check(res, { 'order: accepted': (r) => r.status === 200 && r.json('json.item') === 'book' });
  });

  const res = http.get(`${BASE}/capacity`, { tags: { name: 'capacity' } });
  check(res, { 'capacity: status 200': (r) => r.status === 200 });

  sleep(0.5);
}
