package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/report"
)

// TestCapacity_RunWithoutSteps: a run of VUs without --capacity-steps has
// no offered rate. load capacity shows "—" where the offered rate and the
// achieved/offered ratio go (not "0/s offered", "0" and "0%"), and says in
// one line that the run has no capacity steps and how to get a staircase,
// in the Markdown, the HTML and the JSON.
func TestCapacity_RunWithoutSteps(t *testing.T) {
	dir := t.TempDir()
	run := recordRun(t, dir, "vus", `
import http from 'k6/http';
import { sleep } from 'k6';
export const options = { vus: 2, duration: '1s' };
export default function () { http.get(__ENV.TARGET + '/fast'); sleep(0.01); }
`)
	md, js, page := filepath.Join(dir, "c.md"), filepath.Join(dir, "c.json"), filepath.Join(dir, "c.html")
	// An objective no step can meet, so the knee is found at step 1 and
	// its value names the step.
	r := runLoad(t, 30*time.Second, "capacity", run, "--slo", "p(95)<0.001ms", "--md", md, "--json", js, "--html", page)
	r.wantCode(t, 0)
	note := run + " has no capacity steps, so the whole run is measured as one step; run with --capacity-steps N for a staircase"

	mdText, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"stdout": r.stdout, "--md": string(mdText)} {
		if strings.Contains(text, "0/s offered") || strings.Contains(text, "| 1 | 0 |") {
			t.Errorf("%s shows an offered rate of 0:\n%s", name, text)
		}
		for _, want := range []string{"| knee | step 1 |", "| slo | true | 1 | — |", "| 1 | — |", "Note: " + report.MarkdownText(note) + ".\n"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, text)
			}
		}
		// The achieved/offered column (the fifth) is "—" too.
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, "| 1 |") {
				if cells := strings.Split(l, " | "); len(cells) < 5 || cells[4] != "—" {
					t.Errorf("%s: step row %q: achieved/offered should be —", name, l)
				}
			}
		}
		if strings.Count(text, "has no capacity steps") != 1 {
			t.Errorf("%s: say once that the run has no capacity steps:\n%s", name, text)
		}
	}

	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Notes []string `json:"notes"`
		Steps []struct {
			Offered  float64 `json:"offered_rps"`
			WholeRun bool    `json:"whole_run"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Notes) != 1 || rep.Notes[0] != note || len(rep.Steps) != 1 || !rep.Steps[0].WholeRun || rep.Steps[0].Offered != 0 {
		t.Errorf("JSON notes %q, steps %+v; want the note and one whole-run step without an offered rate", rep.Notes, rep.Steps)
	}

	h, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h), `<p class="note">Note: `+note+`.</p>`) || !strings.Contains(string(h), "<td>1</td><td>—</td>") {
		t.Errorf("the HTML lacks the note or shows an offered rate")
	}

	// A staircase's steps have offered rates, and no note.
	steps := filepath.Join(dir, "steps.jsonl")
	script := filepath.Join(dir, "fast.js")
	if err := os.WriteFile(script, []byte("import http from 'k6/http';\nexport default function () { http.get(__ENV.TARGET + '/fast'); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runLoad(t, 60*time.Second, "run", "-q", "--no-summary", "--out", steps, "--interval", "200ms", "--capacity-steps", "2", "--capacity-max-rate", "40",
		"--step-duration", "1s", "--step-ramp", "200ms", script).wantCode(t, 0)
	r = runLoad(t, 30*time.Second, "capacity", steps, "--slo", "p(95)<0.001ms")
	r.wantCode(t, 0)
	if strings.Contains(r.stdout, "no capacity steps") || !strings.Contains(r.stdout, "| knee | step 1 (20/s offered) |") || !strings.Contains(r.stdout, "| 1 | 20 |") {
		t.Errorf("staircase report:\n%s", r.stdout)
	}
}
