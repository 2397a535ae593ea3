package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/loadline/loadline/engine/metrics"
)

// DefaultMaxSeries is the default WriterOptions.MaxSeries.
const DefaultMaxSeries = 1000

// Writer writes a results file as the run goes. A path ending in .gz is
// gzip-compressed. Every WriteInterval ends with a flush (and a gzip flush),
// so after a kill -9 every finished interval is readable. Not safe for
// concurrent use: one goroutine (the engine's flush goroutine, then the
// caller's at Close) owns it.
type Writer struct {
	path string
	f    *os.File
	gz   *gzip.Writer // nil for a plain file
	bw   *bufio.Writer
	opts WriterOptions
	line bytes.Buffer
	enc  *json.Encoder

	// ids maps a series (by pointers, then by content) to its def id.
	ids       map[ptrKey]int
	idsByName map[string]int
	// perMetric is, per metric name, the tag sets admitted so far (for the
	// cap and the offending-tag diagnosis) and the overflow series' id.
	perMetric map[string]*metricSeries
	warned    map[string]bool // offending tag keys already warned about
	nextID    int
	pend      []pendingSeries
	err       error // the first write error; every later call returns it
	closed    bool
}

type ptrKey struct {
	m *metrics.Metric
	t *metrics.TagSet
}

type metricSeries struct {
	tags       [][]metrics.Tag
	overflowID int // -1 until the first overflow
}

// Create creates (or truncates) the file at path and writes h as the header
// line. h.Format is set to FormatVersion. Options zero values take their
// defaults (MaxSeries 1,000; Logf discards).
func Create(path string, h Header, opts WriterOptions) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w := newWriter(f, strings.HasSuffix(path, ".gz"), opts)
	w.path = path
	w.f = f
	if err := w.writeHeader(h); err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

func newWriter(dst io.Writer, gz bool, opts WriterOptions) *Writer {
	if opts.MaxSeries <= 0 {
		opts.MaxSeries = DefaultMaxSeries
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	w := &Writer{
		opts:      opts,
		ids:       make(map[ptrKey]int),
		idsByName: make(map[string]int),
		perMetric: make(map[string]*metricSeries),
		warned:    make(map[string]bool),
	}
	if gz {
		w.gz = gzip.NewWriter(dst)
		dst = w.gz
	}
	w.bw = bufio.NewWriterSize(dst, 256<<10)
	w.enc = json.NewEncoder(&w.line)
	w.enc.SetEscapeHTML(false)
	return w
}

func (w *Writer) writeHeader(h Header) error {
	h.Format = FormatVersion
	if len(h.Options) == 0 {
		h.Options = json.RawMessage("{}")
	}
	if err := w.record(headerRec{Type: recHeader, Header: h}); err != nil {
		return err
	}
	return w.flush()
}

// record appends one JSON line to the buffer.
func (w *Writer) record(v any) error {
	if w.err != nil {
		return w.err
	}
	w.line.Reset()
	if err := w.enc.Encode(v); err != nil { // Encode ends the line with '\n'
		return w.fail(err)
	}
	if _, err := w.bw.Write(w.line.Bytes()); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		if w.path != "" {
			w.err = fmt.Errorf("results: writing %s: %w", w.path, err)
		} else {
			w.err = fmt.Errorf("results: %w", err)
		}
	}
	return w.err
}

// flush pushes buffered lines through gzip to the file.
func (w *Writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	if w.gz != nil {
		if err := w.gz.Flush(); err != nil {
			return w.fail(err)
		}
	}
	return nil
}

