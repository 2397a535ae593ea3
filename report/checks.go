package report

import "github.com/loadline/loadline/engine/metrics"

// CheckCount is one check of a run: its passes and fails summed over every
// series of the checks metric with its group and check tags.
type CheckCount struct {
	Group  string // the group path ("" for the root group, "::a::b" nested)
	Name   string // the check's name (its "check" tag)
	Passes int64
	Fails  int64
}

// CheckCounts collects the checks of a snapshot from the checks metric's
// "group" and "check" tags, merging series that differ in other tags, in the
// order each (group, check) first appears in snap.Series. Series without a
// check tag are not checks and are skipped. A nil snapshot has none.
func CheckCounts(snap *metrics.Snapshot) []CheckCount {
	if snap == nil {
		return nil
	}
	type key struct{ group, name string }
	idx := map[key]int{}
	var out []CheckCount
	for _, ser := range snap.Series {
		if ser.Metric.Name != "checks" || ser.Metric.Type != metrics.Rate {
			continue
		}
		name, ok := ser.Tags.Get("check")
		if !ok {
			continue
		}
		group, _ := ser.Tags.Get("group")
		k := key{group, name}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, CheckCount{Group: group, Name: name})
		}
		out[i].Passes += ser.Sink.Trues
		out[i].Fails += ser.Sink.Count - ser.Sink.Trues
	}
	return out
}
