package datajs

import (
	"encoding/json"
	"strconv"
	"strings"
	"unsafe"

	"github.com/dop251/goja"
)

// lazyMin is the smallest JSON text that JSON.parse, inside a SharedArray's
// function, turns into a lazy array. Below it the ordinary parse is cheap.
const lazyMin = 64 << 10

// The usual SharedArray is `new SharedArray(name, () => JSON.parse(open(f)))`.
// Parsed the ordinary way, a 50 MB file becomes a goja object graph of
// twenty times its size, only to be serialised back to JSON element by
// element and dropped: the process's peak memory is that graph, not the
// array. So while a SharedArray's function runs, JSON.parse of a large text
// whose top level is an array returns a lazy array instead: it records where
// each element's text starts and ends and decodes an element only when the
// script touches it (then keeps the decoded value, so writes to it stick, as
// with an ordinary array). If the function returns that lazy array, the
// SharedArray keeps the original text and the element offsets, decoding
// nothing; elements the script touched are serialised again, so what it
// changed is kept. Anything else the function does with the lazy array
// (filter, map, slice, for...of) sees an ordinary array whose elements are
// decoded on access.

// lazyArray is a parsed JSON array whose elements are decoded on first
// access (goja.DynamicArray). It lives in one runtime for the duration of a
// SharedArray build.
type lazyArray struct {
	m      *module
	src    string // the JSON text given to JSON.parse
	starts []int  // element i is src[starts[i]:ends[i]]
	ends   []int
	vals   []goja.Value // decoded or assigned values; nil until first touched
	length int          // the array's length (len(starts) until changed)
}

var _ goja.DynamicArray = (*lazyArray)(nil)

// lazyParse is JSON.parse while a SharedArray's function runs: a lazy array
// for a large valid JSON text whose top level is an array, the ordinary
// parse otherwise (small texts, a reviver, objects, invalid JSON, which the
// ordinary parse reports as usual).
func (m *module) lazyParse(call goja.FunctionCall) goja.Value {
	text := call.Argument(0)
	if len(call.Arguments) > 1 && !goja.IsUndefined(call.Argument(1)) {
		return m.callParse(call)
	}
	s, ok := text.Export().(string)
	if !ok || len(s) < lazyMin {
		return m.callParse(call)
	}
	starts, ends, ok := splitArray(s)
	if !ok {
		return m.callParse(call)
	}
	la := &lazyArray{m: m, src: s, starts: starts, ends: ends, length: len(starts)}
	obj := m.rt.NewDynamicArray(la)
	m.lazy[obj] = la
	return obj
}

func (m *module) callParse(call goja.FunctionCall) goja.Value {
	v, err := m.parse(goja.Undefined(), call.Arguments...)
	if err != nil {
		panic(err)
	}
	return v
}

// splitArray returns the start and end offsets of the top-level elements of
// s, a JSON array; ok is false if s is not valid JSON or not an array.
func splitArray(s string) (starts, ends []int, ok bool) {
	// json.Valid only reads its argument: viewing the string's bytes
	// avoids copying a text of tens of megabytes.
	if !json.Valid(unsafe.Slice(unsafe.StringData(s), len(s))) {
		return nil, nil, false
	}
	i := skipSpace(s, 0)
	if s[i] != '[' {
		return nil, nil, false
	}
	i = skipSpace(s, i+1)
	if s[i] == ']' {
		return []int{}, []int{}, true
	}
	for {
		start := i
		i = valueEnd(s, i)
		starts = append(starts, start)
		ends = append(ends, i)
		i = skipSpace(s, i)
		if s[i] == ']' {
			return starts, ends, true
		}
		i = skipSpace(s, i+1) // the comma
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the offset just past the JSON value starting at s[i]; s
// is known to be valid JSON.
func valueEnd(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // a scalar's end: the array closes
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i // the end of a number, true, false or null
			}
		}
	}
	return i
}

func (a *lazyArray) Len() int { return a.length }

// Get decodes element idx on first access and keeps it.
func (a *lazyArray) Get(idx int) goja.Value {
	if idx < 0 || idx >= a.length {
		return nil
	}
	if a.vals == nil {
		a.vals = make([]goja.Value, a.length)
	}
	if v := a.vals[idx]; v != nil {
		return v
	}
	if idx >= len(a.starts) {
		return goja.Undefined()
	}
	v, err := a.m.parse(goja.Undefined(), a.m.rt.ToValue(a.src[a.starts[idx]:a.ends[idx]]))
	if err != nil {
		panic(err)
	}
	a.vals[idx] = v
	return v
}

func (a *lazyArray) Set(idx int, val goja.Value) bool {
	if idx < 0 {
		return false
	}
	if idx >= a.length {
		a.SetLen(idx + 1)
	}
	if a.vals == nil {
		a.vals = make([]goja.Value, a.length)
	}
	a.vals[idx] = val
	return true
}

func (a *lazyArray) SetLen(n int) bool {
	if n < 0 {
		return false
	}
	if a.vals != nil || n > a.length {
		if a.vals == nil {
			a.vals = make([]goja.Value, a.length)
		}
		for len(a.vals) < n {
			a.vals = append(a.vals, goja.Undefined())
		}
		a.vals = a.vals[:n]
	}
	if n < len(a.starts) {
		a.starts, a.ends = a.starts[:n], a.ends[:n]
	}
	a.length = n
	return true
}

// toArray turns the lazy array into the shared Array: the original text and
// offsets when no element was touched, else a compact copy in which touched
// elements are serialised again.
func (a *lazyArray) toArray(name string) (*Array, error) {
	touched := false
	for _, v := range a.vals {
		if v != nil {
			touched = true
			break
		}
	}
	if !touched && a.length == len(a.starts) {
		return &Array{data: a.src, starts: a.starts, ends: a.ends}, nil
	}
	var b strings.Builder
	ends := make([]int, 0, a.length)
	for i := range a.length {
		var v goja.Value
		if a.vals != nil {
			v = a.vals[i]
		}
		if v == nil {
			b.WriteString(a.src[a.starts[i]:a.ends[i]])
		} else if err := a.m.writeJSON(&b, name, i, v); err != nil {
			return nil, err
		}
		ends = append(ends, b.Len())
	}
	return &Array{data: strings.Clone(b.String()), ends: ends}, nil
}

// writeJSON appends element i's JSON text (JSON.stringify; "null" for what
// JSON cannot represent, as JSON.stringify does inside arrays).
func (m *module) writeJSON(b *strings.Builder, name string, i int, v goja.Value) error {
	s, err := m.stringify(goja.Undefined(), v)
	if err != nil {
		return &elementError{name: name, i: i, err: err}
	}
	if goja.IsUndefined(s) {
		b.WriteString("null")
	} else {
		b.WriteString(s.String())
	}
	return nil
}

// elementError is a failure to serialise one element of a SharedArray.
type elementError struct {
	name string
	i    int
	err  error
}

func (e *elementError) Error() string {
	return "data: SharedArray " + strconv.Quote(e.name) + " element " + strconv.Itoa(e.i) + ": " + e.err.Error()
}

func (e *elementError) Unwrap() error { return e.err }
