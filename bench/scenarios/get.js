// Throughput, plain: one GET per iteration, nothing else. The closest a script
// can get to what wrk does, so the ratio against wrk is the cost of the engine
// and the JS runtime per request.
//
// Run by bench/compare.sh as:
//   load run -q -u 50 -d 10s -e TARGET=http://127.0.0.1:PORT/ bench/scenarios/get.js
import http from 'k6/http';

const TARGET = __ENV.TARGET;

export const options = {
  vus: 50,
  duration: '10s',
};

export default function () {
  http.get(TARGET);
}
