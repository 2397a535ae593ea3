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
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/loadline/loadline/engine/metrics"
)

// maxLine bounds one line of a results file (a header with large options,
// or a trend whose histogram spans many decades, stays far below it).
const maxLine = 64 << 20

// Read reads a results file (.gz or plain, told apart by the gzip magic
// bytes, not the name). A truncated last line (no newline and not valid
// JSON, as a kill -9 leaves it) and a cut gzip stream are skipped with a
// warning in Run.Warnings; series lines after the last interval line (an
// interval being written when the process died) are dropped with a warning.
// Any other malformed line is an error naming the file and line
// ("results: r.jsonl:12: ..."). Summary is nil when the file has no summary
// line.
func Read(path string) (*Run, error) {
	return Scan(path, nil)
}

// Scan reads a results file as Read does, but when fn is non-nil it hands
// every interval to fn as soon as the interval's closing line is read and
// does not keep it: memory stays that of one interval however long the run
// (a 1-hour file of 20 endpoints at 1 s intervals holds ~0.8 GB of decoded
// histograms, which Read keeps). The returned Run has everything but
// Intervals: Header, Registry (the interval snapshots' metrics and tag
// sets), Marks, Summary and Warnings. fn runs on the calling goroutine; the
// Interval is fn's to keep. An error from fn stops the scan and is returned
// unchanged. A nil fn is Read.
func Scan(path string, fn func(Interval) error) (*Run, error) {
	return ScanWith(path, ScanOptions{}, fn)
}

// ScanOptions select what ScanWith decodes.
type ScanOptions struct {
	// Metrics, when non-nil, is asked once per def line (after the header,
	// which it may read) whether the series of that metric are wanted.
	// Series lines of unwanted metrics are still checked (their id, their
	// interval and the interval line's count) but neither their values nor
	// their histograms are decoded, and the intervals handed to fn lack
	// them; Run.Registry still holds every metric and tag set. Decoding
	// histograms is most of a read's cost, so a report that draws a few
	// metrics reads a file several times faster this way.
	Metrics func(h *Header, metric string) bool
}

// ScanWith is Scan with options: with a nil ScanOptions.Metrics it is Scan.
// With a nil fn it keeps the intervals in Run.Intervals, as Read does.
func ScanWith(path string, opts ScanOptions, fn func(Interval) error) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	defer f.Close()
	return decode(f, path, opts, fn)
}

// callbackError carries an error of Scan's fn through the decoder.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// decode reads a results file from r; name is used in messages; fn as in
// Scan.
func decode(r io.Reader, name string, opts ScanOptions, fn func(Interval) error) (*Run, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("results: %s: %w", name, err)
		}
		zr.Multistream(false)
		src = zr
	}
	d := &decoder{
		name: name,
		run:  &Run{Registry: metrics.NewRegistry()},
		defs: map[int]def{},
		fn:   fn,
		want: opts.Metrics,
	}
	lr := bufio.NewReaderSize(src, 256<<10)
	var truncatedStream bool
	for {
		line, err := lr.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it.
			buf := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) && len(buf) <= maxLine {
				line, err = lr.ReadSlice('\n')
				buf = append(buf, line...)
			}
			if len(buf) > maxLine {
				return nil, fmt.Errorf("results: %s:%d: line longer than %d bytes", name, d.lineNo+1, maxLine)
			}
			line = buf
		}
		if len(line) > 0 {
			d.lineNo++
			complete := line[len(line)-1] == '\n'
			if complete && bytes.HasPrefix(line, seriesPrefix) {
				// Series lines are parsed in parallel batches.
				d.batch = append(d.batch, batchLine{no: d.lineNo, b: append([]byte(nil), line...)})
				if len(d.batch) < batchSize {
					continue
				}
			}
			if ferr := d.flushBatch(); ferr != nil {
				return nil, ferr
			}
			if complete && bytes.HasPrefix(line, seriesPrefix) {
				continue
			}
			if perr := d.line(bytes.TrimSpace(line)); perr != nil {
				var cb callbackError
				if errors.As(perr, &cb) {
					return nil, cb.err
				}
				if !complete && (err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)) {
					d.warnf("line %d is cut short (the run was killed while writing it?); skipped", d.lineNo)
				} else {
					return nil, fmt.Errorf("results: %s:%d: %w", name, d.lineNo, perr)
				}
			}
		}
		if err == nil {
			continue
		}
		if ferr := d.flushBatch(); ferr != nil {
			return nil, ferr
		}
		if err == io.EOF {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			truncatedStream = true
			break
		}
		return nil, fmt.Errorf("results: %s:%d: %w", name, d.lineNo+1, err)
	}
	if truncatedStream {
		d.warnf("the gzip stream ends early (the run was killed?); every interval before the cut was read")
	}
	if !d.haveHeader {
		return nil, fmt.Errorf("results: %s: no header line (is it a results file written by load run --out?)", name)
	}
	if d.pending != nil && len(d.pending.Series) > 0 {
		d.warnf("the last interval has no closing line (the run was killed while writing it?); its %d series were dropped", len(d.pending.Series))
	}
	return d.run, nil
}

