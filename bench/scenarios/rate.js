// Latency overhead: an open model at a fixed arrival rate, well below the
// server's capacity, so the reported p50 is the client's own overhead plus
// the server's service time, not queueing.
//
// Environment: TARGET (URL), RATE (iterations per second), DURATION (e.g.
// '10s'), VUS (pre-allocated VUs, default 50), MAX_VUS (default 1000).
import http from 'k6/http';

const TARGET = __ENV.TARGET;

export const options = {
  scenarios: {
    paced: {
      executor: 'constant-arrival-rate',
      rate: Number(__ENV.RATE || 1000),
      timeUnit: '1s',
      duration: __ENV.DURATION || '10s',
      preAllocatedVUs: Number(__ENV.VUS || 50),
      maxVUs: Number(__ENV.MAX_VUS || 1000),
    },
  },
};

export default function () {
  http.get(TARGET);
}
