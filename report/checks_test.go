package report

import (
	"testing"

	"github.com/loadline/loadline/engine/metrics"
)

func TestCheckCounts(t *testing.T) {
	r := newRun(t)
	other := r.metric("other_rate", metrics.Rate, metrics.Default) // a Rate metric that is not checks
	r.add(r.b.Checks, 1, "check", "status is 200")
	r.add(r.b.Checks, 0, "check", "status is 200", "scenario", "b") // merged across other tags
	r.add(r.b.Checks, 1, "check", "has cookie", "group", "::login")
	r.add(r.b.Checks, 0, "check", "has cookie", "group", "::login")
	r.add(r.b.Checks, 0, "check", "has cookie", "group", "::login")
	r.add(r.b.Checks, 1, "check", "status is 200", "group", "::login") // same name, other group
	r.add(r.b.Checks, 1, "group", "::login")                           // no check tag: not a check
	r.add(other, 1, "check", "not the checks metric")
	r.rec.Close()
	r.agg.Flush()
	got := CheckCounts(r.agg.Totals())
	want := []CheckCount{
		{"", "status is 200", 1, 1},
		{"::login", "has cookie", 1, 2},
		{"::login", "status is 200", 1, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("CheckCounts = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("check %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if CheckCounts(nil) != nil {
		t.Error("CheckCounts(nil) is not nil")
	}
}
