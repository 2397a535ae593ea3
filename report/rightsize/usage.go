package rightsize

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is one usage observation of one instance of a service.
type Sample struct {
	Time    time.Time
	Service string
	// CPUCores is CPU usage in cores (1 = one core busy); NaN when the
	// observation has no CPU value.
	CPUCores float64
	// MemoryBytes is resident memory in bytes; NaN when absent.
	MemoryBytes float64
}

// CSVHeader is the header line ReadCSV expects.
const CSVHeader = "timestamp,service,cpu_cores,memory_bytes"

// ReadCSV reads usage samples from CSV with the header
// timestamp,service,cpu_cores,memory_bytes. A timestamp is RFC 3339 or Unix
// seconds (fractions allowed); an empty cpu_cores or memory_bytes cell
// means "not measured". Errors name the line.
func ReadCSV(r io.Reader) ([]Sample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("rightsize: csv: reading the header: %w", err)
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	if strings.Join(head, ",") != CSVHeader {
		return nil, fmt.Errorf("rightsize: csv: header is %q, want %q", strings.Join(head, ","), CSVHeader)
	}
	var out []Sample
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rightsize: csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		ts, err := parseTime(rec[0])
		if err != nil {
			return nil, fmt.Errorf("rightsize: csv line %d: %w", line, err)
		}
		s := Sample{Time: ts, Service: strings.TrimSpace(rec[1])}
		if s.Service == "" {
			return nil, fmt.Errorf("rightsize: csv line %d: empty service", line)
		}
		if s.CPUCores, err = parseCell(rec[2]); err != nil {
			return nil, fmt.Errorf("rightsize: csv line %d: cpu_cores: %w", line, err)
		}
		if s.MemoryBytes, err = parseCell(rec[3]); err != nil {
			return nil, fmt.Errorf("rightsize: csv line %d: memory_bytes: %w", line, err)
		}
		out = append(out, s)
	}
}

// ReadCSVFile is ReadCSV on a file.
func ReadCSVFile(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rightsize: %w", err)
	}
	defer f.Close()
	s, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("timestamp %q is neither RFC 3339 nor Unix seconds", s)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

func parseCell(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a non-negative number", s)
	}
	return v, nil
}

// Prometheus reads usage with the Prometheus HTTP API's range queries
// (GET /api/v1/query_range).
type Prometheus struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:9090.
	URL string
	// Client does the requests; nil means a client with a 30 s timeout.
	Client *http.Client
	// ServiceLabels are the series labels that name the service, tried
	// in order. Default: service, job.
	ServiceLabels []string
}

// Point is one value of a range-query series.
type Point struct {
	Time  time.Time
	Value float64
}

// Series is one series of a range-query result: its labels and points.
type Series struct {
	Labels map[string]string
	Points []Point
}

// QueryRange runs query over [start, end] with resolution step and returns
// the matrix. Prometheus takes millisecond times: start is rounded up and
// end down, so every point lies inside [start, end]. Values Prometheus writes as NaN or ±Inf are kept as such.
func (p *Prometheus) QueryRange(ctx context.Context, query string, start, end time.Time, step time.Duration) ([]Series, error) {
	if step <= 0 {
		return nil, errors.New("rightsize: prometheus: step must be positive")
	}
	u, err := url.Parse(strings.TrimRight(p.URL, "/") + "/api/v1/query_range")
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("rightsize: prometheus url %q is not an http(s) URL", p.URL)
	}
	q := url.Values{}
	q.Set("query", query)
	q.Set("start", unixString(ceilMilli(start)))
	q.Set("end", unixString(end.Truncate(time.Millisecond)))
	q.Set("step", strconv.FormatFloat(step.Seconds(), 'f', -1, 64))
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("rightsize: prometheus: %w", err)
	}
	cl := p.Client
	if cl == nil {
		cl = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := cl.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL, with the query, would make the line unreadable
		}
		return nil, fmt.Errorf("rightsize: prometheus %s: no answer (%v); check --prometheus and that the server is up", p.URL, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&body); err != nil || body.Status == "" {
		// Not the Prometheus HTTP API (an HTML or text page, a proxy's
		// error): its body says nothing the user can act on.
		return nil, fmt.Errorf("rightsize: prometheus %s: %s answered %s, not a Prometheus API response; give --prometheus the server's base URL (e.g. http://127.0.0.1:9090)",
			p.URL, u.Path, resp.Status)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("rightsize: prometheus query %q: %s: %s (HTTP %d); check the query", query, body.ErrorType, oneLine(body.Error), resp.StatusCode)
	}
	if body.Data.ResultType != "matrix" {
		return nil, fmt.Errorf("rightsize: prometheus query %q: result type %q, want matrix", query, body.Data.ResultType)
	}
	out := make([]Series, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		s := Series{Labels: r.Metric}
		for _, v := range r.Values {
			ts, ok := v[0].(float64)
			str, ok2 := v[1].(string)
			if !ok || !ok2 {
				return nil, fmt.Errorf("rightsize: prometheus query %q: malformed value %v", query, v)
			}
			f, err := strconv.ParseFloat(str, 64)
			if err != nil {
				return nil, fmt.Errorf("rightsize: prometheus query %q: value %q: %w", query, str, err)
			}
			sec, frac := math.Modf(ts)
			s.Points = append(s.Points, Point{Time: time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), Value: f})
		}
		out = append(out, s)
	}
	return out, nil
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ceilMilli rounds t up to a whole millisecond, so that every point of a
// range query lies at or after t.
func ceilMilli(t time.Time) time.Time {
	if c := t.Truncate(time.Millisecond); !c.Equal(t) {
		return c.Add(time.Millisecond)
	}
	return t
}

// unixString writes t as Unix seconds with millisecond precision, the
// resolution of Prometheus timestamps.
func unixString(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1e3, 'f', 3, 64)
}

// serviceOf names a series' service from its labels.
func (p *Prometheus) serviceOf(labels map[string]string) string {
	keys := p.ServiceLabels
	if len(keys) == 0 {
		keys = []string{"service", "job"}
	}
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return "(unnamed)"
}

// Usage runs the CPU query (cores) and the memory query (bytes) over
// [start, end] and returns their points as samples, one per series and
// timestamp, each carrying one of the two values (the other NaN). Either
// query may be empty to skip it.
func (p *Prometheus) Usage(ctx context.Context, cpuQuery, memQuery string, start, end time.Time, step time.Duration) ([]Sample, error) {
	var out []Sample
	for _, q := range []struct {
		query string
		cpu   bool
	}{{cpuQuery, true}, {memQuery, false}} {
		if q.query == "" {
			continue
		}
		series, err := p.QueryRange(ctx, q.query, start, end, step)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			svc := p.serviceOf(s.Labels)
			for _, pt := range s.Points {
				smp := Sample{Time: pt.Time, Service: svc, CPUCores: math.NaN(), MemoryBytes: math.NaN()}
				if q.cpu {
					smp.CPUCores = pt.Value
				} else {
					smp.MemoryBytes = pt.Value
				}
				out = append(out, smp)
			}
		}
	}
	return out, nil
}

// DefaultStep returns the query step for a window: 1 s, or longer so that
// a series has at most 10,000 points (Prometheus refuses more than
// 11,000).
func DefaultStep(window time.Duration) time.Duration {
	step := time.Second
	if s := (window + 9999) / 10000; s > step {
		step = s.Round(time.Second)
		if step < s {
			step += time.Second
		}
	}
	return step
}
