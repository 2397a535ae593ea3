package results

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Series lines are most of a results file (an hour of 20 endpoints at 1 s
// intervals is ~2 million of them), and encoding/json's reflection costs
// more than decoding the histograms the report needs. parseSeries reads the
// flat objects this package writes (members in any order, numbers, plain
// strings) by hand and leaves everything else (escapes, nested values,
// malformed input) to encoding/json, whose answer is then the result. A fuzz
// test holds the two to the same records.

// parseSeries decodes a series line into r (which it zeroes first).
func parseSeries(line []byte, r *seriesRec) error {
	*r = seriesRec{}
	if fastParseSeries(line, r) {
		return nil
	}
	*r = seriesRec{}
	return json.Unmarshal(line, r)
}

// fastParseSeries reports false when line is anything but a flat JSON object
// of known members with plain values; r is then partly filled.
func fastParseSeries(line []byte, r *seriesRec) bool {
	p := bytes.TrimRight(line, " \t\r\n")
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return false
	}
	p = p[1 : len(p)-1]
	// Optional members are kept until the end, since a null clears them.
	var sum, last, mn, mx num
	var trues int64
	var has struct{ sum, trues, last, min, max bool }
	for first := true; ; first = false {
		if len(p) == 0 {
			if first {
				break // {}
			}
			return false // a trailing comma
		}
		key, rest, ok := plainString(p)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return false
		}
		p = rest[1:]
		// The value: up to the next ',' outside a string; our values have
		// no commas, so a string value is read as one.
		var val []byte
		if len(p) > 0 && p[0] == '"' {
			s, rest, ok := plainString(p)
			if !ok {
				return false
			}
			val, p = s, rest
			switch string(key) {
			case "type":
				r.Type = string(val)
			case "hist":
				r.Hist = string(val)
			case "sum", "last", "min", "max":
				var n num
				if n.UnmarshalJSON(append(append([]byte{'"'}, val...), '"')) != nil {
					return false
				}
				switch string(key) {
				case "sum":
					sum, has.sum = n, true
				case "last":
					last, has.last = n, true
				case "min":
					mn, has.min = n, true
				case "max":
					mx, has.max = n, true
				}
			default:
				if !unknownKey(key) {
					return false
				}
			}
		} else {
			end := bytes.IndexByte(p, ',')
			if end < 0 {
				end = len(p)
			}
			val, p = p[:end], p[end:]
			if !plainNumber(val) {
				return false
			}
			switch string(key) {
			case "t0", "t1", "id", "n", "stamp", "trues":
				v, err := strconv.ParseInt(string(val), 10, 64)
				if err != nil {
					return false
				}
				switch string(key) {
				case "t0":
					r.T0 = v
				case "t1":
					r.T1 = v
				case "id":
					if v != int64(int(v)) {
						return false
					}
					r.ID = int(v)
				case "n":
					r.N = v
				case "stamp":
					r.Stamp = v
				case "trues":
					trues, has.trues = v, true
				}
			case "sum", "last", "min", "max":
				f, err := strconv.ParseFloat(string(val), 64)
				if err != nil {
					return false
				}
				switch string(key) {
				case "sum":
					sum, has.sum = num(f), true
				case "last":
					last, has.last = num(f), true
				case "min":
					mn, has.min = num(f), true
				case "max":
					mx, has.max = num(f), true
				}
			default:
				// A number where we want a string, or a member a later
				// minor revision added: encoding/json decides.
				return false
			}
		}
		if len(p) == 0 {
			break
		}
		if p[0] != ',' {
			return false
		}
		p = p[1:]
	}
	if has.sum {
		r.Sum = &sum
	}
	if has.trues {
		r.Trues = &trues
	}
	if has.last {
		r.Last = &last
	}
	if has.min {
		r.Min = &mn
	}
	if has.max {
		r.Max = &mx
	}
	return true
}

// unknownKey reports whether key is none of seriesRec's members (matched as
// encoding/json matches them: case-insensitively), so that a string value
// may be skipped.
func unknownKey(key []byte) bool {
	for _, k := range [...]string{"type", "t0", "t1", "id", "n", "sum", "trues", "last", "min", "max", "stamp", "hist"} {
		if len(k) == len(key) && bytes.EqualFold([]byte(k), key) {
			return false
		}
	}
	return true
}

// plainString reads a JSON string without escapes or control characters at
// the start of p and returns its contents and the rest of p.
func plainString(p []byte) (s, rest []byte, ok bool) {
	if len(p) == 0 || p[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(p); i++ {
		switch c := p[i]; {
		case c == '"':
			return p[1:i], p[i+1:], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, nil, false // escapes and non-ASCII: encoding/json
		}
	}
	return nil, nil, false
}

// plainNumber reports whether b is a JSON number (RFC 8259 grammar).
func plainNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(b)
}
