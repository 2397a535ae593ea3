package compare

import (
	"errors"
	"fmt"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/results"
)

// Concat returns repeated runs of one test as one run for Compare: its
// intervals are every run's intervals, run after run, each keeping its own
// times, so a statistic over the result pools the samples of all the runs,
// a counter's rate per second is the runs' average, and the
// per-interval tests see every interval as one more draw. (results.Merge
// instead overlays runs interval by interval, which is right for the
// workers of one distributed run, whose counts add up, and wrong for
// repeats, whose throughput would look doubled.)
//
// The header is the first run's; the registry holds every metric of the
// runs (the first definition of a name wins; a name registered with another
// type in a later run is an error). The inputs are not modified; the
// intervals' snapshots are shared with them.
func Concat(runs ...*results.Run) (*results.Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("compare: concat: no runs")
	}
	out := &results.Run{Header: runs[0].Header, Registry: metrics.NewRegistry()}
	for i, r := range runs {
		if r == nil || r.Registry == nil {
			return nil, fmt.Errorf("compare: concat: run %d has no registry", i)
		}
		for _, m := range r.Registry.Metrics() {
			if have := out.Registry.Lookup(m.Name); have != nil {
				if have.Type != m.Type {
					return nil, fmt.Errorf("compare: concat: metric %s is a %s in one run and a %s in another", m.Name, have.Type, m.Type)
				}
				continue
			}
			if _, err := out.Registry.New(m.Name, m.Type, m.Contains); err != nil {
				return nil, fmt.Errorf("compare: concat: %w", err)
			}
		}
		out.Intervals = append(out.Intervals, r.Intervals...)
		out.Marks = append(out.Marks, r.Marks...)
		out.Warnings = append(out.Warnings, r.Warnings...)
	}
	return out, nil
}
