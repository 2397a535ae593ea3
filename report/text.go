package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
)

// ANSI SGR sequences used by WriteText when colours are on.
const (
	ansiReset = "\x1b[0m"
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiCyan  = "\x1b[36m"
	ansiFaint = "\x1b[2m"
)

// textWriter renders the text summary; it remembers the first write error.
type textWriter struct {
	w     *bufio.Writer
	color bool
}

func (t *textWriter) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) mark(ok bool) string {
	if ok {
		return t.paint(ansiGreen, "✓")
	}
	return t.paint(ansiRed, "✗")
}

func (t *textWriter) line(format string, args ...any) {
	fmt.Fprintf(t.w, format, args...)
	t.w.WriteByte('\n')
}

// width is the display width of s (one column per rune; the summary has no
// wide characters besides its own symbols, which are one column each).
func width(s string) int { return utf8.RuneCountInString(s) }

func pad(s string, n int) string {
	if d := n - width(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// WriteText writes the k6-style text summary, in this order: a scenarios
// header (one line per scenario with its executor, completed and interrupted
// iterations, dropped iterations and offered vs achieved rate), a
// THRESHOLDS section (every threshold with ✓/✗ and the value it was judged
// on, or "no data" when it could not be evaluated), the group/check tree
// (each check with ✓/✗, its pass rate and pass/fail counts), the metrics in
// alphabetical order with dotted padding (sub-metrics indented under their
// parent; metrics with thresholds prefixed ✓ or ✗), and the Notes. Output
// is deterministic for a given Summary. ANSI colours are used unless
// NoColor. Errors come from w.
func (s *Summary) WriteText(w io.Writer) error {
	m := s.build()
	t := &textWriter{w: bufio.NewWriter(w), color: !s.NoColor}
	t.line("")
	s.writeScenarios(t, m)
	s.writeThresholds(t, m)
	s.writeChecks(t, m)
	s.writeMetrics(t, m)
	if len(s.Notes) > 0 {
		t.line("  NOTES")
		t.line("")
		for _, n := range s.Notes {
			t.line("    - %s", n)
		}
		t.line("")
	}
	if err := t.w.Flush(); err != nil {
		return fmt.Errorf("report: write text summary: %w", err)
	}
	return nil
}

func (s *Summary) writeScenarios(t *textWriter, m *model) {
	if len(s.Scenarios) == 0 {
		return
	}
	noun := "scenarios"
	if len(s.Scenarios) == 1 {
		noun = "scenario"
	}
	t.line("  scenarios: %d %s, ran for %s", len(s.Scenarios), noun, FormatDuration(m.seconds*1000, ""))
	for _, sc := range s.Scenarios {
		var b strings.Builder
		fmt.Fprintf(&b, "    * %s: %s, %d complete and %d interrupted iterations", sc.Name, sc.Executor, sc.Completed, sc.Interrupted)
		if sc.Dropped > 0 {
			fmt.Fprintf(&b, ", %d dropped", sc.Dropped)
		}
		if sc.OfferedRate > 0 {
			achieved := sc.AchievedRate
			if achieved == 0 {
				achieved = m.perSecond(float64(sc.Completed))
			}
			fmt.Fprintf(&b, ", offered %s iters/s, achieved %s iters/s",
				strconv.FormatFloat(sc.OfferedRate, 'f', 2, 64), strconv.FormatFloat(achieved, 'f', 2, 64))
		}
		t.line("%s", b.String())
	}
	t.line("")
}

func (s *Summary) writeThresholds(t *textWriter, m *model) {
	has := false
	for _, e := range m.entries {
		if len(e.thresholds) > 0 {
			has = true
			break
		}
	}
	if !has {
		return
	}
	t.line("  THRESHOLDS")
	t.line("")
	for _, e := range m.entries {
		if len(e.thresholds) == 0 {
			continue
		}
		t.line("    %s", e.name)
		for _, th := range e.thresholds {
			judged := "no data"
			if th.Evaluated {
				judged = aggLabel(th) + "=" + s.formatAgg(e.metric, th.Agg, th.Value)
			}
			t.line("    %s '%s' %s", t.mark(th.Passed), th.Source, t.paint(ansiCyan, judged))
		}
		t.line("")
	}
}

// aggLabel is how a threshold's aggregation is named in the summary:
// "p(95)", "rate", "count", ...
func aggLabel(th *threshold.Threshold) string {
	if th.Agg == "p" {
		return "p(" + strconv.FormatFloat(th.P, 'f', -1, 64) + ")"
	}
	return th.Agg
}

// formatAgg formats the value of aggregation agg of metric met.
func (s *Summary) formatAgg(met *metrics.Metric, agg string, v float64) string {
	switch {
	case met.Type == metrics.Rate:
		return FormatPercent(v)
	case met.Type == metrics.Counter && agg == "rate":
		if met.Contains == metrics.Data {
			return FormatBytesRate(v)
		}
		return FormatNumber(v) + "/s"
	case agg == "count" && met.Type != metrics.Counter:
		return FormatNumber(v)
	}
	return s.formatValue(met.Contains, v)
}

// formatValue formats a plain value of a metric by what it contains.
func (s *Summary) formatValue(vt metrics.ValueType, v float64) string {
	switch vt {
	case metrics.Time:
		return FormatDuration(v, s.TimeUnit)
	case metrics.Data:
		return FormatBytes(v)
	}
	return FormatNumber(v)
}

func (s *Summary) writeChecks(t *textWriter, m *model) {
	if len(m.root.checks) == 0 && len(m.root.groups) == 0 {
		return
	}
	// Align the pass rates: the widest indent+name decides the column.
	col := 0
	var measure func(g *group, depth int)
	measure = func(g *group, depth int) {
		for _, c := range g.checks {
			col = max(col, 2*depth+2+width(c.name))
		}
		for _, c := range g.groups {
			measure(c, depth+1)
		}
	}
	measure(m.root, 0)
	t.line("  CHECKS")
	t.line("")
	var walk func(g *group, depth int)
	walk = func(g *group, depth int) {
		ind := strings.Repeat("  ", depth)
		for _, c := range g.checks {
			total := c.passes + c.fails
			rate := 0.0
			if total > 0 {
				rate = float64(c.passes) / float64(total)
			}
			name := pad(c.name, col-2*depth-2)
			t.line("    %s%s %s  %s  ✓ %d  ✗ %d", ind, t.mark(c.fails == 0), name,
				t.paint(ansiCyan, pad(FormatPercent(rate), 7)), c.passes, c.fails)
		}
		for _, c := range g.groups {
			t.line("    %s█ %s", ind, c.name)
			walk(c, depth+1)
		}
	}
	walk(m.root, 0)
	t.line("")
}

// metricRow is one line of the metrics list before alignment.
type metricRow struct {
	e     *entry
	label string
	cells []string
}

func (s *Summary) cells(m *model, e *entry) []string {
	sk := e.sink
	switch e.metric.Type {
	case metrics.Counter:
		rate := m.perSecond(sk.Sum)
		if e.metric.Contains == metrics.Data {
			return []string{FormatBytes(sk.Sum), FormatBytesRate(rate)}
		}
		return []string{FormatNumber(sk.Sum), FormatNumber(rate) + "/s"}
	case metrics.Gauge:
		if sk.Count == 0 {
			return []string{"no data"}
		}
		return []string{s.formatValue(e.metric.Contains, sk.Value),
			"min=" + s.formatValue(e.metric.Contains, sk.Min),
			"max=" + s.formatValue(e.metric.Contains, sk.Max)}
	case metrics.Rate:
		if sk.Count == 0 {
			return []string{"no data"}
		}
		if e.metric.Name == "http_req_failed" {
			return []string{FormatPercent(sk.Rate()), fmt.Sprintf("%d out of %d", sk.Trues, sk.Count)}
		}
		return []string{FormatPercent(sk.Rate()), fmt.Sprintf("✓ %d", sk.Trues), fmt.Sprintf("✗ %d", sk.Count-sk.Trues)}
	default:
		if sk.Count == 0 {
			return []string{"no data"}
		}
		stats := s.trendStats()
		out := make([]string, len(stats))
		for i, st := range stats {
			v := st.value(sk)
			if st.agg == "count" {
				out[i] = st.name + "=" + FormatNumber(v)
			} else {
				out[i] = st.name + "=" + s.formatValue(e.metric.Contains, v)
			}
		}
		return out
	}
}

func (s *Summary) writeMetrics(t *textWriter, m *model) {
	if len(m.entries) == 0 {
		return
	}
	rows := make([]metricRow, 0, len(m.entries))
	labelW := 0
	for _, e := range m.entries {
		label := e.name
		if e.isSub() {
			label = "  " + e.subLabel()
		}
		labelW = max(labelW, width(label))
		rows = append(rows, metricRow{e: e, label: label, cells: s.cells(m, e)})
	}
	labelW += 3 // at least three dots after the longest name
	// Column widths per metric type, from the cells that are not last in
	// their row (a row's last cell is never padded).
	colW := map[metrics.Type][]int{}
	for _, r := range rows {
		ws := colW[r.e.metric.Type]
		for i, c := range r.cells[:len(r.cells)-1] {
			if i >= len(ws) {
				ws = append(ws, 0)
			}
			ws[i] = max(ws[i], width(c))
		}
		colW[r.e.metric.Type] = ws
	}
	t.line("  METRICS")
	t.line("")
	for _, r := range rows {
		prefix := "    "
		if len(r.e.thresholds) > 0 {
			prefix = "  " + t.mark(r.e.passed()) + " "
		}
		dots := strings.Repeat(".", labelW-width(r.label))
		ws := colW[r.e.metric.Type]
		parts := make([]string, len(r.cells))
		for i, c := range r.cells {
			if i < len(r.cells)-1 {
				c = pad(c, ws[i])
			}
			parts[i] = t.paint(ansiCyan, c)
		}
		t.line("%s%s%s: %s", prefix, r.label, t.paint(ansiFaint, dots), strings.Join(parts, " "))
	}
	t.line("")
}
