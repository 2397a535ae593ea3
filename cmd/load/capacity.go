package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/capacity"
)

// capacityOpts are the flags of `load capacity`.
type capacityOpts struct {
	slos        []string
	instances   int
	peak        float64
	headroom    string
	redundancy  int
	saturation  string
	concurrency string
	jsonOut     string
	htmlOut     string
	mdOut       string
	csvIn       string
	quiet       bool
}

func (c *cli) capacityCmd() *cobra.Command {
	o := &capacityOpts{}
	cmd := &cobra.Command{
		Use:   "capacity [RESULTS...] --slo OBJECTIVE... [flags]",
		Short: "Capacity from stepped runs: knee, USL fit, sustainable rate, instances",
		Long: `Read results files of stepped runs ('load run --capacity-steps N
--capacity-max-rate R --step-duration D --out FILE') and report:

  - one measurement per steady step: offered and achieved rate, latency
    percentiles, error rate, concurrency (Little's law and active VUs);
  - the knee, by three signals that must agree or are reported as
    disagreeing: the first step that breaks an objective, the first whose
    achieved rate falls below 95% of its offered rate, and Kneedle on the
    throughput curve;
  - a Universal Scalability Law fit of throughput vs concurrency, with 95%
    intervals, R², the peak concurrency and the maximum throughput;
  - the sustainable throughput per instance: the highest throughput of a
    step meeting every objective, divided by the run's instance count
    (--instances, else the run's label instances=N, else 1);
  - with --forecast-peak, the instances production needs:
    ceil(peak / (per-instance sustainable × (1 − headroom))) + redundancy.

A results file without step marks counts as one step (e.g. one
constant-arrival-rate run per level). With --csv, concurrency,throughput
pairs measured elsewhere are fitted to the USL alone. Formulas and the JSON
schema: docs/capacity.md. Results files of different scripts or labels
are analysed together, with a warning on stderr. Exit codes: 0 done,
1 unreadable input or output, 2 bad command line or missing input file.`,
		Example: `  load capacity run.jsonl --slo 'p(95)<300ms' --slo 'errors<1%'
  load capacity run.jsonl --slo 'p(95)<50ms' --forecast-peak 5000 --headroom 30% --html capacity.html --json capacity.json
  load capacity --csv points.csv`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.capacity(o, cmd.Flags().Changed, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.slos, "slo", nil, "objective every sustainable step meets: p(N), avg, med, max of request latency or errors, e.g. 'p(95)<300ms', 'errors<1%' (repeatable)")
	fl.IntVar(&o.instances, "instances", 0, "instances of the system under test during the run (default: the run's label instances=N, else 1)")
	fl.Float64Var(&o.peak, "forecast-peak", 0, "production peak to size for, requests/s")
	fl.StringVar(&o.headroom, "headroom", "30%", "share of each instance's sustainable rate kept free at the peak (utilisation ceiling = 1 − headroom)")
	fl.IntVar(&o.redundancy, "redundancy", 2, "spare instances on top of those the peak needs (N+k)")
	fl.StringVar(&o.saturation, "saturation", "95%", "a step achieving less than this share of its offered rate is saturated")
	fl.StringVar(&o.concurrency, "concurrency", "little", "concurrency for the USL fit: little (throughput × mean latency) or vus (active VUs)")
	fl.StringVar(&o.jsonOut, "json", "", "write the report as JSON to FILE (schema: docs/capacity.md)")
	fl.StringVar(&o.htmlOut, "html", "", "write the report as a self-contained HTML page to FILE")
	fl.StringVar(&o.mdOut, "md", "", "write the report as Markdown to FILE")
	fl.StringVar(&o.csvIn, "csv", "", "fit the USL to concurrency,throughput pairs from this CSV instead of results files")
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "do not print the report on stdout")
	return cmd
}

