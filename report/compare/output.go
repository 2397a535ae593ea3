package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/loadline/loadline/report"
	"github.com/loadline/loadline/report/junit"
)

// formatValue writes v in unit: "12.3ms", "0.50%" for rates, "101.2/s".
func formatValue(v float64, unit string) string {
	switch unit {
	case "rate":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case "ms":
		return strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	case "/s":
		return strconv.FormatFloat(v, 'f', 2, 64) + "/s"
	}
	return strconv.FormatFloat(v, 'g', 5, 64)
}

// formatDelta writes a change in unit with its sign: "+1.20ms", "+0.40pp".
func formatDelta(v float64, unit string) string {
	if math.IsNaN(v) {
		return "-"
	}
	sign := "+"
	if v < 0 {
		sign = "-"
		v = -v
	}
	switch unit {
	case "rate":
		return sign + strconv.FormatFloat(v*100, 'f', 2, 64) + "pp"
	case "ms":
		return sign + strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	case "/s":
		return sign + strconv.FormatFloat(v, 'f', 2, 64) + "/s"
	}
	return sign + strconv.FormatFloat(v, 'g', 5, 64)
}

func formatRelative(r float64) string {
	switch {
	case math.IsInf(r, 1):
		return "+inf%"
	case math.IsInf(r, -1):
		return "-inf%"
	case math.IsNaN(r):
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", r*100)
}

func formatCI(row *Row) string {
	if math.IsNaN(row.CILow) {
		return "-"
	}
	return "[" + formatDelta(row.CILow, row.Unit) + ", " + formatDelta(row.CIHigh, row.Unit) + "]"
}

func describeChange(row *Row) string {
	return fmt.Sprintf("%s %s: %s → %s (%s, %s)", row.Series, row.Stat,
		formatValue(row.Baseline, row.Unit), formatValue(row.Current, row.Unit),
		formatDelta(row.Delta, row.Unit), formatRelative(row.Relative))
}

func formatP(p float64) string {
	if p < 0.001 {
		return "<0.001"
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}

// Conclusion is the one-line verdict of the comparison.
func (r *Result) Conclusion() string {
	var reg, imp, inc int
	for _, row := range r.Rows {
		switch row.Verdict {
		case Regression:
			reg++
		case Improvement:
			imp++
		case Inconclusive:
			inc++
		}
	}
	counts := fmt.Sprintf("%d regression(s), %d improvement(s), %d inconclusive, %d row(s)", reg, imp, inc, len(r.Rows))
	if len(r.Rules) > 0 {
		failed := 0
		for _, rr := range r.Rules {
			if rr.Failed {
				failed++
			}
		}
		if failed > 0 {
			return fmt.Sprintf("REGRESSION: %d of %d --fail-on rule(s) failed; %s", failed, len(r.Rules), counts)
		}
		return fmt.Sprintf("OK: all %d --fail-on rule(s) held; %s", len(r.Rules), counts)
	}
	if reg > 0 {
		return "REGRESSION: " + counts
	}
	return "OK: no regression; " + counts
}

// WriteText writes the comparison as an aligned text table, then the rules
// and the conclusion.
func (r *Result) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	conf := fmt.Sprintf("%g%% CI", (1-r.Options.Alpha)*100)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "series\tstat\tbaseline\tcurrent\tchange\t\t%s\tp (adj.)\tverdict\n", conf)
	for i := range r.Rows {
		row := &r.Rows[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Series, row.Stat,
			formatValue(row.Baseline, row.Unit), formatValue(row.Current, row.Unit),
			formatDelta(row.Delta, row.Unit), formatRelative(row.Relative), formatCI(row), formatP(row.PAdj), row.Verdict)
	}
	_ = tw.Flush()
	if len(r.Rules) > 0 {
		fmt.Fprintln(ew, "\nrules:")
		for _, rr := range r.Rules {
			mark := "ok  "
			if rr.Failed {
				mark = "FAIL"
			}
			fmt.Fprintf(ew, "  %s %s: %s\n", mark, rr.Rule.Source, rr.Message)
		}
	}
	fmt.Fprintf(ew, "\n%s\n", r.Conclusion())
	return ew.err
}

// WriteMarkdown writes the comparison as GitHub-flavoured Markdown (for PR
// comments and $GITHUB_STEP_SUMMARY).
func (r *Result) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "## Loadline comparison\n\n**%s**\n\n", mdEscape(r.Conclusion()))
	if len(r.Rules) > 0 {
		fmt.Fprintln(ew, "| rule | result | detail |\n|---|---|---|")
		for _, rr := range r.Rules {
			res := "✅ held"
			if rr.Failed {
				res = "❌ failed"
			}
			fmt.Fprintf(ew, "| %s | %s | %s |\n", report.MarkdownCode(rr.Rule.Source), res, mdEscape(rr.Message))
		}
		fmt.Fprintln(ew)
	}
	fmt.Fprintf(ew, "| series | stat | baseline | current | change | %g%% CI | p (adj.) | verdict |\n|---|---|--:|--:|--:|--:|--:|---|\n", (1-r.Options.Alpha)*100)
	for i := range r.Rows {
		row := &r.Rows[i]
		v := string(row.Verdict)
		switch row.Verdict {
		case Regression:
			v = "🔴 " + v
		case Improvement:
			v = "🟢 " + v
		}
		fmt.Fprintf(ew, "| %s | %s | %s | %s | %s (%s) | %s | %s | %s |\n", report.MarkdownCode(row.Series), mdEscape(row.Stat),
			formatValue(row.Baseline, row.Unit), formatValue(row.Current, row.Unit),
			formatDelta(row.Delta, row.Unit), formatRelative(row.Relative), formatCI(row), formatP(row.PAdj), v)
	}
	fmt.Fprintf(ew, "\nSignificance: Mann–Whitney U on per-interval values (Holm-adjusted over the table) and a %d-resample interval bootstrap, α = %g; practical floor %g%% (and %g ms for times, %g pp for rates).\n",
		r.Options.Resamples, r.Options.Alpha, r.Options.MinRelative*100, r.Options.MinTime, r.Options.MinRatePoints*100)
	return ew.err
}

