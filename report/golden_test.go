package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// goldenSummary is a small but complete run: two scenarios, groups and
// checks, HTTP metrics with expected_response, data, a gauge, a custom
// trend, passing, failing and no-data thresholds, and notes.
func goldenSummary(t *testing.T) *Summary {
	r := newRun(t)
	custom := r.metric("cart_items", metrics.Trend, metrics.Default)
	r.metric("never_seen", metrics.Rate, metrics.Default)
	for i := 0; i < 40; i++ {
		ok := i%8 != 0
		status, exp, failed := "200", "true", 0.0
		if !ok {
			status, exp, failed = "503", "false", 1
		}
		grp := "::browse"
		if i%4 == 0 {
			grp = "::browse::checkout"
		}
		kv := []string{"group", grp, "status", status, "expected_response", exp, "scenario", "shop"}
		r.add(r.b.HTTPReqs, 1, kv...)
		r.add(r.b.HTTPReqDuration, 20+float64(i*i)/4, kv...)
		r.add(r.b.HTTPReqFailed, failed, kv...)
		r.add(r.b.DataReceived, 1500, kv...)
		r.add(r.b.DataSent, 120, kv...)
		pass := 0.0
		if ok {
			pass = 1
		}
		r.add(r.b.Checks, pass, "group", grp, "check", "status is 200", "scenario", "shop")
		r.add(r.b.Checks, 1, "group", "", "check", "token present", "scenario", "shop")
		r.add(custom, float64(i%7), "scenario", "shop")
		r.add(r.b.IterationDuration, 250+float64(i)*12.5, "scenario", "shop")
		r.add(r.b.Iterations, 1, "scenario", "shop")
		r.add(r.b.VUs, float64(1+i%5))
	}
	r.add(r.b.DroppedIterations, 3, "scenario", "open")
	s := r.summary(20*time.Second, map[string][]string{
		"http_req_duration":                         {"p(95)<500", "avg<100"},
		"http_req_duration{expected_response:true}": {"max<400"},
		"http_req_failed":                           {"rate<0.1"},
		"checks{group:::browse::checkout}":          {"rate>0.9"},
		"never_seen":                                {"rate>0.5"},
		"data_received":                             {"rate>1000"},
	})
	s.Scenarios = []ScenarioSummary{
		{Name: "shop", Executor: "constant-vus", Completed: 40, Interrupted: 1},
		{Name: "open", Executor: "constant-arrival-rate", Completed: 17, Dropped: 3, OfferedRate: 1},
	}
	s.Notes = []string{
		"3 iterations were dropped: the arrival-rate scenario ran out of VUs (raise maxVUs).",
	}
	return s
}

func TestWriteTextGolden(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*Summary)
	}{
		{"plain", func(*Summary) {}},
		{"color", func(s *Summary) { s.NoColor = false }},
		{"time_unit_s", func(s *Summary) { s.TimeUnit = "s" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := goldenSummary(t)
			tt.setup(s)
			out := text(t, s)
			if s.NoColor && strings.Contains(out, "\x1b[") {
				t.Error("ANSI escape with NoColor")
			}
			if !s.NoColor && !strings.Contains(out, ansiGreen+"✓"+ansiReset) {
				t.Error("no colour without NoColor")
			}
			golden(t, "text_"+tt.name, []byte(out))
		})
	}
}

func TestWriteExportGolden(t *testing.T) {
	var b bytes.Buffer
	if err := goldenSummary(t).WriteExport(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "export", b.Bytes())
}

func TestOutputsAreDeterministic(t *testing.T) {
	a, b := text(t, goldenSummary(t)), text(t, goldenSummary(t))
	if a != b {
		t.Errorf("two renderings of the same run differ:\n%s\n---\n%s", a, b)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errTest }

var errTest = &testError{}

type testError struct{}

func (*testError) Error() string { return "disk full" }

func TestWriteErrors(t *testing.T) {
	s := goldenSummary(t)
	tests := []struct {
		name  string
		write func() error
	}{
		{"text", func() error { return s.WriteText(failWriter{}) }},
		{"export", func() error { return s.WriteExport(failWriter{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.write()
			if err == nil || !strings.HasPrefix(err.Error(), "report: ") || !strings.Contains(err.Error(), "disk full") {
				t.Errorf("error = %v, want a report: error wrapping the writer's", err)
			}
		})
	}
}

// TestConcurrentReaders backs the doc's promise that a filled Summary may be
// rendered from several goroutines at once (run with -race).
func TestConcurrentReaders(t *testing.T) {
	s := goldenSummary(t)
	want := text(t, s)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Go(func() {
			var b bytes.Buffer
			if err := s.WriteText(&b); err != nil || b.String() != want {
				errs <- "text differs when rendered concurrently"
			}
			_ = s.Data()
			if err := s.WriteExport(&bytes.Buffer{}); err != nil {
				errs <- err.Error()
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
