package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// TestFlatIndexMatchesLibrary checks the stage's bucket arithmetic against
// hdrhistogram-go: flatIndex is the library's counts index (a dense
// histogram of the same geometry, fed weighted random values, has exactly
// the counts flatIndex predicts at every index), and unitOfIndex is the
// lowest value of each bucket (as the sparse histogram reports it).
func TestFlatIndexMatchesLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	us := []int64{0, 1, 2, 1023, 1024, 2046, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192,
		1 << 40, 1<<40 - 1, 1<<40 + 1, 1e12, HighestTrackable - 1, HighestTrackable}
	for range 20_000 {
		// Log-uniform over the whole range, plus uniform small values.
		us = append(us, int64(math.Exp(rng.Float64()*math.Log(HighestTrackable))), rng.Int64N(10_000))
	}
	dense := hdr.New(1, HighestTrackable, SignificantFigures)
	packed := newPacked()
	want := map[int]int64{}
	for _, u := range us {
		w := rng.Int64N(1000) + 1
		if err := dense.RecordValues(u, w); err != nil {
			t.Fatalf("record %d: %v", u, err)
		}
		_ = packed.RecordValues(u, w)
		want[flatIndex(u)] += w
	}
	counts := dense.Export().Counts
	if got := flatIndex(HighestTrackable) >> stageChunkBits; got != stageChunks-1 {
		t.Fatalf("stageChunks = %d, HighestTrackable is in chunk %d", stageChunks, got)
	}
	if len(counts) > stageChunks*stageChunkLen {
		// The library's array may extend past HighestTrackable's bucket, but
		// nothing recordable here lands there.
		for i := stageChunks * stageChunkLen; i < len(counts); i++ {
			if counts[i] != 0 {
				t.Fatalf("count at index %d beyond the stage", i)
			}
		}
	}
	for i, c := range counts {
		if c != want[i] {
			t.Fatalf("index %d: library count %d, flatIndex count %d", i, c, want[i])
		}
	}
	var los []int64
	for lo := range packed.ForEachBucket {
		los = append(los, lo)
	}
	var idx []int
	for i := range want {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	if len(idx) != len(los) {
		t.Fatalf("%d buckets, library has %d", len(idx), len(los))
	}
	for k, i := range idx {
		if unitOfIndex(i) != los[k] {
			t.Fatalf("unitOfIndex(%d) = %d, library's bucket starts at %d", i, unitOfIndex(i), los[k])
		}
	}
	// Round trip and adjacency over every index: the lowest value of a bucket
	// maps back to it and the value below it to the previous bucket.
	for i := range flatIndex(HighestTrackable) + 1 {
		u := unitOfIndex(i)
		if flatIndex(u) != i {
			t.Fatalf("flatIndex(unitOfIndex(%d) = %d) = %d", i, u, flatIndex(u))
		}
		if i > 0 && flatIndex(u-1) != i-1 {
			t.Fatalf("flatIndex(%d) = %d, want %d", u-1, flatIndex(u-1), i-1)
		}
	}
}

// histBuckets lists h's buckets (negative magnitudes first, flagged), and
// its clamped count last, for exact comparison.
func histBuckets(h *Histogram) [][3]int64 {
	var out [][3]int64
	if h == nil {
		return nil
	}
	if h.neg != nil {
		for v, c := range h.neg.ForEachBucket {
			out = append(out, [3]int64{1, v, c})
		}
	}
	for v, c := range h.pos.ForEachBucket {
		out = append(out, [3]int64{0, v, c})
	}
	return append(out, [3]int64{2, h.Clamped(), h.TotalCount()})
}

