// Command sharedarray measures what a SharedArray costs the `load` process:
// it writes a JSON array of user records of about -mb megabytes, runs the
// real binary twice with -vus VUs reading elements from it (once with the
// SharedArray, once with the same script minus the SharedArray), and prints
// both peak RSS figures and their difference as a multiple of the file's
// size. Issue 4's target: under 1.5× for 50 MB and 200 VUs.
//
// Usage (or `make bench-sharedarray`):
//
//	go run ./bench/sharedarray -load bin/load [-mb 50] [-vus 200] [-iterations 2000]
//
// Peak RSS is the child's ru_maxrss (getrusage, KiB on Linux), so it covers
// the whole run: init of every VU, the array's build and the iterations.
// No network traffic: the scenario only reads the array.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// script is the scenario; WITH_ARRAY=1 builds the SharedArray and reads
// three elements per iteration, otherwise the iterations do the same work
// on a constant record.
const script = `
import { SharedArray } from 'k6/data';
import { check } from 'k6';
const users = __ENV.WITH_ARRAY === '1'
  ? new SharedArray('users', function () { return JSON.parse(open(__ENV.DATA)); })
  : null;
const fallback = { id: 1, login: 'user0000001' };
export const options = {
  scenarios: { read: { executor: 'shared-iterations', vus: Number(__ENV.VUS), iterations: Number(__ENV.ITERS) } },
  thresholds: { checks: ['rate==1'] },
};
export default function () {
  const n = users ? users.length : 1;
  const u = users ? users[(__VU * 7919 + __ITER * 104729) % n] : fallback;
  const first = users ? users[0] : fallback;
  const last = users ? users[n - 1] : fallback;
  check(u, { 'element read': (x) => x.login.length > 0 && first.id <= last.id });
}
`

func main() {
	loadBin := flag.String("load", "bin/load", "path of the load binary")
	mb := flag.Int("mb", 50, "size of the JSON file, megabytes (10^6 bytes)")
	vus := flag.Int("vus", 200, "VUs")
	iters := flag.Int("iterations", 2000, "iterations shared by the VUs")
	flag.Parse()
	res, err := measure(*loadBin, *mb*1_000_000, *vus, *iters)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sharedarray:", err)
		os.Exit(1)
	}
	fmt.Println(res)
}

// Result is one measurement. Sizes are bytes.
type Result struct {
	DataBytes   int64         // size of the JSON file
	VUs         int           // VUs of both runs
	WithPeak    int64         // peak RSS with the SharedArray
	WithoutPeak int64         // peak RSS of the same script without it
	WithTook    time.Duration // wall time of the run with the SharedArray
}

// Ratio is (WithPeak - WithoutPeak) / DataBytes: what the array adds to
// the process, as a multiple of the data's size.
func (r Result) Ratio() float64 {
	return float64(r.WithPeak-r.WithoutPeak) / float64(r.DataBytes)
}

func (r Result) String() string {
	return fmt.Sprintf("SharedArray of %.1f MB, %d VUs: peak RSS %.1f MB with, %.1f MB without; adds %.1f MB = %.2f× the data (target < 1.5×); run with it took %s",
		float64(r.DataBytes)/1e6, r.VUs, float64(r.WithPeak)/1e6, float64(r.WithoutPeak)/1e6,
		float64(r.WithPeak-r.WithoutPeak)/1e6, r.Ratio(), r.WithTook.Round(time.Millisecond))
}

// measure writes the data file and the script to a temporary directory,
// runs both variants and returns the figures.
func measure(loadBin string, size, vus, iters int) (Result, error) {
	dir, err := os.MkdirTemp("", "sharedarray")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "users.json")
	if err := os.WriteFile(data, genUsers(size), 0o644); err != nil {
		return Result{}, err
	}
	st, err := os.Stat(data)
	if err != nil {
		return Result{}, err
	}
	scr := filepath.Join(dir, "read.js")
	if err := os.WriteFile(scr, []byte(script), 0o644); err != nil {
		return Result{}, err
	}
	res := Result{DataBytes: st.Size(), VUs: vus}
	env := []string{"DATA=" + data, fmt.Sprintf("VUS=%d", vus), fmt.Sprintf("ITERS=%d", iters)}
	if res.WithoutPeak, _, err = run(loadBin, scr, append(env, "WITH_ARRAY=0")); err != nil {
		return res, err
	}
	if res.WithPeak, res.WithTook, err = run(loadBin, scr, append(env, "WITH_ARRAY=1")); err != nil {
		return res, err
	}
	return res, nil
}

// run runs the script to completion (at most 5 minutes) and returns the
// process's peak RSS in bytes.
func run(loadBin, scr string, env []string) (int64, time.Duration, error) {
	args := []string{"run", "-q", "--no-summary", "--no-system-env"}
	for _, kv := range env {
		args = append(args, "-e", kv)
	}
	cmd := exec.Command(loadBin, append(args, scr)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	timer := time.AfterFunc(5*time.Minute, func() { _ = cmd.Process.Kill() })
	err := cmd.Run()
	timer.Stop()
	took := time.Since(start)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return 0, took, fmt.Errorf("%s exited %d (%s): %s", loadBin, ee.ExitCode(), strings.Join(env, " "), strings.TrimSpace(stderr.String()))
		}
		return 0, took, fmt.Errorf("running %s: %w", loadBin, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, took, errors.New("no rusage for the child process")
	}
	return ru.Maxrss * 1024, took, nil
}

// genUsers returns a JSON array of ASCII user records, at least size bytes.
func genUsers(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 512)
	b.WriteByte('[')
	roles := []string{"admin", "editor", "viewer"}
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"login":"user%07d","email":"user%07d@example.test","role":%q,"langs":["en","go"],"active":%t,"bio":"%s"}`,
			i, i, i, roles[i%3], i%2 == 0, strings.Repeat("lorem ipsum ", 1+i%8))
	}
	b.WriteByte(']')
	return b.Bytes()
}
