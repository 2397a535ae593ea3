package main

// Issue 4 end to end: the everyday scripting API through the real binary
// against the real demo target (CASES.md C16, C20, C21; options, lifecycle,
// modules).

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loadline/loadline/cmd/internal/target"
)

// startTLSTarget starts a private target with its HTTPS twin (self-signed,
// h2 offered) and returns it; it is closed when the test ends.
func startTLSTarget(t *testing.T) *target.Server {
	t.Helper()
	srv := target.New(target.Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// writeScript writes src as name in a new temporary directory and returns
// the file's path.
func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantStderr fails unless stderr contains every part.
func (r result) wantStderr(t *testing.T, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("stderr lacks %q:\n%s", p, r.stderr)
		}
	}
}

// allChecksPass is a threshold that makes a failed check exit 99, so the
// script's own assertions decide the exit code.
const allChecksPass = `thresholds: { checks: ['rate==1'] }`

func TestCase_C16_CookiesAndRedirects(t *testing.T) {
	t.Run("one iteration: cookie across the 302, redirect limits, jar clear", func(t *testing.T) {
		r := runScript(t, `
import http from 'k6/http';
import { check } from 'k6';
export const options = { iterations: 1, `+allChecksPass+` };
export default function () {
  const T = __ENV.TARGET;
  const login = http.get(T + '/login');
  check(login, {
    'login: 200': (r) => r.status === 200,
    'login: url is /whoami': (r) => r.url === T + '/whoami',
    'login: cookie from the 302 was sent': (r) => r.body === 'sid=abc123',
  });
  check(http.get(T + '/whoami'), { 'whoami later in the iteration: 200': (r) => r.status === 200 });
  const c2 = http.get(T + '/chain?n=3', { redirects: 2 });
  check(c2, {
    'redirects 2: third response is a 302': (r) => r.status === 302,
    'redirects 2: url /chain?n=1': (r) => r.url === T + '/chain?n=1',
    'redirects 2: no error': (r) => r.error === '' && r.error_code === 0,
  });
  const c0 = http.get(T + '/chain?n=3', { redirects: 0 });
  check(c0, {
    'redirects 0: 302': (r) => r.status === 302,
    'redirects 0: url /chain?n=3': (r) => r.url === T + '/chain?n=3',
    'redirects 0: Location': (r) => r.headers['Location'] === '/chain?n=2',
    'redirects 0: no error': (r) => r.error === '',
  });
  http.cookieJar().clear(T);
  check(http.get(T + '/whoami'), { 'after clear: 401': (r) => r.status === 401 });
}
`)
		r.wantCode(t, 0)
		if got := r.metric(t, "http_reqs", "count"); got != 8 {
			t.Errorf("http_reqs = %v, want 8 (every hop counts)", got)
		}
		// k6's export: passes = samples with value 1 (failed requests).
		if got := r.metric(t, "http_req_failed", "passes"); got != 1 {
			t.Errorf("http_req_failed failed samples = %v, want 1 (the 401)", got)
		}
		if got := r.metric(t, "http_req_failed", "fails"); got != 7 {
			t.Errorf("http_req_failed ok samples = %v, want 7", got)
		}
	})
	for _, tc := range []struct {
		name   string
		option string
		status int
	}{
		{"jar emptied at each iteration: second iteration gets 401", "", 401},
		{"noCookiesReset keeps the jar: second iteration gets 200", "noCookiesReset: true,", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, `
import http from 'k6/http';
import { Counter } from 'k6/metrics';
const second = new Counter('second_status');
export const options = { vus: 1, iterations: 2, `+tc.option+` };
export default function () {
  if (__ITER === 0) { http.get(__ENV.TARGET + '/login'); return; }
  second.add(http.get(__ENV.TARGET + '/whoami').status);
}
`)
			r.wantCode(t, 0)
			if got := r.metric(t, "second_status", "count"); got != float64(tc.status) {
				t.Errorf("second iteration's /whoami status = %v, want %d", got, tc.status)
			}
		})
	}
	t.Run("expectedStatuses(200) on /chain?n=1: 2 samples, the 302 hop fails", func(t *testing.T) {
		r := runScript(t, `
import http from 'k6/http';
export const options = { iterations: 1 };
export default function () {
  http.get(__ENV.TARGET + '/chain?n=1', { responseCallback: http.expectedStatuses(200) });
}
`)
		r.wantCode(t, 0)
		if got := r.metric(t, "http_reqs", "count"); got != 2 {
			t.Errorf("http_reqs = %v, want 2", got)
		}
		if got := r.metric(t, "http_req_failed", "passes"); got != 1 {
			t.Errorf("failed samples = %v, want 1 (the 302 hop)", got)
		}
	})
}