func (c *cli) capacity(o *capacityOpts, changed func(string) bool, paths []string) error {
	cfg := capacity.DefaultConfig()
	// Missing input first: it is the more basic mistake than a missing
	// objective.
	if o.csvIn == "" && len(paths) == 0 {
		return errorf(exitUsage, "capacity: give results files written by 'load run --out FILE', or --csv points.csv")
	}
	inputs := []inputFile{{"--csv file", o.csvIn, csvHint}}
	for _, p := range paths {
		inputs = append(inputs, inputFile{"results file", p, resultsHint})
	}
	if err := checkInputs("capacity", inputs...); err != nil {
		return err
	}
	if len(o.slos) == 0 && o.csvIn == "" {
		return errorf(exitUsage, "capacity: give at least one --slo, e.g. --slo 'p(95)<300ms' --slo 'errors<1%%' (without one, every step would count as sustainable)")
	}
	for _, s := range o.slos {
		slo, err := capacity.ParseSLO(s)
		if err != nil {
			return errorf(exitUsage, "%v", err)
		}
		cfg.SLOs = append(cfg.SLOs, slo)
	}
	var err error
	if cfg.Headroom, err = parseShare("--headroom", o.headroom); err != nil {
		return withCode(exitUsage, err)
	}
	if cfg.Headroom >= 1 {
		return errorf(exitUsage, "--headroom %s: want less than 100%%", o.headroom)
	}
	if cfg.SaturationRatio, err = parseShare("--saturation", o.saturation); err != nil || cfg.SaturationRatio == 0 {
		return errorf(exitUsage, "--saturation %q: want a share in (0, 100%%], e.g. 95%%", o.saturation)
	}
	if o.redundancy < 0 {
		return errorf(exitUsage, "--redundancy %d: want 0 or more spare instances", o.redundancy)
	}
	if o.peak < 0 {
		return errorf(exitUsage, "--forecast-peak %g: want a rate > 0", o.peak)
	}
	if changed("instances") && o.instances < 1 {
		return errorf(exitUsage, "--instances %d: want at least 1", o.instances)
	}
	if o.concurrency != "little" && o.concurrency != "vus" {
		return errorf(exitUsage, "--concurrency %q: want little or vus", o.concurrency)
	}
	cfg.Redundancy, cfg.ForecastPeak, cfg.Concurrency = o.redundancy, o.peak, o.concurrency

	var steps []capacity.Step
	var points []capacity.Point
	var sources []string
	switch {
	case o.csvIn != "" && len(paths) > 0:
		return errorf(exitUsage, "capacity: give results files or --csv, not both")
	case o.csvIn != "":
		f, err := os.Open(o.csvIn)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return inputError("capacity", "--csv file", o.csvIn, err, csvHint)
		}
		points, err = capacity.ReadPoints(f, o.csvIn)
		f.Close()
		if err != nil {
			return withCode(exitGenericError, err)
		}
		sources = []string{o.csvIn}
		if changed("instances") {
			cfg.Instances, cfg.InstancesSource = o.instances, "--instances"
		}
	case len(paths) == 0:
		return errorf(exitUsage, "capacity: give results files written by 'load run --out FILE', or --csv points.csv")
	default:
		label := ""
		var first results.Header
		for i, p := range paths {
			run, err := results.Read(p)
			if err != nil {
				return inputError("capacity", "results file", p, err, resultsHint)
			}
			if i == 0 {
				first = run.Header
			} else {
				c.warnMismatch(paths[0], first, p, run.Header, "their steps are analysed as one system's")
			}
			for _, w := range run.Warnings {
				fmt.Fprintf(c.stderr, "load: capacity: %s: %s\n", p, w)
			}
			st, err := capacity.Measure(run, p)
			if err != nil {
				return withCode(exitGenericError, err)
			}
			steps = append(steps, st...)
			sources = append(sources, p)
			if v := run.Header.Labels["instances"]; v != "" {
				if label != "" && label != v {
					return errorf(exitUsage, "capacity: the runs have different instances labels (%s, %s); give --instances or analyse them apart", label, v)
				}
				label = v
			}
		}
		switch {
		case changed("instances"):
			cfg.Instances, cfg.InstancesSource = o.instances, "--instances"
		case label != "":
			n, err := strconv.Atoi(label)
			if err != nil || n < 1 {
				return errorf(exitUsage, "capacity: the run's label instances=%q is not a count; give --instances", label)
			}
			cfg.Instances, cfg.InstancesSource = n, "label instances="+label
		}
	}
	rep, err := capacity.Analyze(steps, points, sources, cfg)
	if err != nil {
		return withCode(exitUsage, err)
	}
	outs := []struct {
		path  string
		write func(*bytes.Buffer) error
	}{
		{o.jsonOut, func(b *bytes.Buffer) error { return rep.WriteJSON(b) }},
		{o.htmlOut, func(b *bytes.Buffer) error { return rep.WriteHTML(b) }},
		{o.mdOut, func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) }},
	}
	for _, out := range outs {
		if out.path == "" {
			continue
		}
		var b bytes.Buffer
		if err := out.write(&b); err != nil {
			return errorf(exitGenericError, "capacity: rendering %s: %v", out.path, err)
		}
		if err := os.WriteFile(out.path, b.Bytes(), 0o644); err != nil {
			return errorf(exitGenericError, "capacity: writing %s: %v", out.path, errors.Unwrap(err))
		}
	}
	if !o.quiet {
		return rep.WriteMarkdown(c.stdout)
	}
	return nil
}

// csvHint is what to give instead of a missing --csv file.
const csvHint = "give concurrency,throughput pairs, one per line"

// parseShare reads "30%" or "0.3" as a fraction in [0, 1].
func parseShare(flag, s string) (float64, error) {
	t := strings.TrimSpace(s)
	div := 1.0
	if strings.HasSuffix(t, "%") {
		t, div = strings.TrimSuffix(t, "%"), 100
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v/div < 0 || v/div > 1 {
		return 0, fmt.Errorf("%s %q: want a share such as 30%% or 0.3", flag, s)
	}
	return v / div, nil
}
