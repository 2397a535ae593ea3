// Package bench is Loadline's side-by-side benchmark harness: shell scripts
// that run the `load` binary and wrk against the same nginx on one machine
// and report the ratios the performance targets are stated in, plus two
// small Go programs that run the real binary for one figure each.
//
//   - compare.sh (make bench-compare): throughput, CPU per request, peak RSS
//     and p50 latency of `load run` against wrk, both pinned to one core.
//   - memory.sh (make bench-memory): RSS per VU above the 1-VU baseline and
//     RSS over run length.
//   - startup.sh (make bench-startup): time from process start until 1,000
//     VUs are iterating.
//   - scenarios/: the scripts those runs use.
//   - lib.sh: the helpers they share (tool install, nginx, timing, parsing).
//   - arrival/ (make bench-arrival): a 20 s constant-arrival-rate run at
//     1,000/s against `load target`: exact start count and schedule_lag.
//   - sharedarray/ (make bench-sharedarray): RSS that a 50 MB SharedArray
//     read by 200 VUs adds, as a multiple of the data's size.
//   - RESULTS.md: method, machine facts and the latest figures.
//
// The scripts are sequential and single-threaded; every run is bounded by
// `timeout`, and all traffic goes to 127.0.0.1. Durations in the scripts'
// environment variables are whole seconds; latency figures are
// microseconds, memory KiB, CPU time seconds of user+sys.
//
// The package's tests check lib.sh's parsing and probing helpers with real
// listeners on 127.0.0.1:0, and that every script parses. Go
// micro-benchmarks live beside the code they measure, not here.
package bench
