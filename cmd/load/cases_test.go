package main

// The behaviour cases of ../shared/CASES.md, end to end through the binary.
// Each test is named after its case id.

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCase_C05_RampingVUsStages(t *testing.T) {
	t.Run("a: VU 2 joins only at the end of a 3 s ramp", func(t *testing.T) {
		r := runScript(t, `
import { sleep } from 'load';
import { Counter } from 'load/metrics';
const per = new Counter('iters_by_vu');
export const options = {
  stages: [{ duration: '3s', target: 2 }],
  thresholds: { 'iters_by_vu{vu:1}': ['count==6'], 'iters_by_vu{vu:2}': ['count==0'] },
};
export default function () { per.add(1, { vu: String(__VU) }); sleep(0.5); }
`)
		r.wantCode(t, 0)
	})
	t.Run("b: trailing zero stages are kept", func(t *testing.T) {
		r := runScript(t, `
import { sleep } from 'load';
export const options = {
  stages: [{ duration: '1s', target: 2 }, { duration: '1s', target: 0 }, { duration: '5s', target: 0 }],
  gracefulRampDown: '0s',
};
export default function () { sleep(0.2); }
`)
		r.wantCode(t, 0)
		if r.took < 7*time.Second {
			t.Errorf("the run took %s; the scenario lasts the sum of its stages, 7 s", r.took)
		}
		if r.took > 15*time.Second {
			t.Errorf("the run took %s, far beyond its 7 s of stages", r.took)
		}
	})
}

