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
	return startServer(t, target.Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0"})
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

// runWith runs the binary with args and extra environment variables
// (beside the OS environment and TARGET), bounded by limit, and returns its
// result and peak RSS in bytes (getrusage of the child; Linux reports
// ru_maxrss in KiB).
func runWith(t *testing.T, env []string, limit time.Duration, args ...string) (result, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, loadBin, args...)
	cmd.Env = append(append(os.Environ(), "TARGET="+targetURL), env...)
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
		r, rss := runWith(t, nil, 60*time.Second, "run", "-q", "--summary-export", export,
			"-e", "DISCARD="+discard, "-e", "ITERS="+strconv.Itoa(iters), script)
		r.readExport(t, export)
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

// TestScripting_Options runs one script per everyday k6 option and lets the
// script's checks (plus a checks threshold) assert the option's effect.
func TestScripting_Options(t *testing.T) {
	srv := startTLSTarget(t)
	for _, tc := range []struct {
		name, options, body string
		extra               []string
		stdout              []string // the summary must show these
		notStdout           []string
	}{
		{name: "tags", options: `tags: { team: 'core' }, thresholds: { 'http_reqs{team:core}': ['count==1'] }`,
			body: `http.get(T + '/fast');`},
		{name: "summaryTrendStats", options: `summaryTrendStats: ['avg', 'p(99.9)']`,
			body: `http.get(T + '/fast');`, stdout: []string{"p(99.9)="}, notStdout: []string{"med=", "p(95)="}},
		{name: "summaryTimeUnit", options: `summaryTimeUnit: 'ms'`,
			body: `http.get(T + '/fast');`, stdout: []string{"ms"}, notStdout: []string{"µs"}},
		{name: "noConnectionReuse", options: `noConnectionReuse: true`, body: `
http.get(T + '/resetconns');
http.get(T + '/fast'); http.get(T + '/fast');
check(http.get(T + '/conns'), { 'a new connection per request': (r) => r.body === '3' });`},
		{name: "connections are reused by default", options: ``, body: `
http.get(T + '/resetconns');
http.get(T + '/fast'); http.get(T + '/fast');
check(http.get(T + '/conns'), { 'one connection': (r) => r.body === '0' });`},
		{name: "userAgent", options: `userAgent: 'probe/1.0'`, body: `
check(http.get(T + '/headers'), { 'agent sent': (r) => r.json().headers['User-Agent'][0] === 'probe/1.0' });`},
		{name: "discardResponseBodies", options: `discardResponseBodies: true`, body: `
check(http.get(T + '/fast'), { 'body null': (r) => r.body === null });
check(http.get(T + '/fast', { responseType: 'text' }), { 'per-request text wins': (r) => r.body === 'ok' });`},
		{name: "hosts", options: `hosts: { 'api.example.test': T.replace('http://', '') }`, body: `
check(http.get('http://api.example.test/fast'), { 'resolved to the target': (r) => r.status === 200 && r.body === 'ok' });`},
		{name: "blockHostnames", options: `blockHostnames: ['*.blocked.test']`, body: `
check(http.get('http://x.blocked.test/fast'), { 'blocked: 1111': (r) => r.status === 0 && r.error_code === 1111 });`},
		{name: "maxRedirects", options: `maxRedirects: 1`, body: `
check(http.get(T + '/chain?n=3'), { 'stops after one hop': (r) => r.status === 302 && r.url === T + '/chain?n=2' });`},
		{name: "batchPerHost", options: `batchPerHost: 1`, body: `
const t0 = Date.now();
http.batch([T + '/delay?ms=150', T + '/delay?ms=150', T + '/delay?ms=150']);
check(Date.now() - t0, { 'one at a time': (ms) => ms >= 440 });`},
		{name: "batch", options: `batch: 1`, body: `
const t0 = Date.now();
http.batch([T + '/delay?ms=150', T + '/delay?ms=150', T + '/delay?ms=150']);
check(Date.now() - t0, { 'one at a time': (ms) => ms >= 440 });`},
		{name: "batch in parallel by default", options: ``, body: `
const t0 = Date.now();
http.batch([T + '/delay?ms=400', T + '/delay?ms=400', T + '/delay?ms=400']);
check(Date.now() - t0, { 'together, not one after another (1200 ms)': (ms) => ms >= 400 && ms < 1100 });`},
		{name: "throw", options: `throw: true`, body: `
let thrown = false;
try { http.get('http://127.0.0.1:1/'); } catch (e) { thrown = true; }
check(thrown, { 'a failed request throws': (x) => x });`},
		{name: "insecureSkipTLSVerify", options: `insecureSkipTLSVerify: true`, body: `
check(http.get(S + '/fast'), { 'TLS accepted': (r) => r.status === 200 });`},
		{name: "tlsVersion", options: `insecureSkipTLSVerify: true, tlsVersion: { min: 'tls1.2', max: 'tls1.2' }`, body: `
check(http.get(S + '/fast'), { 'TLS 1.2': (r) => r.status === 200 && r.tls_version === 'tls1.2' });`},
		{name: "noCookiesReset", options: `noCookiesReset: true, iterations: 2`, body: `
if (__ITER === 0) { http.get(T + '/login'); } else { check(http.get(T + '/whoami'), { 'jar kept': (r) => r.status === 200 }); }`},
		{name: "scenarios", options: `scenarios: { a: { executor: 'per-vu-iterations', vus: 2, iterations: 3 } }, thresholds: { checks: ['rate==1'], iterations: ['count==6'] }`,
			body: `check(exec.scenario.name, { 'scenario name': (n) => n === 'a' });`},
		{name: "setupTimeout allows a slower setup", options: `setupTimeout: '3s'`, body: ``},
		{name: "user agent from the command line", options: ``, extra: []string{"--user-agent", "cli/2"}, body: `
check(http.get(T + '/headers'), { 'agent sent': (r) => r.json().headers['User-Agent'][0] === 'cli/2' });`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.options
			if !strings.Contains(opts, "thresholds") && strings.Contains(tc.body, "check(") {
				if opts != "" {
					opts += ", "
				}
				opts += allChecksPass
			}
			if !strings.Contains(opts, "iterations") && !strings.Contains(opts, "scenarios") {
				opts += ", iterations: 1"
			}
			args := append([]string{"-e", "TLS=" + srv.TLSURL()}, tc.extra...)
			r := runScript(t, `
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
const T = __ENV.TARGET, S = __ENV.TLS;
export const options = { `+opts+` };
export function setup() { if (options.setupTimeout) { sleep(1.2); } }
export default function () {`+tc.body+`
}
`, args...)
			r.wantCode(t, 0)
			for _, s := range tc.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("summary lacks %q:\n%s", s, r.stdout)
				}
			}
			for _, s := range tc.notStdout {
				if strings.Contains(r.stdout, s) {
					t.Errorf("summary shows %q:\n%s", s, r.stdout)
				}
			}
			if strings.Contains(r.stderr, "unknown option") {
				t.Errorf("a known option was reported as unknown:\n%s", r.stderr)
			}
		})
	}
}