// WriteInterval writes one interval's series (series with no samples are
// skipped), then a closing interval line, then flushes. A series seen for
// the first time gets a def line first. The first time a metric would exceed
// MaxSeries tag sets, its further tag sets are folded into the overflow
// series and one warning per offending tag key goes to Logf. The snapshot is
// not modified or retained. After a write error every call returns that
// error.
func (w *Writer) WriteInterval(iv Interval) error {
	if w.closed {
		return errors.New("results: write after Close")
	}
	if w.err != nil {
		return w.err
	}
	var series []*metrics.Series
	if iv.Snapshot != nil {
		series = iv.Snapshot.Series
	}
	t0, t1 := unixMicro(iv.Start), unixMicro(iv.End)
	// Resolve ids (writing defs) and fold overflowing tag sets, in order.
	w.pend = w.pend[:0]
	var overflow map[int]*metrics.Sink
	for _, ser := range series {
		if ser == nil || ser.Sink == nil || ser.Sink.Count == 0 {
			continue
		}
		id, over, err := w.seriesID(ser)
		if err != nil {
			return err
		}
		if !over {
			w.pend = append(w.pend, pendingSeries{id: id, sink: ser.Sink})
			continue
		}
		if overflow == nil {
			overflow = make(map[int]*metrics.Sink)
		}
		s, ok := overflow[id]
		if !ok {
			s = metrics.NewSink(ser.Metric.Type)
			overflow[id] = s
			w.pend = append(w.pend, pendingSeries{id: id, sink: s})
		}
		s.Merge(ser.Sink)
	}
	// Encode (histograms are most of the work) on every CPU, then write in
	// order.
	if err := w.encodePending(t0, t1); err != nil {
		return w.fail(err)
	}
	for i := range w.pend {
		if err := w.record(&w.pend[i].rec); err != nil {
			return err
		}
	}
	n := len(w.pend)
	clear(w.pend) // keep no reference to the caller's sinks
	if err := w.record(intervalRec{Type: recInterval, T0: t0, T1: t1, N: n}); err != nil {
		return err
	}
	return w.flush()
}

// pendingSeries is one series line of the interval being written.
type pendingSeries struct {
	id   int
	sink *metrics.Sink
	rec  seriesRec
	err  error
}

// encodePending fills the records of w.pend, in parallel when there are
// enough trends to be worth it.
func (w *Writer) encodePending(t0, t1 int64) error {
	n := len(w.pend)
	enc := func(i int) {
		p := &w.pend[i]
		p.rec = seriesRec{Type: recSeries, T0: t0, T1: t1, ID: p.id}
		p.err = encodeSink(&p.rec, p.sink)
	}
	workers := min(runtime.GOMAXPROCS(0), n/32)
	if workers <= 1 {
		for i := range n {
			enc(i)
		}
	} else {
		var wg sync.WaitGroup
		for k := range workers {
			wg.Go(func() {
				for i := k; i < n; i += workers {
					enc(i)
				}
			})
		}
		wg.Wait()
	}
	for i := range w.pend {
		if err := w.pend[i].err; err != nil {
			return err
		}
	}
	return nil
}

// seriesID returns the def id of ser, writing its def line when new; over
// reports that the id is the metric's overflow series.
func (w *Writer) seriesID(ser *metrics.Series) (id int, over bool, err error) {
	pk := ptrKey{ser.Metric, ser.Tags}
	if id, ok := w.ids[pk]; ok {
		return id, w.isOverflow(ser.Metric.Name, id), nil
	}
	var pairs []metrics.Tag
	if ser.Tags != nil {
		pairs = ser.Tags.Pairs
	}
	key := seriesName(ser.Metric.Name, pairs)
	if id, ok := w.idsByName[key]; ok {
		w.ids[pk] = id
		return id, w.isOverflow(ser.Metric.Name, id), nil
	}
	ms := w.perMetric[ser.Metric.Name]
	if ms == nil {
		ms = &metricSeries{overflowID: -1}
		w.perMetric[ser.Metric.Name] = ms
	}
	if len(ms.tags) >= w.opts.MaxSeries {
		if ms.overflowID < 0 {
			ms.overflowID, err = w.def(ser.Metric, []metrics.Tag{{Key: OverflowTag, Value: "true"}})
			if err != nil {
				return 0, false, err
			}
			w.warnOverflow(ser.Metric.Name, ms)
		}
		w.ids[pk] = ms.overflowID
		return ms.overflowID, true, nil
	}
	id, err = w.def(ser.Metric, pairs)
	if err != nil {
		return 0, false, err
	}
	ms.tags = append(ms.tags, pairs)
	w.ids[pk] = id
	w.idsByName[key] = id
	return id, false, nil
}

