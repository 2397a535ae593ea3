// Package rightsize recommends CPU and memory requests and limits for the
// services under test from their usage during a load test's sustainable
// load, and says how over-provisioned today's requests are.
//
// # Entry point
//
// Windows picks the spans of the runs (engine/results) whose usage counts:
// the capacity steps that met the SLO when the run has step marks, else the
// whole run. Usage comes from ReadCSV (timestamp,service,cpu_cores,
// memory_bytes) or from Prometheus.Usage, two range queries
// (GET /api/v1/query_range) over the windows' span with a step, the service
// named by a series label. Recommend pools the samples inside the windows
// per service (all instances of a service together, so the figures are per
// instance) and applies the Rule:
//
//	request = P90(usage) × (1 + 0.15)
//	limit   = max(max(usage) ÷ 0.8, request)
//	over-provisioned % = (current request − request) ÷ current request × 100
//
// The request anchor is the Kubernetes Vertical Pod Autoscaler's
// recommender, whose target is the 90th percentile of usage plus a 15%
// safety margin; the limit anchor is Kubecost's request-sizing "max"
// algorithm, the peak usage in the window scaled to a target utilization.
// Percentiles interpolate linearly between closest ranks (Hyndman & Fan
// type 7). docs/rightsize.md has the details and the JSON schema.
//
// A Report renders as JSON, Markdown and a self-contained HTML page
// (WriteJSON, WriteMarkdown, WriteHTML); each states the rule with the
// parameters used (RuleText). Usage groups the samples per service over
// the runs' span (RunsSpan) for the HTML's usage charts (report/svgchart).
//
// # Units
//
// CPU in cores, memory in bytes, times as time.Time (UTC), the Prometheus
// step as a time.Duration.
//
// # Concurrency
//
// Recommend and Windows are pure. A Prometheus value may be used by several
// goroutines at once (its http.Client is).
package rightsize
