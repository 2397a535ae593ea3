// Memory per VU: each VU sends one GET then sleeps 1 s, so 1,000 VUs make
// about 1,000 requests/s and memory is dominated by the VUs themselves.
//
// Run by bench/memory.sh as:
//   load run -q -u 1000 -d 20s -e TARGET=http://127.0.0.1:PORT/ bench/scenarios/sleep.js
import http from 'k6/http';
import { sleep } from 'k6';

const TARGET = __ENV.TARGET;

export const options = {
  vus: 1000,
  duration: '20s',
};

export default function () {
  http.get(TARGET);
  sleep(1);
}
