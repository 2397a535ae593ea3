package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startProcess starts a command that is killed at cleanup.
func startProcess(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// startTargetProcess runs `load target` as its own process (so its
// /metrics report its own CPU and memory) and returns its address.
func startTargetProcess(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(loadBin, "target", "--addr", "127.0.0.1:0", "--workers", "8", "--service-time", "2ms")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on http://"); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("load target did not print its address within 10 s")
	}
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// promQueryRange is the test's own query_range client: the values of every
// series whose timestamps lie in [start, end], in order. As documented in
// docs/rightsize.md, the query starts at start rounded up to a millisecond.
func promQueryRange(t *testing.T, base, query string, start, end time.Time, step float64) []float64 {
	t.Helper()
	qs := start.UnixMilli()
	if time.UnixMilli(qs).Before(start) {
		qs++
	}
	q := url.Values{"query": {query},
		"start": {strconv.FormatFloat(float64(qs)/1e3, 'f', 3, 64)},
		"end":   {strconv.FormatFloat(float64(end.UnixMilli())/1e3, 'f', 3, 64)},
		"step":  {strconv.FormatFloat(step, 'f', -1, 64)}}
	resp, err := http.Get(base + "/api/v1/query_range?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Data   struct {
			Result []struct {
				Values [][2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("query_range %s: %v %+v", query, err, body)
	}
	var out []float64
	for _, r := range body.Data.Result {
		for _, v := range r.Values {
			f, err := strconv.ParseFloat(v[1].(string), 64)
			if err != nil {
				t.Fatal(err)
			}
			ts := time.UnixMilli(int64(math.Round(v[0].(float64) * 1000)))
			if ts.Before(start) || ts.After(end) {
				continue
			}
			out = append(out, f)
		}
	}
	return out
}

// handSizing computes the documented rule independently: sort, type-7
// percentile (pos = p/100·(n−1), interpolate), request = p90 × 1.15,
// limit = max(max ÷ 0.8, request).
func handSizing(xs []float64) (p90, request, limit float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := 0.9 * float64(len(s)-1)
	i := int(pos)
	p90 = s[i]
	if i+1 < len(s) {
		p90 += (s[i+1] - s[i]) * (pos - float64(i))
	}
	request = p90 * 1.15
	limit = math.Max(s[len(s)-1]/0.8, request)
	return
}

type sizedResource struct {
	Samples            int      `json:"samples"`
	P90                float64  `json:"p90"`
	Request            float64  `json:"request"`
	Limit              float64  `json:"limit"`
	Current            float64  `json:"current"`
	OverProvisionedPct *float64 `json:"over_provisioned_pct"`
}

type sizedReport struct {
	StepSeconds float64 `json:"step_seconds"`
	Windows     []struct {
		Start, End time.Time
	} `json:"windows"`
	Services []struct {
		Service string        `json:"service"`
		CPU     sizedResource `json:"cpu_cores"`
		Memory  sizedResource `json:"memory_bytes"`
	} `json:"services"`
}

func readSized(t *testing.T, path string) sizedReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r sizedReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("rightsize JSON: %v\n%s", err, b)
	}
	return r
}

func close9(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkSized(t *testing.T, what string, got sizedResource, xs []float64, current float64) {
	t.Helper()
	p90, req, lim := handSizing(xs)
	if got.Samples != len(xs) || !close9(got.P90, p90) || !close9(got.Request, req) || !close9(got.Limit, lim) {
		t.Fatalf("%s: got %+v; by hand: %d samples, p90 %v, request %v, limit %v", what, got, len(xs), p90, req, lim)
	}
	if current > 0 {
		want := (current - req) / current * 100
		if got.OverProvisionedPct == nil || !close9(*got.OverProvisionedPct, want) {
			t.Fatalf("%s: over-provisioned %v, by hand %v", what, got.OverProvisionedPct, want)
		}
	}
}

// TestRightsize_FromPrometheus is issue 7's right-sizing acceptance: a real
// Prometheus scrapes a real `load target` every second during a short run,
// and `load rightsize --prometheus` must agree with a hand computation
// from the same query_range data.
func TestRightsize_FromPrometheus(t *testing.T) {
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed: this test runs a real Prometheus; install Debian's package (apt-get install prometheus, as .ci/run does)")
	}
	dir := t.TempDir()
	addr := startTargetProcess(t)
	port := freePort(t)
	promURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: api
    static_configs:
      - targets: ['%s']
`, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	startProcess(t, promBin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port), "--log.level=warn")
	// Wait until Prometheus has scraped the target at least once.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if v := promInstant(promURL, `up{job="api"}`); v == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("prometheus did not scrape the target within 20 s")
		}
		time.Sleep(200 * time.Millisecond)
	}

	script := filepath.Join(dir, "load.js")
	if err := os.WriteFile(script, []byte(`
import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 400, timeUnit: '1s',
  duration: '10s', preAllocatedVUs: 20, maxVUs: 50 } } };
