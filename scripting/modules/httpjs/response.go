package httpjs

import (
	"net/textproto"
	"slices"
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
)

// response is a JavaScript response object: a goja dynamic object whose
// fields are converted from the httpc request and response only when the
// script reads them, then cached so repeated reads return the same value.
// One allocation holds the request, the response and the caches.
type response struct {
	m   *module
	req httpc.Request
	r   httpc.Response

	obj *goja.Object

	// Converted fields, nil until first read. The object-valued ones are
	// *goja.Object rather than goja.Value (8 bytes less each), which keeps
	// the response in the 896-byte size class (TestResponseSize).
	headers, timings, cookies, request, ocsp *goja.Object
	body                                     goja.Value
	parsed                                   goja.Value // json() without a selector
	validJSON                                int8       // 0 unknown, 1 valid, -1 invalid

	// overlay holds properties the script set or overrode.
	overlay[responseFields]

	// hdr is the storage of r.Header for a response with up to
	// inlineHeaders header lines, so that they cost no allocation of
	// their own.
	hdr [inlineHeaders]httpc.Header
	tv  timingsView // res.timings, made on first read
}

// inlineHeaders is how many response header lines a response holds without
// a separate allocation (nginx sends 5 to 7, most APIs under 10).
const inlineHeaders = 10

// responseKeys are the fields of a response, in k6's order.
var responseKeys = []string{
	"status", "status_text", "proto", "headers", "body", "url", "error", "error_code",
	"timings", "remote_ip", "remote_port", "tls_version", "tls_cipher_suite", "ocsp",
	"cookies", "request",
}

func (r *response) object() *goja.Object {
	if r.obj == nil {
		r.obj = r.m.rt.NewDynamicObject(r)
		if err := r.obj.SetPrototype(r.m.responsePrototype()); err != nil {
			panic(err)
		}
	}
	return r.obj
}

// Get implements goja.DynamicObject.
func (r *response) Get(key string) goja.Value {
	if v, ok := r.extra[key]; ok {
		return v
	}
	rt := r.m.rt
	switch key {
	case "status":
		return rt.ToValue(r.r.Status)
	case "status_text":
		return rt.ToValue(r.r.StatusText)
	case "proto":
		return rt.ToValue(r.r.Proto)
	case "url":
		return rt.ToValue(r.r.URL)
	case "error":
		return rt.ToValue(r.r.Error)
	case "error_code":
		return rt.ToValue(r.r.ErrorCode)
	case "remote_ip":
		return rt.ToValue(r.r.RemoteIP)
	case "remote_port":
		return rt.ToValue(r.r.RemotePort)
	case "tls_version":
		return rt.ToValue(r.r.TLSVersion)
	case "tls_cipher_suite":
		return rt.ToValue(r.r.TLSCipher)
	case "headers":
		if r.headers == nil {
			r.headers = r.headerObject()
		}
		return r.headers
	case "body":
		if r.body == nil {
			r.body = r.bodyValue()
		}
		return r.body
	case "timings":
		if r.timings == nil {
			r.timings = r.timingsObject()
		}
		return r.timings
	case "cookies":
		if r.cookies == nil {
			r.cookies = r.cookiesObject()
		}
		return r.cookies
	case "request":
		if r.request == nil {
			r.request = r.requestObject()
		}
		return r.request
	case "ocsp":
		if r.ocsp == nil {
			o := rt.NewObject()
			_ = o.Set("produced_at", 0)
			_ = o.Set("this_update", 0)
			_ = o.Set("next_update", 0)
			_ = o.Set("revoked_at", 0)
			_ = o.Set("revocation_reason", "")
			_ = o.Set("status", "unknown")
			r.ocsp = o
		}
		return r.ocsp
	}
	return nil
}

// responseFields names the built-in fields of a response for its overlay.
type responseFields struct{}

func (responseFields) names() []string { return responseKeys }

