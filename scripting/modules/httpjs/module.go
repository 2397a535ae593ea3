package httpjs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// k6's TLS version and OCSP names, exported as module constants.
const (
	tlsVersion10 = "tls1.0"
	tlsVersion11 = "tls1.1"
	tlsVersion12 = "tls1.2"
	tlsVersion13 = "tls1.3"
)

// Batch parallelism defaults (k6's options `batch` and `batchPerHost`).
const (
	defaultBatch        = 20
	defaultBatchPerHost = 6
)

// module is one VU's instance of load/http.
type module struct {
	vu *modules.VU
	rt *goja.Runtime

	// Prototypes that mark the module's own objects, each made on first
	// use (nil until then).
	urlProto  *goja.Object // http.url results
	fileProto *goja.Object // http.file results
	respProto *goja.Object // responses: json(), html(), ...
	jarProto  *goja.Object // CookieJar objects

	jarCtor   *goja.Object  // the CookieJar constructor, made with jarProto
	jsonParse goja.Callable // JSON.parse of this runtime (parseFunc)
	vuJar     *goja.Object  // http.cookieJar(), made on first use

	// tags is scratch for the tag set of a sequential request (the client
	// does not keep Request.Tags).
	tags []metrics.Tag

	// lastBody is the JavaScript string of the last text body the VU
	// read, up to maxSharedBody bytes (see response.bodyValue).
	lastBody sharedBody
}

// New returns the exports of the load/http module for vu: request functions,
// batch, url, file, cookieJar, CookieJar, expectedStatuses,
// setResponseCallback and the TLS_* and OCSP_* constants. Every function may
// be called unbound (`const { get } = http`). Members, the prototypes of
// the module's objects and JSON.parse are made on first use (a function
// object costs a VU about 0.7 KiB; a script calling http.get makes one).
func New(vu *modules.VU) *goja.Object {
	m := &module{vu: vu, rt: vu.Runtime}
	return exportMembers.Object(m.rt, m.member)
}

// exportMembers are the module's exports, in the order Object.keys lists
// them.
var exportMembers = modules.NewMembers(append([]string{
	"get", "head", "post", "put", "patch", "del", "options", "request",
	"asyncRequest", "batch", "url", "file", "cookieJar", "CookieJar",
	"expectedStatuses", "setResponseCallback",
	"TLS_1_0", "TLS_1_1", "TLS_1_2", "TLS_1_3", "SSL_3_0",
}, ocspNames()...)...)

// member builds the export name (exportMembers).
func (m *module) member(name string) goja.Value {
	rt := m.rt
	bodyless := func(method string) goja.Value {
		return rt.ToValue(func(c goja.FunctionCall) goja.Value {
			return m.request(method, c.Argument(0), goja.Undefined(), c.Argument(1))
		})
	}
	withBody := func(method string) goja.Value {
		return rt.ToValue(func(c goja.FunctionCall) goja.Value {
			return m.request(method, c.Argument(0), c.Argument(1), c.Argument(2))
		})
	}
	switch name {
	case "get":
		return bodyless("GET")
	case "head":
		return bodyless("HEAD")
	case "post":
		return withBody("POST")
	case "put":
		return withBody("PUT")
	case "patch":
		return withBody("PATCH")
	case "del":
		return withBody("DELETE")
	case "options":
		return withBody("OPTIONS")
	case "request":
		return rt.ToValue(func(c goja.FunctionCall) goja.Value {
			return m.request(m.method(c.Argument(0)), c.Argument(1), c.Argument(2), c.Argument(3))
		})
	case "asyncRequest":
		return rt.ToValue(m.asyncRequest)
	case "batch":
		return rt.ToValue(m.batch)
	case "url":
		return rt.ToValue(m.url)
	case "file":
		return rt.ToValue(m.file)
	case "cookieJar":
		return rt.ToValue(m.cookieJar)
	case "CookieJar":
		m.initJarProto()
		return m.jarCtor
	case "expectedStatuses":
		return rt.ToValue(m.expectedStatuses)
	case "setResponseCallback":
		return rt.ToValue(m.setResponseCallback)
	case "TLS_1_0":
		return rt.ToValue(tlsVersion10)
	case "TLS_1_1":
		return rt.ToValue(tlsVersion11)
	case "TLS_1_2":
		return rt.ToValue(tlsVersion12)
	case "TLS_1_3":
		return rt.ToValue(tlsVersion13)
	case "SSL_3_0":
		return rt.ToValue("ssl3.0")
	}
	return rt.ToValue(ocspConstants[name]) // exportMembers lists no other name
}

