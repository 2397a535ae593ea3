package runreport

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report"
)

// Display returns the threshold's value as the text summary shows it ("no
// data" when it was not evaluated): a percentage for Rate metrics, "/s" for
// a counter's rate, a duration for time trends, bytes for data metrics.
func (t Threshold) Display() string {
	if !t.Evaluated {
		return "no data"
	}
	agg := t.Source
	if i := strings.IndexAny(agg, "<>=!"); i >= 0 {
		agg = strings.TrimSpace(agg[:i])
	}
	switch {
	case t.Type == "rate":
		return report.FormatPercent(t.Value)
	case t.Type == "counter" && agg == "rate":
		if t.Contains == "data" {
			return report.FormatBytesRate(t.Value)
		}
		return report.FormatNumber(t.Value) + "/s"
	case agg == "count":
		return report.FormatNumber(t.Value)
	}
	return formatValue(t.Contains, t.Value)
}

// Verdict returns "pass", "fail" or "no data".
func (t Threshold) Verdict() string {
	switch {
	case !t.Evaluated:
		return "no data"
	case t.Passed:
		return "pass"
	}
	return "fail"
}

func formatValue(contains string, v float64) string {
	switch contains {
	case "time":
		return report.FormatDuration(v, "")
	case "data":
		return report.FormatBytes(v)
	}
	return report.FormatNumber(v)
}

// FormatMS formats a latency in ms for tables ("12.3ms", "1.2s").
func FormatMS(ms float64) string { return report.FormatDuration(ms, "") }

// FormatRate formats a per-second figure with at most two decimals.
func FormatRate(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// Title returns the report's title: "Loadline report: SCRIPT".
func (r *Report) Title() string {
	s := r.Facts.Script
	if s == "" {
		s = "(unnamed script)"
	}
	return "Loadline report: " + s
}

// FactRows returns the run facts as (label, value) rows, in display order,
// for the Markdown and HTML tables.
func (r *Report) FactRows() [][2]string {
	f := r.Facts
	rows := [][2]string{
		{"Script", f.Script},
		{"Start", f.Start.Format(time.RFC3339)},
		{"Duration", (time.Duration(f.DurationS*1e3) * time.Millisecond).String()},
	}
	if f.EndReason != "" {
		rows = append(rows, [2]string{"End", f.EndReason})
	} else if !f.Finished {
		rows = append(rows, [2]string{"End", "no summary record (the run did not finish: crash or kill)"})
	}
	if f.ExitCode != nil {
		rows = append(rows, [2]string{"Exit code", strconv.Itoa(*f.ExitCode)})
	}
	rows = append(rows, [2]string{"Tool version", f.ToolVersion})
	if len(f.Labels) > 0 {
		var ls []string
		for _, k := range slices.Sorted(maps.Keys(f.Labels)) {
			ls = append(ls, k+"="+f.Labels[k])
		}
		rows = append(rows, [2]string{"Labels", strings.Join(ls, ", ")})
	}
	h := f.Host
	host := fmt.Sprintf("%s (%s/%s, %d CPUs, %s)", h.Hostname, h.OS, h.Arch, h.CPUs, h.GoVersion)
	rows = append(rows, [2]string{"Host", host})
	if len(f.Members) > 0 {
		rows = append(rows, [2]string{"Members", strings.Join(f.Members, ", ")})
	}
	if len(f.Sources) > 1 {
		rows = append(rows, [2]string{"Merged files", strings.Join(f.Sources, ", ")})
	}
	rows = append(rows, [2]string{"Intervals", fmt.Sprintf("%d × %gs", f.Intervals, f.IntervalS)})
	for _, s := range f.Scenarios {
		v := fmt.Sprintf("%s: %d complete, %d interrupted", s.Executor, s.Completed, s.Interrupted)
		if s.Dropped > 0 {
			v += fmt.Sprintf(", %d dropped", s.Dropped)
		}
		rows = append(rows, [2]string{"Scenario " + s.Name, v})
	}
	return rows
}

// Label returns a check's name with its group path ("::g1::g2 › name").
func (c Check) Label() string {
	if c.Group == "" {
		return c.Name
	}
	return c.Group + " › " + c.Name
}

// mdCell escapes a Markdown table cell (report.MarkdownText): names such
// as "<b>" or "a|b" render as written.
func mdCell(s string) string { return report.MarkdownText(s) }

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// WriteMarkdown writes the GitHub-flavoured Markdown summary: facts,
// thresholds (✓/✗), checks and the per-endpoint table.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	verdict := r.Verdict()
	switch {
	case r.CutShort():
	case len(r.Thresholds) == 0:
	case r.Passed():
		verdict = "✓ " + verdict
	default:
		verdict = "✗ some thresholds failed"
	}
	p("## %s\n\n**%s**\n\n", mdCell(r.Title()), verdict)
	p("| | |\n|---|---|\n")
	for _, row := range r.FactRows() {
		p("| %s | %s |\n", mdCell(row[0]), mdCell(row[1]))
	}
	if len(r.Thresholds) > 0 {
		p("\n### Thresholds\n\n| | Metric | Threshold | Value |\n|---|---|---|---|\n")
		for _, t := range r.Thresholds {
			p("| %s | %s | %s | %s |\n", mark(t.Passed), report.MarkdownCode(t.Key), report.MarkdownCode(t.Source), mdCell(t.Display()))
		}
	}
	if len(r.Checks) > 0 {
		p("\n### Checks\n\n| | Check | Passes | Fails | Rate |\n|---|---|---:|---:|---:|\n")
		for _, c := range r.Checks {
			p("| %s | %s | %d | %d | %s |\n", mark(c.Fails == 0), mdCell(c.Label()), c.Passes, c.Fails, report.FormatPercent(c.Rate))
		}
	}
	if len(r.Endpoints) > 0 {
		p("\n### Endpoints\n\n| Name | Method | Requests | req/s | Errors | p50 | p90 | p95 | p99 | max |\n")
		p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, e := range r.Endpoints {
			p("| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(e.Name), mdCell(e.Method), e.Count,
				FormatRate(e.RPS), report.FormatPercent(e.ErrorRate),
				FormatMS(e.P50), FormatMS(e.P90), FormatMS(e.P95), FormatMS(e.P99), FormatMS(e.Max))
		}
	}
	for _, wn := range r.Warnings {
		p("\n> warning: %s\n", mdCell(wn))
	}
	return bw.Flush()
}

