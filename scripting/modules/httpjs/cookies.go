package httpjs

import (
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
)

// jarObject is a JavaScript CookieJar: a dynamic object with no own
// properties whose methods (on its prototype) act on an httpc.CookieJar.
type jarObject struct {
	jar *httpc.CookieJar
}

// Get, Set, Has, Delete and Keys implement goja.DynamicObject: a jar has no
// own properties, and its methods live on the prototype.
func (*jarObject) Get(string) goja.Value       { return nil }
func (*jarObject) Set(string, goja.Value) bool { return false }
func (*jarObject) Has(string) bool             { return false }
func (*jarObject) Delete(string) bool          { return true }
func (*jarObject) Keys() []string              { return nil }
func (m *module) newJar(j *httpc.CookieJar) *goja.Object {
	o := m.rt.NewDynamicObject(&jarObject{jar: j})
	m.initJarProto()
	if err := o.SetPrototype(m.jarProto); err != nil {
		panic(err)
	}
	return o
}

// initJarProto builds, once, the CookieJar prototype (set, cookiesForURL,
// clear and delete, as k6's) and the CookieJar constructor.
func (m *module) initJarProto() {
	if m.jarProto != nil {
		return
	}
	m.jarProto = m.rt.NewObject()
	m.jarCtor = m.rt.ToValue(m.cookieJarConstructor).(*goja.Object)
	if err := m.jarCtor.DefineDataProperty("prototype", m.jarProto, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
	_ = m.jarProto.DefineDataProperty("constructor", m.jarCtor, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	m.setFn(m.jarProto, "cookiesForURL", func(c goja.FunctionCall) goja.Value {
		j := m.thisJar(c.This, "cookiesForURL")
		out := m.rt.NewObject()
		for name, values := range j.CookiesForURL(m.jarURL(c.Argument(0))) {
			list := make([]any, len(values))
			for i, v := range values {
				list[i] = v
			}
			_ = out.Set(name, m.rt.NewArray(list...))
		}
		return out
	})
	m.setFn(m.jarProto, "set", func(c goja.FunctionCall) goja.Value {
		j := m.thisJar(c.This, "set")
		u := m.jarURL(c.Argument(0))
		name := c.Argument(1)
		if isNullish(name) || name.String() == "" {
			m.throwf("cookieJar.set() needs a cookie name")
		}
		value := ""
		if v := c.Argument(2); !isNullish(v) {
			value = v.String()
		}
		if err := j.Set(u, name.String(), value, m.cookieOptions(c.Argument(3))); err != nil {
			m.throwf("cookieJar.set(%q): %v", name.String(), err)
		}
		return goja.Undefined()
	})
	m.setFn(m.jarProto, "clear", func(c goja.FunctionCall) goja.Value {
		m.thisJar(c.This, "clear").Clear(m.jarURL(c.Argument(0)))
		return goja.Undefined()
	})
	m.setFn(m.jarProto, "delete", func(c goja.FunctionCall) goja.Value {
		j := m.thisJar(c.This, "delete")
		name := c.Argument(1)
		if isNullish(name) {
			m.throwf("cookieJar.delete() needs a cookie name")
		}
		j.Delete(m.jarURL(c.Argument(0)), name.String())
		return goja.Undefined()
	})
}

func (m *module) thisJar(this goja.Value, method string) *httpc.CookieJar {
	if o, ok := this.(*goja.Object); ok {
		if j, ok := o.Export().(*jarObject); ok {
			return j.jar
		}
	}
	m.throwf("cookieJar.%s() must be called on a cookie jar", method)
	return nil
}

// jarURL reads a URL argument of a jar method (a string or an http.url).
func (m *module) jarURL(v goja.Value) string {
	u, _ := m.parseURL(v)
	return u
}

// cookieOptions reads jar.set's options: {domain, path, expires, max_age,
// secure, http_only}. expires is a date string (RFC 1123 as in a
// Set-Cookie header, or RFC 3339), a Date, or Unix milliseconds.
func (m *module) cookieOptions(v goja.Value) httpc.CookieOptions {
	var o httpc.CookieOptions
	if isNullish(v) {
		return o
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		m.throwf("cookieJar.set() options must be an object")
	}
	str := func(k string) string {
		if x := obj.Get(k); !isNullish(x) {
			return x.String()
		}
		return ""
	}
	o.Domain, o.Path = str("domain"), str("path")
	if x := obj.Get("max_age"); !isNullish(x) {
		o.MaxAge = int(x.ToInteger())
	}
	if x := obj.Get("secure"); x != nil {
		o.Secure = x.ToBoolean()
	}
	if x := obj.Get("http_only"); x != nil {
		o.HTTPOnly = x.ToBoolean()
	}
	if x := obj.Get("expires"); !isNullish(x) {
		switch e := x.Export().(type) {
		case time.Time:
			o.Expires = e
		case int64:
			o.Expires = time.UnixMilli(e)
		case float64:
			o.Expires = time.UnixMilli(int64(e))
		default:
			s := x.String()
			t, err := time.Parse(time.RFC1123, s)
			if err != nil {
				if t, err = time.Parse(time.RFC3339, s); err != nil {
					m.throwf("cookieJar.set(): invalid expires %q: want an RFC 1123 or RFC 3339 date", s)
				}
			}
			o.Expires = t
		}
	}
	return o
}

// cookieJar implements http.cookieJar(): the VU's own jar, the one every
// request uses unless params.jar says otherwise.
func (m *module) cookieJar(goja.FunctionCall) goja.Value {
	if m.vu.HTTP == nil {
		m.throwf("http.cookieJar() is not available in the init context; call it in VU code, or use new http.CookieJar()")
	}
	if m.vuJar == nil {
		m.vuJar = m.newJar(m.vu.HTTP.Jar())
	}
	return m.vuJar
}

// cookieJarConstructor implements `new http.CookieJar()`: an empty jar for
// params.jar, independent of the VU's.
func (m *module) cookieJarConstructor(goja.ConstructorCall) *goja.Object {
	return m.newJar(httpc.NewCookieJar())
}

// parseJar reads params.jar: a CookieJar object, or null/undefined for the
// VU's jar.
func (m *module) parseJar(v goja.Value) *httpc.CookieJar {
	if isNullish(v) {
		return nil
	}
	if o, ok := v.(*goja.Object); ok {
		if j, ok := o.Export().(*jarObject); ok {
			return j.jar
		}
	}
	m.throwf("params.jar must be a CookieJar (http.cookieJar() or new http.CookieJar())")
	return nil
}
