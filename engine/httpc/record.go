package httpc

import (
	"math"
	"net/http"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// record writes one hop's samples. Tags: req.Tags, then method, status, url
// (the name tag's value when req.Tags has one, bounding cardinality as k6
// does), name (the URL unless set), proto and tls_version when known,
// error_code when non-zero, expected_response when req.Expected is set. The
// tag set comes from the client's small memo of recent tag sets (a few
// string comparisons), else is interned through its TagCache; the samples go
// to the recorder as one metrics.Group (one lock). No allocation once seen.
func (c *Client) record(h *hopState, resp *Response) {
	if c.tags == nil {
		return
	}
	req := h.req
	failed := math.NaN() // no expected-status rule: no http_req_failed sample
	exp := int8(-1)
	if req.Expected != nil {
		failed, exp = 1, 0
		if req.Expected.Contains(resp.Status) {
			failed, exp = 0, 1
		}
	}
	ts := c.memoTags(h, resp, exp)
	if ts == nil {
		ts = c.internTags(h, resp, exp)
	}
	t := &resp.Timings
	sent, received := math.NaN(), math.NaN()
	if h.sent > 0 {
		sent = float64(h.sent)
	}
	if h.received > 0 {
		received = float64(h.received)
	}
	v := [httpSamples]float64{
		1, msOf(t.Duration), msOf(t.Blocked), msOf(t.Connecting), msOf(t.TLSHandshaking),
		msOf(t.Sending), msOf(t.Waiting), msOf(t.Receiving), failed, sent, received,
	}
	c.rec.AddGroup(c.group, ts, v[:])
}

// httpSamples is the number of samples of one hop, in the order of
// newHTTPGroup.
const httpSamples = 11

// newHTTPGroup returns the metrics of one hop: http_reqs, http_req_duration,
// _blocked, _connecting, _tls_handshaking, _sending, _waiting, _receiving,
// http_req_failed, data_sent, data_received.
func newHTTPGroup(bi *metrics.Builtin) *metrics.Group {
	return metrics.NewGroup(bi.HTTPReqs, bi.HTTPReqDuration, bi.HTTPReqBlocked, bi.HTTPReqConnecting,
		bi.HTTPReqTLSHandshaking, bi.HTTPReqSending, bi.HTTPReqWaiting, bi.HTTPReqReceiving,
		bi.HTTPReqFailed, bi.DataSent, bi.DataReceived)
}

// msOf converts d to float milliseconds, the unit of Time metrics.
func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// tagMemo is one remembered tag set: the inputs record builds it from and
// the interned result.
type tagMemo struct {
	in                      []metrics.Tag // a copy of req.Tags
	url, method, proto, tls string
	status, errorCode       int
	expected                int8 // -1 no rule, 0 not expected, 1 expected
	ts                      *metrics.TagSet
}

// tagMemos is how many tag sets a client remembers: the distinct requests
// of a typical iteration.
const tagMemos = 8

// memoTags returns the remembered tag set of this hop's inputs, or nil.
func (c *Client) memoTags(h *hopState, resp *Response, exp int8) *metrics.TagSet {
	for i := range c.memo {
		m := &c.memo[i]
		if m.ts == nil || m.status != resp.Status || m.expected != exp || m.errorCode != resp.ErrorCode ||
			m.url != h.url || m.method != h.method || m.proto != h.proto || m.tls != h.tlsVersion ||
			len(m.in) != len(h.req.Tags) {
			continue
		}
		if metrics.SameTags(m.in, h.req.Tags) {
			return m.ts
		}
	}
	return nil
}

// internTags builds the hop's tag set, interns it and remembers it in the
// memo slot after the last one used (round robin).
func (c *Client) internTags(h *hopState, resp *Response, exp int8) *metrics.TagSet {
	req := h.req
	// The list is built on the stack (Intern does not keep it): a buffer
	// kept in the client cost a VU 0.25 KiB. This is not on the deepest
	// stack of an iteration (roundTrip's is deeper).
	var buf [12]metrics.Tag
	tags := append(buf[:0], req.Tags...)
	name := ""
	for i := range req.Tags {
		if req.Tags[i].Key == "name" {
			name = req.Tags[i].Value
		}
	}
	url := h.url
	if name != "" {
		url = name
	} else {
		name = h.url
		tags = append(tags, metrics.Tag{Key: "name", Value: name})
	}
	tags = append(tags,
		metrics.Tag{Key: "method", Value: h.method},
		metrics.Tag{Key: "status", Value: statusString(resp.Status)},
		metrics.Tag{Key: "url", Value: url},
	)
	if h.proto != "" {
		tags = append(tags, metrics.Tag{Key: "proto", Value: h.proto})
	}
	if h.tlsVersion != "" {
		tags = append(tags, metrics.Tag{Key: "tls_version", Value: h.tlsVersion})
	}
	if resp.ErrorCode != 0 {
		tags = append(tags, metrics.Tag{Key: "error_code", Value: errorCodeString(resp.ErrorCode)})
	}
	if exp >= 0 {
		ok := "false"
		if exp == 1 {
			ok = "true"
		}
		tags = append(tags, metrics.Tag{Key: "expected_response", Value: ok})
	}
	ts := c.tags.Intern(tags)
	// The memo grows to tagMemos entries as distinct requests appear (a
	// VU that makes one request keeps one), then is reused round robin.
	if len(c.memo) < tagMemos {
		c.memo = append(c.memo, tagMemo{})
		c.memoNext = len(c.memo) - 1
	}
	m := &c.memo[c.memoNext]
	c.memoNext = (c.memoNext + 1) % tagMemos
	*m = tagMemo{
		in: append(m.in[:0], req.Tags...), url: h.url, method: h.method, proto: h.proto, tls: h.tlsVersion,
		status: resp.Status, errorCode: resp.ErrorCode, expected: exp, ts: ts,
	}
	return ts
}

// Contains reports whether status is in one of e's ranges.
func (e *Expected) Contains(status int) bool {
	for _, r := range e.Ranges {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}

// parseResponseCookie parses one Set-Cookie line for Response.Cookies.
func parseResponseCookie(line string) (ResponseCookie, bool) {
	hc, err := http.ParseSetCookie(line)
	if err != nil {
		return ResponseCookie{}, false
	}
	rc := ResponseCookie{
		Name: hc.Name, Value: hc.Value, Domain: hc.Domain, Path: hc.Path,
		MaxAge: hc.MaxAge, HTTPOnly: hc.HttpOnly, Secure: hc.Secure,
	}
	if !hc.Expires.IsZero() {
		rc.Expires = hc.Expires.In(time.UTC)
	}
	return rc, true
}
