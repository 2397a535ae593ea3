package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
)

// goTypeName matches what a message meant for users must not hold: Go's
// type names, as encoding/json and yaml.v3 write them ("Go value of type
// struct {...}", "Go struct field headerRec.Header.interval_ns",
// "type parity.Service").
var goTypeName = regexp.MustCompile(`Go (value|struct)|struct \{|\btype [a-z]+\.[A-Z]|\b(parity|results|capacity|rightsize|compare|time)\.[A-Z][A-Za-z]+\b`)

// idleScript runs one VU for 0.6 s without requests; with
// --interval 200ms its results file has three intervals.
const idleScript = `
import { sleep } from 'k6';
export const options = { vus: 1, duration: '600ms' };
export default function () { sleep(0.05); }
`

// recordRun runs src (written to dir/name.js) with --out dir/name.jsonl
// and extra flags, and returns the results file.
func recordRun(t *testing.T, dir, name, src string, extra ...string) string {
	t.Helper()
	script := filepath.Join(dir, name+".js")
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".jsonl")
	args := append([]string{"run", "-q", "--no-summary", "--out", out, "--interval", "200ms"}, extra...)
	runLoad(t, 60*time.Second, append(args, script)...).wantCode(t, 0)
	return out
}

// warnings returns the lines of stderr that are warnings.
func warnings(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "load: warning: ") {
			out = append(out, l)
		}
	}
	return out
}

// TestReportingCommands_WarnOnDifferentTests: load compare and load
// capacity, like load report, accept results files of different scripts or
// labels with a one-line warning on stderr that names the files and what
// differs, and go on; files of one test give no warning.
func TestReportingCommands_WarnOnDifferentTests(t *testing.T) {
	dir := t.TempDir()
	a1 := recordRun(t, dir, "a1", idleScript, "--label", "env=staging")
	a2 := recordRun(t, dir, "a2", idleScript, "--label", "env=staging")
	otherScript := recordRun(t, dir, "b", idleScript+"// changed\n", "--label", "env=staging")
	otherLabel := recordRun(t, dir, "c", idleScript, "--label", "env=prod")

	const scripts, labels = "come from different scripts (SHA-256 ", "have different labels (env=staging and env=prod)"
	for _, tc := range []struct {
		name  string
		args  []string
		codes []int // accepted exit codes
		want  []string
		other string // what must not be said
	}{
		{"compare, same test", []string{"compare", a1, a2, "--min-intervals", "1"}, []int{0, 99}, nil, ""},
		{"compare, other script", []string{"compare", a1, otherScript, "--min-intervals", "1"}, []int{0, 99},
			[]string{a1 + " and " + otherScript + " " + scripts, "compared as runs of one test"}, labels},
		{"compare, other labels", []string{"compare", a1, otherLabel, "--min-intervals", "1"}, []int{0, 99},
			[]string{a1 + " and " + otherLabel + " " + labels, "compared as runs of one test"}, scripts},
		{"compare, several files a side", []string{"compare", "--baseline", a1, "--baseline", otherLabel, "--current", a2, "--min-intervals", "1"}, []int{0, 99},
			[]string{a1 + " and " + otherLabel + " " + labels, "pooled as one side"}, scripts},
		{"capacity, same test", []string{"capacity", a1, a2, "--slo", "errors<1%"}, []int{0}, nil, ""},
		{"capacity, other script and labels", []string{"capacity", a1, otherScript, otherLabel, "--slo", "errors<1%"}, []int{0},
			[]string{a1 + " and " + otherScript + " " + scripts, a1 + " and " + otherLabel + " " + labels, "analysed as one system"}, ""},
		{"report, other labels", []string{"report", a1, otherLabel}, []int{0},
			[]string{a1 + " and " + otherLabel + " " + labels, "merged as one test"}, scripts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runLoad(t, 60*time.Second, tc.args...)
			ok := false
			for _, c := range tc.codes {
				ok = ok || r.code == c
			}
			if !ok {
				t.Fatalf("exit %d, want one of %v\nstderr:\n%s", r.code, tc.codes, r.stderr)
			}
			if r.stdout == "" {
				t.Errorf("no report on stdout: the command must go on after the warning")
			}
			ws := warnings(r.stderr)
			if len(tc.want) == 0 {
				if len(ws) != 0 {
					t.Errorf("warnings for files of one test:\n%s", r.stderr)
				}
				return
			}
			all := strings.Join(ws, "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("no warning saying %q:\n%s", w, r.stderr)
				}
			}
			if tc.other != "" && strings.Contains(all, tc.other) {
				t.Errorf("the warning says %q, which is not so:\n%s", tc.other, all)
			}
		})
	}
}

// TestRightsize_PrometheusThatIsNot: a --prometheus URL that answers 404
// with a text page (here the demo target, which has no Prometheus API) is
// one line saying what answered and what to give, not the page's body
// decoded into a Go type.
func TestRightsize_PrometheusThatIsNot(t *testing.T) {
	run := recordRun(t, t.TempDir(), "r", idleScript)
	r := runLoad(t, 30*time.Second, "rightsize", "--prometheus", targetURL, "--query-cpu", "up", "--from", run)
	r.wantCode(t, exitGenericError)
	msg := strings.TrimSpace(r.stderr)
	for _, want := range []string{"rightsize: prometheus " + targetURL, "/api/v1/query_range answered 404 Not Found", "not a Prometheus API response", "give --prometheus the server's base URL"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || goTypeName.MatchString(msg) || strings.Contains(msg, "page not found") {
		t.Errorf("stderr must be one line without Go type names or the page's body:\n%s", msg)
	}
}

func TestTestMismatch(t *testing.T) {
	h := func(sha string, labels map[string]string) results.Header {
		return results.Header{ScriptSHA256: sha, Labels: labels}
	}
	tests := []struct {
		name string
		a, b results.Header
		want string
	}{
		{"same", h("aa", map[string]string{"env": "x"}), h("aa", map[string]string{"env": "x"}), ""},
		{"no labels either side", h("aa", nil), h("aa", map[string]string{}), ""},
		{"script", h("0123456789abcdef", nil), h("fedcba9876543210", nil), "a and b come from different scripts (SHA-256 0123456789ab… and fedcba987654…)"},
		{"labels: only the keys that differ", h("aa", map[string]string{"env": "stg", "team": "t"}), h("aa", map[string]string{"env": "prod", "team": "t", "zone": "z"}),
			"a and b have different labels (env=stg, no zone and env=prod, zone=z)"},
		{"both", h("aa", map[string]string{"env": "stg"}), h("bb", nil), "a and b come from different scripts (SHA-256 aa… and bb…) and have different labels (env=stg and no env)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testMismatch("a", tt.a, "b", tt.b); got != tt.want {
				t.Errorf("testMismatch = %q, want %q", got, tt.want)
			}
		})
	}
}
