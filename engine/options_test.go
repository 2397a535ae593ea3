package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Duration
		wantErr  bool
	}{
		{"go string", `"1m30s"`, 90 * time.Second, false},
		{"millis string", `"500ms"`, 500 * time.Millisecond, false},
		{"zero string", `"0s"`, 0, false},
		{"bare zero string", `"0"`, 0, false},
		{"number is milliseconds", `1500`, 1500 * time.Millisecond, false},
		{"fractional milliseconds", `0.5`, 500 * time.Microsecond, false},
		{"numeric string is milliseconds", `"250"`, 250 * time.Millisecond, false},
		{"negative string", `"-1s"`, 0, true},
		{"negative number", `-5`, 0, true},
		{"garbage", `"soon"`, 0, true},
		{"wrong type", `true`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Duration
			err := json.Unmarshal([]byte(tt.in), &d)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "engine: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if time.Duration(d) != tt.want {
				t.Fatalf("Unmarshal(%s) = %v, want %v", tt.in, time.Duration(d), tt.want)
			}
			b, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			var back Duration
			if err := json.Unmarshal(b, &back); err != nil || back != d {
				t.Fatalf("round trip %s -> %s -> %v (%v)", tt.in, b, back, err)
			}
		})
	}
}

func TestTLSVersionJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     TLSVersion
		wantErr  bool
	}{
		{"string sets both", `"tls1.2"`, TLSVersion{"tls1.2", "tls1.2"}, false},
		{"object", `{"min":"tls1.2","max":"tls1.3"}`, TLSVersion{"tls1.2", "tls1.3"}, false},
		{"object min only", `{"min":"tls1.3"}`, TLSVersion{Min: "tls1.3"}, false},
		{"number", `12`, TLSVersion{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v TLSVersion
			err := json.Unmarshal([]byte(tt.in), &v)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && v != tt.want {
				t.Fatalf("got %+v, want %+v", v, tt.want)
			}
		})
	}
}

func mustOptions(t *testing.T, js string) Options {
	t.Helper()
	var o Options
	if err := json.Unmarshal([]byte(js), &o); err != nil {
		t.Fatalf("options %s: %v", js, err)
	}
	return o
}

func TestOptionsApply(t *testing.T) {
	tests := []struct {
		name          string
		lower, top    string
		wantScenarios bool
		wantVUs       int64 // 0: unset
		wantDuration  time.Duration
		wantIters     int64
		wantUA        string
	}{
		{"cli duration replaces script scenarios",
			`{"scenarios":{"a":{"executor":"constant-vus","duration":"5s"}}}`, `{"duration":"10s"}`,
			false, 0, 10 * time.Second, 0, ""},
		{"cli vus replaces script scenarios",
			`{"scenarios":{"a":{"executor":"constant-vus","duration":"5s"}}}`, `{"vus":1}`,
			false, 1, 0, 0, ""},
		{"env vus keeps script duration",
			`{"vus":2,"duration":"30s"}`, `{"vus":7}`,
			false, 7, 30 * time.Second, 0, ""},
		{"cli iterations replaces script duration, keeps vus",
			`{"vus":2,"duration":"30s"}`, `{"iterations":9}`,
			false, 2, 0, 9, ""},
		{"higher scenarios replace lower shortcuts",
			`{"vus":2,"duration":"30s"}`, `{"scenarios":{"a":{"executor":"shared-iterations"}}}`,
			true, 0, 0, 0, ""},
		{"unset top keeps everything",
			`{"vus":3,"duration":"1s","userAgent":"low"}`, `{}`,
			false, 3, time.Second, 0, "low"},
		{"pointer field overlays",
			`{"userAgent":"low"}`, `{"userAgent":"high"}`,
			false, 0, 0, 0, "high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lower, top := mustOptions(t, tt.lower), mustOptions(t, tt.top)
			before, _ := json.Marshal(lower)
			got := lower.Apply(top)
			after, _ := json.Marshal(lower)
			if string(before) != string(after) {
				t.Fatalf("Apply changed its receiver: %s -> %s", before, after)
			}
			if (got.Scenarios != nil) != tt.wantScenarios {
				t.Errorf("scenarios set = %v, want %v", got.Scenarios != nil, tt.wantScenarios)
			}
			if v := deref(got.VUs); v != tt.wantVUs {
				t.Errorf("vus = %d, want %d", v, tt.wantVUs)
			}
			if d := time.Duration(deref(got.Duration)); d != tt.wantDuration {
				t.Errorf("duration = %v, want %v", d, tt.wantDuration)
			}
			if n := deref(got.Iterations); n != tt.wantIters {
				t.Errorf("iterations = %d, want %d", n, tt.wantIters)
			}
			if ua := deref(got.UserAgent); ua != tt.wantUA {
				t.Errorf("userAgent = %q, want %q", ua, tt.wantUA)
			}
			if _, err := got.Resolve(); err != nil {
				t.Errorf("layered options do not resolve: %v", err)
			}
		})
	}
}