// TestScripting_OptionLayers checks the order defaults < script < --config
// < K6_* < LOAD_* < flags with the userAgent option, and that an unknown
// script option is a warning naming it.
func TestScripting_OptionLayers(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"userAgent": "from-config", "vus": 2, "iterations": 4, "setupTimeout": "5s"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	script := writeScript(t, "layers.js", `
import http from 'k6/http';
import { Counter } from 'k6/metrics';
const seen = new Counter('agent_ok');
export const options = { userAgent: 'from-script', iterations: 1, someUnknownOption: 1 };
export default function () {
  const ua = http.get(__ENV.TARGET + '/headers').json().headers['User-Agent'][0];
  if (ua === __ENV.WANT) { seen.add(1); } else { console.error('user agent ' + ua); }
}
`)
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		want  string
		iters float64
	}{
		{"script", nil, nil, "from-script", 1},
		{"config file", nil, []string{"--config", cfg}, "from-config", 4},
		{"K6_ variable", []string{"K6_USER_AGENT=from-k6-env"}, []string{"--config", cfg}, "from-k6-env", 4},
		{"LOAD_ wins over K6_", []string{"K6_USER_AGENT=from-k6-env", "LOAD_USER_AGENT=from-load-env", "K6_ITERATIONS=3"}, []string{"--config", cfg}, "from-load-env", 3},
		{"flag wins", []string{"LOAD_USER_AGENT=from-load-env"}, []string{"--config", cfg, "--user-agent", "from-flag"}, "from-flag", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			export := filepath.Join(t.TempDir(), "summary.json")
			args := append([]string{"run", "-q", "--summary-export", export, "-e", "WANT=" + tc.want}, tc.args...)
			r, _ := runWith(t, tc.env, 60*time.Second, append(args, script)...)
			r.wantCode(t, 0)
			r.readExport(t, export)
			if got := r.metric(t, "agent_ok", "count"); got != tc.iters {
				t.Errorf("requests with User-Agent %q = %v, want %v\nstderr:\n%s", tc.want, got, tc.iters, r.stderr)
			}
			r.wantStderr(t, `options: unknown option "someUnknownOption" is ignored`)
		})
	}
}

