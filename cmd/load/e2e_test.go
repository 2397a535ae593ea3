package main

// End-to-end tests: build the real `load` binary once, start the real demo
// target on a loopback port, and run scenarios as a user would.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/cmd/internal/target"
)

var (
	loadBin   string // path of the built binary
	targetURL string // base URL of the demo target
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "load-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	loadBin = filepath.Join(dir, "load")
	build := exec.Command("go", "build", "-o", loadBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building load:", err)
		return 1
	}
	srv := target.New(target.DefaultConfig())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "starting the target:", err)
		return 1
	}
	defer srv.Close()
	targetURL = srv.URL()
	return m.Run()
}

// result is one finished `load` process.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
	export         map[string]any // --summary-export, when asked for
}

// runLoad runs the binary with args (bounded by limit) and returns its outcome.
func runLoad(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, loadBin, args...)
	cmd.Env = append(os.Environ(), "TARGET="+targetURL)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running load: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("load did not finish within %s\nstdout:\n%s\nstderr:\n%s", limit, r.stdout, r.stderr)
	}
	return r
}

// runScript writes src to a file and runs it with --summary-export, plus
// extra flags; r.export is the summary export when the run wrote one.
func runScript(t *testing.T, src string, extra ...string) result {
	t.Helper()
	r, _ := runScriptAt(t, src, extra...)
	return r
}

// runScriptFile is runScript that also returns the script's path and fails
// the test when the run wrote no summary export.
func runScriptFile(t *testing.T, src string, extra ...string) (result, string) {
	t.Helper()
	r, script := runScriptAt(t, src, extra...)
	if r.export == nil {
		t.Fatalf("no summary export\nstderr:\n%s", r.stderr)
	}
	return r, script
}

func runScriptAt(t *testing.T, src string, extra ...string) (result, string) {
	t.Helper()
	script := writeScript(t, "script.js", src)
	export := filepath.Join(filepath.Dir(script), "summary.json")
	args := append([]string{"run", "-q", "--summary-export", export}, extra...)
	r := runLoad(t, 90*time.Second, append(args, script)...)
	if _, err := os.Stat(export); err == nil {
		r.readExport(t, export)
	}
	return r, script
}

// readExport parses the summary export at path into r.export; a missing or
// malformed file fails the test.
func (r *result) readExport(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no summary export: %v\nstderr:\n%s", err, r.stderr)
	}
	if err := json.Unmarshal(b, &r.export); err != nil {
		t.Fatalf("summary export is not JSON: %v\n%s", err, b)
	}
}

// writeScript writes src as name in a new temporary directory and returns
// the file's path.
func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{name: src})
	return filepath.Join(dir, name)
}

// writeFiles writes each file (path relative to dir: contents), creating
// the directories it needs.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startServer starts an in-process demo target with cfg and stops it when
// the test ends.
func startServer(t *testing.T, cfg target.Config) *target.Server {
	t.Helper()
	srv := target.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Close() })
	return srv
}

// startTarget is startServer's base URL, for a test that needs a target of
// its own (a configuration of its own, or global state such as /freeze).
func startTarget(t *testing.T, cfg target.Config) string {
	t.Helper()
	return startServer(t, cfg).URL()
}

// metric returns a value from the summary export: metrics[name][key].
func (r result) metric(t *testing.T, name, key string) float64 {
	t.Helper()
	ms, _ := r.export["metrics"].(map[string]any)
	m, ok := ms[name].(map[string]any)
	if !ok {
		t.Fatalf("metric %s missing from the summary export\nstdout:\n%s\nstderr:\n%s", name, r.stdout, r.stderr)
	}
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("metric %s has no numeric %q: %v", name, key, m)
	}
	return v
}

func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

func TestRun_PerVUIterationsExactCount(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 7 } } };
export default function () { http.get(__ENV.TARGET + '/fast'); }
`)
	r.wantCode(t, 0)
	if got := r.metric(t, "http_reqs", "count"); got != 21 {
		t.Errorf("http_reqs = %v, want 3 VUs × 7 = 21", got)
	}
	if got := r.metric(t, "iterations", "count"); got != 21 {
		t.Errorf("iterations = %v, want 21", got)
	}
}

func TestRun_SharedIterationsExactCount(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
export const options = { vus: 4, iterations: 50 };
export default function () { http.get(__ENV.TARGET + '/fast'); }
`)
	r.wantCode(t, 0)
	if got := r.metric(t, "http_reqs", "count"); got != 50 {
		t.Errorf("http_reqs = %v, want 50", got)
	}
}

