package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseExport(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      figures
		err       string
	}{
		{"all figures, nothing dropped", `{"metrics":{
			"iterations":{"count":20000,"rate":999.9},
			"schedule_lag":{"med":0.07,"p(99)":0.3,"max":4.1},
			"iteration_latency":{"p(99)":1.2},
			"http_req_duration":{"med":0.09,"p(99)":0.8,"thresholds":{"p(99)<5":{"ok":true}}}}}`,
			figures{Started: 20000, LagP50: 0.07, LagP99: 0.3, LagMax: 4.1, LatencyP99: 1.2, ReqP99: 0.8, ReqMed: 0.09}, ""},
		{"dropped counted", `{"metrics":{
			"iterations":{"count":19990},"dropped_iterations":{"count":10},
			"schedule_lag":{"med":1,"p(99)":2,"max":3},"iteration_latency":{"p(99)":4},"http_req_duration":{"med":5,"p(99)":6}}}`,
			figures{Started: 19990, Dropped: 10, LagP50: 1, LagP99: 2, LagMax: 3, LatencyP99: 4, ReqP99: 6, ReqMed: 5}, ""},
		{"no schedule_lag", `{"metrics":{"iterations":{"count":1},"iteration_latency":{"p(99)":4},"http_req_duration":{"med":5,"p(99)":6}}}`,
			figures{}, "lacks schedule_lag.med, schedule_lag.p(99), schedule_lag.max"},
		{"not JSON", `{`, figures{}, "summary export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseExport([]byte(tc.doc))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	ok := figures{Started: 20000, LagP99: 0.3}
	for _, tc := range []struct {
		name string
		f    figures
		want []string // substrings of the failures, in order
	}{
		{"exact and fast", ok, nil},
		{"one start short (boundary off by one)", figures{Started: 19999, LagP99: 0.3}, []string{"started + dropped = 19999, want 20000"}},
		{"dropped but counted", figures{Started: 19990, Dropped: 10, LagP99: 0.3}, []string{"10 starts dropped"}},
		{"lag at the limit fails", figures{Started: 20000, LagP99: 5}, []string{"not under 5.000 ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := verdict(tc.f, expectedStarts(1000, 20*time.Second), 5*time.Millisecond)
			if len(got) != len(tc.want) {
				t.Fatalf("verdict %q, want %d failures like %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("failure %d = %q, want it to contain %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}