func TestCase_C20_SelfSignedTLS(t *testing.T) {
	srv := startTLSTarget(t)
	for _, tc := range []struct {
		name   string
		option string
		check  string
		failed float64
	}{
		{"without insecureSkipTLSVerify: 1310, failed, the run continues", "", `
    'status 0': (r) => r.status === 0,
    'error_code 1310': (r) => r.error_code === 1310,
    'x509 unknown authority': (r) => r.error.indexOf('x509: unknown authority') >= 0,`, 1},
		{"with insecureSkipTLSVerify: 200 over tls1.3 and HTTP/2.0", "insecureSkipTLSVerify: true,", `
    'status 200': (r) => r.status === 200,
    'tls1.3': (r) => r.tls_version === 'tls1.3',
    'HTTP/2.0': (r) => r.proto === 'HTTP/2.0',`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, `
import http from 'k6/http';
import { check } from 'k6';
import { Counter } from 'k6/metrics';
const after = new Counter('after_request');
export const options = { iterations: 1, `+tc.option+allChecksPass+` };
export default function () {
  const res = http.get(__ENV.TLS + '/');
  check(res, {`+tc.check+`
  });
  after.add(1);
}
`, "-e", "TLS="+srv.TLSURL())
			r.wantCode(t, 0)
			if got := r.metric(t, "after_request", "count"); got != 1 {
				t.Errorf("after_request = %v, want 1: the iteration must go on after a TLS error", got)
			}
			if got := r.metric(t, "http_req_failed", "passes"); got != tc.failed {
				t.Errorf("failed requests = %v, want %v", got, tc.failed)
			}
		})
	}
}

// rusageRun runs the binary and returns its result and peak RSS in bytes
// (getrusage of the child: Linux reports ru_maxrss in KiB).
func rusageRun(t *testing.T, limit time.Duration, args ...string) (result, int64) {
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
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running load: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("load did not finish within %s\nstderr:\n%s", limit, r.stderr)
	}
	r.code = cmd.ProcessState.ExitCode()
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatalf("no rusage for the child process")
	}
	return r, ru.Maxrss * 1024
}

func TestCase_C21_DiscardResponseBodiesKeepsMemoryFlat(t *testing.T) {
	const body = 5 << 20 // 5 MiB
	script := writeScript(t, "c21.js", `
import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 50, iterations: Number(__ENV.ITERS), discardResponseBodies: __ENV.DISCARD === '1', `+allChecksPass+` };
export default function () {
  const r = http.get(__ENV.TARGET + '/big?bytes=5242880');
  check(r, __ENV.DISCARD === '1'
    ? { 'body is null': (r) => r.body === null }
    : { 'body is whole': (r) => r.body.length === 5242880 });
}
`)
	run := func(discard string, iters int) (result, int64) {
		export := filepath.Join(t.TempDir(), "summary.json")
		r, rss := rusageRun(t, 60*time.Second, "run", "-q", "--summary-export", export,
			"-e", "DISCARD="+discard, "-e", "ITERS="+strconv.Itoa(iters), script)
		b, err := os.ReadFile(export)
		if err != nil {
			t.Fatalf("no summary export: %v\nstderr:\n%s", err, r.stderr)
		}
		if err := jsonUnmarshal(b, &r.export); err != nil {
			t.Fatal(err)
		}
		r.wantCode(t, 0)
		t.Logf("discard=%s iterations=%d: peak RSS %.0f MB, %s", discard, iters, float64(rss)/1e6, r.took)
		return r, rss
	}
	kept, keptRSS := run("0", 150)
	disc, discRSS := run("1", 150)
	for name, r := range map[string]result{"kept": kept, "discarded": disc} {
		got := r.metric(t, "data_received", "count")
		// 150 bodies of 5 MiB (786.4 MB) plus headers: k6 shows 787 MB.
		if got < 150*body || got > 150*body+1e6 {
			t.Errorf("%s: data_received = %.0f B, want 786.4–787.4 MB", name, got)
		}
	}
	if discRSS > 200e6 {
		t.Errorf("peak RSS with discardResponseBodies = %.0f MB, want < 200 MB", float64(discRSS)/1e6)
	}
	if discRSS*3 > keptRSS {
		t.Errorf("peak RSS discarded %.0f MB vs kept %.0f MB: discarding should need far less",
			float64(discRSS)/1e6, float64(keptRSS)/1e6)
	}
	// Four times the iterations must not grow the discarding process.
	_, moreRSS := run("1", 600)
	if moreRSS > discRSS+40e6 {
		t.Errorf("peak RSS grew with iterations: %.0f MB at 150, %.0f MB at 600",
			float64(discRSS)/1e6, float64(moreRSS)/1e6)
	}
}
