// Package browsertest loads a page in headless Chromium for tests of the
// HTML report: it returns the DOM after the page's scripts ran, the page's
// self-check (see package report/html) and every console message Chromium
// logged, checks a rendered report (CheckReport), and takes screenshots.
// It is a test helper, imported only by tests.
//
// Chromium is the Debian package `chromium` (installed by .ci/run). It runs
// with a throw-away profile, no sandbox (tests run as root in containers),
// no GPU and no background networking, and with a virtual time budget so
// that timers the page sets run before the DOM is dumped. Each call starts
// and waits for its own browser process, bounded by ctx; calls may run
// concurrently.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Chart is one chart of the page's self-check.
type Chart struct {
	ID     string `json:"id"`
	Canvas bool   `json:"canvas"` // a <canvas> element is in the chart
	Width  int    `json:"width"`  // canvas size in device pixels
	Height int    `json:"height"`
	Points int    `json:"points"` // x values drawn
}

// Selfcheck is what the page wrote into <pre id="selfcheck">.
type Selfcheck struct {
	Charts []Chart  `json:"charts"`
	Errors []string `json:"errors"` // window errors, rejections, console.error calls
}

// Result is a page loaded in Chromium.
type Result struct {
	DOM       string    // document.documentElement.outerHTML after the scripts ran
	Selfcheck Selfcheck // parsed from the DOM; empty when the page wrote none
	// Console holds every console message Chromium logged for the page
	// (console.log/error, uncaught exceptions, blocked resources).
	Console []string
}

// Chromium returns the path of the chromium binary, or an error that says
// how to install it.
func Chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browsertest: chromium not found on PATH (install it: apt-get install chromium; .ci/run does)")
}

func args(profile string, extra ...string) []string {
	return append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
	}, extra...)
}

func fileURL(page string) (string, error) {
	abs, err := filepath.Abs(page)
	if err != nil {
		return "", err
	}
	return "file://" + abs, nil
}

// run runs chromium with a fresh profile and returns stdout and stderr.
func run(ctx context.Context, extra ...string) (stdout, stderr []byte, err error) {
	bin, err := Chromium()
	if err != nil {
		return nil, nil, err
	}
	profile, err := os.MkdirTemp("", "browsertest-profile")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(profile)
	cmd := exec.CommandContext(ctx, bin, args(profile, extra...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, errb.Bytes(), fmt.Errorf("browsertest: chromium: %w: %s", err, lastLines(errb.String(), 5))
	}
	return out.Bytes(), errb.Bytes(), nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

var (
	consoleLine = regexp.MustCompile(`:CONSOLE[:(]\d*\)?\] (.*)`)
	selfcheckRe = regexp.MustCompile(`(?s)<pre id="selfcheck"[^>]*>(.*?)</pre>`)
)

// Load opens page (a file path) and returns its DOM after a virtual time
// budget of 5 s, its self-check and its console messages.
func Load(ctx context.Context, page string) (*Result, error) {
	u, err := fileURL(page)
	if err != nil {
		return nil, err
	}
	out, errb, err := run(ctx, "--window-size=1280,1600", "--virtual-time-budget=5000", "--dump-dom", u)
	if err != nil {
		return nil, err
	}
	r := &Result{DOM: string(out)}
	for _, l := range strings.Split(string(errb), "\n") {
		if m := consoleLine.FindStringSubmatch(l); m != nil {
			r.Console = append(r.Console, m[1])
		}
	}
	if m := selfcheckRe.FindStringSubmatch(r.DOM); m != nil && strings.TrimSpace(m[1]) != "" {
		if err := json.Unmarshal([]byte(unescape(m[1])), &r.Selfcheck); err != nil {
			return r, fmt.Errorf("browsertest: the page's self-check is not JSON: %w", err)
		}
	}
	return r, nil
}

// unescape undoes the HTML escaping of a text node's serialisation.
func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", "\u00a0", "&amp;", "&").Replace(s)
}

// Screenshot saves a PNG of page at width×height CSS pixels to png.
func Screenshot(ctx context.Context, page, png string, width, height int) error {
	u, err := fileURL(page)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(png)
	if err != nil {
		return err
	}
	_, _, err = run(ctx, fmt.Sprintf("--window-size=%d,%d", width, height), "--virtual-time-budget=5000", "--screenshot="+abs, u)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("browsertest: chromium wrote no screenshot: %w", err)
	}
	return nil
}

// Verdict is one threshold row the report must show.
type Verdict struct {
	Key, Source string
	Verdict     string // "pass", "fail" or "no data"
}

var (
	chartDiv     = regexp.MustCompile(`<div class="chart" id="([a-z-]+)"`)
	thresholdRow = regexp.MustCompile(`<tr class="threshold" data-key="([^"]*)" data-source="([^"]*)" data-verdict="([^"]*)"`)
)

// CheckReport asserts what every rendered HTML report must show: no console
// message and no error, every chart div drawn on a canvas of non-zero size,
// and exactly the threshold rows of want, in order, with their verdicts.
func CheckReport(t testing.TB, res *Result, want []Verdict) {
	t.Helper()
	if len(res.Console) > 0 || len(res.Selfcheck.Errors) > 0 {
		t.Errorf("console %q, errors %q; want none", res.Console, res.Selfcheck.Errors)
	}
	divs := chartDiv.FindAllStringSubmatch(res.DOM, -1)
	if len(divs) == 0 || len(res.Selfcheck.Charts) != len(divs) {
		t.Fatalf("self-check lists %d charts for %d chart divs: %+v", len(res.Selfcheck.Charts), len(divs), res.Selfcheck)
	}
	drawn := map[string]Chart{}
	for _, c := range res.Selfcheck.Charts {
		drawn[c.ID] = c
	}
	for _, d := range divs {
		c, ok := drawn[d[1]]
		if !ok || !c.Canvas || c.Width <= 0 || c.Height <= 0 || c.Points <= 0 {
			t.Errorf("chart %s: %+v, want it drawn on a non-empty canvas", d[1], c)
		}
	}
	if n := strings.Count(res.DOM, "<canvas"); n < len(divs) {
		t.Errorf("%d canvas elements for %d charts", n, len(divs))
	}
	rows := thresholdRow.FindAllStringSubmatch(res.DOM, -1)
	if len(rows) != len(want) {
		t.Fatalf("%d threshold rows, want %d (%+v)", len(rows), len(want), want)
	}
	for i, w := range want {
		got := Verdict{Key: unescape(rows[i][1]), Source: unescape(rows[i][2]), Verdict: rows[i][3]}
		if got != w {
			t.Errorf("threshold row %d: %+v, want %+v", i, got, w)
		}
	}
}
