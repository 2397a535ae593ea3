package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/html"
	"github.com/loadline/loadline/report/runreport"
)

// reportFlags are the output files of `load report`; "" means not wanted,
// "-" means stdout.
type reportFlags struct {
	html, md, json, csv string
}

func (c *cli) reportCmd() *cobra.Command {
	f := &reportFlags{}
	cmd := &cobra.Command{
		Use:   "report [flags] RESULTS...",
		Short: "Turn results files into HTML, Markdown, JSON and CSV reports",
		Long: `Read one or more results files written by 'load run --out' and write reports.
Several files of the same test (one per worker, say) merge exactly: their
histograms add, so percentiles are those of all samples.

  --html FILE   one self-contained page with tables and interactive charts
  --md FILE     Markdown: facts, thresholds, checks, endpoints
  --json FILE   the machine-readable summary
  --csv FILE    one row per interval per series

FILE "-" is stdout. With no output flag, the Markdown goes to stdout.
Exit code 0 when the reports were written, whatever the thresholds said;
2 for a bad command line or a missing file, 1 for an unreadable file.`,
		Example: `  load report results.jsonl --html report.html
  load report worker-*.jsonl.gz --md - >> "$GITHUB_STEP_SUMMARY"
  load report results.jsonl --json summary.json --csv intervals.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.report(f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.html, "html", "", "write the HTML report to `FILE`")
	fl.StringVar(&f.md, "md", "", "write the Markdown summary to `FILE`")
	fl.StringVar(&f.json, "json", "", "write the JSON summary to `FILE`")
	fl.StringVar(&f.csv, "csv", "", "write the per-interval CSV to `FILE`")
	return cmd
}

// report is `load report`.
func (c *cli) report(f *reportFlags, paths []string) error {
	readErr := func(p string, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return errorf(exitUsage, "report: results file %s not found (give files written by 'load run --out')", p)
		}
		return errorf(exitGenericError, "report: reading %s: %s", p, plainError(err))
	}
	var rep *runreport.Report
	if len(paths) == 1 {
		// One file: streamed, decoding only what the reports show, so an
		// hour of many endpoints takes seconds and a few hundred MB.
		var err error
		if rep, err = runreport.Open(paths[0], runreport.Options{Sources: paths, AllMetrics: f.json != ""}); err != nil {
			var re *runreport.ReadError
			if errors.As(err, &re) {
				return readErr(paths[0], re.Err)
			}
			return errorf(exitGenericError, "report: %v", err)
		}
		for _, w := range rep.Warnings {
			fmt.Fprintf(c.stderr, "load: warning: %s: %s\n", paths[0], w)
		}
	} else {
		// Several files: read, merged, then reported. Without --csv only
		// the metrics the other reports read are decoded.
		runs := make([]*results.Run, 0, len(paths))
		for _, p := range paths {
			var scan results.ScanOptions
			if f.csv == "" {
				scan.Metrics = runreport.MetricFilter(runreport.Options{AllMetrics: f.json != ""})
			}
			r, err := results.ScanWith(p, scan, nil)
			if err != nil {
				return readErr(p, err)
			}
			for _, w := range r.Warnings {
				fmt.Fprintf(c.stderr, "load: warning: %s: %s\n", p, w)
			}
			runs = append(runs, r)
		}
		for i, r := range runs[1:] {
			c.warnMismatch(paths[0], runs[0].Header, paths[i+1], r.Header, "their samples are merged as one test")
		}
		run, err := results.Merge(runs...)
		if err != nil {
			return errorf(exitGenericError, "report: merging %d results files: %v (merge only files of the same test)", len(runs), err)
		}
		if rep, err = runreport.New(run, runreport.Options{Sources: paths, Merged: true, AllMetrics: f.json != ""}); err != nil {
			return errorf(exitGenericError, "report: %v", err)
		}
	}
	if *f == (reportFlags{}) {
		f.md = "-"
	}
	outputs := []struct {
		path  string
		write func(io.Writer) error
	}{
		{f.html, func(w io.Writer) error { return html.Write(w, rep, html.Options{Version: version}) }},
		{f.md, rep.WriteMarkdown},
		{f.json, rep.WriteJSON},
		{f.csv, rep.WriteCSV},
	}
	for _, o := range outputs {
		if o.path == "" {
			continue
		}
		if err := c.writeOutput(o.path, o.write); err != nil {
			return errorf(exitGenericError, "report: writing %s: %v (check that its directory exists and is writable)", o.path, err)
		}
	}
	return nil
}

// writeOutput writes to stdout for "-", else to a temporary file beside
// path that is renamed over it once complete, so a reader never sees half a
// report.
func (c *cli) writeOutput(path string, write func(io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(c.stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		// The temporary file's name means nothing to the user; the caller
		// names the output.
		var pe *os.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
