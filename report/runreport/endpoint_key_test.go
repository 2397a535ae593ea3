package runreport

import (
	"testing"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

func TestEndpointKey(t *testing.T) {
	reg := metrics.NewRegistry()
	for _, tc := range []struct {
		name       string
		tags       []metrics.Tag
		wantName   string
		wantMethod string
	}{
		{"name tag wins", []metrics.Tag{{Key: "name", Value: "checkout"}, {Key: "url", Value: "http://x/c?1"}, {Key: "method", Value: "POST"}}, "checkout", "POST"},
		{"url without a name", []metrics.Tag{{Key: "url", Value: "http://x/a"}, {Key: "method", Value: "GET"}}, "http://x/a", "GET"},
		{"overflow series is named", []metrics.Tag{{Key: results.OverflowTag, Value: "true"}}, "(other endpoints, over --max-series)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, m := endpointKey(reg.Tags(tc.tags...))
			if n != tc.wantName || m != tc.wantMethod {
				t.Errorf("endpointKey = %q, %q; want %q, %q", n, m, tc.wantName, tc.wantMethod)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		name  string
		facts Facts
		ths   []Threshold
		want  string
	}{
		{"finished, passed", Facts{Finished: true, EndReason: "finished"}, []Threshold{{Passed: true}}, "all thresholds passed"},
		{"finished, failed", Facts{Finished: true, EndReason: "finished"}, []Threshold{{Passed: false}}, "thresholds failed"},
		{"finished, none", Facts{Finished: true, EndReason: "finished"}, nil, "no thresholds"},
		{"interrupted", Facts{Finished: true, EndReason: "interrupted"}, []Threshold{{Passed: true}}, "run cut short (interrupted): no verdict"},
		{"test.abort", Facts{Finished: true, EndReason: "aborted: stop"}, []Threshold{{Passed: true}}, "run cut short (aborted: stop): no verdict"},
		{"abortOnFail keeps its verdict", Facts{Finished: true, EndReason: "threshold abortOnFail"}, []Threshold{{Passed: false}}, "thresholds failed"},
		{"killed", Facts{}, []Threshold{{Passed: true}}, "run cut short (no summary record: the process was killed or is still running): no verdict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Facts: tc.facts, Thresholds: tc.ths}
			if got := r.Verdict(); got != tc.want {
				t.Errorf("Verdict() = %q, want %q", got, tc.want)
			}
		})
	}
}