func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func TestResolveShortcuts(t *testing.T) {
	tests := []struct {
		name, opts  string
		executor    string
		vus         int64 // vus or startVUs
		iterations  int64
		duration    time.Duration // Plan Duration
		maxDuration time.Duration // ScenarioPlan.MaxDuration
	}{
		{"nothing: 1 VU, 1 iteration", `{}`, SharedIterations, 1, 1, 10 * time.Minute, 10*time.Minute + 30*time.Second},
		{"iterations alone", `{"iterations":10}`, SharedIterations, 1, 10, 10 * time.Minute, 10*time.Minute + 30*time.Second},
		{"iterations and vus", `{"vus":5,"iterations":10}`, SharedIterations, 5, 10, 10 * time.Minute, 10*time.Minute + 30*time.Second},
		{"duration and iterations: maxDuration", `{"iterations":10,"duration":"20s"}`, SharedIterations, 1, 10, 20 * time.Second, 50 * time.Second},
		{"duration and vus", `{"vus":3,"duration":"30s"}`, ConstantVUs, 3, 0, 30 * time.Second, time.Minute},
		{"duration alone", `{"duration":"5s"}`, ConstantVUs, 1, 0, 5 * time.Second, 35 * time.Second},
		{"stages: startVUs 1", `{"stages":[{"duration":"2s","target":4},{"duration":"1s","target":0}]}`, RampingVUs, 1, 0, 3 * time.Second, 33 * time.Second},
		{"stages with vus: startVUs = vus", `{"vus":2,"stages":[{"duration":"2s","target":4}]}`, RampingVUs, 2, 0, 2 * time.Second, 32 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustOptions(t, tt.opts)
			plan, err := o.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if len(plan.Scenarios) != 1 {
				t.Fatalf("%d scenarios, want 1", len(plan.Scenarios))
			}
			sp := plan.Scenarios[0]
			c := sp.Config
			if sp.Name != "default" || c.Executor != tt.executor || c.Exec != "default" {
				t.Fatalf("scenario %q executor %q exec %q, want default/%s/default", sp.Name, c.Executor, c.Exec, tt.executor)
			}
			vus := deref(c.VUs)
			if c.Executor == RampingVUs {
				vus = *c.StartVUs
				if time.Duration(*c.GracefulRampDown) != 30*time.Second {
					t.Errorf("gracefulRampDown = %v", *c.GracefulRampDown)
				}
			}
			if vus != tt.vus || deref(c.Iterations) != tt.iterations {
				t.Errorf("vus %d iterations %d, want %d %d", vus, deref(c.Iterations), tt.vus, tt.iterations)
			}
			if sp.Duration != tt.duration || sp.MaxDuration != tt.maxDuration {
				t.Errorf("duration %v max %v, want %v %v", sp.Duration, sp.MaxDuration, tt.duration, tt.maxDuration)
			}
			if time.Duration(*c.GracefulStop) != 30*time.Second || *c.StartTime != 0 {
				t.Errorf("gracefulStop %v startTime %v", *c.GracefulStop, *c.StartTime)
			}
		})
	}
}

