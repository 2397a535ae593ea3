package report

import (
	"testing"

	"github.com/loadline/loadline/engine/metrics"
)

func TestSubMetricName(t *testing.T) {
	tests := []struct {
		name   string
		filter []metrics.Tag
		want   string
	}{
		{"whole metric", nil, "http_req_duration"},
		{"one tag", []metrics.Tag{{Key: "status", Value: "200"}}, "http_req_duration{status:200}"},
		{"filter order kept", []metrics.Tag{{Key: "name", Value: "b"}, {Key: "method", Value: "GET"}}, "http_req_duration{name:b,method:GET}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SubMetricName("http_req_duration", tt.filter); got != tt.want {
				t.Errorf("SubMetricName = %q, want %q", got, tt.want)
			}
		})
	}
}