// fixedFields names the built-in fields of a dynamic object.
type fixedFields interface{ names() []string }

// overlay is what a script adds to a dynamic object with built-in fields
// (F names them): the properties it set or overrode, and with them the
// goja.DynamicObject methods other than Get. Built-in fields cannot be
// deleted. The zero value holds nothing.
type overlay[F fixedFields] struct {
	extra map[string]goja.Value
}

// Set implements goja.DynamicObject: scripts may add or override fields.
func (o *overlay[F]) Set(key string, val goja.Value) bool {
	if o.extra == nil {
		o.extra = make(map[string]goja.Value)
	}
	o.extra[key] = val
	return true
}

// Has implements goja.DynamicObject.
func (o *overlay[F]) Has(key string) bool {
	if _, ok := o.extra[key]; ok {
		return true
	}
	var f F
	return slices.Contains(f.names(), key)
}

// Delete implements goja.DynamicObject: only added fields can be deleted.
func (o *overlay[F]) Delete(key string) bool {
	delete(o.extra, key)
	var f F
	return !slices.Contains(f.names(), key)
}

// Keys implements goja.DynamicObject: the built-in fields in order, then
// the added ones.
func (o *overlay[F]) Keys() []string {
	var f F
	fields := f.names()
	keys := append([]string(nil), fields...)
	for k := range o.extra {
		if !slices.Contains(fields, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// headerObject is {Canonical-Name: "v1, v2"}.
func (r *response) headerObject() *goja.Object {
	o := r.m.rt.NewObject()
	for i, h := range r.r.Header {
		key := textproto.CanonicalMIMEHeaderKey(h.Key)
		seen := false
		for _, p := range r.r.Header[:i] {
			if textproto.CanonicalMIMEHeaderKey(p.Key) == key {
				seen = true
				break
			}
		}
		if seen {
			continue
		}
		val := h.Value
		for _, n := range r.r.Header[i+1:] {
			if textproto.CanonicalMIMEHeaderKey(n.Key) == key {
				val += ", " + n.Value
			}
		}
		_ = o.Set(key, val)
	}
	return o
}

// bodyValue is a string for text, an ArrayBuffer for binary, null when the
// body was discarded or the request failed. A text body equal to the last
// one the VU read is the same goja value (see sharedBody).
func (r *response) bodyValue() goja.Value {
	if r.r.Body == nil {
		return goja.Null()
	}
	if r.req.ResponseType == httpc.Binary {
		return r.m.rt.ToValue(r.m.rt.NewArrayBuffer(r.r.Body))
	}
	return r.m.lastBody.value(r.m.rt, r.r.Body)
}

// maxSharedBody is the largest body a sharedBody keeps: it stays with the
// VU after the response is gone, and comparing with it costs up to this
// many bytes when a body of the same length differs.
const maxSharedBody = 512

// sharedBody is the JavaScript string of the last text body a VU read.
// A load test reads the same body over and over (a static page, a health
// check, an API's fixed answer); reusing the string saves converting it,
// three allocations (the bytes, the interface and goja's string value).
// Scripts cannot tell: strings are primitives, compared by content, and
// goja's string values do not change. The zero value is empty.
type sharedBody struct {
	s string     // the body, when v is set
	v goja.Value // s as a JavaScript string, nil until the first body
}

// value is body as a JavaScript string.
func (c *sharedBody) value(rt *goja.Runtime, body []byte) goja.Value {
	if c.v != nil && string(body) == c.s { // compared without a conversion
		return c.v
	}
	s := string(body)
	v := rt.ToValue(s)
	if len(s) <= maxSharedBody {
		c.s, c.v = s, v
	}
	return v
}

// ms converts d to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// timingsObject is res.timings: a dynamic object over the response's
// Timings (stored in the response, so it costs only goja's object), whose
// fields become numbers when read. A script building k6-style objects
// reads one or two of the seven fields; setting the seven on a plain object
// cost a property map and seven boxed numbers per response.
func (r *response) timingsObject() *goja.Object {
	r.tv.t = &r.r.Timings
	r.tv.rt = r.m.rt
	return r.m.rt.NewDynamicObject(&r.tv)
}

// timingKeys are the fields of res.timings, in k6's order.
var timingKeys = []string{"blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration"}

// timingFields names the fields of res.timings for its overlay.
type timingFields struct{}

func (timingFields) names() []string { return timingKeys }

// timingsView implements goja.DynamicObject for res.timings.
type timingsView struct {
	t  *httpc.Timings
	rt *goja.Runtime

	overlay[timingFields] // properties the script set, overrides included
}

// Get implements goja.DynamicObject: a timing in float milliseconds.
func (v *timingsView) Get(key string) goja.Value {
	if x, ok := v.extra[key]; ok {
		return x
	}
	t := v.t
	var d time.Duration
	switch key {
	case "blocked":
		d = t.Blocked
	case "connecting":
		d = t.Connecting
	case "tls_handshaking":
		d = t.TLSHandshaking
	case "sending":
		d = t.Sending
	case "waiting":
		d = t.Waiting
	case "receiving":
		d = t.Receiving
	case "duration":
		d = t.Duration
	default:
		return nil
	}
	return v.rt.ToValue(ms(d))
}

// cookiesObject is {name: [{name, value, domain, path, http_only, secure,
// max_age, expires}]} from the final hop's Set-Cookie headers; expires is
// Unix milliseconds, 0 when unset.
func (r *response) cookiesObject() *goja.Object {
	rt := r.m.rt
	var g grouped
	for _, c := range r.r.Cookies {
		var exp int64
		if !c.Expires.IsZero() {
			exp = c.Expires.UnixMilli()
		}
		co := rt.NewObject()
		_ = co.Set("name", c.Name)
		_ = co.Set("value", c.Value)
		_ = co.Set("domain", c.Domain)
		_ = co.Set("path", c.Path)
		_ = co.Set("http_only", c.HTTPOnly)
		_ = co.Set("secure", c.Secure)
		_ = co.Set("max_age", c.MaxAge)
		_ = co.Set("expires", exp)
		g.add(c.Name, co)
	}
	return g.object(rt)
}

// requestObject is {method, url, headers: {name: [values]}, body, cookies:
// {name: [{name, value, replace}]}} of the request as the script gave it.
func (r *response) requestObject() *goja.Object {
	rt := r.m.rt
	o := rt.NewObject()
	_ = o.Set("method", r.req.Method)
	_ = o.Set("url", r.req.URL)
	var h grouped
	for _, x := range r.req.Header {
		h.add(textproto.CanonicalMIMEHeaderKey(x.Key), x.Value)
	}
	_ = o.Set("headers", h.object(rt))
	_ = o.Set("body", string(r.req.Body))
	var c grouped
	for _, x := range r.req.Cookies {
		co := rt.NewObject()
		_ = co.Set("name", x.Name)
		_ = co.Set("value", x.Value)
		_ = co.Set("replace", x.Replace)
		c.add(x.Name, co)
	}
	_ = o.Set("cookies", c.object(rt))
	return o
}

// grouped collects values by name for a {name: [values]} object whose
// names keep the order of their first value. The zero value is empty.
type grouped struct {
	lists map[string][]any
	order []string
}

// add appends v to name's list.
func (g *grouped) add(name string, v any) {
	if g.lists == nil {
		g.lists = map[string][]any{}
	}
	if _, ok := g.lists[name]; !ok {
		g.order = append(g.order, name)
	}
	g.lists[name] = append(g.lists[name], v)
}

// object is {name: [values]} on rt.
func (g *grouped) object(rt *goja.Runtime) *goja.Object {
	o := rt.NewObject()
	for _, name := range g.order {
		_ = o.Set(name, rt.NewArray(g.lists[name]...))
	}
	return o
}