// ocspNames are the keys of ocspConstants, sorted.
func ocspNames() []string {
	names := make([]string, 0, len(ocspConstants))
	for n := range ocspConstants {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ocspConstants are k6's OCSP status and revocation reason names. Loadline
// does not staple-check OCSP, so responses always report "unknown".
var ocspConstants = map[string]string{
	"OCSP_STATUS_GOOD":                   "good",
	"OCSP_STATUS_REVOKED":                "revoked",
	"OCSP_STATUS_SERVER_FAILED":          "server_failed",
	"OCSP_STATUS_UNKNOWN":                "unknown",
	"OCSP_REASON_UNSPECIFIED":            "unspecified",
	"OCSP_REASON_KEY_COMPROMISE":         "key_compromise",
	"OCSP_REASON_CA_COMPROMISE":          "ca_compromise",
	"OCSP_REASON_AFFILIATION_CHANGED":    "affiliation_changed",
	"OCSP_REASON_SUPERSEDED":             "superseded",
	"OCSP_REASON_CESSATION_OF_OPERATION": "cessation_of_operation",
	"OCSP_REASON_CERTIFICATE_HOLD":       "certificate_hold",
	"OCSP_REASON_REMOVE_FROM_CRL":        "remove_from_crl",
	"OCSP_REASON_PRIVILEGE_WITHDRAWN":    "privilege_withdrawn",
	"OCSP_REASON_AA_COMPROMISE":          "aa_compromise",
}

// parseFunc returns the runtime's JSON.parse, looked up on first use
// (reading the JSON global makes goja build the JSON object).
func (m *module) parseFunc() goja.Callable {
	if m.jsonParse == nil {
		parse, ok := goja.AssertFunction(m.rt.Get("JSON").ToObject(m.rt).Get("parse"))
		if !ok {
			panic("httpjs: JSON.parse is not a function")
		}
		m.jsonParse = parse
	}
	return m.jsonParse
}

// urlPrototype returns the prototype of http.url results, made on first
// use; isURL reports whether o is one (false while none was made).
func (m *module) urlPrototype() *goja.Object {
	if m.urlProto == nil {
		m.urlProto = m.rt.NewObject()
		m.setFn(m.urlProto, "toString", func(c goja.FunctionCall) goja.Value {
			if o, ok := c.This.(*goja.Object); ok {
				return o.Get("url")
			}
			return goja.Undefined()
		})
	}
	return m.urlProto
}

func (m *module) isURL(o *goja.Object) bool {
	return m.urlProto != nil && o.Prototype() == m.urlProto
}

// filePrototype returns the prototype of http.file results, made on first
// use; isFile reports whether o is one.
func (m *module) filePrototype() *goja.Object {
	if m.fileProto == nil {
		m.fileProto = m.rt.NewObject()
	}
	return m.fileProto
}

func (m *module) isFile(o *goja.Object) bool {
	return m.fileProto != nil && o.Prototype() == m.fileProto
}

// respMembers are the methods of responses, on their prototype.
var respMembers = modules.NewMembers("json", "html", "clickLink", "submitForm")

// responsePrototype returns the prototype of responses, made on first use;
// its methods are made when first read.
func (m *module) responsePrototype() *goja.Object {
	if m.respProto == nil {
		m.respProto = respMembers.Object(m.rt, func(name string) goja.Value {
			if name == "json" {
				return m.rt.ToValue(m.respJSON)
			}
			return m.rt.ToValue(func(goja.FunctionCall) goja.Value {
				m.throwf("response.%s() is not supported: parse the body with a JavaScript library instead", name)
				return nil
			})
		})
	}
	return m.respProto
}

func (m *module) setFn(o *goja.Object, name string, fn func(goja.FunctionCall) goja.Value) {
	if err := o.Set(name, fn); err != nil {
		panic(err)
	}
}

// throwf throws a JavaScript Error with the package prefix.
func (m *module) throwf(format string, args ...any) {
	modules.ThrowError(m.rt, "httpjs: "+fmt.Sprintf(format, args...))
}

// ctx returns the context requests run in, throwing in the init context.
func (m *module) ctx() context.Context {
	if m.vu.InInit || m.vu.HTTP == nil {
		m.throwf("making HTTP requests in the init context is not supported; move them into a function such as default or setup")
	}
	if m.vu.Ctx != nil {
		return m.vu.Ctx
	}
	return context.Background()
}

// method reads request()'s method argument.
func (m *module) method(v goja.Value) string {
	if isNullish(v) {
		m.throwf("request() needs a method as its first argument")
	}
	s := v.String()
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		m.throwf("invalid HTTP method %q", s)
	}
	return s
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// isNullish reports whether v is missing, undefined or null.
func isNullish(v goja.Value) bool {
	return v == nil || goja.IsUndefined(v) || goja.IsNull(v)
}

// request runs one request synchronously and returns its response object.
func (m *module) request(method string, urlArg, body, params goja.Value) goja.Value {
	ctx := m.ctx()
	r := &response{m: m}
	r.r.Header = r.hdr[:0]
	opts := m.prepare(&r.req, m.tags[:0], method, urlArg, body, params)
	m.tags = r.req.Tags[:0]
	m.vu.HTTP.Do(ctx, &r.req, &r.r)
	r.req.Tags = nil // scratch, reused by the next request
	if opts.throw && r.r.Error != "" {
		m.throwf("request failed: %s", r.r.Error)
	}
	return r.object()
}
