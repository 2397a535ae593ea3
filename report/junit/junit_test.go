package junit

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// checksSnapshot records checks through a real aggregator: per (group,
// check), passes and fails, plus an extra tag that must be merged away.
func checksSnapshot(t *testing.T, rows []Check) *metrics.Snapshot {
	t.Helper()
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	rec := agg.NewRecorder()
	for _, c := range rows {
		for i := range c.Passes + c.Fails {
			scen := "s1"
			if i%2 == 1 {
				scen = "s2"
			}
			tags := reg.Tags(metrics.Tag{Key: "check", Value: c.Name}, metrics.Tag{Key: "group", Value: c.Group}, metrics.Tag{Key: "scenario", Value: scen})
			v := 1.0
			if i >= c.Passes {
				v = 0
			}
			rec.Add(b.Checks, tags, v)
		}
	}
	rec.Add(b.HTTPReqs, reg.Empty(), 1) // another metric is ignored
	rec.Close()
	agg.Flush()
	return agg.Totals()
}

func TestChecks(t *testing.T) {
	in := []Check{{Group: "", Name: "status is 200", Passes: 10, Fails: 0}, {Group: "::login", Name: "has cookie", Passes: 7, Fails: 3}, {Group: "", Name: "body ok", Passes: 0, Fails: 4}}
	got := Checks(checksSnapshot(t, in))
	want := []Check{{Group: "", Name: "body ok", Passes: 0, Fails: 4}, {Group: "", Name: "status is 200", Passes: 10, Fails: 0}, {Group: "::login", Name: "has cookie", Passes: 7, Fails: 3}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("check %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestFromRun_RoundTrip(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ths := []results.ThresholdResult{
		{Key: "http_req_duration", Source: "p(95)<500", Passed: true, Evaluated: true, Value: 123.4},
		{Key: "http_req_failed", Source: "rate<0.01", Passed: false, Evaluated: true, Value: 0.05},
		{Key: "my_trend{tag:x}", Source: "avg<1", Passed: false, Evaluated: false},
	}
	checks := []Check{{Group: "", Name: "status is 200", Passes: 10, Fails: 0}, {Group: "::login", Name: "has <cookie> & \"sid\"", Passes: 7, Fails: 3}}
	var buf bytes.Buffer
	if err := FromRun(ths, checks, start, 1500*time.Millisecond).Write(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	if !strings.HasPrefix(doc, "<?xml") || !strings.Contains(doc, `time="1.500"`) {
		t.Errorf("document head/time:\n%s", doc)
	}
	got, err := Read(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"root tests", got.Tests, 5},
		{"root failures", got.Failures, 3},
		{"suites", len(got.Suites), 2},
		{"thresholds suite", got.Suites[0].Name, "thresholds"},
		{"thresholds tests", got.Suites[0].Tests, 3},
		{"thresholds failures", got.Suites[0].Failures, 2},
		{"threshold name", got.Suites[0].Cases[1].Name, "http_req_failed rate<0.01"},
		{"threshold message", got.Suites[0].Cases[1].Failure.Message, "0.05: rate<0.01 failed"},
		{"no data message", got.Suites[0].Cases[2].Failure.Message, "no data: avg<1 could not be evaluated"},
		{"passed threshold has no failure", got.Suites[0].Cases[0].Failure == nil, true},
		{"checks suite", got.Suites[1].Name, "checks"},
		{"checks failures", got.Suites[1].Failures, 1},
		{"check name escaped and back", got.Suites[1].Cases[1].Name, "has <cookie> & \"sid\""},
		{"check classname", got.Suites[1].Cases[1].Classname, "checks.::login"},
		{"check message", got.Suites[1].Cases[1].Failure.Message, "3 of 10 failed"},
		{"suite time", time.Duration(got.Suites[1].Time), 1500 * time.Millisecond},
		{"timestamp", got.Suites[0].Timestamp, "2026-03-01T12:00:00Z"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	// The document is well-formed XML token by token, too.
	dec := xml.NewDecoder(strings.NewReader(doc))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("token stream: %v", err)
			}
			break
		}
	}
}

func TestCount_EmptySuites(t *testing.T) {
	s := FromRun(nil, nil, time.Time{}, 0)
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if s.Tests != 0 || s.Failures != 0 || len(s.Suites) != 2 || strings.Contains(buf.String(), "timestamp") {
		t.Errorf("empty run: %+v\n%s", s, buf.String())
	}
}