export default function () { http.get(__ENV.TARGET + '/capacity'); }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "r.jsonl")
	runLoad(t, 40*time.Second, "run", "-q", "--no-summary", "--out", run, "-e", "TARGET=http://"+addr, script).wantCode(t, 0)
	// Let the scrapes covering the run's last second land.
	time.Sleep(2500 * time.Millisecond)

	env := filepath.Join(dir, "env.yaml")
	if err := os.WriteFile(env, []byte("services:\n  - name: api\n    cpu: 2\n    memory: 1Gi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	qCPU, qMem := "rate(process_cpu_seconds_total[5s])", "process_resident_memory_bytes"
	out := filepath.Join(dir, "out.json")
	r := runLoad(t, 30*time.Second, "rightsize", "--prometheus", promURL, "--query-cpu", qCPU, "--query-mem", qMem,
		"--from", run, "--env", env, "--json", out)
	r.wantCode(t, 0)
	rep := readSized(t, out)
	if len(rep.Windows) != 1 || len(rep.Services) != 1 || rep.Services[0].Service != "api" || rep.StepSeconds != 1 {
		t.Fatalf("report %+v\n%s", rep, r.stdout)
	}
	w := rep.Windows[0]
	if d := w.End.Sub(w.Start); d < 9*time.Second || d > 15*time.Second {
		t.Fatalf("window %s..%s: want the run's ~10 s", w.Start, w.End)
	}
	cpu := promQueryRange(t, promURL, qCPU, w.Start, w.End, rep.StepSeconds)
	mem := promQueryRange(t, promURL, qMem, w.Start, w.End, rep.StepSeconds)
	if len(cpu) < 8 || len(mem) < 8 {
		t.Fatalf("only %d CPU and %d memory points in the window", len(cpu), len(mem))
	}
	checkSized(t, "cpu", rep.Services[0].CPU, cpu, 2)
	checkSized(t, "memory", rep.Services[0].Memory, mem, 1<<30)
	if rep.Services[0].CPU.P90 <= 0 || rep.Services[0].Memory.P90 < 1<<20 {
		t.Fatalf("implausible usage: %+v", rep.Services[0])
	}
	t.Logf("cpu p90 %.4f cores → request %.4f; memory p90 %.1f MiB → request %.1f MiB",
		rep.Services[0].CPU.P90, rep.Services[0].CPU.Request, rep.Services[0].Memory.P90/(1<<20), rep.Services[0].Memory.Request/(1<<20))

	t.Run("csv", func(t *testing.T) {
		// Usage inside the run's window is 0.1..2.0 cores and 100..119 MiB;
		// outside it, spikes that must not count.
		var b strings.Builder
		b.WriteString("timestamp,service,cpu_cores,memory_bytes\n")
		var cpuIn, memIn []float64
		step := w.End.Sub(w.Start) / 20
		for i := 0; i < 20; i++ {
			c, m := float64(i+1)/10, float64(100+i)*(1<<20)
			cpuIn, memIn = append(cpuIn, c), append(memIn, m)
			fmt.Fprintf(&b, "%s,api,%g,%g\n", w.Start.Add(time.Duration(i)*step).Format(time.RFC3339Nano), c, m)
		}
		fmt.Fprintf(&b, "%d,api,64,%g\n", w.Start.Add(-time.Minute).Unix(), float64(1<<40))
		fmt.Fprintf(&b, "%s,api,64,%g\n", w.End.Add(time.Minute).Format(time.RFC3339), float64(1<<40))
		usage := filepath.Join(dir, "usage.csv")
		if err := os.WriteFile(usage, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, htmlOut := filepath.Join(dir, "csv.json"), filepath.Join(dir, "csv.html")
		r := runLoad(t, 20*time.Second, "rightsize", "--usage", usage, "--from", run, "--env", env, "--json", out, "--html", htmlOut)
		r.wantCode(t, 0)
		page, err := os.ReadFile(htmlOut)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`id="chart-usage-api-cpu"`, `id="chart-usage-api-memory"`, `id="rightsize-data"`, "recommended request", "current request"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("HTML report lacks %q", want)
			}
		}
		rep := readSized(t, out)
		if len(rep.Services) != 1 {
			t.Fatalf("services %+v", rep.Services)
		}
		checkSized(t, "csv cpu", rep.Services[0].CPU, cpuIn, 2)
		checkSized(t, "csv memory", rep.Services[0].Memory, memIn, 1<<30)
		if !strings.Contains(r.stdout, "| api | cpu | 20 |") {
			t.Fatalf("terminal report:\n%s", r.stdout)
		}
	})
}

