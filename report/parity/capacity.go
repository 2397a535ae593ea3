package parity

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/capacity"
)

// SideCapacity is one environment's capacity figures, measured from its
// runs.
type SideCapacity struct {
	// Method says how SustainableRPS was found: "capacity steps" (runs
	// with step marks, through report/capacity) or "1 s intervals"
	// (SustainableRPS over the intervals of ramping runs).
	Method string `json:"method"`
	// SustainableRPS is the highest throughput of a step or interval
	// that met the SLO, over all instances (0: none met it).
	SustainableRPS float64 `json:"sustainable_rps"`
	// PerInstanceRPS divides it by the service's replicas.
	PerInstanceRPS float64 `json:"per_instance_rps"`
	// USL is the Universal Scalability Law fit of throughput against
	// concurrency (Little's law: throughput × mean latency) over the
	// steps or intervals, by report/capacity; nil with USLError when the
	// fit was not possible.
	USL      *capacity.USL `json:"usl"`
	USLError string        `json:"usl_error,omitempty"`
}

// hasSteps reports whether any run has capacity step marks.
func hasSteps(runs []*results.Run) bool {
	for _, r := range runs {
		for _, m := range r.Marks {
			if _, ok := m.Attrs[capacity.AttrStep]; ok || strings.HasPrefix(m.Name, "step ") {
				return true
			}
		}
	}
	return false
}

// capacitySLOs converts the SLO for report/capacity.
func capacitySLOs(s SLO) ([]capacity.SLO, error) {
	var out []capacity.SLO
	if s.Latency > 0 {
		o, err := capacity.ParseSLO("p(" + strconv.FormatFloat(s.Percentile, 'f', -1, 64) + ")<" +
			strconv.FormatFloat(float64(s.Latency)/float64(time.Millisecond), 'f', -1, 64) + "ms")
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	o, err := capacity.ParseSLO("errors<=" + strconv.FormatFloat(s.MaxErrorRate, 'f', -1, 64))
	if err != nil {
		return nil, err
	}
	return append(out, o), nil
}

// measureSide measures one environment's capacity. Runs with step marks
// go through report/capacity (Measure, then Analyze: the highest step
// throughput meeting every objective); runs without are read interval by
// interval (SustainableRPS), and the USL is fitted to the intervals.
func measureSide(runs []*results.Run, slo SLO, replicas int) (*SideCapacity, error) {
	sc := &SideCapacity{}
	if replicas < 1 {
		replicas = 1
	}
	var pts []capacity.Point
	if hasSteps(runs) {
		sc.Method = "capacity steps"
		slos, err := capacitySLOs(slo)
		if err != nil {
			return nil, fmt.Errorf("parity: %w", err)
		}
		var steps []capacity.Step
		for i, r := range runs {
			st, err := capacity.Measure(r, fmt.Sprintf("run %d", i+1))
			if err != nil {
				return nil, fmt.Errorf("parity: %w", err)
			}
			steps = append(steps, st...)
		}
		cfg := capacity.DefaultConfig()
		cfg.SLOs = slos
		rep, err := capacity.Analyze(steps, nil, nil, cfg)
		if err != nil {
			return nil, fmt.Errorf("parity: %w", err)
		}
		if rep.SustainableTotalRPS != nil {
			sc.SustainableRPS = *rep.SustainableTotalRPS
		}
		sc.USL, sc.USLError = rep.USL, rep.USLError
	} else {
		sc.Method = "1 s intervals"
		sc.SustainableRPS = sustainable(runs, slo)
		for _, r := range runs {
			for _, sp := range Spans(r, slo) {
				if sp.Requests > 0 && sp.MeanLatencyMs > 0 {
					pts = append(pts, capacity.Point{Concurrency: sp.ThroughputRPS * sp.MeanLatencyMs / 1000, Throughput: sp.ThroughputRPS})
				}
			}
		}
		if u, err := capacity.FitUSL(pts); err != nil {
			sc.USLError = err.Error()
		} else {
			sc.USL = &u
		}
	}
	sc.PerInstanceRPS = sc.SustainableRPS / float64(replicas)
	return sc, nil
}