func (w *Writer) isOverflow(metric string, id int) bool {
	ms := w.perMetric[metric]
	return ms != nil && ms.overflowID == id
}

// def writes a def line and returns the new id.
func (w *Writer) def(m *metrics.Metric, pairs []metrics.Tag) (int, error) {
	id := w.nextID
	r := defRec{Type: recDef, ID: id, Metric: m.Name, MType: m.Type.String(), Contains: m.Contains.String()}
	if len(pairs) > 0 {
		r.Tags = make(map[string]string, len(pairs))
		for _, p := range pairs {
			r.Tags[p.Key] = p.Value
		}
	}
	if err := w.record(&r); err != nil {
		return 0, err
	}
	w.nextID++
	return id, nil
}

// warnOverflow names the tag key with the most distinct values among the
// metric's admitted tag sets (the one whose values grew most), once per key.
func (w *Writer) warnOverflow(metric string, ms *metricSeries) {
	distinct := map[string]map[string]struct{}{}
	for _, pairs := range ms.tags {
		for _, p := range pairs {
			vals := distinct[p.Key]
			if vals == nil {
				vals = map[string]struct{}{}
				distinct[p.Key] = vals
			}
			vals[p.Value] = struct{}{}
		}
	}
	keys := make([]string, 0, len(distinct))
	for k := range distinct {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if len(distinct[keys[i]]) != len(distinct[keys[j]]) {
			return len(distinct[keys[i]]) > len(distinct[keys[j]])
		}
		return keys[i] < keys[j]
	})
	tag := ""
	if len(keys) > 0 {
		tag = keys[0]
	}
	if w.warned[tag] {
		return
	}
	w.warned[tag] = true
	w.opts.Logf("results: metric %s reached %d tag sets (the limit); the samples of further tag sets are kept in one series tagged %s=true. "+
		"The tag %q has %d distinct values: give requests to dynamic URLs one name with params.tags.name or the http.url`...` template (e.g. http.get(http.url`/items/${id}`)), or raise --max-series",
		metric, w.opts.MaxSeries, OverflowTag, tag, len(distinct[tag]))
}

// seriesName is a registry-independent identity of a series.
func seriesName(metric string, pairs []metrics.Tag) string {
	var b strings.Builder
	b.WriteString(metric)
	for _, p := range pairs {
		b.WriteByte(0)
		b.WriteString(p.Key)
		b.WriteByte(0)
		b.WriteString(p.Value)
	}
	return b.String()
}

// WriteMark writes a mark and flushes.
func (w *Writer) WriteMark(m Mark) error {
	if w.closed {
		return errors.New("results: write after Close")
	}
	if err := w.record(markRec{Type: recMark, Mark: m}); err != nil {
		return err
	}
	return w.flush()
}

// Close writes the summary (when non-nil), flushes, ends the gzip stream and
// closes the file. It returns the first error of the Writer's life, so a
// caller that ignored a WriteInterval error still learns of it here. A
// second Close returns nil.
func (w *Writer) Close(s *Summary) error {
	if w.closed {
		return nil
	}
	w.closed = true
	if s != nil {
		_ = w.record(summaryRec{Type: recSummary, Summary: *s})
	}
	_ = w.flush()
	if w.gz != nil && w.err == nil {
		if err := w.gz.Close(); err != nil {
			_ = w.fail(err)
		}
	}
	if w.f != nil {
		if err := w.f.Close(); err != nil && w.err == nil {
			_ = w.fail(err)
		}
	}
	return w.err
}
