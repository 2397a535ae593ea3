package metrics

import (
	"math"
	"testing"
)

// TestAddGroupMatchesAdd: recording through a Group gives the same sinks as
// one Add per metric, NaN values skip their metric, a short value slice
// records only what it has, and the same series are shared with Add.
func TestAddGroupMatchesAdd(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		rows [][]float64 // values per AddGroup call: counter, rate, trend, gauge
	}{
		{"one call", [][]float64{{1, 1, 2.5, 7}}},
		{"many calls, more than a trend buffer", func() [][]float64 {
			var rows [][]float64
			for i := range 3 * trendBufMax {
				rows = append(rows, []float64{float64(i % 3), float64(i % 2), float64(i%97) / 10, float64(i)})
			}
			return rows
		}()},
		{"NaN skips its metric", [][]float64{{1, nan, 3, nan}, {nan, 0, nan, 4}}},
		{"short slice", [][]float64{{2, 1}, {3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			g := NewGroup(f.cnt, f.rate, f.trd, f.gauge)
			ts := f.reg.Tags(Tag{"name", "x"})
			byGroup, byAdd := f.agg.NewRecorder(), f.agg.NewRecorder()
			ms := []*Metric{f.cnt, f.rate, f.trd, f.gauge}
			other := f.reg.Tags(Tag{"name", "y"}) // byAdd records under another tag set
			for _, row := range tc.rows {
				byGroup.AddGroup(g, ts, row)
				for i, v := range row {
					byAdd.Add(ms[i], other, v)
				}
			}
			snap := f.agg.Flush()
			for _, m := range ms {
				got, want := snap.Find(m, ts), snap.Find(m, other)
				if (got == nil) != (want == nil) {
					t.Fatalf("%s: group series present %v, Add series present %v", m.Name, got != nil, want != nil)
				}
				if got == nil {
					continue
				}
				g, w := got.Sink, want.Sink
				if g.Count != w.Count || g.Sum != w.Sum || g.Trues != w.Trues || g.Min != w.Min || g.Max != w.Max || g.Value != w.Value {
					t.Errorf("%s: AddGroup sink %+v, Add sink %+v", m.Name, *g, *w)
				}
				if m.Type == Trend && g.Percentile(90) != w.Percentile(90) {
					t.Errorf("%s: p(90) %v via AddGroup, %v via Add", m.Name, g.Percentile(90), w.Percentile(90))
				}
			}
			// Add and AddGroup feed the same series of one recorder.
			byGroup.Add(f.cnt, ts, 10)
			snap = f.agg.Flush()
			if s := snap.Find(f.cnt, ts); s == nil || s.Sink.Count != 1 || s.Sink.Sum != 10 {
				t.Errorf("Add after AddGroup: %+v, want one sample of 10", s)
			}
		})
	}
}

func TestNewGroupPanics(t *testing.T) {
	f := newFixture(t)
	for name, ms := range map[string][]*Metric{"empty": nil, "nil metric": {f.cnt, nil}} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("NewGroup did not panic")
				}
			}()
			NewGroup(ms...)
		})
	}
}
