package main

// End-to-end tests of `load inspect`: the real binary prints the resolved
// plan of a multi-scenario script as text and as JSON.

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspectScript has one scenario per kind of executor parameters: an open
// model with a queue, a ramp with its own graceful stops that starts late,
// and a closed model bounded by maxDuration.
const inspectScript = `
export const options = {
  scenarios: {
    open: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '20s',
            preAllocatedVUs: 10, maxVUs: 40, lateStarts: 'queue', exec: 'svc' },
    ramp: { executor: 'ramping-vus', startVUs: 2, startTime: '5s', gracefulRampDown: '3s', gracefulStop: '7s',
            stages: [{ duration: '10s', target: 8 }, { duration: '5s', target: 0 }] },
    once: { executor: 'per-vu-iterations', vus: 3, iterations: 2, maxDuration: '1m' },
    wave: { executor: 'ramping-arrival-rate', startRate: 300, timeUnit: '1m', preAllocatedVUs: 5,
            stages: [{ duration: '1m', target: 300 }, { duration: '2m', target: 600 }, { duration: '4m', target: 600 }, { duration: '2m', target: 60 }] },
  },
};
export function svc() {}
export default function () {}
`

func inspectFile(t *testing.T, src string) string {
	t.Helper()
	return writeScript(t, "script.js", src)
}

func TestInspect_Text(t *testing.T) {
	r := runLoad(t, 30*time.Second, "inspect", inspectFile(t, inspectScript))
	r.wantCode(t, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	// 3 + 40 + 8 + 5 VUs; the latest end is wave's 9 min + 30 s graceful stop.
	if want := "4 scenario(s), up to 56 VUs, at most 9m30s including graceful stops"; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	rows := map[string][]string{}
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = f
		}
	}
	if _, ok := rows["SCENARIO"]; !ok {
		t.Fatalf("no header row:\n%s", r.stdout)
	}
	for _, tc := range []struct {
		name string
		// executor, max VUs, start, duration, duration with graceful stop
		cols   []string
		params []string
	}{
		{"open", []string{"constant-arrival-rate", "40", "0s", "20s", "50s"},
			[]string{"starts=1000", "rate=50", "timeUnit=1s", "preAllocatedVUs=10", "maxVUs=40", "gracefulStop=30s", "exec=svc", "lateStarts=queue"}},
		{"ramp", []string{"ramping-vus", "8", "5s", "15s", "22s"},
			[]string{"startVUs=2", "stages=10s:8,5s:0", "gracefulStop=7s", "gracefulRampDown=3s"}},
		{"once", []string{"per-vu-iterations", "3", "0s", "1m0s", "1m30s"},
			[]string{"vus=3", "iterations=2", "maxDuration=1m0s", "gracefulStop=30s"}},
		{"wave", []string{"ramping-arrival-rate", "5", "0s", "9m0s", "9m30s"},
			[]string{"starts=4260", "startRate=300", "timeUnit=1m0s", "preAllocatedVUs=5", "maxVUs=5", "lateStarts=drop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := rows[tc.name]
			if !ok || len(f) < 6 {
				t.Fatalf("no row for %s:\n%s", tc.name, r.stdout)
			}
			for i, want := range tc.cols {
				if f[i+1] != want {
					t.Errorf("column %d = %q, want %q (row %q)", i+1, f[i+1], want, strings.Join(f, " "))
				}
			}
			for _, p := range tc.params {
				if !slices.Contains(f[6:], p) {
					t.Errorf("parameters lack %s: %v", p, f[6:])
				}
			}
		})
	}
}

