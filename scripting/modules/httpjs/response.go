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

	// Converted fields, nil until first read.
	headers, body, timings, cookies, request, ocsp goja.Value
	parsed                                         goja.Value // json() without a selector
	validJSON                                      int8       // 0 unknown, 1 valid, -1 invalid

	// extra holds properties the script set or overrode.
	extra map[string]goja.Value

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
		if err := r.obj.SetPrototype(r.m.respProto); err != nil {
			panic(err)
		}
	}
	return r.obj
}

// Get implements goja.DynamicObject.
func (r *response) Get(key string) goja.Value {
	if r.extra != nil {
		if v, ok := r.extra[key]; ok {
			return v
		}
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

// Set implements goja.DynamicObject: scripts may add or override fields.
func (r *response) Set(key string, val goja.Value) bool {
	if r.extra == nil {
		r.extra = make(map[string]goja.Value)
	}
	r.extra[key] = val
	return true
}

// Has implements goja.DynamicObject.
func (r *response) Has(key string) bool {
	if _, ok := r.extra[key]; ok {
		return true
	}
	return isField(key)
}

// Delete implements goja.DynamicObject: only added fields can be deleted.
func (r *response) Delete(key string) bool {
	delete(r.extra, key)
	return !isField(key)
}

// Keys implements goja.DynamicObject.
func (r *response) Keys() []string {
	keys := append([]string(nil), responseKeys...)
	for k := range r.extra {
		if !isField(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// isField reports whether key is a built-in response field.
func isField(key string) bool {
	for _, k := range responseKeys {
		if k == key {
			return true
		}
	}
	return false
}

// headerObject is {Canonical-Name: "v1, v2"}.
func (r *response) headerObject() goja.Value {
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
// body was discarded or the request failed.
func (r *response) bodyValue() goja.Value {
	if r.r.Body == nil {
		return goja.Null()
	}
	if r.req.ResponseType == httpc.Binary {
		return r.m.rt.ToValue(r.m.rt.NewArrayBuffer(r.r.Body))
	}
	return r.m.rt.ToValue(string(r.r.Body))
}

// ms converts d to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// timingsObject is res.timings: a dynamic object over the response's
// Timings (stored in the response, so it costs only goja's object), whose
// fields become numbers when read. A script building k6-style objects
// reads one or two of the seven fields; setting the seven on a plain object
// cost a property map and seven boxed numbers per response.
func (r *response) timingsObject() goja.Value {
	r.tv.t = &r.r.Timings
	r.tv.rt = r.m.rt
	return r.m.rt.NewDynamicObject(&r.tv)
}

// timingKeys are the fields of res.timings, in k6's order.
var timingKeys = []string{"blocked", "connecting", "tls_handshaking", "sending", "waiting", "receiving", "duration"}

// timingsView implements goja.DynamicObject for res.timings.
type timingsView struct {
	t     *httpc.Timings
	rt    *goja.Runtime
	extra map[string]goja.Value // properties the script set, overrides included
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

// Set implements goja.DynamicObject: scripts may add or override fields.
func (v *timingsView) Set(key string, val goja.Value) bool {
	if v.extra == nil {
		v.extra = make(map[string]goja.Value)
	}
	v.extra[key] = val
	return true
}

// Has implements goja.DynamicObject.
func (v *timingsView) Has(key string) bool {
	if _, ok := v.extra[key]; ok {
		return true
	}
	return slices.Contains(timingKeys, key)
}

// Delete implements goja.DynamicObject: only added fields can be deleted.
func (v *timingsView) Delete(key string) bool {
	delete(v.extra, key)
	return !slices.Contains(timingKeys, key)
}

// Keys implements goja.DynamicObject.
func (v *timingsView) Keys() []string {
	keys := append([]string(nil), timingKeys...)
	for k := range v.extra {
		if !slices.Contains(timingKeys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// cookiesObject is {name: [{name, value, domain, path, http_only, secure,
// max_age, expires}]} from the final hop's Set-Cookie headers; expires is
// Unix milliseconds, 0 when unset.
func (r *response) cookiesObject() goja.Value {
	rt := r.m.rt
	o := rt.NewObject()
	lists := map[string][]any{}
	var order []string
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
		if _, ok := lists[c.Name]; !ok {
			order = append(order, c.Name)
		}
		lists[c.Name] = append(lists[c.Name], co)
	}
	for _, name := range order {
		_ = o.Set(name, rt.NewArray(lists[name]...))
	}
	return o
}

// requestObject is {method, url, headers: {name: [values]}, body, cookies:
// {name: [{name, value, replace}]}} of the request as the script gave it.
func (r *response) requestObject() goja.Value {
	rt := r.m.rt
	o := rt.NewObject()
	_ = o.Set("method", r.req.Method)
	_ = o.Set("url", r.req.URL)
	h := rt.NewObject()
	hl := map[string][]any{}
	var order []string
	for _, x := range r.req.Header {
		k := textproto.CanonicalMIMEHeaderKey(x.Key)
		if _, ok := hl[k]; !ok {
			order = append(order, k)
		}
		hl[k] = append(hl[k], x.Value)
	}
	for _, k := range order {
		_ = h.Set(k, rt.NewArray(hl[k]...))
	}
	_ = o.Set("headers", h)
	_ = o.Set("body", string(r.req.Body))
	c := rt.NewObject()
	cl := map[string][]any{}
	order = order[:0]
	for _, x := range r.req.Cookies {
		co := rt.NewObject()
		_ = co.Set("name", x.Name)
		_ = co.Set("value", x.Value)
		_ = co.Set("replace", x.Replace)
		if _, ok := cl[x.Name]; !ok {
			order = append(order, x.Name)
		}
		cl[x.Name] = append(cl[x.Name], co)
	}
	for _, k := range order {
		_ = c.Set(k, rt.NewArray(cl[k]...))
	}
	_ = o.Set("cookies", c)
	return o
}
