package metrics

import (
	"sync"
	"testing"
	"time"
)

type fixture struct {
	reg                   *Registry
	agg                   *Aggregator
	cnt, gauge, rate, trd *Metric
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	r := NewRegistry()
	f := &fixture{reg: r, agg: NewAggregator(r)}
	var err error
	for _, m := range []struct {
		dst **Metric
		n   string
		typ Type
	}{{&f.cnt, "c", Counter}, {&f.gauge, "g", Gauge}, {&f.rate, "r", Rate}, {&f.trd, "t", Trend}} {
		if *m.dst, err = r.New(m.n, m.typ, Default); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAggregatorIntervalsAndTotals(t *testing.T) {
	f := newFixture(t)
	a, b := f.agg.NewRecorder(), f.agg.NewRecorder()
	x := f.reg.Tags(Tag{"k", "x"})
	y := f.reg.Tags(Tag{"k", "y"})

	// Interval 1: 600 trend values (more than a full buffer) split over two
	// recorders and two tag sets, counters, rates.
	for i := range 600 {
		rc, ts := a, x
		if i%2 == 1 {
			rc, ts = b, y
		}
		rc.Add(f.trd, ts, float64(i))
		rc.Add(f.cnt, ts, 2)
		rc.Add(f.rate, ts, float64(i%3))
	}
	a.AddDuration(f.trd, nil, 1500*time.Microsecond)
	s1 := f.agg.Flush()

	// Interval 2: only a counter on x.
	a.Add(f.cnt, x, 5)
	s2 := f.agg.Flush()
	s3 := f.agg.Flush()

	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"s1 trend count", float64(s1.Merge(f.trd, nil).Count), 601},
		{"s1 trend hist count", float64(s1.Merge(f.trd, nil).Hist.TotalCount()), 601},
		{"s1 trend x count", float64(s1.Merge(f.trd, []Tag{{"k", "x"}}).Count), 300},
		{"s1 trend max", s1.Merge(f.trd, nil).Max, 599},
		{"s1 trend min", s1.Merge(f.trd, nil).Min, 0},
		{"s1 untagged duration ms", s1.Merge(f.trd, nil).Sum - 599*600/2, 1.5},
		{"s1 counter sum", s1.Merge(f.cnt, nil).Sum, 1200},
		{"s1 rate trues", float64(s1.Merge(f.rate, nil).Trues), 400},
		{"s1 series", float64(len(s1.Series)), 7},
		{"s2 series", float64(len(s2.Series)), 1},
		{"s2 counter", s2.Merge(f.cnt, nil).Sum, 5},
		{"s3 empty", float64(len(s3.Series)), 0},
		{"totals counter", f.agg.Totals().Merge(f.cnt, nil).Sum, 1205},
		{"totals counter x", f.agg.Totals().Merge(f.cnt, []Tag{{"k", "x"}}).Sum, 605},
		{"totals trend count", float64(f.agg.Totals().Merge(f.trd, nil).Hist.TotalCount()), 601},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if s1.Merge(f.gauge, nil) != nil {
		t.Fatal("Merge of a metric without samples is not nil")
	}
	if !s2.Start.Equal(s1.End) || s2.End.Before(s2.Start) {
		t.Fatalf("intervals not contiguous: %v..%v then %v..%v", s1.Start, s1.End, s2.Start, s2.End)
	}
	for i := 1; i < len(s1.Series); i++ {
		p, q := s1.Series[i-1], s1.Series[i]
		if p.Metric.ID > q.Metric.ID || (p.Metric.ID == q.Metric.ID && p.Tags.ID >= q.Tags.ID) {
			t.Fatalf("series out of order at %d", i)
		}
	}
	// Totals is a deep copy.
	tot := f.agg.Totals()
	tot.Series[0].Sink.Sum = -1
	if f.agg.Totals().Series[0].Sink.Sum == -1 {
		t.Fatal("Totals shares sinks with the aggregator")
	}
}

func TestGaugeLastAcrossRecorders(t *testing.T) {
	f := newFixture(t)
	a, b := f.agg.NewRecorder(), f.agg.NewRecorder()
	pa := f.reg.Tags(Tag{"pool", "a"})
	pb := f.reg.Tags(Tag{"pool", "b"})
	a.Add(f.gauge, pa, 3)
	b.Add(f.gauge, pb, 5)
	a.Add(f.gauge, pa, 9)
	b.Add(f.gauge, pa, 7) // last in wall-clock order, other recorder
	s := f.agg.Flush()
	tests := []struct {
		name                   string
		filter                 []Tag
		value, lo, hi, samples float64
	}{
		{"whole metric", nil, 7, 3, 9, 4},
		{"pool a", []Tag{{"pool", "a"}}, 7, 3, 9, 3},
		{"pool b", []Tag{{"pool", "b"}}, 5, 5, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := s.Merge(f.gauge, tt.filter)
			if g.Value != tt.value || g.Min != tt.lo || g.Max != tt.hi || float64(g.Count) != tt.samples {
				t.Fatalf("gauge %+v", *g)
			}
		})
	}
	a.Add(f.gauge, pb, 1)
	f.agg.Flush()
	if got := f.agg.Totals().Merge(f.gauge, nil).Value; got != 1 {
		t.Fatalf("totals value %v, want the latest (1)", got)
	}
}

