package scripting

import "testing"

// TestMetricAddValues: add() takes booleans as 1 and 0, numbers and numeric
// strings as their value.
func TestMetricAddValues(t *testing.T) {
	e := newEnv(t)
	r := e.script(`
import { Counter, Rate, Trend } from 'load/metrics';
const c = new Counter('add_c');
const rt = new Rate('add_r');
const tr = new Trend('add_t');
export default function () {
  c.add(true); c.add(false); c.add(2.5); c.add('4');
  rt.add(true); rt.add(false); rt.add(0); rt.add(3);
  tr.add(1.5); tr.add('2.5'); tr.add(true);
}`)
	noErrors(t, e.iterate(r, 1, testScenario("s"), 1))
	snap := e.agg.Flush()
	tests := []struct {
		name          string
		metric        string
		count, trues  int64
		sum, min, max float64
	}{
		{"counter", "add_c", 4, 0, 7.5, 0, 0},
		{"rate", "add_r", 4, 2, 0, 0, 0},
		{"trend", "add_t", 3, 0, 5, 1, 2.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := e.sink(snap, tc.metric)
			if s.Count != tc.count || s.Trues != tc.trues || s.Sum != tc.sum {
				t.Errorf("count %d trues %d sum %v, want %d %d %v", s.Count, s.Trues, s.Sum, tc.count, tc.trues, tc.sum)
			}
			if tc.max != 0 && (s.Min != tc.min || s.Max != tc.max) {
				t.Errorf("min %v max %v, want %v %v", s.Min, s.Max, tc.min, tc.max)
			}
		})
	}
}
