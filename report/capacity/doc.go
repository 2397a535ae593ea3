// Package capacity turns load-test results into capacity figures: one
// measurement per steady step of a stepped run, the knee, a Universal
// Scalability Law fit, the sustainable rate per instance at the service
// objectives, and the instance count production needs for a forecast peak.
//
// # Entry point
//
// Measure reads the steps of a results.Run (one per step mark, or the whole
// run when it has none); Analyze evaluates them against SLOs (ParseSLO) and
// returns a Report, which WriteJSON, WriteMarkdown and WriteHTML render. All
// three render the same computed Report, so their numbers agree. FitUSL,
// Kneedle and InstancesFor are usable alone (report/parity and
// report/rightsize reuse FitUSL and Step); ReadPoints reads
// concurrency,throughput CSV for a USL fit of data measured elsewhere.
//
// # Units
//
// Rates are per second; latencies are milliseconds (http_req_duration);
// error rates and headroom are fractions (0.01 = 1%); concurrency is units of
// work in flight (requests by Little's law, or active VUs).
//
// # Formulas and sources
//
//   - Little's law (Little, 1961): in-flight concurrency N = X·R, throughput
//     times mean latency.
//   - USL (Gunther, Guerrilla Capacity Planning, 2007):
//     X(N) = λN / (1 + σ(N−1) + κN(N−1)); peak N* = sqrt((1−σ)/κ). Fitted
//     by nonlinear least squares (gonum/optimize, Newton's method on the
//     Gauss-Newton Hessian) from Gunther's linearised start; standard errors
//     from s²(JᵀJ)⁻¹, 95% intervals with Student's t on n−3 degrees of
//     freedom.
//   - Kneedle (Satopää et al., ICDCSW 2011), offline, without smoothing.
//   - Sizing: ceil(peak / (per-instance sustainable × (1 − headroom))) +
//     redundancy.
//
// docs/capacity.md explains each in plain words, with the JSON schema.
//
// # Concurrency
//
// Functions are pure and safe for concurrent use; a Report is not safe for
// concurrent mutation.
package capacity