func TestRecorderClose(t *testing.T) {
	f := newFixture(t)
	rc := f.agg.NewRecorder()
	rc.Add(f.cnt, nil, 1)
	rc.Add(f.trd, nil, 4)
	rc.Close()
	s := f.agg.Flush()
	if s.Merge(f.cnt, nil).Sum != 1 || s.Merge(f.trd, nil).Count != 1 {
		t.Fatal("samples of a closed recorder lost")
	}
	rc.Add(f.cnt, nil, 2) // reattaches
	if got := f.agg.Flush().Merge(f.cnt, nil); got == nil || got.Sum != 2 {
		t.Fatalf("sample after Close: %+v", got)
	}
}

// TestConcurrentAddAndFlush runs many recorders while Flush runs; every
// sample must appear in exactly one interval. Run with -race.
func TestConcurrentAddAndFlush(t *testing.T) {
	f := newFixture(t)
	const vus, perVU = 8, 5000
	tags := []*TagSet{f.reg.Tags(Tag{"k", "1"}), f.reg.Tags(Tag{"k", "2"}), f.reg.Tags()}
	var wg sync.WaitGroup
	done := make(chan struct{})
	var intervals []*Snapshot
	flusher := make(chan struct{})
	go func() {
		defer close(flusher)
		for {
			select {
			case <-done:
				return
			default:
				intervals = append(intervals, f.agg.Flush())
				time.Sleep(200 * time.Microsecond)
			}
		}
	}()
	for v := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := f.agg.NewRecorder()
			tc := f.reg.NewTagCache()
			scratch := make([]Tag, 0, 2)
			for i := range perVU {
				ts := tags[i%len(tags)]
				if i%100 == 0 {
					scratch = append(scratch[:0], Tag{"vu", string(rune('a' + v))})
					ts = tc.Intern(scratch)
				}
				rc.Add(f.trd, ts, float64(i%1000))
				rc.Add(f.cnt, ts, 1)
				rc.Add(f.rate, ts, float64(i%2))
				rc.Add(f.gauge, ts, float64(v))
			}
		}()
	}
	wg.Wait()
	close(done)
	<-flusher
	intervals = append(intervals, f.agg.Flush())

	all := &Snapshot{}
	for _, s := range intervals {
		all.MergeFrom(s)
	}
	const n = vus * perVU
	for _, src := range []struct {
		name string
		s    *Snapshot
	}{{"merged intervals", all}, {"totals", f.agg.Totals()}} {
		t.Run(src.name, func(t *testing.T) {
			if got := src.s.Merge(f.cnt, nil).Sum; got != n {
				t.Fatalf("counter %v, want %d", got, n)
			}
			tr := src.s.Merge(f.trd, nil)
			if tr.Count != n || tr.Hist.TotalCount() != n || tr.Max != 999 || tr.Min != 0 {
				t.Fatalf("trend count %d hist %d range %v..%v", tr.Count, tr.Hist.TotalCount(), tr.Min, tr.Max)
			}
			if r := src.s.Merge(f.rate, nil); r.Count != n || r.Trues != n/2 {
				t.Fatalf("rate %d/%d", r.Trues, r.Count)
			}
			if g := src.s.Merge(f.gauge, nil); g.Count != n || g.Min != 0 || g.Max != vus-1 {
				t.Fatalf("gauge %+v", *g)
			}
			if vu := src.s.Merge(f.cnt, []Tag{{"vu", "c"}}); vu == nil || vu.Sum != perVU/100 {
				t.Fatalf("per-VU tag set count %+v", vu)
			}
		})
	}
}

func TestSnapshotMergeFromAcrossRegistries(t *testing.T) {
	f1, f2 := newFixture(t), newFixture(t)
	// Register in another order so IDs differ.
	extra, _ := f2.reg.New("only_here", Counter, Default)
	f2.reg.Tags(Tag{"pad", "1"})
	r1, r2 := f1.agg.NewRecorder(), f2.agg.NewRecorder()
	r1.Add(f1.cnt, f1.reg.Tags(Tag{"a", "1"}), 3)
	r2.Add(f2.cnt, f2.reg.Tags(Tag{"a", "1"}), 4)
	r2.Add(extra, nil, 1)
	s := f1.agg.Flush()
	s.MergeFrom(f2.agg.Flush())
	if len(s.Series) != 2 {
		t.Fatalf("%d series, want 2", len(s.Series))
	}
	if got := s.Merge(f1.cnt, []Tag{{"a", "1"}}).Sum; got != 7 {
		t.Fatalf("merged counter %v, want 7", got)
	}
	if s.Find(f1.cnt, f1.reg.Tags(Tag{"a", "1"})) == nil || s.Find(extra, f2.reg.Empty()) == nil {
		t.Fatal("Find missed a series")
	}
	c := s.Clone()
	c.Series[0].Sink.Sum = 100
	if s.Series[0].Sink.Sum == 100 {
		t.Fatal("Clone shares sinks")
	}
}
