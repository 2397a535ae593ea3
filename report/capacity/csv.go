package capacity

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadPoints reads concurrency,throughput pairs, one per line, as CSV. A
// first line whose fields are not numbers is a header; lines starting with
// # are comments; extra columns are ignored. name labels errors, which give
// the line number.
func ReadPoints(r io.Reader, name string) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var pts []Point
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("capacity: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 2 {
			return nil, fmt.Errorf("capacity: %s:%d: want concurrency,throughput", name, line)
		}
		n, errN := strconv.ParseFloat(strings.TrimSpace(rec[0]), 64)
		x, errX := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if errN != nil || errX != nil {
			if first {
				continue // header
			}
			return nil, fmt.Errorf("capacity: %s:%d: %q,%q are not numbers", name, line, rec[0], rec[1])
		}
		if !(n > 0) || !(x > 0) || math.IsInf(n, 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("capacity: %s:%d: concurrency and throughput must be finite and > 0", name, line)
		}
		pts = append(pts, Point{Concurrency: n, Throughput: x})
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("capacity: %s: no concurrency,throughput pairs", name)
	}
	return pts, nil
}