func TestResolveScenarios(t *testing.T) {
	o := mustOptions(t, `{"scenarios":{
		"late":  {"executor":"constant-arrival-rate","rate":5,"duration":"10s","preAllocatedVUs":3,"startTime":"5s"},
		"b":     {"executor":"ramping-arrival-rate","preAllocatedVUs":2,"maxVUs":9,"stages":[{"duration":"4s","target":10}]},
		"a":     {"executor":"per-vu-iterations","vus":2,"iterations":3},
		"ramp":  {"executor":"ramping-vus","startVUs":0,"stages":[{"duration":"1s","target":4},{"duration":"1s","target":2}]}
	}}`)
	plan, err := o.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range plan.Scenarios {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "a,b,ramp,late" {
		t.Fatalf("order %s, want a,b,ramp,late (startTime, then name)", got)
	}
	byName := map[string]*ScenarioPlan{}
	for _, s := range plan.Scenarios {
		byName[s.Name] = s
	}
	late := byName["late"]
	if late.MaxVUs != 3 || late.PreAllocatedVUs != 3 || time.Duration(*late.Config.TimeUnit) != time.Second || late.Config.LateStarts != LateStartsDrop {
		t.Errorf("late: %+v", late)
	}
	b := byName["b"]
	if b.MaxVUs != 9 || b.PreAllocatedVUs != 2 || *b.Config.StartRate != 0 || b.Duration != 4*time.Second {
		t.Errorf("b: max %d pre %d startRate %v duration %v", b.MaxVUs, b.PreAllocatedVUs, *b.Config.StartRate, b.Duration)
	}
	if a := byName["a"]; a.MaxVUs != 2 || a.Duration != 10*time.Minute {
		t.Errorf("a: %+v", a)
	}
	if r := byName["ramp"]; r.MaxVUs != 4 || r.Duration != 2*time.Second {
		t.Errorf("ramp: max %d duration %v", r.MaxVUs, r.Duration)
	}
	if got := plan.MaxVUs(); got != 3+2+2+4 {
		t.Errorf("plan MaxVUs %d, want 11", got)
	}
	if got := plan.MaxDuration(); got != 10*time.Minute+30*time.Second {
		t.Errorf("plan MaxDuration %v", got)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct{ name, opts, want string }{
		{"vus next to scenarios", `{"vus":2,"scenarios":{"a":{"executor":"constant-vus","duration":"1s"}}}`,
			"options: `vus`/`duration` next to `scenarios`; move them into a scenario"},
		{"duration next to scenarios", `{"duration":"2s","scenarios":{"a":{"executor":"constant-vus","duration":"1s"}}}`,
			"options: `vus`/`duration` next to `scenarios`; move them into a scenario"},
		{"duration next to stages", `{"duration":"2s","stages":[{"duration":"1s","target":1}]}`, "`duration` next to `stages`"},
		{"vus above iterations", `{"vus":10}`, `scenario "default": ` + "`iterations` (1) must be at least `vus` (10)"},
		{"unknown executor", `{"scenarios":{"x":{"executor":"warp"}}}`, `scenario "x": unknown executor "warp"`},
		{"missing executor", `{"scenarios":{"x":{}}}`, `scenario "x": ` + "`executor` is missing"},
		{"foreign field", `{"scenarios":{"x":{"executor":"constant-vus","duration":"1s","rate":3}}}`, `scenario "x": ` + "`rate` is not an option of constant-vus"},
		{"constant-vus without duration", `{"scenarios":{"x":{"executor":"constant-vus"}}}`, `scenario "x": ` + "`duration` must be set"},
		{"arrival without preAllocatedVUs", `{"scenarios":{"x":{"executor":"constant-arrival-rate","rate":1,"duration":"1s"}}}`, "`preAllocatedVUs` must be set"},
		{"maxVUs below preAllocatedVUs", `{"scenarios":{"x":{"executor":"constant-arrival-rate","rate":1,"duration":"1s","preAllocatedVUs":5,"maxVUs":2}}}`, "`maxVUs` (2) must be at least `preAllocatedVUs` (5)"},
		{"rate zero", `{"scenarios":{"x":{"executor":"constant-arrival-rate","rate":0,"duration":"1s","preAllocatedVUs":1}}}`, "`rate` must be set and positive"},
		{"bad lateStarts", `{"scenarios":{"x":{"executor":"constant-arrival-rate","rate":1,"duration":"1s","preAllocatedVUs":1,"lateStarts":"later"}}}`, "`lateStarts` must be"},
		{"ramping without stages", `{"scenarios":{"x":{"executor":"ramping-vus"}}}`, "`stages` must have at least one stage"},
		{"negative target", `{"scenarios":{"x":{"executor":"ramping-vus","stages":[{"duration":"1s","target":-1}]}}}`, "stage 0: `target` must not be negative"},
		{"zero-length ramp", `{"scenarios":{"x":{"executor":"ramping-vus","stages":[{"duration":"0s","target":1}]}}}`, "lasts 0 s"},
		{"empty scenarios", `{"scenarios":{}}`, "`scenarios` is empty"},
		{"bad segment", `{"executionSegment":"2/3:1/3"}`, "start must be below end"},
		{"segment not in sequence", `{"executionSegment":"0:1/2","executionSegmentSequence":"0,1/3,1"}`, "not a segment of the sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := mustOptions(t, tt.opts)
			_, err := o.Resolve()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
