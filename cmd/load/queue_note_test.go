package main

import (
	"strings"
	"testing"
)

// With lateStarts 'queue', the starts dropped are the queued ones still
// waiting when the scenario ended: the note and the warning say so, and do
// not advise the queue mode already in use.
func TestQueueModeDropNote(t *testing.T) {
	r := runScript(t, `
import { sleep } from 'k6';
export const options = { scenarios: { q: {
  executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '1s',
  preAllocatedVUs: 1, maxVUs: 1, lateStarts: 'queue', gracefulStop: '0s' } } };
export default function () { sleep(0.2); }
`)
	r.wantCode(t, 0)
	out := r.stdout + r.stderr
	if !strings.Contains(out, "queued iteration starts were still waiting for a free VU") {
		t.Errorf("no queue-mode note:\n%s", out)
	}
	if !strings.Contains(out, "queued starts were still waiting for a VU when the scenario ended") {
		t.Errorf("no queue-mode warning:\n%s", out)
	}
	if strings.Contains(out, "use lateStarts: 'queue'") {
		t.Errorf("the note advises the queue mode already in use:\n%s", out)
	}
}
