package httpjs

import (
	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
)

// batch implements http.batch(requests). requests is an array (responses
// come back as an array, in order) or an object (responses keyed alike).
// Each entry is a URL (string or http.url), an array
// [method, url, body, params] or an object {method, url, body, params};
// method defaults to GET. The requests run in parallel, at most `batch`
// (option, default 20) at once and `batchPerHost` (default 6) per host.
// With throw on, the first transport error is thrown after all finished.
func (m *module) batch(c goja.FunctionCall) goja.Value {
	ctx := m.ctx()
	arg, ok := c.Argument(0).(*goja.Object)
	if !ok {
		m.throwf("batch() needs an array or an object of requests")
	}
	isArray := arg.ClassName() == "Array"
	keys := arg.Keys()
	items := make([]*response, len(keys))
	opts := make([]reqOpts, len(keys))
	for i, k := range keys {
		r := &response{m: m}
		opts[i] = m.batchEntry(r, arg.Get(k))
		items[i] = r
	}

	reqs := make([]*httpc.Request, len(items))
	resps := make([]*httpc.Response, len(items))
	for i, r := range items {
		reqs[i], resps[i] = &r.req, &r.r
	}
	total, perHost := m.batchLimits()
	m.vu.HTTP.Batch(ctx, reqs, resps, total, perHost)

	var out *goja.Object
	if isArray {
		vals := make([]any, len(items))
		for i, r := range items {
			vals[i] = r.object()
		}
		out = m.rt.NewArray(vals...)
	} else {
		out = m.rt.NewObject()
		for i, k := range keys {
			_ = out.Set(k, items[i].object())
		}
	}
	for i, r := range items {
		if opts[i].throw && r.r.Error != "" {
			m.throwf("batch request %s failed: %s", keys[i], r.r.Error)
		}
	}
	return out
}

// batchEntry parses one batch entry into r.req.
func (m *module) batchEntry(r *response, v goja.Value) reqOpts {
	o, isObj := v.(*goja.Object)
	switch {
	case !isObj || m.isURL(o):
		return m.prepare(&r.req, nil, "GET", v, goja.Undefined(), goja.Undefined())
	case o.ClassName() == "Array":
		method := "GET"
		if mv := o.Get("0"); !isNullish(mv) {
			method = m.method(mv)
		}
		return m.prepare(&r.req, nil, method, o.Get("1"), orUndefined(o.Get("2")), orUndefined(o.Get("3")))
	default:
		method := "GET"
		if mv := o.Get("method"); !isNullish(mv) {
			method = m.method(mv)
		}
		return m.prepare(&r.req, nil, method, o.Get("url"), orUndefined(o.Get("body")), orUndefined(o.Get("params")))
	}
}

func orUndefined(v goja.Value) goja.Value {
	if v == nil {
		return goja.Undefined()
	}
	return v
}

// batchLimits returns the options batch and batchPerHost, or their defaults.
func (m *module) batchLimits() (total, perHost int) {
	total, perHost = defaultBatch, defaultBatchPerHost
	if o := m.vu.Options; o != nil {
		if o.Batch != nil && *o.Batch > 0 {
			total = int(*o.Batch)
		}
		if o.BatchPerHost != nil && *o.BatchPerHost > 0 {
			perHost = int(*o.BatchPerHost)
		}
	}
	return total, perHost
}

// asyncRequest implements http.asyncRequest(method, url, body, params): a
// Promise of the response. The request itself runs synchronously on the VU
// goroutine (the VU's client is not safe for concurrent use); the promise
// settles on the VU's event loop, so callbacks run asynchronously as
// scripts expect. Invalid arguments reject the promise.
func (m *module) asyncRequest(c goja.FunctionCall) goja.Value {
	p, resolve, reject := m.rt.NewPromise()
	enqueue := m.vu.State.RunOnLoop()
	var res goja.Value
	ex := m.rt.Try(func() {
		res = m.request(m.method(c.Argument(0)), c.Argument(1), c.Argument(2), c.Argument(3))
	})
	enqueue(func() error {
		if ex != nil {
			return reject(ex.Value())
		}
		return resolve(res)
	})
	return m.rt.ToValue(p)
}
