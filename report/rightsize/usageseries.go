package rightsize

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/results"
)

// UsagePoint is one usage observation in a report's usage series. A
// resource that was not measured is absent (null in no JSON field).
type UsagePoint struct {
	Time        time.Time `json:"t"`
	CPUCores    *float64  `json:"cpu_cores,omitempty"`
	MemoryBytes *float64  `json:"memory_bytes,omitempty"`
	// InWindow reports whether the observation lies in a window of
	// sustainable load, so counts toward the recommendation.
	InWindow bool `json:"in_window"`
}

// UsageSeries is the usage of one service over the run, all instances
// together, in time order: what the HTML report charts.
type UsageSeries struct {
	Service string       `json:"service"`
	Points  []UsagePoint `json:"points"`
}

// Usage groups samples by service, in time order, for the report's usage
// charts: every sample inside span (ends included; a zero span keeps them
// all), each marked as inside one of windows or not. Services are sorted
// by name.
func Usage(samples []Sample, windows []Window, span Window) []UsageSeries {
	by := map[string][]UsagePoint{}
	for _, s := range samples {
		if !span.Start.IsZero() && (s.Time.Before(span.Start) || s.Time.After(span.End)) {
			continue
		}
		p := UsagePoint{Time: s.Time, InWindow: inWindows(s.Time, windows)}
		if !math.IsNaN(s.CPUCores) {
			v := s.CPUCores
			p.CPUCores = &v
		}
		if !math.IsNaN(s.MemoryBytes) {
			v := s.MemoryBytes
			p.MemoryBytes = &v
		}
		by[s.Service] = append(by[s.Service], p)
	}
	out := make([]UsageSeries, 0, len(by))
	for name, pts := range by {
		slices.SortStableFunc(pts, func(a, b UsagePoint) int { return a.Time.Compare(b.Time) })
		out = append(out, UsageSeries{Service: name, Points: pts})
	}
	slices.SortFunc(out, func(a, b UsageSeries) int { return strings.Compare(a.Service, b.Service) })
	return out
}

func inWindows(t time.Time, windows []Window) bool {
	for _, w := range windows {
		if !t.Before(w.Start) && !t.After(w.End) {
			return true
		}
	}
	return false
}

// RunsSpan returns the time the runs cover, from the earliest start (the
// header's, else the first interval's) to the latest end (the summary's,
// else the last interval's); the zero Window when they cover none.
func RunsSpan(runs []*results.Run) Window {
	var s Window
	for _, r := range runs {
		start, end := r.Header.Start, time.Time{}
		if r.Summary != nil {
			end = r.Summary.End
		}
		if n := len(r.Intervals); n > 0 {
			if start.IsZero() {
				start = r.Intervals[0].Start
			}
			if end.IsZero() || r.Intervals[n-1].End.After(end) {
				end = r.Intervals[n-1].End
			}
		}
		if start.IsZero() || !end.After(start) {
			continue
		}
		if s.Start.IsZero() || start.Before(s.Start) {
			s.Start = start
		}
		if end.After(s.End) {
			s.End = end
		}
	}
	return s
}