func TestCase_C07_ThresholdKeyWithSpecialChars(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
const NAME = __ENV.TARGET + '/items/${}';
export const options = {
  vus: 1, iterations: 2,
  thresholds: { ['http_req_duration{name:' + NAME + '}']: ['p(95)<1000'], ['http_reqs{name:' + NAME + '}']: ['count==2'] },
};
export default function () { http.get(__ENV.TARGET + '/get?id=' + __ITER, { tags: { name: NAME } }); }
`)
	r.wantCode(t, 0)
}

func TestCase_C09_EmptyMetrics(t *testing.T) {
	t.Run("counter with no samples counts 0 and fails count>500", func(t *testing.T) {
		r := runScript(t, `
import { Counter } from 'load/metrics';
const c = new Counter('never_added');
export const options = { iterations: 1, thresholds: { never_added: ['count>500'] } };
export default function () {}
`)
		r.wantCode(t, 99)
		if !strings.Contains(r.stdout, "never_added") {
			t.Errorf("summary does not show the failed threshold:\n%s", r.stdout)
		}
	})
	t.Run("empty rate and trend are no data, and the summary says so", func(t *testing.T) {
		r := runScript(t, `
import { Rate, Trend } from 'load/metrics';
const r = new Rate('empty_rate');
const tr = new Trend('empty_trend');
export const options = { iterations: 1, thresholds: { empty_rate: ['rate>0.9'], empty_trend: ['p(95)<100'] } };
export default function () {}
`)
		r.wantCode(t, 99)
		if !strings.Contains(r.stdout, "no data") {
			t.Errorf("summary does not say 'no data' for the empty metrics:\n%s", r.stdout)
		}
		if strings.Contains(r.stdout, "rate=0.00%") {
			t.Errorf("summary prints a value that contradicts the verdict:\n%s", r.stdout)
		}
	})
	t.Run("undeclared metric is a config error before the run", func(t *testing.T) {
		r := runScript(t, `
export const options = { iterations: 1, thresholds: { no_such_metric: ['count>0'] } };
export default function () { console.log('iteration ran'); }
`)
		r.wantCode(t, 104)
		if strings.Contains(r.stderr, "iteration ran") {
			t.Error("an iteration ran despite the invalid threshold")
		}
		if !strings.Contains(r.stderr, "no_such_metric") {
			t.Errorf("the error does not name the metric:\n%s", r.stderr)
		}
	})
}

func TestCase_C10_ExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		code   int
		check  func(t *testing.T, r result)
	}{
		{"thresholds pass", `
export const options = { iterations: 1, thresholds: { iterations: ['count==1'] } };
export default function () {}`, 0, nil},
		{"a threshold fails", `
export const options = { iterations: 1, thresholds: { iterations: ['count==2'] } };
export default function () {}`, 99, nil},
		{"failing checks without a threshold", `
import { check } from 'load';
export const options = { iterations: 2 };
export default function () { check(1, { 'never': () => false }); }`, 0, nil},
		{"failing checks with a checks threshold", `
import { check } from 'load';
export const options = { iterations: 2, thresholds: { checks: ['rate>0.99'] } };
export default function () { check(1, { 'never': () => false }); }`, 99, nil},
		{"the iteration throws", `
import { fail } from 'load';
export const options = { iterations: 3, thresholds: { iterations: ['count==3'] } };
export default function () { if (__ITER % 2 === 0) { fail('boom'); } throw new Error('bang'); }`, 0, nil},
		{"abortOnFail stops the test and teardown runs", `
import { sleep } from 'load';
import { Counter } from 'load/metrics';
const c = new Counter('ticks');
export const options = { vus: 1, duration: '20s', thresholds: { ticks: [{ threshold: 'count<3', abortOnFail: true }] } };
export default function () { c.add(1); sleep(0.5); }
export function teardown() { console.log('teardown-ran'); }`, 99, func(t *testing.T, r result) {
			if r.took > 8*time.Second {
				t.Errorf("abortOnFail took %s to stop a 20 s test", r.took)
			}
			if !strings.Contains(r.stderr, "teardown-ran") {
				t.Errorf("teardown did not run:\n%s", r.stderr)
			}
		}},
		{"test.abort in iteration 3 of 5", `
import exec from 'load/execution';
import { Counter } from 'load/metrics';
const done = new Counter('done');
export const options = { vus: 1, iterations: 5 };
export default function () { if (__ITER === 2) { exec.test.abort('stop here'); } done.add(1); }
export function teardown() { console.log('teardown-ran'); }`, 108, func(t *testing.T, r result) {
			if !strings.Contains(r.stderr, "teardown-ran") {
				t.Errorf("teardown did not run:\n%s", r.stderr)
			}
			if got := r.metric(t, "iterations", "count"); got != 3 {
				t.Errorf("iterations = %v, want 3", got)
			}
		}},
		{"exception at init", `
throw new Error('init failed');
export function setup() { console.log('setup-ran'); }
export default function () {}`, 107, func(t *testing.T, r result) {
			if strings.Contains(r.stderr, "setup-ran") {
				t.Error("setup ran after an init exception")
			}
		}},
		{"invalid threshold expression", `
export const options = { iterations: 1, thresholds: { http_req_duration: ['p95 less than 3'] } };
export default function () {}`, 104, nil},
		{"setup returns a function", `
export function setup() { return function () {}; }
export default function () {}`, -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runScript(t, tc.script)
			if tc.code == -1 {
				if r.code == 0 {
					t.Fatalf("exit 0, want a non-zero exit code\nstderr:\n%s", r.stderr)
				}
				if strings.TrimSpace(r.stderr) == "" {
					t.Error("no message explains the failure")
				}
			} else {
				r.wantCode(t, tc.code)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestCase_C11_ExpectedResponseAndFailedRequests(t *testing.T) {
	// Reset /flaky's counter first so odd calls are the slow successes.
	resp, err := http.Get(targetURL + "/resetconns")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := runScript(t, `
import http from 'load/http';
export const options = {
  vus: 1, iterations: 20,
  thresholds: {
    'http_req_duration{expected_response:true}': ['p(50)>150'],
    http_req_failed: ['rate<0.6'],
    'http_reqs{scenario:default}': ['count==20'],
  },
};
export default function () { http.get(__ENV.TARGET + '/flaky'); }
`)
	r.wantCode(t, 0)
	if got := r.metric(t, "http_req_failed", "value"); got < 0.49 || got > 0.51 {
		t.Errorf("http_req_failed rate = %v, want 0.50", got)
	}
	if !strings.Contains(r.stdout, "10 out of 20") {
		t.Errorf("the summary does not say plainly that 10 out of 20 failed:\n%s", r.stdout)
	}
	med := r.metric(t, "http_req_duration", "med")
	if med < 50 || med > 150 {
		t.Errorf("overall med = %v ms, want about 100 (between a fast error and a 200 ms success)", med)
	}
}

func TestCase_C18_ErrorClassification(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
import { check } from 'load';
export const options = { iterations: 1, thresholds: { checks: ['rate==1'], http_reqs: ['count==5'], http_req_failed: ['rate==1'] } };
export default function () {
  let r = http.get(__ENV.TARGET + '/delay?ms=3000', { timeout: '1s' });
  check(r, { 'timeout: 1050': (r) => r.status === 0 && r.error_code === 1050,
             'timeout: ~1 s': (r) => r.timings.duration >= 950 && r.timings.duration < 1500 });
  r = http.get('http://127.0.0.1:9/');
  check(r, { 'refused: 1212': (r) => r.status === 0 && r.error_code === 1212 });
  r = http.get('http://no-such-host.invalid/', { timeout: '5s' });
  check(r, { 'dns: 1101': (r) => r.status === 0 && r.error_code === 1101 });
  r = http.get('http://127.0.0.1:notaport/');
  check(r, { 'invalid url: 1020': (r) => r.status === 0 && r.error_code === 1020 });
  r = http.get(__ENV.TARGET + '/status?code=404');
  check(r, { '404: 1404': (r) => r.status === 404 && r.error_code === 1404 && r.error === '' });
  r = http.get(__ENV.TARGET + '/status?code=503');
  check(r, { '503: 1503': (r) => r.status === 503 && r.error_code === 1503 });
}
`)
	r.wantCode(t, 0)
}

