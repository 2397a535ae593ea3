package results

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWriteHour writes the synthetic 1-hour file of the size
// acceptance (10,000 requests/s over 20 endpoints, 1 s intervals) and
// reports its gzipped size and how long reading it back takes. Run it with
// `go test -run - -bench WriteHour -benchtime 1x ./engine/results` (make
// bench-results); LOAD_SYNTH_HOURS shortens it (e.g. 0.1) and
// LOAD_SYNTH_INTERVAL sets the interval (default 1s).
func BenchmarkWriteHour(b *testing.B) {
	hours := 1.0
	if v := os.Getenv("LOAD_SYNTH_HOURS"); v != "" {
		d, err := time.ParseDuration(v + "h")
		if err != nil {
			b.Fatalf("LOAD_SYNTH_HOURS=%q: %v", v, err)
		}
		hours = d.Hours()
	}
	every := time.Second
	if v := os.Getenv("LOAD_SYNTH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("LOAD_SYNTH_INTERVAL=%q: %v", v, err)
		}
		every = d
	}
	path := filepath.Join(b.TempDir(), "hour.jsonl.gz")
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := synthesize(path, hours, 10_000, 20, 1, every); err != nil {
			b.Fatal(err)
		}
		write := time.Since(start)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		run, err := Read(path)
		if err != nil {
			b.Fatal(err)
		}
		read := time.Since(start)
		b.ReportMetric(float64(st.Size())/1e6, "MB-gz")
		b.ReportMetric(float64(st.Size())/1e6/hours, "MB-gz/hour")
		b.ReportMetric(write.Seconds(), "s-write")
		b.ReportMetric(read.Seconds(), "s-read")
		b.ReportMetric(float64(len(run.Intervals)), "intervals")
	}
}
