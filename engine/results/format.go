package results

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Record types: the "type" field of every line.
const (
	recHeader   = "header"
	recDef      = "def"
	recSeries   = "series"
	recInterval = "interval"
	recMark     = "mark"
	recSummary  = "summary"
)

// OverflowTag is the tag key of the series that a Writer folds samples into
// once a metric has WriterOptions.MaxSeries tag sets; its value is "true".
const OverflowTag = "__overflow__"

// headerRec is the header line: the Header's fields beside "type".
type headerRec struct {
	Type string `json:"type"`
	Header
}

// summaryRec is the summary line.
type summaryRec struct {
	Type string `json:"type"`
	Summary
}

// markRec is a mark line.
type markRec struct {
	Type string `json:"type"`
	Mark
}

// defRec defines a series id: the metric (name, type, value type) and the
// tag set that later series lines refer to by id.
type defRec struct {
	Type     string            `json:"type"`
	ID       int               `json:"id"`
	Metric   string            `json:"metric"`
	MType    string            `json:"mtype"`
	Contains string            `json:"contains"`
	Tags     map[string]string `json:"tags,omitempty"`
}

// seriesRec is one series' data in one interval. Which value fields are
// present depends on the metric type (see doc.go).
type seriesRec struct {
	Type  string `json:"type"`
	T0    int64  `json:"t0"` // Unix microseconds
	T1    int64  `json:"t1"` // Unix microseconds
	ID    int    `json:"id"`
	N     int64  `json:"n"`
	Sum   *num   `json:"sum,omitempty"`
	Trues *int64 `json:"trues,omitempty"`
	Last  *num   `json:"last,omitempty"`
	Min   *num   `json:"min,omitempty"`
	Max   *num   `json:"max,omitempty"`
	Stamp int64  `json:"stamp,omitempty"`
	Hist  string `json:"hist,omitempty"`
}

// intervalRec closes an interval: N series lines with the same t0/t1 came
// before it.
type intervalRec struct {
	Type string `json:"type"`
	T0   int64  `json:"t0"`
	T1   int64  `json:"t1"`
	N    int    `json:"n"`
}

// num is a float64 that survives JSON: finite values as the shortest
// round-tripping number, non-finite ones as the strings "+Inf", "-Inf" and
// "NaN".
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

func (n *num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*n = num(math.NaN())
		case "+Inf", "Inf":
			*n = num(math.Inf(1))
		case "-Inf":
			*n = num(math.Inf(-1))
		default:
			return fmt.Errorf("not a number: %q", s)
		}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	*n = num(f)
	return nil
}

func numPtr(f float64) *num { n := num(f); return &n }

// unixMicro and fromMicro convert interval bounds; a zero time is 0.
func unixMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// parseType and parseValueType invert metrics.Type.String and
// metrics.ValueType.String.
func parseType(s string) (metrics.Type, error) {
	for _, t := range []metrics.Type{metrics.Counter, metrics.Gauge, metrics.Rate, metrics.Trend} {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown metric type %q (want counter, gauge, rate or trend)", s)
}

func parseValueType(s string) (metrics.ValueType, error) {
	for _, vt := range []metrics.ValueType{metrics.Default, metrics.Time, metrics.Data} {
		if vt.String() == s {
			return vt, nil
		}
	}
	return 0, fmt.Errorf("unknown value type %q (want default, time or data)", s)
}

// encodeSink fills the value fields of r from s.
func encodeSink(r *seriesRec, s *metrics.Sink) error {
	r.N = s.Count
	switch s.Type {
	case metrics.Counter:
		r.Sum = numPtr(s.Sum)
	case metrics.Rate:
		t := s.Trues
		r.Trues = &t
	case metrics.Gauge:
		r.Last, r.Min, r.Max = numPtr(s.Value), numPtr(s.Min), numPtr(s.Max)
		r.Stamp = s.Stamp
	case metrics.Trend:
		r.Sum, r.Min, r.Max = numPtr(s.Sum), numPtr(s.Min), numPtr(s.Max)
		h := s.Hist
		if h == nil {
			h = metrics.NewHistogram()
		}
		r.Hist = encodeHistogram(h) // = h.Encode(), with pooled compressors
	default:
		return fmt.Errorf("results: unknown metric type %d", s.Type)
	}
	return nil
}

// decodeSink builds a sink of type t from r's value fields, checking that
// the fields the type needs are present. h is r.Hist already decoded, or nil
// to decode it here.
func decodeSink(t metrics.Type, r *seriesRec, h *metrics.Histogram) (*metrics.Sink, error) {
	if r.N < 0 {
		return nil, fmt.Errorf("negative count %d", r.N)
	}
	s := &metrics.Sink{Type: t, Count: r.N}
	missing := func(f string) error { return fmt.Errorf("a %s series needs %q", t, f) }
	switch t {
	case metrics.Counter:
		if r.Sum == nil {
			return nil, missing("sum")
		}
		s.Sum = float64(*r.Sum)
	case metrics.Rate:
		if r.Trues == nil {
			return nil, missing("trues")
		}
		if *r.Trues < 0 || *r.Trues > r.N {
			return nil, fmt.Errorf("trues %d outside 0..n (%d)", *r.Trues, r.N)
		}
		s.Trues = *r.Trues
	case metrics.Gauge:
		if r.Last == nil || r.Min == nil || r.Max == nil {
			return nil, missing("last, min and max")
		}
		s.Value, s.Min, s.Max, s.Stamp = float64(*r.Last), float64(*r.Min), float64(*r.Max), r.Stamp
	case metrics.Trend:
		if r.Sum == nil || r.Min == nil || r.Max == nil || r.Hist == "" {
			return nil, missing("sum, min, max and hist")
		}
		if h == nil {
			var err error
			if h, err = decodeHistogram(r.Hist); err != nil {
				return nil, err
			}
		}
		if h.TotalCount() != r.N {
			return nil, fmt.Errorf("histogram holds %d values but n is %d", h.TotalCount(), r.N)
		}
		s.Sum, s.Min, s.Max, s.Hist = float64(*r.Sum), float64(*r.Min), float64(*r.Max), h
	}
	return s, nil
}
