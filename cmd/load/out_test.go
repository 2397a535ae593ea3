package main

// End-to-end tests of `load run --out`: the results file read back equals
// the live summary, survives kill -9 and Ctrl-C, and bad flags are usage
// errors.

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

const outScript = `
import http from 'load/http';
import { check, sleep } from 'load';
export const options = { vus: 4, iterations: 400, thresholds: { http_req_duration: ['p(95)<5000'] } };
export function setup() { http.get(__ENV.TARGET + '/fast'); }
export default function () {
  const res = http.get(__ENV.TARGET + (__ITER % 4 === 0 ? '/delay?ms=3' : '/fast'));
  check(res, { 'status is 200': (r) => r.status === 200, 'never': (r) => r.status === 999 });
  sleep(0.006);
}
export function teardown() { http.get(__ENV.TARGET + '/fast'); }
`

// TestOut_RoundTripMatchesLiveSummary: the file read back gives the live
// summary's counts and percentiles (same histograms, so equal; sums may
// differ in the last bits from the order of additions).
func TestOut_RoundTripMatchesLiveSummary(t *testing.T) {
	for _, name := range []string{"r.jsonl", "r.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name)
			r, scriptPath := runScriptFile(t, outScript, "--out", out, "--interval", "200ms", "--label", "env=test", "--label", "team=perf",
				"--summary-trend-stats", "avg,min,med,max,p(95),p(99)")
			r.wantCode(t, 0)
			run, err := results.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Warnings) > 0 {
				t.Errorf("warnings: %q", run.Warnings)
			}
			tot := run.Totals()
			get := func(metric string) *metrics.Sink {
				t.Helper()
				m := run.Registry.Lookup(metric)
				if m == nil {
					t.Fatalf("metric %s missing from the results file", metric)
				}
				return tot.Merge(m, nil)
			}
			for _, c := range []struct {
				metric, key string
				got         float64
			}{
				{"http_reqs", "count", float64(get("http_reqs").Sum)},
				{"iterations", "count", float64(get("iterations").Sum)},
				{"http_req_duration", "p(95)", get("http_req_duration").Percentile(95)},
				{"http_req_duration", "p(99)", get("http_req_duration").Percentile(99)},
				{"http_req_duration", "med", get("http_req_duration").Med()},
				{"http_req_duration", "max", get("http_req_duration").Max},
				{"http_req_duration", "min", get("http_req_duration").Min},
				{"http_req_duration", "avg", get("http_req_duration").Avg()},
				{"checks", "passes", float64(get("checks").Trues)},
				{"checks", "fails", float64(get("checks").Count - get("checks").Trues)},
			} {
				want := r.metric(t, c.metric, c.key)
				if math.Abs(c.got-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("%s %s: file %v, live summary %v", c.metric, c.key, c.got, want)
				}
			}
			if got := get("http_reqs").Sum; got != 402 {
				t.Errorf("http_reqs %v, want 400 + setup's + teardown's", got)
			}
			// 100 iterations per VU of ≥ 6 ms: at least 3 intervals of 200 ms.
			if len(run.Intervals) < 3 {
				t.Fatalf("%d intervals, want at least 3 to merge", len(run.Intervals))
			}
			h := run.Header
			script, _ := os.ReadFile(scriptPath)
			sum := sha256.Sum256(script)
			if h.Labels["env"] != "test" || h.Labels["team"] != "perf" || h.Interval != 200*time.Millisecond ||
				h.ToolVersion != version || h.Host.CPUs < 1 || h.Host.GoVersion == "" || h.ScriptSHA256 != hex.EncodeToString(sum[:]) ||
				!strings.Contains(string(h.Options), `"iterations":400`) {
				t.Errorf("header %+v (options %s)", h, h.Options)
			}
			s := run.Summary
			if s == nil {
				t.Fatal("no summary line")
			}
			if s.ExitCode != 0 || s.EndReason != "finished" || len(s.Thresholds) != 1 || !s.Thresholds[0].Passed ||
				len(s.Scenarios) != 1 || s.Scenarios[0].Completed != 400 {
				t.Errorf("summary %+v", s)
			}
		})
	}
}

