package metrics

import (
	"strconv"
	"testing"
)

func BenchmarkRecorderAddTrend(b *testing.B) {
	f := newFixture(b)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rc.Add(f.trd, ts, float64(i&1023))
		i++
	}
}

func BenchmarkRecorderAddCounter(b *testing.B) {
	f := newFixture(b)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"})
	b.ReportAllocs()
	for b.Loop() {
		rc.Add(f.cnt, ts, 1)
	}
}

// BenchmarkRecorderAddTrendParallel: one recorder per goroutine, as VUs.
func BenchmarkRecorderAddTrendParallel(b *testing.B) {
	f := newFixture(b)
	ts := f.reg.Tags(Tag{"name", "checkout"})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		rc := f.agg.NewRecorder()
		i := 0
		for pb.Next() {
			rc.Add(f.trd, ts, float64(i&1023))
			i++
		}
	})
}

func BenchmarkTagCacheInternHit(b *testing.B) {
	r := NewRegistry()
	c := r.NewTagCache()
	scratch := make([]Tag, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		scratch = append(scratch[:0], Tag{"url", "http://127.0.0.1/x"}, Tag{"method", "GET"}, Tag{"status", "200"})
		c.Intern(scratch)
	}
}

func BenchmarkFlush(b *testing.B) {
	f := newFixture(b)
	recs := make([]*Recorder, 50)
	for i := range recs {
		recs[i] = f.agg.NewRecorder()
	}
	tags := make([]*TagSet, 20)
	for i := range tags {
		tags[i] = f.reg.Tags(Tag{"name", strconv.Itoa(i)})
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, rc := range recs {
			for j, ts := range tags {
				rc.Add(f.trd, ts, float64(j*10))
				rc.Add(f.cnt, ts, 1)
			}
		}
		f.agg.Flush()
	}
}

func BenchmarkPercentile(b *testing.B) {
	s := NewSink(Trend)
	for i := range 100_000 {
		s.Add(float64(i%10_000) / 10)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Percentile(99)
	}
}

// BenchmarkRecorderAddGroupHTTP records an HTTP request's eleven samples
// (counter, eight trends, rate, two counters) under one tag set, as the HTTP
// client does for every request.
func BenchmarkRecorderAddGroupHTTP(b *testing.B) {
	f := newFixture(b)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"}, Tag{"method", "GET"}, Tag{"status", "200"})
	g := NewGroup(f.cnt, f.trd, f.trd, f.trd, f.trd, f.trd, f.trd, f.trd, f.rate, f.cnt, f.cnt)
	vs := []float64{1, 0.25, 0, 0, 0, 0.01, 0.2, 0.04, 0, 120, 180}
	b.ReportAllocs()
	for b.Loop() {
		rc.AddGroup(g, ts, vs)
	}
}

// BenchmarkRecorderAddHTTP is BenchmarkRecorderAddGroupHTTP with one Add
// per sample, for comparison.
func BenchmarkRecorderAddHTTP(b *testing.B) {
	f := newFixture(b)
	rc := f.agg.NewRecorder()
	ts := f.reg.Tags(Tag{"name", "checkout"}, Tag{"method", "GET"}, Tag{"status", "200"})
	ms := []*Metric{f.cnt, f.trd, f.trd, f.trd, f.trd, f.trd, f.trd, f.trd, f.rate, f.cnt, f.cnt}
	vs := []float64{1, 0.25, 0, 0, 0, 0.01, 0.2, 0.04, 0, 120, 180}
	b.ReportAllocs()
	for b.Loop() {
		for i, m := range ms {
			rc.Add(m, ts, vs[i])
		}
	}
}
