// Start-up: every VU logs the wall-clock time (ms since the epoch) at which
// its first iteration starts; bench/startup.sh compares these with the time
// taken just before the process was started.
//
// Run by bench/startup.sh as:
//   load run -q --no-summary --console-output FILE -u 1000 -d 3s \
//     -e TARGET=http://127.0.0.1:PORT/ bench/scenarios/startup.js
import http from 'k6/http';
import { sleep } from 'k6';

const TARGET = __ENV.TARGET;

export const options = {
  vus: 1000,
  duration: '3s',
};

export default function () {
  if (__ITER === 0) {
    console.log(`first-iteration vu=${__VU} ms=${Date.now()}`);
  }
  http.get(TARGET);
  sleep(1);
}
