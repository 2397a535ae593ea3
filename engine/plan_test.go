package engine

import (
	"strings"
	"testing"
)

// TestScenarioPlanStarts: the scheduled starts are the area under the rate
// curve, per stage duration × (from + to) / 2, rounded up (CASES.md C01,
// C03; the half-open window of the boundary rule).
func TestScenarioPlanStarts(t *testing.T) {
	for _, tc := range []struct {
		name, js string
		want     int64
	}{
		{"C01: 1/s for 30 s", `{"executor":"constant-arrival-rate","rate":1,"duration":"30s","preAllocatedVUs":1}`, 30},
		{"rate 10/s for 3 s", `{"executor":"constant-arrival-rate","rate":10,"timeUnit":"1s","duration":"3s","preAllocatedVUs":1}`, 30},
		{"1000/s for 20 s", `{"executor":"constant-arrival-rate","rate":1000,"duration":"20s","preAllocatedVUs":1}`, 20000},
		{"2.5 per 1 s for 3 s: 7.5 rounds up", `{"executor":"constant-arrival-rate","rate":2.5,"duration":"3s","preAllocatedVUs":1}`, 8},
		{"C03 A: 300 + 900 + 2400 + 660", `{"executor":"ramping-arrival-rate","startRate":300,"timeUnit":"1m","preAllocatedVUs":1,"stages":[{"duration":"1m","target":300},{"duration":"2m","target":600},{"duration":"4m","target":600},{"duration":"2m","target":60}]}`, 4260},
		{"C03 A scaled ×60", `{"executor":"ramping-arrival-rate","startRate":300,"timeUnit":"1s","preAllocatedVUs":1,"stages":[{"duration":"1s","target":300},{"duration":"2s","target":600},{"duration":"4s","target":600},{"duration":"2s","target":60}]}`, 4260},
		{"C03 B: startRate defaults to 0", `{"executor":"ramping-arrival-rate","timeUnit":"1m","preAllocatedVUs":1,"stages":[{"duration":"1m","target":10000},{"duration":"1m","target":20000},{"duration":"1m","target":30000},{"duration":"1m","target":40000},{"duration":"1m","target":50000}]}`, 125000},
		{"closed model has none", `{"executor":"constant-vus","vus":3,"duration":"3s"}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mustOptions(t, `{"scenarios":{"s":`+tc.js+`}}`)
			plan, err := o.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Scenarios[0].Starts(); got != tc.want {
				t.Fatalf("Starts() = %d, want %d", got, tc.want)
			}
		})
	}
}

// The hosts option's keys are checked as k6 checks them.
func TestHostsValidation(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want string // "" for valid, else a part of the error
	}{
		{"api.example.com", ""},
		{"api.example.com:8080", ""},
		{"*.example.com", ""},
		{"*.example.com:443", ""},
		{"*example.com", ""},
		{"*", ""},
		{"[::1]:80", ""},
		{"foo*.bar", "invalid host pattern"},
		{"**.x.test", "invalid host pattern"},
		{"*.x.test:99999", "invalid port"},
		{"*.x.test:abc", "invalid port"},
		{":80", "no host name"},
		{"", "no host name"},
		{"a.test:+80", "invalid port"},
		{"a.test:080", ""},
		{"a.test:80:90", "invalid host name"},
		{"a b", "invalid host name"},
		{"a.test.", ""},
		{"[::1]", ""},
		{"::1", ""},
		{"a.test:", "invalid port"},
	} {
		o := Options{Hosts: map[string]string{tc.key: "127.0.0.1"}}
		_, err := o.Resolve()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v, want valid", tc.key, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: %v, want an error with %q", tc.key, err, tc.want)
		}
	}
	for _, v := range []string{"", "b.test", "127.0.0.1:abc", "127.0.0.1:99999", "127.0.0.1:", "300.1.1.1"} {
		o := Options{Hosts: map[string]string{"a.test": v}}
		if _, err := o.Resolve(); err == nil || !strings.Contains(err.Error(), "not an IP address or IP:port") {
			t.Errorf("value %q: %v, want an error", v, err)
		}
	}
	for _, v := range []string{"127.0.0.1", "127.0.0.1:8080", "::1", "[::1]:8080"} {
		o := Options{Hosts: map[string]string{"a.test": v}}
		if _, err := o.Resolve(); err != nil {
			t.Errorf("value %q: %v, want valid", v, err)
		}
	}
}
