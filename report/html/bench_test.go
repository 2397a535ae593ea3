package html

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/runreport"
)

// synthPath returns the synthetic 1-hour results file of the speed
// acceptance (10,000 requests/s over 20 endpoints, results.Synthesize with
// seed 1), generating it on first use; LOADLINE_SYNTH_RESULTS overrides its
// path. Generating takes minutes, so the file is kept in the temp directory.
func synthPath(b *testing.B) string {
	p := os.Getenv("LOADLINE_SYNTH_RESULTS")
	if p == "" {
		p = filepath.Join(os.TempDir(), "loadline-synth-1h-10krps-20ep.jsonl.gz")
	}
	if _, err := os.Stat(p); err == nil {
		return p
	}
	b.Logf("generating %s (1 h × 10,000 req/s × 20 endpoints; takes minutes, kept for later runs)", p)
	tmp := p + ".tmp.gz"
	if err := results.Synthesize(tmp, 1, 10000, 20, 1); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkReportHTMLSyntheticHour measures `load report --html` on the
// synthetic hour in-process: build (runreport.Open: stream the file, decode
// the metrics the page shows, fold) and write (Write), each reported in
// seconds, plus the process's peak RSS. The acceptance budget is 10 s and
// 1 GB for the whole. LOADLINE_REPORT_ALL=1 builds with
// Options.AllMetrics (what `load report --json` does). Run it with `make
// bench-report` (which also times the real binary).
func BenchmarkReportHTMLSyntheticHour(b *testing.B) {
	path := synthPath(b)
	opts := runreport.Options{Sources: []string{path}, AllMetrics: os.Getenv("LOADLINE_REPORT_ALL") == "1"}
	var build, write time.Duration
	for b.Loop() {
		t0 := time.Now()
		rep, err := runreport.Open(path, opts)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := Write(io.Discard, rep, Options{}); err != nil {
			b.Fatal(err)
		}
		build, write = build+t1.Sub(t0), write+time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(build.Seconds()/n, "build-s/op")
	b.ReportMetric(write.Seconds()/n, "write-s/op")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Maxrss is in KiB on Linux
	}
}