// def is a series definition read back.
type def struct {
	m *metrics.Metric
	t *metrics.TagSet
	// skip: ScanOptions.Metrics does not want this metric.
	skip bool
}

type decoder struct {
	name       string
	lineNo     int
	run        *Run
	defs       map[int]def
	haveHeader bool
	// pending collects the series of the interval being read.
	pending        *metrics.Snapshot
	pt0, pt1       int64
	pendingRecords int
	pendingIdx     map[def]*metrics.Series
	rec            seriesRec
	batch          []batchLine
	parsed         []parsedSeries
	fn             func(Interval) error       // Scan's callback, or nil
	want           func(*Header, string) bool // ScanOptions.Metrics
	lastStart      time.Time
}

// batchSize is how many series lines are parsed at once, in parallel.
const batchSize = 1024

var seriesPrefix = []byte(`{"type":"series"`)

type batchLine struct {
	no int
	b  []byte
}

type parsedSeries struct {
	rec  seriesRec
	hist *metrics.Histogram
	err  error
}

// flushBatch parses the batched series lines on every CPU (JSON and
// histogram decoding are most of a read's work), then applies them in file
// order. An error names the first bad line.
func (d *decoder) flushBatch() error {
	n := len(d.batch)
	if n == 0 {
		return nil
	}
	if cap(d.parsed) < n {
		d.parsed = make([]parsedSeries, n)
	}
	d.parsed = d.parsed[:n]
	workers := min(runtime.GOMAXPROCS(0), (n+63)/64)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				p := &d.parsed[i]
				*p = parsedSeries{}
				if err := parseSeries(d.batch[i].b, &p.rec); err != nil {
					p.err = fmt.Errorf("series: %w", err)
					continue
				}
				// d.defs is not written while a batch is parsed (a def
				// line flushes the batch before it is applied).
				if df, ok := d.defs[p.rec.ID]; ok && df.skip {
					continue
				}
				if p.rec.Hist != "" {
					p.hist, p.err = decodeHistogram(p.rec.Hist)
				}
			}
		})
	}
	wg.Wait()
	for i := range d.parsed {
		p := &d.parsed[i]
		err := p.err
		if err == nil {
			if !d.haveHeader {
				err = errors.New(`the first line must be the header, not a "series" line`)
			} else {
				err = d.series(&p.rec, p.hist)
			}
		}
		if err != nil {
			return fmt.Errorf("results: %s:%d: %w", d.name, d.batch[i].no, err)
		}
		*p = parsedSeries{}
	}
	d.batch = d.batch[:0]
	return nil
}

func (d *decoder) warnf(format string, args ...any) {
	d.run.Warnings = append(d.run.Warnings, fmt.Sprintf("results: %s: ", d.name)+fmt.Sprintf(format, args...))
}

var typePrefix = []byte(`{"type":"`)

// recordType returns the "type" of a line, from the prefix our writer puts
// first or, failing that, by decoding.
func recordType(line []byte) (string, error) {
	if bytes.HasPrefix(line, typePrefix) {
		rest := line[len(typePrefix):]
		if i := bytes.IndexByte(rest, '"'); i >= 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i]), nil
		}
	}
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(line, &t); err != nil {
		return "", fmt.Errorf("not a JSON object: %w", err)
	}
	return t.Type, nil
}

// line decodes one line.
func (d *decoder) line(line []byte) error {
	if len(line) == 0 {
		return nil // blank lines are allowed
	}
	typ, err := recordType(line)
	if err != nil {
		return err
	}
	if !d.haveHeader && typ != recHeader {
		return fmt.Errorf("the first line must be the header, not a %q line", typ)
	}
	switch typ {
	case recHeader:
		if d.haveHeader {
			return errors.New("a second header line")
		}
		var h headerRec
		if err := json.Unmarshal(line, &h); err != nil {
			return fmt.Errorf("header: %w", err)
		}
		if h.Format != FormatVersion {
			return fmt.Errorf("format version %d is not supported (this build reads version %d; use the load version that wrote the file)", h.Format, FormatVersion)
		}
		d.run.Header = h.Header
		d.haveHeader = true
	case recDef:
		var r defRec
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("def: %w", err)
		}
		return d.def(&r)
	case recSeries:
		if err := parseSeries(line, &d.rec); err != nil {
			return fmt.Errorf("series: %w", err)
		}
		return d.series(&d.rec, nil)
	case recInterval:
		var r intervalRec
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("interval: %w", err)
		}
		return d.interval(&r)
	case recMark:
		var r markRec
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("mark: %w", err)
		}
		d.run.Marks = append(d.run.Marks, r.Mark)
	case recSummary:
		var r summaryRec
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("summary: %w", err)
		}
		s := r.Summary
		d.run.Summary = &s
	case "":
		return errors.New(`a line without a "type"`)
	default:
		// A record type from a later minor revision: ignored (see doc.go).
	}
	return nil
}

