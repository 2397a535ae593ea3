// Command arrival is the open-model timing benchmark of issue 3 (make
// bench-arrival): it runs the real `load` binary with a constant-arrival-rate
// scenario (default 1,000/s for 20 s) against the real `load target` on a
// loopback port and prints the figures that say whether the schedule was
// kept: iterations started, dropped_iterations, and schedule_lag (actual
// minus intended start) p50, p99 and max, plus iteration_latency and
// http_req_duration p99 for context.
//
// It exits 1 when, in any of -rounds runs, started + dropped differs from rate × duration (the exact
// count, CASES.md C01/C03), when a start was dropped, or when schedule_lag
// p(99) is not under -lag-limit (default 5 ms, the acceptance bound
// on a 2-core machine); 2 on a usage or setup error. Every run is bounded by
// a timeout of the duration plus one minute, and all traffic goes to
// 127.0.0.1.
//
// Usage:
//
//	go run ./bench/arrival [-bin bin/load] [-rate 1000] [-duration 20s]
//	    [-pre 100] [-max 1000] [-path /fast] [-lag-limit 5ms] [-rounds 1]
//
// Units: rate is iterations per second; the figures are printed in
// milliseconds (the summary export's unit for time trends).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is the benchmark's parameters.
type config struct {
	bin      string
	rate     int64 // iterations per second
	duration time.Duration
	pre, max int64 // preAllocatedVUs, maxVUs
	path     string
	lagLimit time.Duration
	rounds   int
}

// figures are what one run measured, read from the summary export.
type figures struct {
	Started, Dropped                    int64
	LagP50, LagP99, LagMax              float64 // ms
	LatencyP99, ReqP99, ReqMed, WallSec float64
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("arrival", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.bin, "bin", "bin/load", "the load binary (make build)")
	fs.Int64Var(&c.rate, "rate", 1000, "iterations per second")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "scenario duration (whole seconds)")
	fs.Int64Var(&c.pre, "pre", 100, "preAllocatedVUs")
	fs.Int64Var(&c.max, "max", 1000, "maxVUs")
	fs.StringVar(&c.path, "path", "/fast", "target path each iteration GETs")
	fs.DurationVar(&c.lagLimit, "lag-limit", 5*time.Millisecond, "schedule_lag p(99) must be under this")
	fs.IntVar(&c.rounds, "rounds", 1, "runs, one after the other; every one must pass")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if c.rate <= 0 || c.duration < time.Second || c.duration%time.Second != 0 || c.pre < 1 || c.max < c.pre || c.rounds < 1 {
		fmt.Fprintln(stderr, "arrival: need rate > 0, a whole number of seconds >= 1s, 1 <= pre <= max, rounds >= 1")
		return 2
	}
	want := expectedStarts(c.rate, c.duration)
	fmt.Fprintf(stdout, "constant-arrival-rate %d/s for %s against %s (preAllocatedVUs %d, maxVUs %d), %d round(s), %d CPUs\n",
		c.rate, c.duration, c.path, c.pre, c.max, c.rounds, runtime.NumCPU())
	failed := 0
	for i := range c.rounds {
		// Other processes competing for the CPUs delay the scheduler: the
		// figures mean little on a busy machine, so they carry its load.
		loadBefore := loadAvg()
		ctx, cancel := context.WithTimeout(context.Background(), c.duration+time.Minute)
		f, err := measure(ctx, c)
		cancel()
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		fmt.Fprintf(stdout, "round %d: wall %.2f s, load average %s before, %s after\n", i+1, f.WallSec, loadBefore, loadAvg())
		fmt.Fprintf(stdout, "  started            %d\n", f.Started)
		fmt.Fprintf(stdout, "  dropped            %d\n", f.Dropped)
		fmt.Fprintf(stdout, "  scheduled          %d (want %d = rate × duration)\n", f.Started+f.Dropped, want)
		fmt.Fprintf(stdout, "  schedule_lag       p50 %.3f ms  p99 %.3f ms  max %.3f ms (p99 limit %s)\n", f.LagP50, f.LagP99, f.LagMax, c.lagLimit)
		fmt.Fprintf(stdout, "  iteration_latency  p99 %.3f ms\n", f.LatencyP99)
		fmt.Fprintf(stdout, "  http_req_duration  med %.3f ms  p99 %.3f ms\n", f.ReqMed, f.ReqP99)
		if bad := verdict(f, want, c.lagLimit); len(bad) > 0 {
			fmt.Fprintf(stdout, "  FAIL: %s\n", strings.Join(bad, "; "))
			failed++
		} else {
			fmt.Fprintln(stdout, "  PASS")
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "FAIL: %d of %d rounds\n", failed, c.rounds)
		return 1
	}
	fmt.Fprintln(stdout, "PASS")
	return 0
}

