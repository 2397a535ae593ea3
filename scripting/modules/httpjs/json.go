package httpjs

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/dop251/goja"
	"github.com/tidwall/gjson"
)

// respJSON implements response.json(selector?). Without a selector it parses
// the whole body (cached: later calls return the same value). A selector is
// a GJSON path ("a.b.1" indexes arrays, "list.#" counts them); a path that
// matches nothing gives undefined. A null body or an invalid JSON body
// throws a catchable Error; the invalid-JSON message names the line and
// character of the fault.
func (m *module) respJSON(c goja.FunctionCall) goja.Value {
	r, ok := exportResponse(c.This)
	if !ok {
		m.throwf("json() must be called on a response")
	}
	if r.r.Body == nil {
		if r.r.Error != "" {
			m.throwf("json(): the response body is null because the request failed: %s", r.r.Error)
		}
		m.throwf("json(): the response body is null, so there is nothing to parse; " +
			"it was not kept (responseType 'none' or the discardResponseBodies option)")
	}
	sel := c.Argument(0)
	if isNullish(sel) {
		if r.parsed == nil {
			r.parsed = m.parseJSON(r.r.Body)
			r.validJSON = 1
		}
		return r.parsed
	}
	if r.validJSON == 0 {
		r.validJSON = -1
		if gjson.ValidBytes(r.r.Body) {
			r.validJSON = 1
		}
	}
	if r.validJSON < 0 {
		m.throwJSONError(r.r.Body, nil)
	}
	res := gjson.GetBytes(r.r.Body, sel.String())
	if !res.Exists() {
		return goja.Undefined()
	}
	switch res.Type {
	case gjson.Null:
		return goja.Null()
	case gjson.False:
		return m.rt.ToValue(false)
	case gjson.True:
		return m.rt.ToValue(true)
	case gjson.Number:
		return m.rt.ToValue(res.Num)
	case gjson.String:
		return m.rt.ToValue(res.Str)
	default:
		return m.parseJSON([]byte(res.Raw))
	}
}

// exportResponse returns the response behind a JavaScript value.
func exportResponse(v goja.Value) (*response, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	r, ok := o.Export().(*response)
	return r, ok
}

// parseJSON runs the runtime's JSON.parse on b, turning a syntax error into
// a positioned one.
func (m *module) parseJSON(b []byte) goja.Value {
	v, err := m.parseFunc()(goja.Undefined(), m.rt.ToValue(string(b)))
	if err != nil {
		m.throwJSONError(b, err)
	}
	return v
}

// throwJSONError throws "json: <Go's syntax error> at line L, character C"
// for an invalid JSON document b; fallback is used when Go's decoder finds
// no syntax error.
func (m *module) throwJSONError(b []byte, fallback error) {
	var v any
	err := json.Unmarshal(b, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, char := position(b, se.Offset)
		m.throwf("json(): cannot parse the body as JSON: %s at line %d, character %d", se.Error(), line, char)
	}
	if err == nil && fallback != nil {
		err = fallback
	}
	m.throwf("json(): cannot parse the body as JSON: %v", err)
}

// position converts a 1-based byte offset (as json.SyntaxError.Offset, the
// number of bytes read when the error was found) into a 1-based line and
// character.
func position(b []byte, offset int64) (line, char int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	if offset < 1 {
		offset = 1
	}
	before := b[:offset-1]
	line = bytes.Count(before, []byte{'\n'}) + 1
	char = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, char
}
