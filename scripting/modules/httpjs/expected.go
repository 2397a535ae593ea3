package httpjs

import (
	"strings"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
)

// expectedStatuses implements http.expectedStatuses(...): each argument is
// a status code or a {min, max} inclusive range. The result is an opaque
// callback for params.responseCallback and http.setResponseCallback.
func (m *module) expectedStatuses(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		m.throwf("expectedStatuses() needs at least one status or {min, max} range")
	}
	e := &httpc.Expected{Ranges: make([][2]int, 0, len(c.Arguments))}
	for i, a := range c.Arguments {
		if o, ok := a.(*goja.Object); ok && o.ClassName() == "Object" {
			lo, hi := o.Get("min"), o.Get("max")
			if !isStatus(lo) || !isStatus(hi) || lo.ToInteger() > hi.ToInteger() {
				m.throwf("expectedStatuses() argument %d must be {min, max} with integer min <= max", i+1)
			}
			e.Ranges = append(e.Ranges, [2]int{int(lo.ToInteger()), int(hi.ToInteger())})
			continue
		}
		if !isStatus(a) {
			m.throwf("expectedStatuses() argument %d must be an integer status or {min, max}, got %s", i+1, a.String())
		}
		s := int(a.ToInteger())
		e.Ranges = append(e.Ranges, [2]int{s, s})
	}
	return m.rt.ToValue(e)
}

// isStatus reports whether v is an integral number.
func isStatus(v goja.Value) bool {
	if isNullish(v) {
		return false
	}
	switch x := v.Export().(type) {
	case int64:
		return true
	case float64:
		return x == float64(int64(x))
	}
	return false
}

// parseExpected reads a response callback: null (no expected_response tag
// and no http_req_failed) or an expectedStatuses() result.
func (m *module) parseExpected(v goja.Value) *httpc.Expected {
	if isNullish(v) {
		return nil
	}
	if e, ok := v.Export().(*httpc.Expected); ok {
		return e
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		m.throwf("only http.expectedStatuses(...) callbacks are supported as response callbacks, not functions")
	}
	m.throwf("a response callback must be http.expectedStatuses(...) or null, got %s", v.String())
	return nil
}

// setResponseCallback implements http.setResponseCallback(cb): the VU's
// callback for later requests; null disables it.
func (m *module) setResponseCallback(c goja.FunctionCall) goja.Value {
	m.vu.State.SetExpected(m.parseExpected(c.Argument(0)))
	return goja.Undefined()
}

// url implements the http.url tagged template: an object {url, name} whose
// name is the template with "${}" for every placeholder. It converts to its
// url as a string, and request functions take it in place of a URL string
// (its name becomes the request's name tag).
func (m *module) url(c goja.FunctionCall) goja.Value {
	parts, ok := c.Argument(0).(*goja.Object)
	if !ok {
		m.throwf("http.url must be used as a tagged template: http.url`https://host/${id}`")
	}
	n := int(parts.Get("length").ToInteger())
	var name, full strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			name.WriteString("${}")
			full.WriteString(c.Argument(i).String())
		}
		s := parts.Get(itoa(int64(i))).String()
		name.WriteString(s)
		full.WriteString(s)
	}
	o := m.rt.NewObject()
	if err := o.SetPrototype(m.urlPrototype()); err != nil {
		panic(err)
	}
	_ = o.Set("url", full.String())
	_ = o.Set("name", name.String())
	return o
}
