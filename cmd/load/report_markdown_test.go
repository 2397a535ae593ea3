package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/report"
)

// htmlStart matches a "<" that GitHub-flavoured Markdown would take for
// the start of an HTML tag, comment or autolink.
var htmlStart = regexp.MustCompile(`<[A-Za-z/!?]`)

// checkMarkdownLiteral fails unless md renders its text literally: every
// table row has as many cells as its table's header (an unescaped "|"
// inside a name would add one), and outside code spans no unescaped "<"
// could start an HTML tag.
func checkMarkdownLiteral(t *testing.T, name, md string) {
	t.Helper()
	// unescaped drops backslash escapes ("\<", "\|", "\\") so that what is
	// left is what the renderer would read as markup.
	unescaped := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				b.WriteByte('_')
				continue
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	codeSpan := regexp.MustCompile("`+[^`]*`+")
	header := -1
	for i, line := range strings.Split(md, "\n") {
		u := unescaped(line)
		if strings.HasPrefix(line, "|") {
			cells := strings.Count(u, "|")
			if header < 0 {
				header = cells
			} else if cells != header {
				t.Errorf("%s line %d: %d cell separators, the table's header has %d:\n%s", name, i+1, cells, header, line)
			}
		} else {
			header = -1
		}
		if m := htmlStart.FindString(codeSpan.ReplaceAllString(u, "``")); m != "" {
			t.Errorf("%s line %d: %q would render as HTML:\n%s", name, i+1, m, line)
		}
	}
}

// TestMarkdown_EscapesUserNames: check, group and request names and URLs
// holding "<", ">" and "|" render literally in the Markdown of load
// report, compare, capacity and parity: escaped as \<, \> and \| in text
// and table cells, "|" escaped inside code spans in tables.
func TestMarkdown_EscapesUserNames(t *testing.T) {
	dir := t.TempDir()
	// A directory name with the characters, so capacity's sources have
	// them too.
	odd := filepath.Join(dir, "runs <b>|x")
	if err := os.Mkdir(odd, 0o755); err != nil {
		t.Fatal(err)
	}
	run := recordRun(t, odd, "names", `
import http from 'k6/http';
import { check, group, sleep } from 'k6';
export const options = { vus: 1, duration: '1s' };
export default function () {
  group('grp <b>|x</b>', () => {
    const r = http.get(__ENV.TARGET + '/fast', { tags: { name: 'ep <script>|x' } });
    check(r, { 'status <200> | ok': (x) => x.status === 200 });
  });
  http.get(__ENV.TARGET + '/get?q=<i>');
  sleep(0.05);
}
`)
	outputs := map[string]string{}

	r := runLoad(t, 30*time.Second, "report", run, "--md", "-")
	r.wantCode(t, 0)
	outputs["report"] = r.stdout

	cmp := filepath.Join(dir, "compare.md")
	r = runLoad(t, 60*time.Second, "compare", run, run, "--min-intervals", "1", "--md", cmp)
	r.wantCode(t, 0)
	b, err := os.ReadFile(cmp)
	if err != nil {
		t.Fatal(err)
	}
	outputs["compare"] = string(b)

	r = runLoad(t, 30*time.Second, "capacity", run, "--slo", "p(95)<1s")
	r.wantCode(t, 0)
	outputs["capacity"] = r.stdout

	stg, prod := filepath.Join(dir, "stg.yaml"), filepath.Join(dir, "prod.yaml")
	for path, mode := range map[string]string{stg: "<fast>|a", prod: "<slow>|b"} {
		y := "name: 'env <x>'\nservices:\n  - name: 'api <v2>|x'\n    config: {mode: '" + mode + "'}\n"
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r = runLoad(t, 30*time.Second, "parity", "--staging", stg, "--production", prod, "--staging-run", run, "--production-run", run)
	r.wantCode(t, 0)
	outputs["parity"] = r.stdout

	want := map[string][]string{
		"report": {
			`grp \<b\>\|x\</b\> › status \<200\> \| ok`, // check, in its group
			`| ep \<script\>\|x | GET |`,                // request name
			`/get?q=\<i\> | GET |`,                      // URL
		},
		"compare":  {"| `http_req_duration{name:ep <script>\\|x}` | p(95) |"},
		"capacity": {`Sources: ` + report.MarkdownText(run) + "."},
		"parity": {
			`# Parity: env \<x\> vs env \<x\>`,
			`| ep \<script\>\|x |`, `| /get?q=\<i\> |`,
			`| service api \<v2\>\|x | config.mode | \<fast\>\|a | \<slow\>\|b |`,
		},
	}
	for name, md := range outputs {
		checkMarkdownLiteral(t, name, md)
		for _, w := range want[name] {
			if !strings.Contains(md, w) {
				t.Errorf("%s Markdown lacks %q:\n%s", name, w, md)
			}
		}
	}
}
