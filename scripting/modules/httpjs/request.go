package httpjs

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
)

// reqOpts are the parts of params that are not fields of httpc.Request.
type reqOpts struct {
	throw bool // throw on a transport error (params.throw, else the throw option)
}

// prepare fills req from a request's JavaScript arguments. tags is scratch
// that becomes req.Tags (base tags, then params.tags, then the http.url
// name). It throws a JavaScript error on an invalid argument.
func (m *module) prepare(req *httpc.Request, tags []metrics.Tag, method string, urlArg, body, params goja.Value) reqOpts {
	url, name := m.parseURL(urlArg)
	*req = httpc.Request{Method: method, URL: url, Redirects: -1, Expected: m.vu.State.Expected()}
	opts := reqOpts{throw: m.vu.State.Throw()}
	tags = m.vu.State.Tags(tags)
	if name != "" {
		tags = setTag(tags, "name", name)
	}

	var compression string
	if !isNullish(params) {
		po, ok := params.(*goja.Object)
		if !ok {
			m.throwf("params must be an object, got %s", params.String())
		}
		for _, key := range po.Keys() {
			v := po.Get(key)
			switch key {
			case "headers":
				req.Header = m.parseHeaders(req.Header, v)
			case "tags":
				tags = m.parseTags(tags, v)
			case "timeout":
				req.Timeout = m.parseTimeout(v)
			case "redirects":
				if !isNullish(v) {
					n := v.ToInteger()
					if n < 0 {
						m.throwf("params.redirects must be >= 0, got %d", n)
					}
					req.Redirects = int(n)
				}
			case "responseType":
				req.ResponseType = m.parseResponseType(v)
			case "cookies":
				req.Cookies = m.parseCookies(req.Cookies, v)
			case "jar":
				req.Jar = m.parseJar(v)
			case "auth":
				m.parseAuth(v)
			case "responseCallback":
				req.Expected = m.parseExpected(v)
			case "compression":
				if !isNullish(v) {
					compression = v.String()
				}
			case "throw":
				opts.throw = v.ToBoolean()
			}
			// Other keys are ignored, as in k6.
		}
	}
	req.Tags = tags
	req.Body = m.parseBody(req, body)
	if compression != "" && len(req.Body) > 0 {
		m.compress(req, compression)
	}
	return opts
}

// parseURL reads a URL argument: a string, or an http.url result (whose
// template becomes the name tag).
func (m *module) parseURL(v goja.Value) (url, name string) {
	if isNullish(v) {
		m.throwf("a request needs a URL, got %v", v)
	}
	if o, ok := v.(*goja.Object); ok && m.isURL(o) {
		return o.Get("url").String(), o.Get("name").String()
	}
	return v.String(), ""
}

// setTag sets key to value in tags, replacing an earlier value.
func setTag(tags []metrics.Tag, key, value string) []metrics.Tag {
	for i := range tags {
		if tags[i].Key == key {
			tags[i].Value = value
			return tags
		}
	}
	return append(tags, metrics.Tag{Key: key, Value: value})
}

func (m *module) parseTags(tags []metrics.Tag, v goja.Value) []metrics.Tag {
	if isNullish(v) {
		return tags
	}
	o, ok := v.(*goja.Object)
	if !ok {
		m.throwf("params.tags must be an object, got %s", v.String())
	}
	for _, k := range o.Keys() {
		tv := o.Get(k)
		if isNullish(tv) {
			continue
		}
		tags = setTag(tags, k, tv.String())
	}
	return tags
}

func (m *module) parseHeaders(dst []httpc.Header, v goja.Value) []httpc.Header {
	if isNullish(v) {
		return dst
	}
	o, ok := v.(*goja.Object)
	if !ok {
		m.throwf("params.headers must be an object, got %s", v.String())
	}
	for _, k := range o.Keys() {
		hv := o.Get(k)
		if isNullish(hv) {
			continue
		}
		dst = append(dst, httpc.Header{Key: k, Value: hv.String()})
	}
	return dst
}

// parseTimeout reads params.timeout: a number of milliseconds or a duration
// string ("1.5s", "300ms"; a bare number string is milliseconds). 0 keeps
// the client's default (the options' timeout, else 60 s); negative throws.
func (m *module) parseTimeout(v goja.Value) time.Duration {
	if isNullish(v) {
		return 0
	}
	var d time.Duration
	switch x := v.Export().(type) {
	case int64:
		d = time.Duration(x) * time.Millisecond
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			m.throwf("invalid params.timeout %v", x)
		}
		d = time.Duration(x * float64(time.Millisecond))
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			d = time.Duration(f * float64(time.Millisecond))
			break
		}
		var err error
		if d, err = time.ParseDuration(x); err != nil {
			m.throwf("invalid params.timeout %q: want milliseconds or a duration such as \"5s\"", x)
		}
	default:
		m.throwf("invalid params.timeout %s: want milliseconds or a duration such as \"5s\"", v.String())
	}
	if d < 0 {
		m.throwf("params.timeout must not be negative, got %s", v.String())
	}
	return d // 0: the client's default timeout
}

func (m *module) parseResponseType(v goja.Value) httpc.ResponseType {
	if isNullish(v) {
		return httpc.Default
	}
	switch s := v.String(); s {
	case "text":
		return httpc.Text
	case "binary":
		return httpc.Binary
	case "none":
		return httpc.None
	default:
		m.throwf("invalid params.responseType %q: want 'text', 'binary' or 'none'", s)
		return 0
	}
}

// parseCookies reads params.cookies: {name: value} or
// {name: {value, replace}}.
func (m *module) parseCookies(dst []httpc.Cookie, v goja.Value) []httpc.Cookie {
	if isNullish(v) {
		return dst
	}
	o, ok := v.(*goja.Object)
	if !ok {
		m.throwf("params.cookies must be an object, got %s", v.String())
	}
	for _, name := range o.Keys() {
		cv := o.Get(name)
		if isNullish(cv) {
			continue
		}
		c := httpc.Cookie{Name: name}
		if co, ok := cv.(*goja.Object); ok && co.ClassName() == "Object" {
			if val := co.Get("value"); !isNullish(val) {
				c.Value = val.String()
			}
			if rep := co.Get("replace"); rep != nil {
				c.Replace = rep.ToBoolean()
			}
		} else {
			c.Value = cv.String()
		}
		dst = append(dst, c)
	}
	return dst
}

// parseAuth accepts params.auth 'basic' (credentials come from the URL's
// userinfo, which the client always turns into a Basic header) and rejects
// the schemes Loadline does not implement.
func (m *module) parseAuth(v goja.Value) {
	if isNullish(v) {
		return
	}
	switch s := strings.ToLower(v.String()); s {
	case "basic":
	case "digest", "ntlm":
		m.throwf("params.auth %q is not supported; use 'basic' or set the Authorization header yourself", s)
	default:
		m.throwf("invalid params.auth %q: only 'basic' is supported", s)
	}
}
