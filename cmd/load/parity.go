package main

import (
	"bytes"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/report/parity"
)

func (c *cli) parityCmd() *cobra.Command {
	var (
		stagingPath, productionPath, service, jsonOut, mdOut, htmlOut string
		stagingRuns, productionRuns, slos                             []string
		o                                                             = parity.DefaultOptions()
	)
	cmd := &cobra.Command{
		Use:   "parity --staging staging.yaml --production production.yaml [--staging-run S... --production-run P...]",
		Short: "Say how far staging's results can be trusted to predict production",
		Long: `Diff two environment descriptors (YAML: services, data stores, traffic; see
docs/parity.md) and rank each drift by its risk to performance. With runs
against both environments, compare them per endpoint and overall: the
production ÷ staging ratio of p50/p95/p99 latency with bootstrap confidence
intervals, the error-rate difference and the throughput per instance, with a
verdict per endpoint: within --tolerance, outside it, or inconclusive when
every ratio is within but a confidence interval reaches beyond it. With
staging runs, predict production's sustainable throughput: staging's,
scaled by the service's capacity units (replicas × workers, or its
scales_with), and with production runs, say how far off the prediction was. Exit codes: 0 done, 1 I/O or
descriptor error, 2 bad command line or missing input file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stagingPath == "" || productionPath == "" {
				return errorf(exitUsage, "parity: both --staging and --production descriptors are required")
			}
			if o.Tolerance <= 0 || o.Tolerance >= 1 || o.ErrorTolerance < 0 || o.Bootstrap < 1 || o.Confidence <= 0 || o.Confidence >= 1 {
				return errorf(exitUsage, "parity: want --tolerance between 0 and 100%%, --error-tolerance >= 0, --bootstrap >= 1 and --confidence in (0, 1)")
			}
			slo, err := parity.ParseSLO(slos)
			if err != nil {
				return withCode(exitUsage, err)
			}
			o.SLO, o.Service = slo, service
			// Every missing input is reported before any file is read, as
			// exit 2.
			inputs := []inputFile{{"--staging descriptor", stagingPath, descriptorHint}, {"--production descriptor", productionPath, descriptorHint}}
			for _, p := range stagingRuns {
				inputs = append(inputs, inputFile{"--staging-run results file", p, resultsHint})
			}
			for _, p := range productionRuns {
				inputs = append(inputs, inputFile{"--production-run results file", p, resultsHint})
			}
			if err := checkInputs("parity", inputs...); err != nil {
				return err
			}
			st, err := loadDescriptor("parity", "--staging", stagingPath)
			if err != nil {
				return err
			}
			pr, err := loadDescriptor("parity", "--production", productionPath)
			if err != nil {
				return err
			}
			sr, err := readRuns("parity", "--staging-run results file", stagingRuns)
			if err != nil {
				return err
			}
			prr, err := readRuns("parity", "--production-run results file", productionRuns)
			if err != nil {
				return err
			}
			rep, err := parity.Build(st, pr, sr, prr, o)
			if err != nil {
				return withCode(exitGenericError, err)
			}
			return c.writeReports(rep.WriteMarkdown, map[string]func(*bytes.Buffer) error{
				jsonOut: func(b *bytes.Buffer) error { return rep.WriteJSON(b) },
				mdOut:   func(b *bytes.Buffer) error { return rep.WriteMarkdown(b) },
				htmlOut: func(b *bytes.Buffer) error { return rep.WriteHTML(b) },
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&stagingPath, "staging", "", "staging environment descriptor (YAML)")
	fl.StringVar(&productionPath, "production", "", "production environment descriptor (YAML)")
	fl.StringArrayVar(&stagingRuns, "staging-run", nil, "results file of a run against staging (repeatable)")
	fl.StringArrayVar(&productionRuns, "production-run", nil, "results file of a run against production (repeatable)")
	fl.StringArrayVar(&slos, "slo", nil, "objective that makes load sustainable, e.g. 'p(95)<300ms', 'errors<1%' (repeatable; default p(95)<300ms, errors<1%)")
	fl.StringVar(&service, "service", "", "the service the runs measured (default: the first service in both descriptors)")
	fl.Var(shareValue{&o.Tolerance}, "tolerance", "X: staging predicts production when within ±X: 15% or 0.15")
	fl.Float64Var(&o.ErrorTolerance, "error-tolerance", o.ErrorTolerance, "largest error-rate difference still counted as parity (0.01 = 1 point)")
	fl.IntVar(&o.Bootstrap, "bootstrap", o.Bootstrap, "bootstrap rounds for the latency-ratio confidence intervals")
	fl.Float64Var(&o.Confidence, "confidence", o.Confidence, "confidence level of the intervals")
	fl.Uint64Var(&o.Seed, "seed", o.Seed, "bootstrap random seed (fixed, so reports are reproducible)")
	fl.StringVar(&jsonOut, "json", "", "write the report as JSON to FILE")
	fl.StringVar(&mdOut, "md", "", "write the report as Markdown to FILE")
	fl.StringVar(&htmlOut, "html", "", "write the report as HTML to FILE")
	return cmd
}

// shareValue is a flag holding a share given as a percentage ("15%") or a
// fraction ("0.15").
type shareValue struct{ p *float64 }

func (v shareValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p*100, 'g', -1, 64) + "%"
}

func (v shareValue) Set(s string) error {
	f, err := parseShare("--tolerance", s)
	if err != nil {
		return err
	}
	*v.p = f
	return nil
}

func (v shareValue) Type() string { return "share" }
