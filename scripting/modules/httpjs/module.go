package httpjs

import (
	"context"
	"fmt"
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

	// Prototypes that mark the module's own objects.
	urlProto  *goja.Object // http.url results
	fileProto *goja.Object // http.file results
	respProto *goja.Object // responses: json(), html(), ...
	jarProto  *goja.Object // CookieJar objects

	jsonParse goja.Callable // JSON.parse of this runtime
	vuJar     *goja.Object  // http.cookieJar(), made on first use

	// tags is scratch for the tag set of a sequential request (the client
	// does not keep Request.Tags).
	tags []metrics.Tag
}

// New returns the exports of the load/http module for vu: request functions,
// batch, url, file, cookieJar, CookieJar, expectedStatuses,
// setResponseCallback and the TLS_* and OCSP_* constants. Every function may
// be called unbound (`const { get } = http`).
func New(vu *modules.VU) *goja.Object {
	rt := vu.Runtime
	m := &module{vu: vu, rt: rt}
	m.initProtos()

	exports := rt.NewObject()
	set := func(name string, v any) {
		if err := exports.Set(name, v); err != nil {
			panic(err) // a fresh object accepts every property
		}
	}
	bodyless := func(method string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			return m.request(method, c.Argument(0), goja.Undefined(), c.Argument(1))
		}
	}
	withBody := func(method string) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			return m.request(method, c.Argument(0), c.Argument(1), c.Argument(2))
		}
	}
	set("get", bodyless("GET"))
	set("head", bodyless("HEAD"))
	set("post", withBody("POST"))
	set("put", withBody("PUT"))
	set("patch", withBody("PATCH"))
	set("del", withBody("DELETE"))
	set("options", withBody("OPTIONS"))
	set("request", func(c goja.FunctionCall) goja.Value {
		return m.request(m.method(c.Argument(0)), c.Argument(1), c.Argument(2), c.Argument(3))
	})
	set("asyncRequest", m.asyncRequest)
	set("batch", m.batch)
	set("url", m.url)
	set("file", m.file)
	set("cookieJar", m.cookieJar)
	jarCtor := rt.ToValue(m.cookieJarConstructor).(*goja.Object)
	if err := jarCtor.DefineDataProperty("prototype", m.jarProto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
	_ = m.jarProto.DefineDataProperty("constructor", jarCtor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	set("CookieJar", jarCtor)
	set("expectedStatuses", m.expectedStatuses)
	set("setResponseCallback", m.setResponseCallback)

	set("TLS_1_0", tlsVersion10)
	set("TLS_1_1", tlsVersion11)
	set("TLS_1_2", tlsVersion12)
	set("TLS_1_3", tlsVersion13)
	set("SSL_3_0", "ssl3.0")
	for name, value := range ocspConstants {
		set(name, value)
	}
	return exports
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

func (m *module) initProtos() {
	rt := m.rt
	parse, ok := goja.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	if !ok {
		panic("httpjs: JSON.parse is not a function")
	}
	m.jsonParse = parse

	m.urlProto = rt.NewObject()
	m.setFn(m.urlProto, "toString", func(c goja.FunctionCall) goja.Value {
		if o, ok := c.This.(*goja.Object); ok {
			return o.Get("url")
		}
		return goja.Undefined()
	})

	m.fileProto = rt.NewObject()

	m.respProto = rt.NewObject()
	m.setFn(m.respProto, "json", m.respJSON)
	for _, name := range []string{"html", "clickLink", "submitForm"} {
		m.setFn(m.respProto, name, func(goja.FunctionCall) goja.Value {
			m.throwf("response.%s() is not supported: parse the body with a JavaScript library instead", name)
			return nil
		})
	}

	m.initJarProto()
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
