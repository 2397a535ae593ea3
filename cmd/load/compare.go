package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/compare"
)

// compareFlags are the command-line settings of `load compare`.
type compareFlags struct {
	baseline, current []string
	failOn            []string
	junit, md, json   string
	alpha             float64
	resamples         int
	seed              uint64
	minChange         float64 // percent
	minChangeMS       float64
	minChangePP       float64
	minIntervals      int
	workers           bool
}

func (c *cli) compareCmd() *cobra.Command {
	f := &compareFlags{}
	cmd := &cobra.Command{
		Use:   "compare [flags] BASELINE CURRENT",
		Short: "Compare a run against a baseline and gate on regressions",
		Long: `Compare two runs recorded with 'load run --out FILE': per metric and tag set,
the change of p(50), p(95), p(99), avg and rates, each judged by a
Mann-Whitney U test on per-interval values (Holm-adjusted over the table), a
bootstrap confidence interval over intervals, and a practical-size floor.
Verdicts: regression, improvement, no change, inconclusive.

Each side may be several results files: repeat --baseline and --current
instead of giving the two positional files. By default they are repeated
runs of the test, pooled (their intervals all count; rates per second stay
per run); with --workers they are the parts of one distributed run, one per
worker, merged interval by interval (histograms and counts add).

--fail-on METRIC[{TAG:VALUE}] STAT OP VALUE, repeatable, makes the gate:
  a signed VALUE is a change from the baseline (+10%, +0.5pp, +20ms) and
  fails only when the change is also significant; an unsigned VALUE is a
  level of the current run (500ms, 1%). Without --fail-on, any row judged a
  regression fails the gate.

Files of different scripts or labels are compared all the same, with a
warning on stderr.

Exit codes: 0 no regression, 99 regression, 2 bad command line, rule or
missing results file, 1 unreadable results file.`,
		Example: `  load compare baseline.jsonl.gz current.jsonl.gz
  load compare base.jsonl cur.jsonl --fail-on 'http_req_duration{name:checkout} p(95) > +10%'
  load compare --baseline w1.jsonl --baseline w2.jsonl --current c1.jsonl --current c2.jsonl \
      --fail-on 'http_req_failed rate > +0.5pp' --junit compare.xml --md compare.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.compare(f, args)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&f.baseline, "baseline", nil, "baseline results file, repeatable (merged); instead of the first positional file")
	fs.StringArrayVar(&f.current, "current", nil, "current results file, repeatable (merged); instead of the second positional file")
	fs.StringArrayVar(&f.failOn, "fail-on", nil, "gate rule METRIC[{TAG:VALUE}] STAT OP VALUE, repeatable, e.g. 'http_req_duration p(95) > +10%'")
	fs.StringVar(&f.junit, "junit", "", "write the comparison as JUnit XML to FILE")
	fs.StringVar(&f.md, "md", "", "write the comparison as Markdown to FILE")
	fs.StringVar(&f.json, "json", "", "write the comparison as JSON to FILE")
	d := compare.DefaultOptions()
	fs.Float64Var(&f.alpha, "alpha", d.Alpha, "significance level; confidence intervals are at 1-alpha")
	fs.IntVar(&f.resamples, "resamples", d.Resamples, "bootstrap resamples")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "bootstrap random seed (same seed, same result)")
	fs.Float64Var(&f.minChange, "min-change", d.MinRelative*100, "practical floor: smaller relative changes (percent) are no change")
	fs.Float64Var(&f.minChangeMS, "min-change-ms", d.MinTime, "practical floor for time metrics, in milliseconds")
	fs.Float64Var(&f.minChangePP, "min-change-pp", d.MinRatePoints*100, "practical floor for rates, in percentage points")
	fs.IntVar(&f.minIntervals, "min-intervals", d.MinIntervals, "fewest intervals with samples per side for a verdict")
	fs.BoolVar(&f.workers, "workers", false, "the files of a side are one run's workers: merge them interval by interval instead of pooling them as repeated runs")
	return cmd
}

// compare is `load compare`.
func (c *cli) compare(f *compareFlags, args []string) error {
	base, cur := f.baseline, f.current
	switch {
	case len(base) == 0 && len(cur) == 0 && len(args) == 2:
		base, cur = args[:1], args[1:]
	case len(base) > 0 && len(cur) > 0 && len(args) == 0:
	default:
		return errorf(exitUsage, "compare: give BASELINE CURRENT, or --baseline FILE... and --current FILE... (not both forms)")
	}
	if f.alpha <= 0 || f.alpha >= 1 || f.resamples < 100 || f.minChange < 0 || f.minChangeMS < 0 || f.minChangePP < 0 || f.minIntervals < 1 {
		return errorf(exitUsage, "compare: --alpha must be in (0,1), --resamples at least 100, floors non-negative, --min-intervals at least 1")
	}
	opts := compare.Options{
		Alpha: f.alpha, Resamples: f.resamples, Seed: f.seed,
		MinRelative: f.minChange / 100, MinTime: f.minChangeMS, MinRatePoints: f.minChangePP / 100,
		MinIntervals: f.minIntervals,
	}
	for _, src := range f.failOn {
		r, err := compare.ParseRule(src)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("compare: %w", err))
		}
		opts.Rules = append(opts.Rules, r)
	}
	var inputs []inputFile
	for _, p := range base {
		inputs = append(inputs, inputFile{"baseline results file", p, resultsHint})
	}
	for _, p := range cur {
		inputs = append(inputs, inputFile{"current results file", p, resultsHint})
	}
	if err := checkInputs("compare", inputs...); err != nil {
		return err
	}
	baseRun, baseHeads, err := c.readRuns("baseline", base, f.workers)
	if err != nil {
		return err
	}
	curRun, curHeads, err := c.readRuns("current", cur, f.workers)
	if err != nil {
		return err
	}
	// Files of different scripts or labels are compared all the same, with
	// a warning: it may be on purpose (a changed script, env=staging vs
	// env=prod), but a comparison of two tests measures the tests.
	pooled := "their intervals are pooled as one side"
	if f.workers {
		pooled = "they are merged as one run"
	}
	for i := 1; i < len(base); i++ {
		c.warnMismatch(base[0], baseHeads[0], base[i], baseHeads[i], pooled)
	}
	c.warnMismatch(base[0], baseHeads[0], cur[0], curHeads[0], "they are compared as runs of one test, so a change may come from the test rather than the system")
	for i := 1; i < len(cur); i++ {
		c.warnMismatch(cur[0], curHeads[0], cur[i], curHeads[i], pooled)
	}
	res, err := compare.Compare(baseRun, curRun, opts)
	switch {
	case errors.Is(err, compare.ErrUnknownMetric) || errors.Is(err, compare.ErrStat):
		return withCode(exitUsage, err)
	case err != nil:
		return withCode(exitGenericError, err)
	}
	if err := res.WriteText(c.stdout); err != nil {
		return withCode(exitGenericError, fmt.Errorf("compare: %w", err))
	}
	for _, out := range []struct {
		flag, path string
		write      func(io.Writer) error
	}{
		{"--junit", f.junit, res.JUnit().Write},
		{"--md", f.md, res.WriteMarkdown},
		{"--json", f.json, res.WriteJSON},
	} {
		if out.path == "" {
			continue
		}
		if err := writeFileWith(out.path, out.write); err != nil {
			return errorf(exitGenericError, "compare: %s %s: %v", out.flag, out.path, err)
		}
	}
	if res.Regressed() {
		return errorf(exitThresholdsFailed, "compare: the current run regressed against the baseline (%s)", res.Conclusion())
	}
	return nil
}

// readRuns reads the results files of one side and combines them: merged
// as one run's workers (results.Merge), or pooled as repeated runs
// (compare.Concat). It also returns each file's header.
func (c *cli) readRuns(side string, paths []string, workers bool) (*results.Run, []results.Header, error) {
	runs := make([]*results.Run, 0, len(paths))
	heads := make([]results.Header, 0, len(paths))
	for _, p := range paths {
		r, err := results.Read(p)
		if err != nil {
			return nil, nil, inputError("compare", side+" results file", p, err, resultsHint)
		}
		for _, w := range r.Warnings {
			fmt.Fprintf(c.stderr, "load: %s %s: %s\n", side, p, w)
		}
		if len(r.Intervals) == 0 {
			return nil, nil, errorf(exitGenericError, "compare: the %s %s has no intervals (was the run stopped before its first interval ended?)", side, p)
		}
		runs = append(runs, r)
		heads = append(heads, r.Header)
	}
	if len(runs) == 1 {
		return runs[0], heads, nil
	}
	combine := compare.Concat
	if workers {
		combine = results.Merge
	}
	m, err := combine(runs...)
	if err != nil {
		return nil, nil, errorf(exitGenericError, "compare: merging the %s files: %s", side, plainError(err))
	}
	return m, heads, nil
}