func TestScripting_Lifecycle(t *testing.T) {
	t.Run("setupTimeout exceeded: exit 100", func(t *testing.T) {
		r := runScript(t, `
export const options = { iterations: 1, setupTimeout: '1s' };
export function setup() { while (true) {} }
export default function () { console.log('iteration ran'); }
`)
		r.wantCode(t, 100)
		r.wantStderr(t, "setup() execution timed out after 1s")
		if strings.Contains(r.stderr, "iteration ran") || r.took > 10*time.Second {
			t.Errorf("the run went on after setup timed out (took %s):\n%s", r.took, r.stderr)
		}
	})
	t.Run("teardownTimeout exceeded: exit 101", func(t *testing.T) {
		r := runScript(t, `
import { sleep } from 'k6';
export const options = { iterations: 1, teardownTimeout: '1s' };
export default function () {}
export function teardown() { sleep(30); }
`)
		r.wantCode(t, 101)
		r.wantStderr(t, "teardown() execution timed out after 1s")
		if r.took > 10*time.Second {
			t.Errorf("teardown was not cut at its timeout: the run took %s", r.took)
		}
	})
	t.Run("an exception fails its iteration only and is logged once with its position", func(t *testing.T) {
		r := runScript(t, `
import { Counter } from 'k6/metrics';
const after = new Counter('after_throw');
export const options = { vus: 4, iterations: 100 };
function inner(i) {
  if (i % 2 === 0) throw new Error('same failure');
}
export default function () { inner(__ITER); after.add(1); }
`)
		r.wantCode(t, 0)
		if got := r.metric(t, "iterations", "count"); got != 100 {
			t.Errorf("iterations = %v, want 100", got)
		}
		if got := r.metric(t, "after_throw", "count"); got <= 0 || got >= 100 {
			t.Errorf("after_throw = %v: iterations that did not throw must complete, those that threw must stop", got)
		}
		if n := strings.Count(r.stderr, "same failure"); n != 1 {
			t.Errorf("the message appears %d times, want once:\n%s", n, r.stderr)
		}
		r.wantStderr(t, "script.js:6:26: Error: same failure", "\tat inner (", "script.js:6:26)", "\tat default (", "script.js:8:36)")
	})
	t.Run("an infinite loop is interrupted at the end of gracefulStop", func(t *testing.T) {
		r := runScript(t, `
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '2s', gracefulStop: '1s' } } };
export default function () { while (true) {} }
`)
		r.wantCode(t, 0)
		if r.took < 2900*time.Millisecond || r.took > 6*time.Second {
			t.Errorf("the run took %s, want about 3 s (2 s + 1 s graceful stop)", r.took)
		}
		if !strings.Contains(r.stdout, "2 interrupted iterations") {
			t.Errorf("the summary does not count the 2 interrupted iterations:\n%s", r.stdout)
		}
	})
	t.Run("handleSummary writes stdout and a file", func(t *testing.T) {
		dir := t.TempDir()
		r := runScript(t, `
export const options = { iterations: 2 };
export default function () {}
export function handleSummary(data) {
  return {
    stdout: 'iterations=' + data.metrics.iterations.values.count + ' state=' + typeof data.state.testRunDurationMs + '\n',
    [__ENV.OUT]: JSON.stringify({ options: data.options, keys: Object.keys(data).sort() }),
  };
}
`, "-e", "OUT="+filepath.Join(dir, "out.json"))
		r.wantCode(t, 0)
		if !strings.Contains(r.stdout, "iterations=2 state=number") {
			t.Errorf("stdout lacks handleSummary's text:\n%s", r.stdout)
		}
		b, err := os.ReadFile(filepath.Join(dir, "out.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"keys":["metrics","options","root_group","setup_data","state"]`) {
			t.Errorf("data's keys are not k6's: %s", b)
		}
	})
}

func TestScripting_Globals(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"data/users.csv": "name\nann\nbob\n",
		"lib/helper.js": `
export const users = open('../data/users.csv');   // relative to this module
export const bin = open('../data/users.csv', 'b');
`,
		"main.js": `
import { users, bin } from './lib/helper.js';
import { check } from 'k6';
export const options = { vus: 2, iterations: 4, thresholds: { checks: ['rate==1'] } };
export default function () {
  check(null, {
    'text open': () => users.split('\n')[1] === 'ann',
    'binary open is an ArrayBuffer': () => bin instanceof ArrayBuffer && bin.byteLength === 13,
    '__VU in 1..2': () => __VU >= 1 && __VU <= 2,
    '__ITER is a number': () => typeof __ITER === 'number' && __ITER >= 0,
    '-e wins over the OS': () => __ENV.BOTH === 'cli',
    'OS variable': () => __ENV.FROM_OS === (__ENV.EXPECT_OS === '1' ? 'os' : undefined),
  });
  console.debug('debug line');
  console.info('info line');
  console.warn('warn line');
  console.error('error line');
  if (__ITER === 1) { open('./data/users.csv'); }
}
`,
	}
	writeFiles(t, dir, files)
	script := filepath.Join(dir, "main.js")
	env := []string{"FROM_OS=os", "BOTH=os"}
	t.Run("OS environment, console to stderr, open() outside init fails the iteration", func(t *testing.T) {
		r, _ := runWith(t, env, 60*time.Second, "run", "-q", "-e", "BOTH=cli", "-e", "EXPECT_OS=1", script)
		r.wantCode(t, 0)
		r.wantStderr(t, `level=info msg="info line"`, `level=warning msg="warn line"`, `level=error msg="error line"`,
			"main.js:18:28: open: open() can only be called in the init context", "\tat default (")
		if strings.Contains(r.stderr, "debug line") {
			t.Errorf("console.debug shown without -v:\n%s", r.stderr)
		}
	})
	t.Run("--no-system-env, -v and --console-output FILE", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "console.log")
		r, _ := runWith(t, env, 60*time.Second, "run", "-q", "--no-system-env", "-v", "--console-output", out, "-e", "BOTH=cli", script)
		r.wantCode(t, 0)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`level=debug msg="debug line"`, "info line", "warn line", "error line"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("--console-output file lacks %q:\n%s", want, b)
			}
		}
		if strings.Contains(r.stderr, "info line") {
			t.Errorf("console output also went to stderr:\n%s", r.stderr)
		}
	})
}

