package rightsize

import (
	"errors"
	"fmt"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/parity"
)

// Windows returns the spans of sustainable load of runs, whose usage the
// recommendation is made from, and a sentence saying how they were chosen:
// in a run with marks (the steps of a capacity staircase), the steps that
// met slo; in a run without, the whole run, from the header's start to the
// summary's end (the last interval's end when the run did not finish).
// It fails when no run yields a window.
func Windows(runs []*results.Run, slo parity.SLO) ([]Window, string, error) {
	var ws []Window
	marked, whole := 0, 0
	for _, run := range runs {
		pw, ok := parity.SustainableWindows(run, slo)
		if len(run.Marks) > 0 {
			marked++
		} else {
			whole++
		}
		if !ok {
			continue
		}
		for _, w := range pw {
			ws = append(ws, Window{Start: w.Start, End: w.End})
		}
	}
	if len(ws) == 0 {
		if marked > 0 {
			return nil, "", fmt.Errorf("rightsize: no marked step of the runs met the SLO %s, so there is no sustainable load to size for (loosen --slo)", slo)
		}
		return nil, "", errors.New("rightsize: the runs have no time span (no interval and no summary)")
	}
	var rule string
	switch {
	case marked > 0 && whole > 0:
		rule = fmt.Sprintf("the marked steps that met %s, and the whole of %d run(s) without marks", slo, whole)
	case marked > 0:
		rule = fmt.Sprintf("the %d marked step(s) that met %s", len(ws), slo)
	default:
		rule = fmt.Sprintf("the whole run window of %d run(s) (no capacity steps marked)", whole)
	}
	return ws, rule, nil
}

// Span returns the earliest start and the latest end of ws.
func Span(ws []Window) Window {
	var s Window
	for i, w := range ws {
		if i == 0 || w.Start.Before(s.Start) {
			s.Start = w.Start
		}
		if i == 0 || w.End.After(s.End) {
			s.End = w.End
		}
	}
	return s
}