func (d *decoder) def(r *defRec) error {
	if r.ID < 0 {
		return fmt.Errorf("def: negative id %d", r.ID)
	}
	if _, dup := d.defs[r.ID]; dup {
		return fmt.Errorf("def: id %d defined twice", r.ID)
	}
	mt, err := parseType(r.MType)
	if err != nil {
		return fmt.Errorf("def %d: %w", r.ID, err)
	}
	vt, err := parseValueType(r.Contains)
	if err != nil {
		return fmt.Errorf("def %d: %w", r.ID, err)
	}
	m, err := d.run.Registry.New(r.Metric, mt, vt)
	if err != nil {
		return fmt.Errorf("def %d: %w", r.ID, err)
	}
	pairs := make([]metrics.Tag, 0, len(r.Tags))
	for k, v := range r.Tags {
		pairs = append(pairs, metrics.Tag{Key: k, Value: v})
	}
	skip := d.want != nil && !d.want(&d.run.Header, r.Metric)
	d.defs[r.ID] = def{m: m, t: d.run.Registry.Tags(pairs...), skip: skip}
	return nil
}

func (d *decoder) series(r *seriesRec, h *metrics.Histogram) error {
	df, ok := d.defs[r.ID]
	if !ok {
		return fmt.Errorf("series: id %d has no def line before it", r.ID)
	}
	if r.T1 < r.T0 {
		return fmt.Errorf("series: t1 %d is before t0 %d", r.T1, r.T0)
	}
	var sink *metrics.Sink
	if !df.skip {
		var err error
		if sink, err = decodeSink(df.m.Type, r, h); err != nil {
			return fmt.Errorf("series %s%s: %w", df.m.Name, df.t, err)
		}
	}
	if d.pending == nil {
		d.pending = &metrics.Snapshot{Start: fromMicro(r.T0), End: fromMicro(r.T1)}
		d.pt0, d.pt1 = r.T0, r.T1
		d.pendingIdx = make(map[def]*metrics.Series, 64)
	} else if r.T0 != d.pt0 || r.T1 != d.pt1 {
		return fmt.Errorf("series: interval [%d, %d) starts before the interval [%d, %d) was closed by an interval line", r.T0, r.T1, d.pt0, d.pt1)
	}
	d.pendingRecords++
	if df.skip {
		return nil
	}
	if ser := d.pendingIdx[df]; ser != nil {
		ser.Sink.Merge(sink)
		return nil
	}
	ser := &metrics.Series{Metric: df.m, Tags: df.t, Sink: sink}
	d.pendingIdx[df] = ser
	d.pending.Series = append(d.pending.Series, ser)
	return nil
}

func (d *decoder) interval(r *intervalRec) error {
	if r.T1 < r.T0 {
		return fmt.Errorf("interval: t1 %d is before t0 %d", r.T1, r.T0)
	}
	snap := d.pending
	if snap == nil {
		snap = &metrics.Snapshot{Start: fromMicro(r.T0), End: fromMicro(r.T1)}
	} else if r.T0 != d.pt0 || r.T1 != d.pt1 {
		return fmt.Errorf("interval: closes [%d, %d) but its series are of [%d, %d)", r.T0, r.T1, d.pt0, d.pt1)
	}
	if r.N != d.pendingRecords {
		return fmt.Errorf("interval: says %d series but %d came before it", r.N, d.pendingRecords)
	}
	if !d.lastStart.IsZero() && snap.Start.Before(d.lastStart) {
		return fmt.Errorf("interval: starts before the previous interval")
	}
	d.lastStart = snap.Start
	sortSnapshot(snap)
	iv := Interval{Start: snap.Start, End: snap.End, Snapshot: snap}
	d.pending, d.pendingRecords, d.pendingIdx = nil, 0, nil
	if d.fn != nil {
		if err := d.fn(iv); err != nil {
			return callbackError{err}
		}
		return nil
	}
	d.run.Intervals = append(d.run.Intervals, iv)
	return nil
}
