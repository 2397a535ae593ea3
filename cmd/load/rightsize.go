package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/parity"
	"github.com/loadline/loadline/report/rightsize"
)

func (c *cli) rightsizeCmd() *cobra.Command {
	var (
		usage, promURL, qCPU, qMem, env, jsonOut, mdOut, htmlOut string
		from, slos, serviceLabels                                []string
		step                                                     time.Duration
		rule                                                     = rightsize.DefaultRule()
	)
	cmd := &cobra.Command{
		Use:   "rightsize (--usage usage.csv | --prometheus URL --query-cpu Q --query-mem Q) --from RESULTS...",
		Short: "Recommend CPU and memory requests and limits from usage during a run",
		Long: `Read the CPU and memory usage of the system under test during the runs in
--from, restricted to the spans of sustainable load (the capacity steps that
met --slo when the runs have step marks, else the whole run), and recommend
per service and per instance:

  request = p90 of usage × 1.15   (VPA's target: p90 plus a 15% safety margin)
  limit   = max usage ÷ 0.8       (a Kubecost-style ceiling), at least the request

(--request-percentile, --margin and --limit-utilization change the numbers;
the report states the ones used.) --html charts each service's CPU and memory
over the run with the recommended and current requests and limits.

With --env, the current requests come from the environment descriptor and
the report says how over-provisioned they are: (current − recommended) ÷
current. Usage comes from a CSV (timestamp,service,cpu_cores,memory_bytes)
or from a Prometheus range query over the runs' time window; the service is
the series' "service" label, else its "job" label (--service-label).
See docs/rightsize.md. Exit codes: 0 done, 1 I/O or Prometheus error,
2 bad command line or missing input file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (usage == "") == (promURL == "") {
				return errorf(exitUsage, "rightsize: give exactly one of --usage FILE or --prometheus URL")
			}
			if rule.SafetyMargin < 0 || rule.RequestPercentile <= 0 || rule.RequestPercentile > 100 || rule.LimitUtilization <= 0 || rule.LimitUtilization > 1 {
				return errorf(exitUsage, "rightsize: want --margin >= 0, --request-percentile in (0, 100] and --limit-utilization in (0, 1]")
			}
			if promURL != "" && qCPU == "" && qMem == "" {
				return errorf(exitUsage, "rightsize: --prometheus needs --query-cpu and/or --query-mem")
			}
			if len(from) == 0 {
				return errorf(exitUsage, "rightsize: --from RESULTS is required (the results file of the run whose usage to size for)")
			}
			slo, err := parity.ParseSLO(slos)
			if err != nil {
				return withCode(exitUsage, err)
			}
			// Every missing input is reported before any file is read, as
			// exit 2.
			inputs := []inputFile{{"--usage file", usage, "give a CSV of timestamp,service,cpu_cores,memory_bytes"}, {"--env descriptor", env, descriptorHint}}
			for _, p := range from {
				inputs = append(inputs, inputFile{"--from results file", p, resultsHint})
			}
			if err := checkInputs("rightsize", inputs...); err != nil {
				return err
			}
			runs, err := readRuns("rightsize", "--from results file", from)
			if err != nil {
				return err
			}
			ws, wrule, err := rightsize.Windows(runs, slo)
			if err != nil {
				return withCode(exitGenericError, err)
			}
			var desc *parity.Descriptor
			if env != "" {
				if desc, err = loadDescriptor("rightsize", "--env", env); err != nil {
					return err
				}
			}
			rep := &rightsize.Report{Windows: ws, WindowRule: wrule, Rule: rule}
			var samples []rightsize.Sample
			if usage != "" {
				rep.Source = "csv " + usage
				if samples, err = rightsize.ReadCSVFile(usage); err != nil {
					return withCode(exitGenericError, err)
				}
			} else {
				span := rightsize.Span(ws)
				if step <= 0 {
					step = rightsize.DefaultStep(span.End.Sub(span.Start))
				}
				p := &rightsize.Prometheus{URL: promURL, ServiceLabels: serviceLabels}
				rep.Source, rep.CPUQuery, rep.MemQuery, rep.StepSeconds = "prometheus "+promURL, qCPU, qMem, step.Seconds()
				if samples, err = p.Usage(cmd.Context(), qCPU, qMem, span.Start, span.End, step); err != nil {
					return withCode(exitGenericError, err)
				}
			}
			rep.Services = rightsize.Recommend(samples, ws, rule, desc)
			rep.Usage = rightsize.Usage(samples, ws, rightsize.RunsSpan(runs))
			if len(rep.Services) == 0 {
				rep.Warnings = append(rep.Warnings, "no usage sample falls inside the run's window: check the clock, the queries and the time range of the data")
			}
			if err := c.writeReports(rep.WriteMarkdown, map[string]func(*bytes.Buffer) error{
				jsonOut: func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
				mdOut:   func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
				htmlOut: func(b *bytes.Buffer) error { return rep.WriteHTML(b) },
			}); err != nil {
				return err
			}
			if len(rep.Services) == 0 {
				// The (empty) report is written, but a pipeline must not take
				// "no recommendation" for a result.
				return errorf(exitGenericError, "rightsize: no usage sample falls inside the run's window, so there is no recommendation (check the clock, the queries and the time range of the data)")
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&usage, "usage", "", "CSV of usage samples: timestamp,service,cpu_cores,memory_bytes")
	fl.StringVar(&promURL, "prometheus", "", "base URL of a Prometheus server to query (e.g. http://127.0.0.1:9090)")
	fl.StringVar(&qCPU, "query-cpu", "", "PromQL giving CPU usage in cores per instance, e.g. 'rate(process_cpu_seconds_total[1m])'")
	fl.StringVar(&qMem, "query-mem", "", "PromQL giving memory usage in bytes per instance, e.g. 'process_resident_memory_bytes'")
	fl.DurationVar(&step, "step", 0, "query resolution (default 1s, longer for runs over ~2.7h so a series stays under 10,000 points)")
	fl.StringSliceVar(&serviceLabels, "service-label", []string{"service", "job"}, "series labels that name the service, tried in order")
	fl.StringArrayVar(&from, "from", nil, "results file(s) of the run(s) whose window to size for (repeatable)")
	fl.StringArrayVar(&slos, "slo", nil, "objective a capacity step must meet to count as sustainable, e.g. 'p(95)<300ms', 'errors<1%' (repeatable)")
	fl.StringVar(&env, "env", "", "environment descriptor (YAML, see docs/parity.md) with the current requests")
	fl.Float64Var(&rule.RequestPercentile, "request-percentile", rule.RequestPercentile, "percentile of usage requests start from")
	fl.Float64Var(&rule.SafetyMargin, "margin", rule.SafetyMargin, "safety margin added to the request percentile (0.15 = 15%)")
	fl.Float64Var(&rule.LimitUtilization, "limit-utilization", rule.LimitUtilization, "target utilization of the limit at the observed peak")
	fl.StringVar(&jsonOut, "json", "", "write the report as JSON to FILE")
	fl.StringVar(&mdOut, "md", "", "write the report as Markdown to FILE")
	fl.StringVar(&htmlOut, "html", "", "write the report as a self-contained HTML page with usage charts to FILE")
	return cmd
}

// readRuns reads results files for cmd, each named as what ("--from
// results file"): a missing file is exit code 2, one that cannot be read
// exit code 1, with its name (inputError).
func readRuns(cmd, what string, paths []string) ([]*results.Run, error) {
	runs := make([]*results.Run, 0, len(paths))
	for _, p := range paths {
		r, err := results.Read(p)
		if err != nil {
			return nil, inputError(cmd, what, p, err, resultsHint)
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// descriptorHint is what to give instead of a missing descriptor.
const descriptorHint = "give an environment descriptor (YAML, see docs/parity.md)"

// loadDescriptor reads the environment descriptor of flag (inputError for
// a missing file; the descriptor's own errors name the file and line).
func loadDescriptor(cmd, flag, path string) (*parity.Descriptor, error) {
	d, err := parity.LoadDescriptor(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, inputError(cmd, flag+" descriptor", path, err, descriptorHint)
	case err != nil:
		return nil, errorf(exitGenericError, "%s: %s descriptor %s", cmd, flag, strings.TrimPrefix(err.Error(), "parity: descriptor "))
	}
	return d, nil
}

// writeReports prints the terminal rendering to stdout and writes each
// non-empty path of files with its renderer.
func (c *cli) writeReports(term func(io.Writer) error, files map[string]func(*bytes.Buffer) error) error {
	for path, render := range files {
		if path == "" {
			continue
		}
		var b bytes.Buffer
		if err := render(&b); err != nil {
			return withCode(exitGenericError, err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			return errorf(exitGenericError, "writing %s: %v", path, err)
		}
	}
	if err := term(c.stdout); err != nil {
		return withCode(exitGenericError, fmt.Errorf("writing the report: %w", err))
	}
	return nil
}
