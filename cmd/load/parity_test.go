package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/cmd/internal/target"
)

// rampScript is a ramping-arrival-rate scenario against $TARGET/capacity:
// from $START/s to $PEAK/s over $DUR.
const rampScript = `
import http from 'k6/http';
export const options = {
  scenarios: {
    ramp: {
      executor: 'ramping-arrival-rate',
      startRate: Number(__ENV.START),
      timeUnit: '1s',
      preAllocatedVUs: Number(__ENV.MAXVUS),
      maxVUs: Number(__ENV.MAXVUS),
      stages: [{ target: Number(__ENV.PEAK), duration: __ENV.DUR }],
    },
  },
};
export default function () { http.get(__ENV.TARGET + '/capacity'); }
`

// TestParity_PredictsProductionFromStaging is issue 7's parity acceptance:
// staging = 2 workers of 5 ms (true capacity 400/s), production = 8
// (1,600/s). Each gets a ramp that crosses its capacity two seconds before
// the end; `load parity` must predict production's sustainable rate from
// staging's within ±15% of what the production run measures, and rank the
// worker-count drift first.
func TestParity_PredictsProductionFromStaging(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "ramp.js")
	if err := os.WriteFile(script, []byte(rampScript), 0o644); err != nil {
		t.Fatal(err)
	}
	envs := []struct {
		name, start, peak, maxVUs string
		workers                   int
		capacity                  float64
	}{
		// Ramps from 0.5× to 1.1× capacity over 12 s: the knee comes at
		// 10 s, and the slope (5% of capacity per second) bounds how far a
		// 1 s interval can fall below the capacity. Past the knee the
		// queue grows to about 0.1 × capacity requests (~100 ms), under
		// the 200 ms objective, so the saturated seconds count and a
		// scheduling hiccup on a busy machine near the knee does not hide
		// the capacity. Every VU is created before the start.
		{"staging", "200", "440", "120", 2, 400},
		{"production", "800", "1760", "400", 8, 1600},
	}
	files := map[string]string{}
	for _, e := range envs {
		url := startTarget(t, target.Config{Workers: e.workers, ServiceTime: 5 * time.Millisecond})
		out := filepath.Join(dir, e.name+".jsonl")
		r := runLoad(t, 60*time.Second, "run", "-q", "--no-summary", "--out", out,
			"-e", "TARGET="+url, "-e", "START="+e.start, "-e", "PEAK="+e.peak, "-e", "MAXVUS="+e.maxVUs, "-e", "DUR=12s", script)
		r.wantCode(t, 0)
		files[e.name] = out
	}
	jsonOut := filepath.Join(dir, "parity.json")
	htmlOut := filepath.Join(dir, "parity.html")
	r := runLoad(t, 30*time.Second, "parity",
		"--staging", filepath.Join("..", "..", "examples", "capacity", "staging.yaml"),
		"--production", filepath.Join("..", "..", "examples", "capacity", "production.yaml"),
		"--staging-run", files["staging"], "--production-run", files["production"],
		"--slo", "p(95)<200ms", "--json", jsonOut, "--html", htmlOut)
	r.wantCode(t, 0)
	var rep struct {
		Drifts []struct {
			Rule string `json:"rule"`
			Risk string `json:"risk"`
		} `json:"drifts"`
		Prediction struct {
			StagingSustainable float64 `json:"staging_sustainable_rps"`
			Predicted          float64 `json:"predicted_rps"`
			Measured           float64 `json:"measured_rps"`
			ErrorFraction      float64 `json:"error_fraction"`
			Within             bool    `json:"within_tolerance"`
			ScaleFactor        float64 `json:"scale_factor"`
		} `json:"prediction"`
		Endpoints []struct {
			Name string `json:"name"`
		} `json:"endpoints"`
	}
	b, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("parity JSON: %v\n%s", err, b)
	}
	p := rep.Prediction
	t.Logf("staging sustainable %.1f/s, predicted %.1f/s, production measured %.1f/s, error %+.1f%%",
		p.StagingSustainable, p.Predicted, p.Measured, 100*p.ErrorFraction)
	if len(rep.Drifts) == 0 || rep.Drifts[0].Rule != "workers" || rep.Drifts[0].Risk != "high" {
		t.Fatalf("top drift %+v, want the worker count ranked high\n%s", rep.Drifts, r.stdout)
	}
	if p.ScaleFactor != 4 {
		t.Fatalf("scale factor %v, want 4 (8 workers ÷ 2)", p.ScaleFactor)
	}
	if math.Abs(p.Predicted-p.Measured)/p.Measured > 0.15 || !p.Within {
		t.Fatalf("predicted %.1f/s vs measured %.1f/s: off by more than 15%%\n%s", p.Predicted, p.Measured, r.stdout)
	}
	// Both measurements must be near the true capacities, or the
	// agreement above is luck.
	if math.Abs(p.StagingSustainable-400)/400 > 0.15 || math.Abs(p.Measured-1600)/1600 > 0.15 {
		t.Fatalf("staging %.1f/s (true 400), production %.1f/s (true 1600): more than 15%% off", p.StagingSustainable, p.Measured)
	}
	if len(rep.Endpoints) != 1 || rep.Endpoints[0].Name != "/capacity" {
		t.Fatalf("endpoints %+v, want /capacity matched across the two hosts", rep.Endpoints)
	}
	html, err := os.ReadFile(htmlOut)
	if err != nil {
		t.Fatal(err)
	}
	// The HTML shows the JSON's numbers (one computed report renders both).
	for _, want := range []string{"<html", "workers", `id="chart-ratios"`, `id="chart-capacity"`, `id="parity-data"`,
		fmt.Sprintf(`data-name="predicted_rps">%.1f<`, p.Predicted), fmt.Sprintf(`data-name="measured_rps">%.1f<`, p.Measured)} {
		if !strings.Contains(string(html), want) {
			t.Fatalf("HTML report lacks %q", want)
		}
	}
}

