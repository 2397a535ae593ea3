package threshold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// ExitCode is the process exit code for an invalid threshold configuration
// (k6's 104, "invalid config"): a bad key, a bad expression, an undeclared
// metric or an aggregation that does not fit the metric's type.
const ExitCode = 104

// Causes of an *Error, for errors.Is.
var (
	// ErrKey: the options key is not `metric` or `metric{tag:value,...}`.
	ErrKey = errors.New("invalid threshold key")
	// ErrExpression: the expression is not `aggregation operator number`,
	// or its object form is malformed.
	ErrExpression = errors.New("invalid threshold expression")
	// ErrUnknownMetric: the key names a metric that is not declared.
	ErrUnknownMetric = errors.New("no metric of that name exists")
	// ErrAggregation: the aggregation does not apply to the metric's type
	// (for example count on a trend).
	ErrAggregation = errors.New("aggregation does not apply to this metric type")
)

// Error is a threshold configuration error. It names the options key and,
// when one expression is at fault, the expression; Err is one of ErrKey,
// ErrExpression, ErrUnknownMetric or ErrAggregation, and Detail says what is
// wrong. The CLI maps it to ExitCode with errors.As.
type Error struct {
	Key    string // the options key as written
	Expr   string // the expression as written; empty for key errors
	Err    error  // the cause, one of the Err* sentinels
	Detail string // what exactly is wrong and how to fix it
}