func TestInspect_JSON(t *testing.T) {
	r := runLoad(t, 30*time.Second, "inspect", "--json", inspectFile(t, inspectScript))
	r.wantCode(t, 0)
	var got struct {
		Scenarios []struct {
			Name            string         `json:"name"`
			Executor        string         `json:"executor"`
			Config          map[string]any `json:"config"`
			MaxVUs          int64          `json:"maxVUs"`
			PreAllocatedVUs int64          `json:"preAllocatedVUs"`
			Starts          int64          `json:"starts"`
			StartTimeMs     int64          `json:"startTimeMs"`
			DurationMs      int64          `json:"durationMs"`
			MaxDurationMs   int64          `json:"maxDurationMs"`
		} `json:"scenarios"`
		MaxVUs        int64 `json:"maxVUs"`
		MaxDurationMs int64 `json:"maxDurationMs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if got.MaxVUs != 56 || got.MaxDurationMs != 570000 {
		t.Errorf("plan maxVUs %d maxDurationMs %d, want 56 and 570000 (9 min + 30 s graceful stop)", got.MaxVUs, got.MaxDurationMs)
	}
	type want struct {
		executor                                string
		maxVUs, pre, starts, start, dur, maxDur int64
		config                                  map[string]any
	}
	wants := map[string]want{
		"open": {"constant-arrival-rate", 40, 10, 1000, 0, 20000, 50000,
			map[string]any{"rate": 50.0, "timeUnit": "1s", "duration": "20s", "gracefulStop": "30s", "lateStarts": "queue", "exec": "svc"}},
		"ramp": {"ramping-vus", 8, 8, 0, 5000, 15000, 22000,
			map[string]any{"startVUs": 2.0, "gracefulStop": "7s", "gracefulRampDown": "3s", "startTime": "5s", "exec": "default"}},
		"once": {"per-vu-iterations", 3, 3, 0, 0, 60000, 90000,
			map[string]any{"vus": 3.0, "iterations": 2.0, "maxDuration": "1m0s", "gracefulStop": "30s"}},
		"wave": {"ramping-arrival-rate", 5, 5, 4260, 0, 540000, 570000,
			map[string]any{"startRate": 300.0, "timeUnit": "1m0s", "maxVUs": 5.0, "lateStarts": "drop"}},
	}
	if len(got.Scenarios) != len(wants) {
		t.Fatalf("%d scenarios, want %d:\n%s", len(got.Scenarios), len(wants), r.stdout)
	}
	for _, s := range got.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			w, ok := wants[s.Name]
			if !ok {
				t.Fatalf("unexpected scenario %q", s.Name)
			}
			if s.Executor != w.executor || s.MaxVUs != w.maxVUs || s.PreAllocatedVUs != w.pre || s.Starts != w.starts ||
				s.StartTimeMs != w.start || s.DurationMs != w.dur || s.MaxDurationMs != w.maxDur {
				t.Errorf("got %s maxVUs %d pre %d starts %d start %d dur %d maxDur %d; want %+v",
					s.Executor, s.MaxVUs, s.PreAllocatedVUs, s.Starts, s.StartTimeMs, s.DurationMs, s.MaxDurationMs, w)
			}
			for k, v := range w.config {
				if s.Config[k] != v {
					t.Errorf("config %s = %v (%T), want %v", k, s.Config[k], s.Config[k], v)
				}
			}
		})
	}
}

func TestInspect_InvalidPlan(t *testing.T) {
	for _, tc := range []struct {
		name, options, says string
	}{
		{"vus next to scenarios", `{ vus: 5, scenarios: { a: { executor: 'constant-vus', vus: 1, duration: '1s' } } }`, "vus"},
		{"bad lateStarts", `{ scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 1, lateStarts: 'later' } } }`, "lateStarts"},
		{"maxVUs below preAllocatedVUs", `{ scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, duration: '1s', preAllocatedVUs: 4, maxVUs: 2 } } }`, "maxVUs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runLoad(t, 30*time.Second, "inspect", inspectFile(t, "export const options = "+tc.options+";\nexport default function () {}\n"))
			r.wantCode(t, exitInvalidConfig)
			if !strings.Contains(r.stderr, tc.says) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
				t.Errorf("stderr should name %q in one line:\n%s", tc.says, r.stderr)
			}
		})
	}
}

func TestInspect_ExecutionSegmentShare(t *testing.T) {
	script := writeScript(t, "s.js", "export default function () {}\n")
	r := runLoad(t, 30*time.Second, "inspect", "-u", "9", "-d", "10s",
		"--execution-segment", "1/3:2/3", "--execution-segment-sequence", "0,1/3,2/3,1", script)
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "this instance runs 3 of the 9 VUs") {
		t.Errorf("inspect does not show the segment's share:\n%s", r.stdout)
	}
}

func TestInspect_SameLayersAsRun(t *testing.T) {
	script := writeScript(t, "s.js", "export function named() {}\nexport default function () {}\n")
	r := runLoad(t, 30*time.Second, "inspect", "--capacity-steps", "4", "--capacity-max-rate", "400", "--step-duration", "5s", script)
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "ramping-arrival-rate") || !strings.Contains(r.stdout, "capacity") {
		t.Errorf("inspect does not show the capacity staircase:\n%s", r.stdout)
	}
	r = runLoad(t, 30*time.Second, "inspect", "--capacity-steps", "0", script)
	r.wantCode(t, exitUsage)

	nodef := writeScript(t, "nodef.js", "export function named() {}\nexport const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'named' } } };\n")
	r = runLoad(t, 30*time.Second, "inspect", "-u", "2", "-d", "2s", nodef)
	r.wantCode(t, exitScriptException)
}