func TestScripting_Modules(t *testing.T) {
	t.Run("local ESM, CommonJS and TypeScript imports, every k6 alias", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"lib/esm.js":    "export function twice(x) { return 2 * x; }\n",
			"lib/cjs.js":    "module.exports = { thrice: (x) => 3 * x, json: require('./conf.json') };\n",
			"lib/conf.json": `{"port": 8080}`,
			"lib/types.ts":  "export interface P { n: number }\nexport const square = (p: P): number => p.n * p.n;\n",
			"main.js": `
import { twice } from './lib/esm.js';
import { square } from './lib/types.ts';
const cjs = require('./lib/cjs.js');
import k6, { check } from 'k6';
import http from 'k6/http';
import * as metrics from 'k6/metrics';
import exec from 'k6/execution';
import encoding from 'k6/encoding';
import crypto from 'k6/crypto';
import { SharedArray } from 'k6/data';
import { setTimeout as st } from 'k6/timers';
export const options = { iterations: 1, thresholds: { checks: ['rate==1'] } };
const shared = new SharedArray('s', () => [1, 2, 3]);
export default function () {
  check(null, {
    'esm': () => twice(2) === 4,
    'ts': () => square({ n: 3 }) === 9,
    'cjs': () => cjs.thrice(2) === 6 && cjs.json.port === 8080,
    'k6/http': () => typeof http.get === 'function',
    'k6/metrics': () => typeof metrics.Trend === 'function',
    'k6/execution': () => exec.vu.idInTest === 1,
    'k6/encoding': () => encoding.b64encode('hi') === 'aGk=',
    'k6/crypto': () => crypto.sha256('abc', 'hex').slice(0, 8) === 'ba7816bf',
    'k6/data': () => shared.length === 3,
    'k6/timers': () => typeof st === 'function',
    'TextEncoder': () => new TextDecoder().decode(new TextEncoder().encode('é')) === 'é',
  });
  let fired = false;
  setTimeout(() => { fired = true; check(fired, { 'timer fired on the VU loop': (x) => x }); }, 10);
}
`,
		})
		export := filepath.Join(dir, "summary.json")
		r, _ := runWith(t, nil, 60*time.Second, "run", "-q", "--summary-export", export, filepath.Join(dir, "main.js"))
		r.wantCode(t, 0)
		r.readExport(t, export)
		if got := r.metric(t, "checks", "passes"); got != 12 {
			t.Errorf("passed checks = %v, want 12\n%s", got, r.stdout)
		}
	})
	for _, mod := range []string{
		"k6/browser", "k6/net/grpc", "k6/ws", "k6/experimental/websockets", "k6/experimental/redis",
		"k6/html", "https://jslib.k6.io/k6-utils/1.4.0/index.js", "http://127.0.0.1:1/lib.js",
	} {
		t.Run("unsupported "+mod, func(t *testing.T) {
			r := runScript(t, "import x from '"+mod+"';\nexport default function () { console.log('iteration ran'); }\n")
			r.wantCode(t, 107)
			r.wantStderr(t, `module "`+mod+`" is not supported`, "script.js:1:")
			if strings.Contains(r.stderr, "iteration ran") {
				t.Error("an iteration ran")
			}
		})
	}
}