// startOut starts `load run --out out` of a 30 s constant-vus scenario and
// waits until the file holds at least n intervals.
func startOut(t *testing.T, out string, n int) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "long.js")
	src := `
import http from 'load/http';
import { sleep } from 'load';
export const options = { vus: 2, duration: '30s' };
export default function () { http.get(__ENV.TARGET + '/fast'); sleep(0.01); }
`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(loadBin, "run", "-q", "--out", out, "--interval", "250ms", script)
	cmd.Env = append(os.Environ(), "TARGET="+targetURL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if run, err := results.Read(out); err == nil && len(run.Intervals) >= n {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("the results file did not reach %d intervals in 20 s\nstderr:\n%s", n, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOut_SurvivesKill9: SIGKILL mid-run leaves a file whose every finished
// interval reads back, with a warning for the cut gzip stream and no
// summary.
func TestOut_SurvivesKill9(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl.gz")
	cmd := startOut(t, out, 3)
	before, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	run, err := results.Read(out)
	if err != nil {
		t.Fatalf("reading after kill -9: %v", err)
	}
	if len(run.Intervals) < len(before.Intervals) || len(run.Intervals) < 3 {
		t.Errorf("%d intervals after the kill, %d were readable before it", len(run.Intervals), len(before.Intervals))
	}
	if run.Summary != nil {
		t.Errorf("a killed run has a summary: %+v", run.Summary)
	}
	if len(run.Warnings) == 0 || !strings.Contains(strings.Join(run.Warnings, "\n"), "gzip stream ends early") {
		t.Errorf("warnings %q, want the cut gzip stream named", run.Warnings)
	}
	reqs := run.Totals().Merge(run.Registry.Lookup("http_reqs"), nil)
	if reqs == nil || reqs.Sum < 1 {
		t.Errorf("no http_reqs in the intervals read back: %+v", reqs)
	}
}

// TestOut_InterruptWritesSummary: Ctrl-C (SIGINT) stops the run gracefully
// and the file gets its summary with exit code 105.
func TestOut_InterruptWritesSummary(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl")
	cmd := startOut(t, out, 2)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("load run did not stop within 30 s of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != exitExternalAbort {
		t.Errorf("exit code %d, want %d", code, exitExternalAbort)
	}
	run, err := results.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if run.Summary == nil || run.Summary.ExitCode != exitExternalAbort || run.Summary.EndReason != "interrupted" {
		t.Fatalf("summary %+v, want exit code 105 and end reason interrupted", run.Summary)
	}
	if len(run.Warnings) != 0 {
		t.Errorf("warnings %q", run.Warnings)
	}
}

func TestOut_FlagErrors(t *testing.T) {
	script := writeScript(t, "s.js", "export default function () {}\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"interval too short", []string{"--interval", "10ms"}, exitUsage, "--interval"},
		{"interval not a duration", []string{"--interval", "soon"}, exitUsage, "--interval"},
		{"k6 output plugin", []string{"--out", "json=r.json"}, exitUsage, "not supported"},
		{"label without out", []string{"--label", "env=x"}, exitUsage, "add --out"},
		{"label not key=value", []string{"--out", filepath.Join(t.TempDir(), "r.jsonl"), "--label", "env"}, exitUsage, "--label"},
		{"max-series zero", []string{"--out", filepath.Join(t.TempDir(), "r.jsonl"), "--max-series", "0"}, exitUsage, "--max-series"},
		{"unwritable", []string{"--out", filepath.Join(t.TempDir(), "missing", "r.jsonl")}, exitGenericError, "--out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "-q"}, tc.args...)
			r := runLoad(t, 30*time.Second, append(args, script)...)
			r.wantCode(t, tc.code)
			if !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("stderr %q, want one line mentioning %q", r.stderr, tc.want)
			}
		})
	}
}

// TestOut_SummaryOnAbortAndError: test.abort(), abortOnFail and a throwing
// setup() still close the file with a summary carrying the exit code, and
// what was measured before is in it.
func TestOut_SummaryOnAbortAndError(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		code      int
		reason    string
		reqs      bool // http_reqs were measured before the end
	}{
		{"test.abort", `
import http from 'load/http';
import exec from 'load/execution';
export const options = { vus: 1, iterations: 50 };
export default function () { http.get(__ENV.TARGET + '/fast'); if (exec.scenario.iterationInTest === 4) exec.test.abort('enough'); }
`, exitScriptAborted, "aborted: enough", true},
		{"abortOnFail", `
import http from 'load/http';
import { sleep } from 'load';
export const options = { vus: 1, duration: '20s', thresholds: { http_reqs: [{ threshold: 'count<3', abortOnFail: true }] } };
export default function () { http.get(__ENV.TARGET + '/fast'); sleep(0.02); }
`, exitThresholdsFailed, "threshold abortOnFail", true},
		{"setup throws", `
import http from 'load/http';
export function setup() { http.get(__ENV.TARGET + '/fast'); throw new Error('no fixtures'); }
export default function () {}
`, exitScriptException, "error: ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.jsonl")
			dir := t.TempDir()
			script := filepath.Join(dir, "s.js")
			if err := os.WriteFile(script, []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runLoad(t, 60*time.Second, "run", "-q", "--out", out, "--interval", "100ms", script)
			r.wantCode(t, tc.code)
			run, err := results.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			s := run.Summary
			if s == nil || s.ExitCode != tc.code || !strings.HasPrefix(s.EndReason, tc.reason) {
				t.Fatalf("summary %+v, want exit code %d and end reason %q", s, tc.code, tc.reason)
			}
			if m := run.Registry.Lookup("http_reqs"); tc.reqs && (m == nil || run.Totals().Merge(m, nil) == nil) {
				t.Error("the requests made before the end are not in the file")
			}
		})
	}
}