func TestCase_C23_JSON(t *testing.T) {
	r := runScript(t, `
import http from 'load/http';
import { check } from 'load';
export const options = { iterations: 1, thresholds: { checks: ['rate==1'] } };
export default function () {
  const r = http.get(__ENV.TARGET + '/json/small');
  check(r, {
    'array index in path': (r) => r.json('a.b.1') === 2,
    'missing path is undefined': (r) => r.json('a.zzz') === undefined,
    'whole document': (r) => r.json().s === 'x',
  });
  let msg = '';
  try { http.get(__ENV.TARGET + '/notjson').json(); } catch (e) { msg = String(e); }
  check(msg, { 'invalid JSON names the position': (m) => m.indexOf('character 1') >= 0 || m.indexOf('position') >= 0 });
  msg = '';
  try { http.get(__ENV.TARGET + '/json/small', { responseType: 'none' }).json(); } catch (e) { msg = String(e); }
  check(msg, { 'null body explains itself': (m) => m.indexOf('null') >= 0 });
}
`)
	r.wantCode(t, 0)
}

func TestCase_C26_SummaryTrendStats(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "hs.json")
	r := runScript(t, `
import { Trend } from 'load/metrics';
const tr = new Trend('values');
export const options = { iterations: 1, summaryTrendStats: ['med', 'p(98)', 'p(99.9)', 'max', 'count'] };
export default function () { for (let i = 1; i <= 100; i++) tr.add(i); }
export function handleSummary(data) {
  return { '`+out+`': JSON.stringify(data.metrics.values.values), stdout: 'summary-handled\n' };
}
`)
	r.wantCode(t, 0)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("handleSummary output: %v\nstderr:\n%s", err, r.stderr)
	}
	var got map[string]float64
	if err := jsonUnmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"med": 50.5, "p(98)": 98.02, "p(99.9)": 99.901, "max": 100, "count": 100}
	if len(got) != len(want) {
		t.Errorf("handleSummary stats = %v, want exactly %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g < w*0.999 || g > w*1.001 {
			t.Errorf("%s = %v, want %v (within 0.1%%)", k, g, w)
		}
	}
	for k := range want {
		if _, ok := r.export["metrics"].(map[string]any)["values"].(map[string]any)[k]; !ok {
			t.Errorf("summary export lacks %s", k)
		}
	}
	if !strings.Contains(r.stdout, "summary-handled") {
		t.Errorf("handleSummary's stdout was not printed:\n%s", r.stdout)
	}
}