func TestRun_ShortcutFlagsOverrideScript(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
export const options = { vus: 1, iterations: 2 };
export default function () { http.get(__ENV.TARGET + '/fast'); }
`, "--iterations", "9", "--vus", "3")
	r.wantCode(t, 0)
	if got := r.metric(t, "http_reqs", "count"); got != 9 {
		t.Errorf("http_reqs = %v, want 9 from --iterations", got)
	}
}

func TestRun_SyntaxErrorExits107WithPosition(t *testing.T) {
	r := runScript(t, "export default function () {\n  let x = ;\n}\n")
	r.wantCode(t, 107)
	if !strings.Contains(r.stderr, "script.js:2:") {
		t.Errorf("stderr lacks file:line:col (script.js:2:...):\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, ".go:") {
		t.Errorf("stderr shows a Go stack trace:\n%s", r.stderr)
	}
}

func TestRun_UnreachablePortIsDataNotAnError(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
import { check } from 'load';
export const options = { vus: 1, iterations: 3, thresholds: { checks: ['rate==1'] } };
export default function () {
  const res = http.get('http://127.0.0.1:1/');
  check(res, {
    'status 0': (r) => r.status === 0,
    'error_code 1212': (r) => r.error_code === 1212,
    'error says refused': (r) => r.error.indexOf('refused') >= 0,
  });
  http.get(__ENV.TARGET + '/fast');
}
`)
	r.wantCode(t, 0)
	if got := r.metric(t, "iterations", "count"); got != 3 {
		t.Errorf("iterations = %v, want 3: a refused connection must not stop the run", got)
	}
	if got := r.metric(t, "http_req_failed", "passes"); got != 3 {
		// k6's export counts the failed (rate 1) samples as passes.
		t.Errorf("http_req_failed passes = %v, want the 3 refused requests", got)
	}
	if !strings.Contains(r.stdout, "3 requests got no HTTP response: error_code 1212 × 3 (connection refused)") {
		t.Errorf("the summary does not say why the requests failed:\n%s", r.stdout)
	}
}

func TestRun_TimingsAddUp(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
import { check } from 'load';
export const options = { vus: 1, iterations: 5, thresholds: { checks: ['rate==1'] } };
export default function () {
  const res = http.get(__ENV.TARGET + '/delay?ms=50');
  const t = res.timings;
  check(t, {
    'duration = sending + waiting + receiving': (t) => Math.abs(t.duration - (t.sending + t.waiting + t.receiving)) < 0.01,
    'waiting covers the server delay': (t) => t.waiting >= 49 && t.waiting < 500,
    'phases are non-negative': (t) => t.blocked >= 0 && t.connecting >= 0 && t.tls_handshaking >= 0 && t.sending >= 0 && t.receiving >= 0,
  });
}
`)
	r.wantCode(t, 0)
}

func TestRun_ThresholdExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		threshold string
		code      int
	}{
		{"holds", "'p(95)<5000'", 0},
		{"fails", "'max<0.001'", 99},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, `
import http from 'load/http';
export const options = { vus: 1, iterations: 3, thresholds: { http_req_duration: [`+tc.threshold+`] } };
export default function () { http.get(__ENV.TARGET + '/delay?ms=5'); }
`)
			r.wantCode(t, tc.code)
		})
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestRun_BadOutputsFailBeforeTheRun(t *testing.T) {
	script := writeScript(t, "s.js", "export default function () { console.log('iteration ran'); }\n")
	dir := filepath.Dir(script)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"junit into a directory", []string{"--junit", dir}, "is a directory"},
		{"summary export into a missing directory", []string{"--summary-export", filepath.Join(dir, "nope", "x.json")}, "does not exist"},
		{"script is a directory", nil, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := script
			if tc.args == nil {
				target = dir
			}
			r := runLoad(t, 30*time.Second, append(append([]string{"run", "-q"}, tc.args...), target)...)
			r.wantCode(t, exitUsage)
			if !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, "iteration ran") {
				t.Errorf("stderr = %q, want %q before any iteration", r.stderr, tc.want)
			}
		})
	}
}

func TestRun_ShortcutFlagsNeedTheDefaultFunction(t *testing.T) {
	r := runScript(t, `
export function named() {}
export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'named' } } };
`, "--vus", "2", "--duration", "2s")
	r.wantCode(t, exitScriptException)
	if !strings.Contains(r.stderr, "default function") {
		t.Errorf("stderr does not explain the missing default function:\n%s", r.stderr)
	}
}

func TestRun_InvalidSummaryOptions(t *testing.T) {
	for _, args := range [][]string{{"--summary-time-unit", "hours"}, {"--summary-trend-stats", "avg,p(abc)"}} {
		r := runScript(t, "export default function () {}\n", args...)
		r.wantCode(t, exitInvalidConfig)
	}
}

// A run planned longer than 20 minutes writes --out every 5 s unless
// --interval says otherwise (cmd/load/out.go, longRun).
func TestOut_LongRunDefaultInterval(t *testing.T) {
	script := writeScript(t, "s.js", "import { sleep } from 'load';\nexport default function () { sleep(0.1); }\n")
	dir := filepath.Dir(script)
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"default", nil, `"interval_ns":5000000000`},
		{"explicit", []string{"--interval", "1s"}, `"interval_ns":1000000000`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+".jsonl")
			args := append([]string{"run", "-q", "--no-summary", "-d", "21m", "--out", out}, tc.extra...)
			cmd := exec.Command(loadBin, append(args, script)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("load did not stop within 20 s of Ctrl-C")
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.want) {
				t.Errorf("results header lacks %s:\n%.300s\nstderr: %s", tc.want, b, stderr.String())
			}
		})
	}
}