// TestStagedDrainsExact: many mid-interval drains through the stage, from
// several recorders into shared series, with negative, clamped and infinite
// values, runs of equal values, drains at Flush and Close, give interval
// and total histograms identical, bucket by bucket, to a plain Histogram fed
// every value, with exact Count, Sum, Min and Max.
func TestStagedDrainsExact(t *testing.T) {
	f := newFixture(t)
	rng := rand.New(rand.NewPCG(3, 4))
	recs := []*Recorder{f.agg.NewRecorder(), f.agg.NewRecorder(), f.agg.NewRecorder()}
	tags := []*TagSet{f.reg.Tags(Tag{"k", "a"}), f.reg.Tags(Tag{"k", "b"})}
	value := func(inf bool) float64 {
		switch r := rng.IntN(100); {
		case r < 2:
			return -rng.Float64() * 1e4
		case r < 3:
			vs := []float64{2e12, -3e12, 1e12, -1e12, 1e12 + 0.5, 0.0004, -0.0004, math.Inf(1), math.Inf(-1)}
			if !inf { // infinities make Sum NaN: only in the last interval
				vs = vs[:len(vs)-2]
			}
			return vs[rng.IntN(len(vs))]
		case r < 10:
			return 0 // runs of zeros
		case r < 40:
			return float64(rng.IntN(1024))
		default:
			return math.Exp(rng.Float64()*25) / 1000 // 0.001 .. 7.2e7
		}
	}
	type plain struct {
		interval, total *Sink
		abs, totalAbs   float64 // sums of magnitudes, for Sum's rounding tolerance
	}
	want := map[*TagSet]*plain{}
	for _, ts := range tags {
		want[ts] = &plain{interval: NewSink(Trend), total: NewSink(Trend)}
	}
	record := func(ts *TagSet, v float64) {
		want[ts].interval.Add(v)
		want[ts].abs += math.Abs(v)
	}
	check := func(name string, snap *Snapshot, total bool) {
		t.Helper()
		for _, ts := range tags {
			w, abs := want[ts].interval, want[ts].abs
			if total {
				w, abs = want[ts].total, want[ts].totalAbs
			}
			var got *Sink
			if s := snap.Find(f.trd, ts); s != nil {
				got = s.Sink
			}
			if w.Count == 0 {
				if got != nil {
					t.Fatalf("%s %v: unexpected series", name, ts)
				}
				continue
			}
			if got == nil {
				t.Fatalf("%s %v: series missing", name, ts)
			}
			sumOK := math.Abs(got.Sum-w.Sum) <= 1e-12*abs || math.IsNaN(got.Sum) && math.IsNaN(w.Sum) // ±Inf samples
			if got.Count != w.Count || got.Min != w.Min || got.Max != w.Max || !sumOK {
				t.Fatalf("%s %v: count %d min %v max %v sum %v, want %d %v %v %v", name, ts,
					got.Count, got.Min, got.Max, got.Sum, w.Count, w.Min, w.Max, w.Sum)
			}
			if g, w := histBuckets(got.Hist), histBuckets(w.Hist); !slices.Equal(g, w) {
				t.Fatalf("%s %v: histogram differs: %d buckets, want %d", name, ts, len(g), len(w))
			}
			ge, err := got.Hist.Encode()
			if err != nil {
				t.Fatal(err)
			}
			we, _ := w.Hist.Encode()
			if string(ge) != string(we) {
				t.Fatalf("%s %v: encodings differ", name, ts)
			}
		}
	}
	const n = 100_000
	for i := range n {
		rc := recs[rng.IntN(len(recs))]
		ts := tags[0]
		if rng.IntN(4) == 0 {
			ts = tags[1]
		}
		v := value(i >= 80_000)
		if rng.IntN(3) == 0 {
			// A run of equal values.
			for range rng.IntN(40) {
				rc.Add(f.trd, ts, v)
				record(ts, v)
			}
		}
		rc.Add(f.trd, ts, v)
		record(ts, v)
		if i == n/3 {
			recs[1].Close()
		}
		if i%20_000 == 19_999 {
			for _, ts := range tags {
				if f.agg.seriesFor(f.trd, ts).stage == nil {
					t.Fatalf("%v: no stage after mid-interval drains", ts)
				}
			}
			check("interval", f.agg.Flush(), false)
			for _, p := range want {
				p.total.Merge(p.interval)
				p.interval, p.totalAbs, p.abs = NewSink(Trend), p.totalAbs+p.abs, 0
			}
		}
	}
	check("last interval", f.agg.Flush(), false)
	for _, p := range want {
		p.total.Merge(p.interval)
		p.interval, p.totalAbs, p.abs = NewSink(Trend), p.totalAbs+p.abs, 0
	}
	check("totals", f.agg.Totals(), true)
	check("empty interval", f.agg.Flush(), false)
	for _, ts := range tags {
		if s := f.agg.seriesFor(f.trd, ts); s.stage != nil {
			t.Fatalf("%v: stage kept after an idle interval", ts)
		}
	}
}

// TestStageIdleChunksFreed: chunks untouched for an interval are freed at
// Flush; used ones are kept, zeroed.
func TestStageIdleChunksFreed(t *testing.T) {
	f := newFixture(t)
	rc := f.agg.NewRecorder()
	add := func(v float64) {
		for range 4 * trendBufMax {
			rc.Add(f.trd, nil, v)
		}
	}
	s := f.agg.seriesFor(f.trd, f.reg.Empty())
	add(1)    // 1000 units: chunk 0
	add(1000) // 1e6 units: chunk 10
	f.agg.Flush()
	if s.stage == nil || s.stage.chunks[0] == nil || s.stage.chunks[10] == nil {
		t.Fatal("stage chunks missing after an interval that used them")
	}
	add(1)
	if got := f.agg.Flush().Find(f.trd, f.reg.Empty()).Sink; got.Hist.TotalCount() != 4*trendBufMax || got.Count != 4*trendBufMax {
		t.Fatalf("interval count %d, hist %d", got.Count, got.Hist.TotalCount())
	}
	if s.stage == nil || s.stage.chunks[0] == nil || s.stage.chunks[10] != nil {
		t.Fatal("want chunk 0 kept and chunk 10 freed")
	}
	f.agg.Flush()
	if s.stage != nil {
		t.Fatal("stage kept after an idle interval")
	}
}

// TestStageCountSpill: a bucket count that would exceed the stage's 16 bits
// spills into the histogram, exactly.
func TestStageCountSpill(t *testing.T) {
	h := NewHistogram()
	st := new(trendStage)
	vs := make([]float64, trendBufMax)
	for i := range vs {
		vs[i] = 3.5
	}
	const drains = 3 * math.MaxUint16 / trendBufMax
	for range drains {
		st.record(h, vs, true)
	}
	st.record(h, []float64{3.5, 1, 3.5}, true)
	if !st.fold(h) {
		t.Fatal("fold dropped used chunks")
	}
	want := NewHistogram()
	want.RecordN(3.5, drains*trendBufMax+2)
	want.Record(1)
	if g, w := histBuckets(h), histBuckets(want); !slices.Equal(g, w) {
		t.Fatalf("got %v, want %v", g, w)
	}
	if st.fold(h) {
		t.Fatal("fold kept chunks of an empty stage")
	}
}
