//go:build !race

package metrics

import "testing"

// TestRecorderAddDoesNotAllocate guards the hot path: once a series exists
// and its trend buffer is full-size, Add allocates nothing, including across
// buffer drains and flushes.
func TestRecorderAddDoesNotAllocate(t *testing.T) {
	f := newFixture(t)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"}, Tag{"method", "GET"})
	tests := []struct {
		name string
		m    *Metric
	}{
		{"counter", f.cnt},
		{"rate", f.rate},
		{"trend", f.trd},
		{"gauge", f.gauge},
	}
	// Warm up: create every series and grow the trend buffer to full size,
	// and populate the histogram buckets the values use.
	for i := range 2 * trendBufMax {
		for _, tt := range tests {
			rc.Add(tt.m, ts, float64(i%7))
		}
	}
	f.agg.Flush()
	for i := range 2 * trendBufMax {
		rc.Add(f.trd, ts, float64(i%7))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := 0
			allocs := testing.AllocsPerRun(10*trendBufMax, func() {
				rc.Add(tt.m, ts, float64(i%7))
				i++
			})
			if allocs != 0 {
				t.Fatalf("Recorder.Add(%s) allocates %v times per call", tt.name, allocs)
			}
		})
	}
}

func TestTagCacheHitDoesNotAllocate(t *testing.T) {
	r := NewRegistry()
	c := r.NewTagCache()
	scratch := make([]Tag, 0, 4)
	fill := func() []Tag {
		return append(scratch[:0], Tag{"url", "http://127.0.0.1/x"}, Tag{"method", "GET"}, Tag{"status", "200"}, Tag{"method", "POST"})
	}
	want := c.Intern(fill())
	allocs := testing.AllocsPerRun(1000, func() {
		if c.Intern(fill()) != want {
			t.Fatal("cache hit returned another set")
		}
	})
	if allocs != 0 {
		t.Fatalf("TagCache.Intern hit allocates %v times", allocs)
	}
}

// TestAddGroupDoesNotAllocate: once its series exist and their trend buffers
// are full-size, AddGroup allocates nothing, across drains and flushes.
func TestAddGroupDoesNotAllocate(t *testing.T) {
	f := newFixture(t)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"})
	g := NewGroup(f.cnt, f.trd, f.rate, f.gauge)
	vs := []float64{1, 2, 0, 3}
	for range 2 * trendBufMax {
		rc.AddGroup(g, ts, vs)
	}
	f.agg.Flush()
	for range 2 * trendBufMax {
		rc.AddGroup(g, ts, vs)
	}
	if allocs := testing.AllocsPerRun(10*trendBufMax, func() { rc.AddGroup(g, ts, vs) }); allocs != 0 {
		t.Fatalf("AddGroup allocates %v times per call", allocs)
	}
}

// TestRecorderAddSpreadTrendDoesNotAllocate: trend values spread over 1024
// buckets, drained mid-interval into the series' stage, allocate nothing
// once the stage chunks they use exist, across Flushes that fold the stage.
func TestRecorderAddSpreadTrendDoesNotAllocate(t *testing.T) {
	f := newFixture(t)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"})
	i := 0
	add := func() {
		rc.Add(f.trd, ts, float64(i&1023))
		i++
	}
	for range 4 * 1024 {
		add()
	}
	f.agg.Flush()
	for range 4 * 1024 {
		add()
	}
	if allocs := testing.AllocsPerRun(20*trendBufMax, add); allocs != 0 {
		t.Fatalf("Recorder.Add of spread trend values allocates %v times per call", allocs)
	}
	f.agg.Flush()
	if allocs := testing.AllocsPerRun(20*trendBufMax, add); allocs != 0 {
		t.Fatalf("after a Flush, Recorder.Add of spread trend values allocates %v times per call", allocs)
	}
}