// loadAvg is the 1-minute load average from /proc/loadavg ("?" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// expectedStarts is rate × duration for a whole number of seconds: the
// starts in the half-open window [0, duration).
func expectedStarts(rate int64, d time.Duration) int64 {
	return rate * int64(d/time.Second)
}

// verdict lists what failed: the exact count, drops, the lag bound.
func verdict(f figures, want int64, lagLimit time.Duration) []string {
	var bad []string
	if f.Started+f.Dropped != want {
		bad = append(bad, fmt.Sprintf("started + dropped = %d, want %d", f.Started+f.Dropped, want))
	}
	if f.Dropped != 0 {
		bad = append(bad, fmt.Sprintf("%d starts dropped", f.Dropped))
	}
	if limit := float64(lagLimit) / float64(time.Millisecond); !(f.LagP99 < limit) {
		bad = append(bad, fmt.Sprintf("schedule_lag p(99) %.3f ms is not under %.3f ms", f.LagP99, limit))
	}
	return bad
}

// measure starts the target, runs the scenario and reads the export.
func measure(ctx context.Context, c config) (figures, error) {
	dir, err := os.MkdirTemp("", "bench-arrival")
	if err != nil {
		return figures{}, err
	}
	defer os.RemoveAll(dir)

	tctx, stopTarget := context.WithCancel(ctx)
	defer stopTarget()
	tgt := exec.CommandContext(tctx, c.bin, "target", "--addr", "127.0.0.1:0")
	out, err := tgt.StdoutPipe()
	if err != nil {
		return figures{}, err
	}
	if err := tgt.Start(); err != nil {
		return figures{}, fmt.Errorf("arrival: starting %s target: %w (run make build first)", c.bin, err)
	}
	defer func() {
		stopTarget() // kills the target
		_ = tgt.Wait()
	}()
	url, err := listenURL(out, 10*time.Second)
	if err != nil {
		return figures{}, err
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // drain the target's output

	script := filepath.Join(dir, "arrival.js")
	src := fmt.Sprintf(`import http from 'load/http';
export const options = {
  scenarios: { arrival: { executor: 'constant-arrival-rate', rate: %d, timeUnit: '1s', duration: '%s',
    preAllocatedVUs: %d, maxVUs: %d } },
};
export default function () { http.get(__ENV.TARGET + %q); }
`, c.rate, c.duration, c.pre, c.max, c.path)
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		return figures{}, err
	}
	export := filepath.Join(dir, "summary.json")
	cmd := exec.CommandContext(ctx, c.bin, "run", "-q", "--no-summary", "--summary-export", export,
		"--summary-trend-stats", "med,p(50),p(99),max", "-e", "TARGET="+url, script)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return figures{}, fmt.Errorf("arrival: load run: %w", err)
	}
	wall := time.Since(start).Seconds()
	b, err := os.ReadFile(export)
	if err != nil {
		return figures{}, err
	}
	f, err := parseExport(b)
	f.WallSec = wall
	return f, err
}

// listenURL reads the target's "listening on http://..." line.
func listenURL(r io.Reader, limit time.Duration) (string, error) {
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok && strings.HasPrefix(u, "http://") {
				got <- u
				return
			}
		}
		close(got)
	}()
	select {
	case u, ok := <-got:
		if !ok {
			return "", errors.New("arrival: the target exited without listening")
		}
		return u, nil
	case <-time.After(limit):
		return "", fmt.Errorf("arrival: the target did not listen within %s", limit)
	}
}

// parseExport reads the figures from a k6-shaped summary export; a metric
// with no sample (dropped_iterations when nothing was dropped) is absent and
// reads as 0, any other missing figure is an error.
func parseExport(b []byte) (figures, error) {
	var doc struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return figures{}, fmt.Errorf("arrival: summary export: %w", err)
	}
	var missing []string
	get := func(metric, key string, optional bool) float64 {
		v, ok := doc.Metrics[metric][key].(float64)
		if !ok && !optional {
			missing = append(missing, metric+"."+key)
		}
		return v
	}
	f := figures{
		Started:    int64(math.Round(get("iterations", "count", false))),
		Dropped:    int64(math.Round(get("dropped_iterations", "count", true))),
		LagP50:     get("schedule_lag", "med", false),
		LagP99:     get("schedule_lag", "p(99)", false),
		LagMax:     get("schedule_lag", "max", false),
		LatencyP99: get("iteration_latency", "p(99)", false),
		ReqP99:     get("http_req_duration", "p(99)", false),
		ReqMed:     get("http_req_duration", "med", false),
	}
	if len(missing) > 0 {
		return f, fmt.Errorf("arrival: summary export lacks %s", strings.Join(missing, ", "))
	}
	return f, nil
}
