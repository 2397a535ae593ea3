package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting"
)

func (c *cli) inspectCmd() *cobra.Command {
	f := &runFlags{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect [flags] SCRIPT",
		Short: "Print the resolved execution plan of a script without running it",
		Long: `Print the plan that 'load run' would execute: each scenario's executor, its
parameters with defaults filled in, its maximum VUs, and its total duration
including the graceful stop. The same option flags as 'load run' apply.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log := &logger{w: c.stderr}
			env, err := c.scriptEnvChecked(f)
			if err != nil {
				return err
			}
			reg := metrics.NewRegistry()
			bi := metrics.RegisterBuiltin(reg)
			runner, err := scripting.Load(cmd.Context(), args[0], scripting.Config{
				Env: env, Registry: reg, Builtin: bi, Aggregator: metrics.NewAggregator(reg),
				Console: c.stderr, Logf: log.Logf,
			})
			if err != nil {
				return scriptErr(err)
			}
			opts, err := c.layeredOptions(runner.Options(), f, cmd.Flags())
			if err != nil {
				return err
			}
			// The same last layer as `load run`: a --capacity-steps staircase.
			stairs, err := f.capacity.staircase(planOnly{cmd.Flags()})
			if err != nil {
				return withCode(exitUsage, err)
			}
			opts = stairs.apply(opts)
			plan, err := opts.Resolve()
			if err != nil {
				return withCode(exitInvalidConfig, err)
			}
			if err := runner.CheckPlan(plan); err != nil {
				return scriptErr(err)
			}
			if asJSON {
				return writePlanJSON(c.stdout, plan)
			}
			return writePlanText(c.stdout, plan)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	return cmd
}

// planJSON is the --json shape of one scenario of `load inspect`.
type planJSON struct {
	Name            string                `json:"name"`
	Executor        string                `json:"executor"`
	Config          engine.ScenarioConfig `json:"config"`
	MaxVUs          int64                 `json:"maxVUs"`
	PreAllocatedVUs int64                 `json:"preAllocatedVUs"`
	// Starts is, for arrival-rate executors, the iteration starts the
	// unsegmented schedule has (started + dropped in a run); else omitted.
	Starts        int64 `json:"starts,omitempty"`
	StartTimeMs   int64 `json:"startTimeMs"`
	DurationMs    int64 `json:"durationMs"`
	MaxDurationMs int64 `json:"maxDurationMs"`
}

func writePlanJSON(w io.Writer, plan *engine.Plan) error {
	out := struct {
		Scenarios     []planJSON `json:"scenarios"`
		MaxVUs        int64      `json:"maxVUs"`
		MaxDurationMs int64      `json:"maxDurationMs"`
	}{}
	for _, sp := range plan.Scenarios {
		out.Scenarios = append(out.Scenarios, planJSON{
			Name: sp.Name, Executor: sp.Config.Executor, Config: sp.Config,
			MaxVUs: sp.MaxVUs, PreAllocatedVUs: sp.PreAllocatedVUs, Starts: sp.Starts(),
			StartTimeMs: scenarioStart(sp).Milliseconds(),
			DurationMs:  sp.Duration.Milliseconds(), MaxDurationMs: sp.MaxDuration.Milliseconds(),
		})
	}
	out.MaxVUs, out.MaxDurationMs = planTotals(plan)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// planTotals returns the VUs the plan initialises (the sum over scenarios)
// and its longest end, start time plus duration with graceful stop, in ms.
func planTotals(plan *engine.Plan) (vus, maxMs int64) {
	var end time.Duration
	for _, sp := range plan.Scenarios {
		vus += sp.MaxVUs
		if e := scenarioStart(sp) + sp.MaxDuration; e > end {
			end = e
		}
	}
	return vus, end.Milliseconds()
}

func writePlanText(w io.Writer, plan *engine.Plan) error {
	vus, maxMs := planTotals(plan)
	fmt.Fprintf(w, "%d scenario(s), up to %d VUs, at most %s including graceful stops\n\n",
		len(plan.Scenarios), vus, time.Duration(maxMs)*time.Millisecond)
	if plan.Segment != "" {
		// The figures below are the whole test's; say what this segment
		// takes of them.
		if share, err := engine.NewSegmentShare(plan.Segment, plan.Sequence); err == nil && !share.Whole() {
			fmt.Fprintf(w, "execution segment %s: this instance runs %d of the %d VUs; iterations and rates are split the same way\n\n",
				plan.Segment, segmentVUs(plan, share), vus)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEXECUTOR\tMAX VUS\tSTART\tDURATION\tWITH GRACEFUL STOP\tPARAMETERS")
	for _, sp := range plan.Scenarios {
		params := scenarioParams(sp.Config)
		if n := sp.Starts(); n > 0 {
			params = fmt.Sprintf("starts=%d %s", n, params)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", sp.Name, sp.Config.Executor, sp.MaxVUs,
			scenarioStart(sp), sp.Duration, sp.MaxDuration, params)
	}
	return tw.Flush()
}

// scenarioStart is the scenario's startTime (0 when unset).
func scenarioStart(sp *engine.ScenarioPlan) time.Duration {
	if sp.Config.StartTime == nil {
		return 0
	}
	return time.Duration(*sp.Config.StartTime)
}

// scenarioParams lists an executor's parameters compactly.
func scenarioParams(c engine.ScenarioConfig) string {
	var p []string
	i := func(name string, v *int64) {
		if v != nil {
			p = append(p, fmt.Sprintf("%s=%d", name, *v))
		}
	}
	d := func(name string, v *engine.Duration) {
		if v != nil {
			p = append(p, fmt.Sprintf("%s=%s", name, time.Duration(*v)))
		}
	}
	f := func(name string, v *float64) {
		if v != nil {
			p = append(p, fmt.Sprintf("%s=%g", name, *v))
		}
	}
	i("vus", c.VUs)
	i("startVUs", c.StartVUs)
	i("iterations", c.Iterations)
	d("duration", c.Duration)
	d("maxDuration", c.MaxDuration)
	f("rate", c.Rate)
	f("startRate", c.StartRate)
	d("timeUnit", c.TimeUnit)
	i("preAllocatedVUs", c.PreAllocatedVUs)
	i("maxVUs", c.MaxVUs)
	if len(c.Stages) > 0 {
		var st []string
		for _, s := range c.Stages {
			st = append(st, fmt.Sprintf("%s:%d", time.Duration(s.Duration), s.Target))
		}
		p = append(p, "stages="+strings.Join(st, ","))
	}
	d("gracefulStop", c.GracefulStop)
	d("gracefulRampDown", c.GracefulRampDown)
	if c.Exec != "" && c.Exec != "default" {
		p = append(p, "exec="+c.Exec)
	}
	if c.LateStarts != "" {
		p = append(p, "lateStarts="+c.LateStarts)
	}
	return strings.Join(p, " ")
}

// segmentVUs is how many of the plan's VUs one segment runs.
func segmentVUs(plan *engine.Plan, share *engine.SegmentShare) int64 {
	var n int64
	for _, sp := range plan.Scenarios {
		n += share.Count(sp.MaxVUs)
	}
	return n
}

// planOnly is the flag set as `load inspect` gives it to the staircase: no
// results file is written when only the plan is printed, so --out counts
// as given.
type planOnly struct{ flagSet }

func (p planOnly) Changed(name string) bool { return name == "out" || p.flagSet.Changed(name) }
