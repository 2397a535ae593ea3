// Package parity says how far a staging environment's load-test results can
// be trusted to predict production's.
//
// # Entry point
//
// LoadDescriptor reads an environment descriptor (YAML; the schema is in
// docs/parity.md and on Descriptor). Diff ranks every difference between
// two descriptors by its risk to performance (High, Medium, Low) with the
// rule that decided it and a reason; EnvScore turns the ranked drifts into
// a 0..100 score. Build makes the whole Report from two descriptors and,
// optionally, results files of runs against each (engine/results):
//
//   - per endpoint (the "name" tag, reduced to the URL path so that one
//     endpoint on two hosts matches) and overall, the production ÷ staging
//     ratio of p50, p95 and p99 of http_req_duration with percentile-
//     bootstrap confidence intervals (the resampling unit is the 1 s
//     interval, a block bootstrap; fixed seed), the error-rate difference
//     and the throughput per instance, and a verdict: within the tolerance
//     X (default 15%) or not;
//   - a capacity Prediction: staging's sustainable throughput (the highest
//     throughput of a span, a marked step or else a 1 s interval, that met
//     the SLO) times the ratio of the service's capacity units (replicas ×
//     workers per replica by default, or Service.ScalesWith), the linear
//     case of the Universal Scalability Law; with production runs, the
//     measured sustainable throughput and the relative error;
//   - an overall Score (the lowest of the environment, endpoint and
//     prediction scores), the Drivers that lowered it most and a one-line
//     Verdict.
//
// Report.WriteJSON, WriteMarkdown and WriteHTML render one computed Report,
// so the formats agree by construction; each states the parameters used
// (Report.Rules, RuleLines). The HTML page embeds the JSON and draws the
// latency ratios with their intervals and the capacity prediction with
// report/svgchart.
//
// # Units
//
// Latencies in milliseconds, throughputs in requests per second, error
// rates and tolerances as fractions (0.15 = 15%), CPU in cores, memory and
// data sizes in bytes (Quantity parses Kubernetes-style strings).
//
// # Concurrency
//
// Functions are pure over their arguments; a Report is plain data. Build
// does not modify the runs or descriptors it is given.
package parity