// mdEscape escapes text for Markdown (report.MarkdownText): series names
// carry tag values such as URLs, which may hold "<", ">" or "|".
func mdEscape(s string) string { return report.MarkdownText(s) }

// jsonFloat encodes NaN and ±Inf as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// WriteJSON writes the comparison as one JSON document:
//
//	{"regressed": bool, "conclusion": "...", "options": {...},
//	 "rows": [{"series","metric","tags","stat","unit","baseline","current",
//	           "delta","relative","ci_low","ci_high","p","p_adjusted","n_baseline",
//	           "n_current","significant","practical","verdict"}],
//	 "rules": [{"rule","failed","message","series","stat"}]}
//
// Rates are fractions, times milliseconds, counters per second; a value
// that is not finite (relative change from 0, CI without data) is null.
func (r *Result) WriteJSON(w io.Writer) error {
	type jrow struct {
		Series      string            `json:"series"`
		Metric      string            `json:"metric"`
		Tags        map[string]string `json:"tags,omitempty"`
		Stat        string            `json:"stat"`
		Unit        string            `json:"unit"`
		Baseline    jsonFloat         `json:"baseline"`
		Current     jsonFloat         `json:"current"`
		Delta       jsonFloat         `json:"delta"`
		Relative    jsonFloat         `json:"relative"`
		CILow       jsonFloat         `json:"ci_low"`
		CIHigh      jsonFloat         `json:"ci_high"`
		P           jsonFloat         `json:"p"`
		PAdj        jsonFloat         `json:"p_adjusted"`
		NBaseline   int               `json:"n_baseline"`
		NCurrent    int               `json:"n_current"`
		Significant bool              `json:"significant"`
		Practical   bool              `json:"practical"`
		Verdict     Verdict           `json:"verdict"`
	}
	type jrule struct {
		Rule    string `json:"rule"`
		Failed  bool   `json:"failed"`
		Message string `json:"message"`
		Series  string `json:"series"`
		Stat    string `json:"stat"`
	}
	out := struct {
		Regressed  bool    `json:"regressed"`
		Conclusion string  `json:"conclusion"`
		Options    any     `json:"options"`
		Rows       []jrow  `json:"rows"`
		Rules      []jrule `json:"rules"`
	}{
		Regressed:  r.Regressed(),
		Conclusion: r.Conclusion(),
		Options: map[string]any{
			"alpha": r.Options.Alpha, "resamples": r.Options.Resamples, "seed": r.Options.Seed,
			"min_relative": r.Options.MinRelative, "min_time_ms": r.Options.MinTime,
			"min_rate_points": r.Options.MinRatePoints, "min_intervals": r.Options.MinIntervals,
		},
		Rows:  []jrow{},
		Rules: []jrule{},
	}
	for _, row := range r.Rows {
		jr := jrow{Series: row.Series, Metric: row.Metric, Stat: row.Stat, Unit: row.Unit,
			Baseline: jsonFloat(row.Baseline), Current: jsonFloat(row.Current), Delta: jsonFloat(row.Delta),
			Relative: jsonFloat(row.Relative), CILow: jsonFloat(row.CILow), CIHigh: jsonFloat(row.CIHigh),
			P: jsonFloat(row.P), PAdj: jsonFloat(row.PAdj), NBaseline: row.NBaseline, NCurrent: row.NCurrent,
			Significant: row.Significant, Practical: row.Practical, Verdict: row.Verdict}
		if len(row.Tags) > 0 {
			jr.Tags = map[string]string{}
			for _, t := range row.Tags {
				jr.Tags[t.Key] = t.Value
			}
		}
		out.Rows = append(out.Rows, jr)
	}
	for _, rr := range r.Rules {
		out.Rules = append(out.Rules, jrule{Rule: rr.Rule.Source, Failed: rr.Failed, Message: rr.Message,
			Series: report.SubMetricName(rr.Rule.Metric, rr.Rule.Filter), Stat: rr.Rule.Stat})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	return nil
}

// JUnit returns the comparison as JUnit XML suites: "rules" with one case
// per --fail-on rule (failed when the rule failed) and "comparisons" with
// one case per row, named "SERIES STAT", failed when its verdict is a
// regression.
func (r *Result) JUnit() *junit.Suites {
	rules := junit.Suite{Name: "rules"}
	for _, rr := range r.Rules {
		c := junit.Case{Name: rr.Rule.Source, Classname: "compare.rules"}
		if rr.Failed {
			c.Failure = &junit.Failure{Message: rr.Message, Type: "regression"}
		} else {
			c.SystemOut = rr.Message
		}
		rules.Cases = append(rules.Cases, c)
	}
	rows := junit.Suite{Name: "comparisons"}
	for i := range r.Rows {
		row := &r.Rows[i]
		c := junit.Case{Name: row.Series + " " + row.Stat, Classname: "compare." + row.Metric}
		detail := fmt.Sprintf("%s; CI %s; p=%s; verdict: %s", describeChange(row), formatCI(row), formatP(row.PAdj), row.Verdict)
		if row.Verdict == Regression {
			c.Failure = &junit.Failure{Message: detail, Type: "regression"}
		} else {
			c.SystemOut = detail
		}
		rows.Cases = append(rows.Cases, c)
	}
	s := &junit.Suites{Name: "load compare", Suites: []junit.Suite{rules, rows}}
	s.Count()
	return s
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}