// promInstant returns the first value of an instant query, or NaN.
func promInstant(base, query string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?"+url.Values{"query": {query}}.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return math.NaN()
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data.Result) == 0 {
		return math.NaN()
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

func TestRightsize_BadInputs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no source", []string{"rightsize", "--from", "x.jsonl"}, exitUsage, "exactly one of --usage"},
		{"both sources", []string{"rightsize", "--usage", "u.csv", "--prometheus", "http://127.0.0.1:1", "--from", "x"}, exitUsage, "exactly one of --usage"},
		{"no queries", []string{"rightsize", "--prometheus", "http://127.0.0.1:1", "--from", "x"}, exitUsage, "--query-cpu"},
		{"no run", []string{"rightsize", "--usage", "u.csv"}, exitUsage, "--from RESULTS is required"},
		{"missing run", []string{"rightsize", "--usage", os.Args[0], "--from", "/nonexistent/r.jsonl"}, exitUsage, "--from results file /nonexistent/r.jsonl not found"},
		{"missing usage", []string{"rightsize", "--usage", "/nonexistent/u.csv", "--from", "/nonexistent/r.jsonl"}, exitUsage, "--usage file /nonexistent/u.csv not found"},
		{"missing env", []string{"rightsize", "--usage", os.Args[0], "--env", "/nonexistent/e.yaml", "--from", "/nonexistent/r.jsonl"}, exitUsage, "--env descriptor /nonexistent/e.yaml not found"},
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

// TestRightsize_NoSampleInWindow: usage data that misses the run's window
// gives no recommendation, and that is an error (exit 1), not an empty
// success a pipeline would take for a result.
func TestRightsize_NoSampleInWindow(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.jsonl")
	script := writeScript(t, "s.js", "export default function () {}\n")
	r := runLoad(t, 30*time.Second, "run", "-q", "--no-summary", "--out", out, script)
	r.wantCode(t, 0)
	usage := filepath.Join(dir, "usage.csv")
	csv := "timestamp,service,cpu_cores,memory_bytes\n2001-01-01T00:00:00Z,api,0.5,100000000\n2001-01-01T00:00:01Z,api,0.6,110000000\n"
	if err := os.WriteFile(usage, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runLoad(t, 30*time.Second, "rightsize", "--usage", usage, "--from", out)
	r.wantCode(t, exitGenericError)
	if !strings.Contains(r.stderr, "no usage sample falls inside the run's window") {
		t.Errorf("stderr does not explain the missing recommendation:\n%s", r.stderr)
	}
}
