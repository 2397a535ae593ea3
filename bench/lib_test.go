package bench

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sh runs a bash snippet with lib.sh sourced and returns its trimmed stdout.
func sh(t *testing.T, snippet string) (string, error) {
	t.Helper()
	lib, err := filepath.Abs("lib.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", "set -euo pipefail; source \"$0\"; "+snippet, lib)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// shOut is sh for a snippet that must succeed: its failure fails the test.
func shOut(t *testing.T, snippet string) string {
	t.Helper()
	got, err := sh(t, snippet)
	if err != nil {
		t.Fatalf("%s: %v (output %q)", snippet, err, got)
	}
	return got
}

func TestToMicroseconds(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"microseconds", "123.45us", "123.45"},
		{"milliseconds", "1.20ms", "1200.00"},
		{"seconds", "2.00s", "2000000.00"},
		{"minutes", "1.50m", "90000000.00"},
		{"integer value", "87us", "87.00"},
		{"no unit", "123", "NaN"},
		{"empty", "", "NaN"},
		{"unknown unit", "5ns", "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shOut(t, fmt.Sprintf("to_us %q", tt.in)); got != tt.want {
				t.Errorf("to_us %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStats(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"odd count, unsorted", "3\n1\n2\n", "2 1 3"},
		{"even count averages the middle two", "10\n40\n20\n30\n", "25 10 40"},
		{"one value", "7.5\n", "7.5 7.5 7.5"},
		{"numeric not lexical order", "9\n10\n100\n", "10 9 100"},
		{"no values", "", "NaN NaN NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shOut(t, fmt.Sprintf("printf %q | stats", tt.in)); got != tt.want {
				t.Errorf("stats of %q = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuarters(t *testing.T) {
	tests := []struct {
		name, samples, want string
	}{
		{"eight samples, two per quarter", "0 10\n1 20\n2 15\n3 5\n4 50\n5 7\n6 8\n7 9\n", "20 15 50 9"},
		{"three samples leave the last quarter empty", "0 10\n1 20\n2 15\n", "10 20 15 -"},
		{"steady", "0 100\n1 100\n2 100\n3 100\n", "100 100 100 100"},
		{"no samples", "", "- - - -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "rss")
			if err := os.WriteFile(f, []byte(tt.samples), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := shOut(t, fmt.Sprintf("quarters %q", f)); got != tt.want {
				t.Errorf("quarters of %q = %q, want %q", tt.samples, got, tt.want)
			}
		})
	}
}

func TestCalc(t *testing.T) {
	tests := []struct {
		name, expr, format, want string
	}{
		{"ratio, default two decimals", "3 / 2", "", "1.50"},
		{"comparison true", "1.59 <= 1.6", "%d", "1"},
		{"comparison false", "1.61 <= 1.6", "%d", "0"},
		{"greater than is not a redirection", "0 > 0", "%d", "0"},
		{"greater or equal", "0.61 >= 0.6", "%d", "1"},
		{"KiB per VU", "(41000 - 20000) / (1000 - 1)", "%.1f", "21.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snippet := fmt.Sprintf("calc %q", tt.expr)
			if tt.format != "" {
				snippet += fmt.Sprintf(" %q", tt.format)
			}
			if got := shOut(t, snippet); got != tt.want {
				t.Errorf("calc %q = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if _, err := sh(t, fmt.Sprintf("port_in_use %d", port)); err != nil {
		t.Errorf("port_in_use %d with a listener: %v, want success", port, err)
	}
	ln.Close()
	if _, err := sh(t, fmt.Sprintf("port_in_use %d", port)); err == nil {
		t.Errorf("port_in_use %d after close: success, want failure", port)
	}
}

func TestHTTPProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello world!\n")
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	got := shOut(t, fmt.Sprintf("http_probe %d", port))
	if !strings.HasPrefix(got, "HTTP/1.1 200") || !strings.Contains(got, "hello world!") {
		t.Errorf("http_probe response = %q, want a 200 with the body", got)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if _, err := sh(t, fmt.Sprintf("http_probe %d", closed)); err == nil {
		t.Errorf("http_probe on closed port %d: success, want failure", closed)
	}
}

func TestTimedLeafPIDAndSampleRSS(t *testing.T) {
	// A real child under the same wrappers the harness uses (time, timeout):
	// leaf_pid must find the measured program, sample_rss must see it alive
	// once a second, and timed must record its resource usage.
	dir := t.TempDir()
	snippet := fmt.Sprintf(`f=%q
timed "$f" sleep 2 &
bg=$!
leaf=$(leaf_pid "$bg")
comm=$(cat "/proc/$leaf/comm")
sample_rss "$leaf" "$f.rss"
wait "$bg"
echo "$comm $(wc -l <"$f.rss") $(wc -w <"$f")"
awk '$2 <= 0 { bad = 1 } END { exit bad }' "$f.rss"`, filepath.Join(dir, "run"))
	got := shOut(t, snippet)
	var comm string
	var samples, words int
	if _, err := fmt.Sscan(got, &comm, &samples, &words); err != nil {
		t.Fatalf("parse %q: %v", got, err)
	}
	if comm != "sleep" {
		t.Errorf("leaf_pid found %q, want sleep", comm)
	}
	if samples < 1 || samples > 3 {
		t.Errorf("sample_rss took %d samples of a 2 s process, want 1..3", samples)
	}
	if words != 4 {
		t.Errorf("timed wrote %d fields, want 4 (wall user sys maxrss)", words)
	}
}

func TestScriptsParse(t *testing.T) {
	scripts, err := filepath.Glob("*.sh")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"compare.sh": false, "memory.sh": false, "startup.sh": false, "lib.sh": false}
	for _, s := range scripts {
		t.Run(s, func(t *testing.T) {
			out, err := exec.Command("bash", "-n", s).CombinedOutput()
			if err != nil {
				t.Errorf("bash -n %s: %v\n%s", s, err, out)
			}
		})
		want[s] = true
	}
	for s, seen := range want {
		if !seen {
			t.Errorf("%s missing from bench/", s)
		}
	}
}

func TestScenariosExist(t *testing.T) {
	// Every scenario a script names must exist in scenarios/, so a rename
	// cannot break a harness that CI does not run.
	jsName := regexp.MustCompile(`[a-z_-]+\.js\b`)
	for _, s := range []string{"compare.sh", "memory.sh", "startup.sh", "lib.sh"} {
		t.Run(s, func(t *testing.T) {
			src, err := os.ReadFile(s)
			if err != nil {
				t.Fatal(err)
			}
			names := jsName.FindAllString(string(src), -1)
			if s != "lib.sh" && len(names) == 0 {
				t.Fatalf("%s names no scenario", s)
			}
			for _, name := range names {
				if _, err := os.Stat(filepath.Join("scenarios", name)); err != nil {
					t.Errorf("%s names %s: %v", s, name, err)
				}
			}
		})
	}
}