func TestParity_BadInputs(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("services:\n  - name: api\n    replicaz: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wrongKind := filepath.Join(dir, "kind.yaml")
	if err := os.WriteFile(wrongKind, []byte("services:\n  - name: api\n    replicas: two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notResults := filepath.Join(dir, "x.jsonl")
	if err := os.WriteFile(notResults, []byte("not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join("..", "..", "examples", "capacity", "staging.yaml")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no production", []string{"parity", "--staging", good}, exitUsage, "both --staging and --production"},
		{"unknown key", []string{"parity", "--staging", good, "--production", bad}, exitGenericError,
			`--production descriptor ` + bad + `: line 3: unknown key "replicaz" in a service (did you mean "replicas"?`},
		{"wrong kind of value", []string{"parity", "--staging", wrongKind, "--production", good}, exitGenericError,
			`--staging descriptor ` + wrongKind + `: line 3: "two" where the descriptor needs a whole number`},
		{"missing run", []string{"parity", "--staging", good, "--production", good, "--staging-run", filepath.Join(dir, "nope.jsonl")}, exitUsage,
			"--staging-run results file " + filepath.Join(dir, "nope.jsonl") + " not found"},
		{"missing production run", []string{"parity", "--staging", good, "--production", good, "--staging-run", notResults, "--production-run", filepath.Join(dir, "nope.jsonl")}, exitUsage,
			"--production-run results file " + filepath.Join(dir, "nope.jsonl") + " not found"},
		{"missing descriptor", []string{"parity", "--staging", good, "--production", filepath.Join(dir, "nope.yaml")}, exitUsage,
			"--production descriptor " + filepath.Join(dir, "nope.yaml") + " not found"},
		{"bad slo", []string{"parity", "--staging", good, "--production", good, "--slo", "p95<1"}, exitUsage, "slo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runLoad(t, 20*time.Second, tt.args...)
			r.wantCode(t, tt.code)
			if !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || goTypeName.MatchString(r.stderr) {
				t.Fatalf("stderr %q, want one line containing %q and no Go type name", r.stderr, tt.want)
			}
		})
	}
}