// JSONVersion is the version of the JSON summary's shape (the "version"
// field); it changes only when a field changes meaning or goes away.
const JSONVersion = 1

// WriteJSON writes the machine-readable summary: an object with "version"
// (JSONVersion) and the Report's exported fields: facts, thresholds, checks,
// endpoints, metrics (per-metric totals, see MetricTotal), marks and
// warnings. Latencies are ms, rates per second, error rates 0..1.
func (r *Report) WriteJSON(w io.Writer) error {
	type shape struct {
		Version int `json:"version"`
		*Report
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(shape{JSONVersion, r})
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"time", "metric", "tags", "count", "rate", "avg", "p50", "p90", "p95", "p99", "max", "value"}

// WriteCSV writes one row per interval per (metric, tag set) series, in time
// order, under CSVHeader:
//
//   - time: the interval's start, RFC 3339 with nanoseconds, UTC
//   - metric: the metric name
//   - tags: the tag set as k1:v1,k2:v2 (keys sorted; empty for none)
//   - count: counter: sum of values (k6's count); other types: samples
//   - rate: counter: sum per second of the interval; rate metric: non-zero
//     samples / samples (0..1); trend: samples per second; gauge: empty
//   - avg, p50, p90, p95, p99: trends only (ms for time trends)
//   - max: trends and gauges
//   - value: gauges only, the last value
//
// Empty cells mean "not applicable".
func (r *Report) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	row := make([]string, len(CSVHeader))
	if r.path != "" && r.run.Intervals == nil {
		// Built by Open: read the file again, one interval at a time.
		if _, err := results.Scan(r.path, func(iv results.Interval) error { return csvRows(cw, row, iv) }); err != nil {
			return err
		}
	} else {
		for _, iv := range r.run.Intervals {
			if err := csvRows(cw, row, iv); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvRows writes one interval's rows; row is scratch of len(CSVHeader).
func csvRows(cw *csv.Writer, row []string, iv results.Interval) error {
	if iv.Snapshot == nil {
		return nil
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	ts := iv.Start.UTC().Format(time.RFC3339Nano)
	secs := iv.End.Sub(iv.Start).Seconds()
	for _, s := range iv.Snapshot.Series {
		clear(row)
		row[0], row[1], row[2] = ts, s.Metric.Name, tagString(s.Tags)
		k := s.Sink
		switch k.Type {
		case metrics.Counter:
			row[3] = f(k.Sum)
			if secs > 0 {
				row[4] = f(k.Sum / secs)
			}
		case metrics.Rate:
			row[3], row[4] = strconv.FormatInt(k.Count, 10), f(k.Rate())
		case metrics.Gauge:
			row[3], row[10], row[11] = strconv.FormatInt(k.Count, 10), f(k.Max), f(k.Value)
		case metrics.Trend:
			row[3] = strconv.FormatInt(k.Count, 10)
			if secs > 0 {
				row[4] = f(float64(k.Count) / secs)
			}
			if k.Count > 0 {
				row[5], row[6], row[7] = f(k.Avg()), f(k.Percentile(50)), f(k.Percentile(90))
				row[8], row[9], row[10] = f(k.Percentile(95)), f(k.Percentile(99)), f(k.Max)
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// tagString is the tag set as "k1:v1,k2:v2" ("" when empty or nil):
// TagSet.String without its braces.
func tagString(t *metrics.TagSet) string {
	s := t.String()
	return s[1 : len(s)-1]
}
