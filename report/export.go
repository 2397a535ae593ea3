package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/loadline/loadline/engine/metrics"
)

// WriteExport writes the --summary-export JSON (k6's legacy summary-export
// shape), indented, with keys in sorted order:
//
//	{ "root_group": {"name", "path", "id",
//	                 "groups": {<name>: <group>}, "checks": {<name>: {"name","path","id","passes","fails"}}},
//	  "metrics": {<name>: <values> + "thresholds": {<source>: <true when FAILED>}} }
//
// Values: counters {"count","rate"}, gauges {"value","min","max"}, rates
// (checks included) {"passes","fails","value"}, trends one key per
// summaryTrendStats entry. The threshold boolean keeps the legacy format's
// inverted meaning: true means the threshold failed. Errors come from w.
func (s *Summary) WriteExport(w io.Writer) error {
	m := s.build()
	stats := s.trendStats()
	mets := make(map[string]any, len(m.entries))
	for _, e := range m.entries {
		v := m.values(e, stats)
		if e.metric.Type == metrics.Rate {
			v["value"] = v["rate"]
			delete(v, "rate")
		}
		if len(e.thresholds) > 0 {
			th := make(map[string]bool, len(e.thresholds))
			for _, t := range e.thresholds {
				th[t.Source] = !t.Passed
			}
			v["thresholds"] = th
		}
		mets[e.name] = v
	}
	doc := map[string]any{
		"root_group": groupExport(m.root),
		"metrics":    mets,
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("report: write summary export: %w", err)
	}
	return nil
}

// groupExport is a group in the legacy export: groups and checks are objects
// keyed by name.
func groupExport(g *group) map[string]any {
	groups := make(map[string]any, len(g.groups))
	for _, c := range g.groups {
		groups[c.name] = groupExport(c)
	}
	checks := make(map[string]any, len(g.checks))
	for _, c := range g.checks {
		checks[c.name] = map[string]any{
			"name": c.name, "path": c.path, "id": hashID(c.path),
			"passes": c.passes, "fails": c.fails,
		}
	}
	return map[string]any{
		"name": g.name, "path": g.path, "id": hashID(g.path),
		"groups": groups, "checks": checks,
	}
}