// Error formats the error as one line: `threshold: key "K", expression "E": cause: detail`.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "threshold: key %q", e.Key)
	if e.Expr != "" {
		fmt.Fprintf(&b, ", expression %q", e.Expr)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ExitCode returns ExitCode (104).
func (e *Error) ExitCode() int { return ExitCode }

// UnmarshalJSON accepts a string ("p(95)<500") or an object
// {threshold, abortOnFail, delayAbortEval}; delayAbortEval is a duration
// string such as "10s" (a bare JSON number is read as milliseconds). Unknown
// object fields are an error, so a misspelt abortOnFail is not ignored.
func (c *Config) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("threshold: %w", err)
		}
		*c = Config{Threshold: s}
		return nil
	}
	var raw struct {
		Threshold      *string         `json:"threshold"`
		AbortOnFail    bool            `json:"abortOnFail"`
		DelayAbortEval json.RawMessage `json:"delayAbortEval"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("threshold: want a string or {threshold, abortOnFail, delayAbortEval}: %w", err)
	}
	if raw.Threshold == nil {
		return errors.New("threshold: object without a \"threshold\" expression")
	}
	out := Config{Threshold: *raw.Threshold, AbortOnFail: raw.AbortOnFail}
	if d := bytes.TrimSpace(raw.DelayAbortEval); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		if d[0] == '"' {
			if err := json.Unmarshal(d, &out.DelayAbortEval); err != nil {
				return fmt.Errorf("threshold: delayAbortEval: %w", err)
			}
		} else {
			ms, err := strconv.ParseFloat(string(d), 64)
			if err != nil || ms < 0 || math.IsInf(ms, 0) {
				return fmt.Errorf("threshold: delayAbortEval %s: want a duration such as \"10s\"", d)
			}
			out.DelayAbortEval = (time.Duration(ms * float64(time.Millisecond))).String()
		}
	}
	*c = out
	return nil
}

// Parse parses one options key and its thresholds. Errors name the key and
// the expression.
//
// Keys are `metric` or `metric{tag:value,tag2:value2}`. A tag value may be
// quoted with '…' or "…" and then hold any character but its quote. Unquoted,
// a value runs to the next `,` that starts another `tag:` pair, or to the
// last `}` of the key, so a single-tag key's value is everything between the
// first `:` after the tag name and the last `}` (`{name:http://h:1/x/${}}`
// is one tag). Tag names and unquoted values are trimmed of spaces.
func Parse(key string, cfgs []Config) (*Set, error) {
	name, filter, detail := parseKey(key)
	if detail != "" {
		return nil, &Error{Key: key, Err: ErrKey, Detail: detail}
	}
	set := &Set{Key: key, MetricName: name, Filter: filter}
	for _, c := range cfgs {
		th, err := parseExpr(c.Threshold)
		if err != "" {
			return nil, &Error{Key: key, Expr: c.Threshold, Err: ErrExpression, Detail: err}
		}
		th.AbortOnFail = c.AbortOnFail
		if c.DelayAbortEval != "" {
			d, perr := time.ParseDuration(strings.TrimSpace(c.DelayAbortEval))
			if perr != nil || d < 0 {
				return nil, &Error{Key: key, Expr: c.Threshold, Err: ErrExpression,
					Detail: fmt.Sprintf("delayAbortEval %q is not a duration such as \"10s\"", c.DelayAbortEval)}
			}
			th.DelayAbortEval = d
		}
		set.Thresholds = append(set.Thresholds, th)
	}
	return set, nil
}

// parseKey splits a key into the metric name and the tag filter; detail is
// non-empty on error.
func parseKey(key string) (name string, filter []metrics.Tag, detail string) {
	k := strings.TrimSpace(key)
	open := strings.IndexByte(k, '{')
	if open < 0 {
		if !metrics.ValidName(k) {
			return "", nil, "the metric name must be 1 to 128 ASCII letters, digits or underscores, not starting with a digit"
		}
		return k, nil, ""
	}
	name = strings.TrimSpace(k[:open])
	if !metrics.ValidName(name) {
		return "", nil, fmt.Sprintf("the metric name %q before `{` must be 1 to 128 ASCII letters, digits or underscores, not starting with a digit", name)
	}
	if !strings.HasSuffix(k, "}") {
		return "", nil, "a tag filter must end with `}`: write metric{tag:value}"
	}
	body := k[open+1 : len(k)-1]
	if strings.TrimSpace(body) == "" {
		return "", nil, "empty tag filter `{}`: write metric{tag:value} or just the metric name"
	}
	for i := 0; i < len(body); {
		colon := strings.IndexByte(body[i:], ':')
		if colon < 0 {
			return "", nil, fmt.Sprintf("tag %q has no `:value`", strings.TrimSpace(body[i:]))
		}
		tag := strings.TrimSpace(body[i : i+colon])
		if !validTagName(tag) {
			return "", nil, fmt.Sprintf("invalid tag name %q: want letters, digits, `_`, `-` or `.`", tag)
		}
		j := i + colon + 1
		for j < len(body) && body[j] == ' ' {
			j++
		}
		var value string
		if j < len(body) && (body[j] == '\'' || body[j] == '"') {
			q := body[j]
			end := strings.IndexByte(body[j+1:], q)
			if end < 0 {
				return "", nil, fmt.Sprintf("tag %q: unterminated %c quote", tag, q)
			}
			value = body[j+1 : j+1+end]
			j += end + 2
			for j < len(body) && body[j] == ' ' {
				j++
			}
			if j < len(body) && body[j] != ',' {
				return "", nil, fmt.Sprintf("tag %q: unexpected %q after the quoted value", tag, body[j:])
			}
		} else {
			end := nextPair(body, j)
			value = strings.TrimSpace(body[j:end])
			j = end
		}
		filter = append(filter, metrics.Tag{Key: tag, Value: value})
		if j < len(body) { // at a ','
			j++
			if strings.TrimSpace(body[j:]) == "" {
				return "", nil, "trailing `,` in the tag filter"
			}
		}
		i = j
	}
	return name, filter, ""
}

// nextPair returns the index of the first ',' at or after from that starts
// another `tag:` pair (a tag name, optional spaces, then ':'), or len(body).
func nextPair(body string, from int) int {
	for i := from; i < len(body); i++ {
		if body[i] != ',' {
			continue
		}
		rest := body[i+1:]
		colon := strings.IndexByte(rest, ':')
		if colon >= 0 && validTagName(strings.TrimSpace(rest[:colon])) {
			return i
		}
	}
	return len(body)
}

// validTagName reports whether s can be a tag name in a key: non-empty ASCII
// letters, digits, '_', '-' or '.'.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// aggregations are the names Parse accepts; "p" is written p(N).
var aggregations = []string{"avg", "min", "max", "med", "count", "rate", "value"}

// operators in match order: longer first.
var operators = []string{"===", "==", "!=", "<=", ">=", "<", ">"}

// parseExpr parses `agg op number`; detail is non-empty on error.
func parseExpr(src string) (th *Threshold, detail string) {
	s := strings.TrimSpace(src)
	if s == "" {
		return nil, "empty expression: write aggregation, operator and number, e.g. p(95)<500"
	}
	th = &Threshold{Source: src}
	// Aggregation.
	i := 0
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	agg := s[:i]
	rest := strings.TrimLeft(s[i:], " \t")
	switch {
	case agg == "p":
		if !strings.HasPrefix(rest, "(") {
			return nil, "percentile must be written p(N), e.g. p(95)"
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, "missing `)` after p("
		}
		n, ok := parseNumber(rest[1:end])
		if !ok || n < 0 || n > 100 {
			return nil, fmt.Sprintf("percentile %q must be a number from 0 to 100", strings.TrimSpace(rest[1:end]))
		}
		th.Agg, th.P = "p", n
		rest = strings.TrimLeft(rest[end+1:], " \t")
	case slices.Contains(aggregations, agg):
		th.Agg = agg
		if agg == "med" {
			th.P = 50
		}
	case agg == "":
		return nil, "missing aggregation: start with avg, min, max, med, p(N), count, rate or value"
	default:
		return nil, fmt.Sprintf("unknown aggregation %q: use avg, min, max, med, p(N), count, rate or value", agg)
	}
	// Operator.
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			th.Op = op
			if op == "===" {
				th.Op = "=="
			}
			rest = rest[len(op):]
			break
		}
	}
	if th.Op == "" {
		return nil, "missing operator: use <, <=, >, >=, ==, === or !="
	}
	want, ok := parseNumber(rest)
	if !ok {
		return nil, fmt.Sprintf("%q is not a number", strings.TrimSpace(rest))
	}
	th.Want = want
	return th, ""
}

// parseNumber parses a finite decimal number (optional sign, digits, '.',
// exponent), trimming spaces. Hex, Inf, NaN and underscores are refused.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}
