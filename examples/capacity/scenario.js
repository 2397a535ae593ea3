// Capacity walk-through scenario: one request to the demo target's
// /capacity endpoint per iteration, no think time, so the offered arrival
// rate is the request rate. Run it with the capacity preset, e.g.
//
//   load run --out staging.jsonl -e TARGET=http://127.0.0.1:8081 \
//     --capacity-steps 8 --capacity-max-rate 400 --step-duration 10s \
//     examples/capacity/scenario.js
//
// (--capacity-steps replaces any scenarios with the staircase.)
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  thresholds: {
    // Reported, not used by `load capacity` (which takes its own --slo).
    http_req_failed: ['rate<0.01'],
  },
};

export default function () {
  const res = http.get(`${__ENV.TARGET}/capacity`, { tags: { name: '/capacity' } });
  check(res, { 'status is 200': (r) => r.status === 200 });
}
