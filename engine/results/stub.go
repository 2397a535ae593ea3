package results

import "github.com/loadline/loadline/engine/metrics"

// Writer writes a results file as the run goes. Path ending in .gz is
// gzip-compressed. Every WriteInterval ends with a flush (and a gzip flush),
// so after a kill -9 every finished interval is readable. Not safe for
// concurrent use.
type Writer struct{ _ int }

// Create creates the file at path and writes h.
func Create(path string, h Header, opts WriterOptions) (*Writer, error) { panic("results: stub") }

// WriteInterval writes one interval's series.
func (w *Writer) WriteInterval(iv Interval) error { panic("results: stub") }

// WriteMark writes a mark.
func (w *Writer) WriteMark(m Mark) error { panic("results: stub") }

// Close writes the summary (when non-nil) and closes the file.
func (w *Writer) Close(s *Summary) error { panic("results: stub") }

// Read reads a results file (.gz or plain). A truncated last line is skipped
// with a warning in Run.Warnings; any other malformed line is an error
// naming the file and line.
func Read(path string) (*Run, error) { panic("results: stub") }

// Merge combines runs of the same test (e.g. one per worker, or repeated
// files): intervals with the same start are merged series by series
// (histograms add exactly), marks are united, and the header of the first
// run is kept with Members united.
func Merge(runs ...*Run) (*Run, error) { panic("results: stub") }

// Totals returns the merge of every interval.
func (r *Run) Totals() *metrics.Snapshot { panic("results: stub") }
