package httpc

import (
	"net/http"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// record writes one hop's samples. Tags: req.Tags, then method, status, url
// (the name tag's value when req.Tags has one, bounding cardinality as k6
// does), name (the URL unless set), proto and tls_version when known,
// error_code when non-zero, expected_response when req.Expected is set. The
// tag set is interned through the client's TagCache: no allocation once seen.
func (c *Client) record(h *hopState, resp *Response) {
	if c.tags == nil {
		return
	}
	req := h.req
	tags := append(c.tagBuf[:0], req.Tags...)
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
	failed := -1.0
	if req.Expected != nil {
		failed = 1
		ok := "false"
		if req.Expected.Contains(resp.Status) {
			failed, ok = 0, "true"
		}
		tags = append(tags, metrics.Tag{Key: "expected_response", Value: ok})
	}
	c.tagBuf = tags
	ts := c.tags.Intern(tags)
	bi, rec, t := c.bi, c.rec, &resp.Timings
	rec.Add(bi.HTTPReqs, ts, 1)
	rec.AddDuration(bi.HTTPReqDuration, ts, t.Duration)
	rec.AddDuration(bi.HTTPReqBlocked, ts, t.Blocked)
	rec.AddDuration(bi.HTTPReqConnecting, ts, t.Connecting)
	rec.AddDuration(bi.HTTPReqTLSHandshaking, ts, t.TLSHandshaking)
	rec.AddDuration(bi.HTTPReqSending, ts, t.Sending)
	rec.AddDuration(bi.HTTPReqWaiting, ts, t.Waiting)
	rec.AddDuration(bi.HTTPReqReceiving, ts, t.Receiving)
	if failed >= 0 {
		rec.Add(bi.HTTPReqFailed, ts, failed)
	}
	if h.sent > 0 {
		rec.Add(bi.DataSent, ts, float64(h.sent))
	}
	if h.received > 0 {
		rec.Add(bi.DataReceived, ts, float64(h.received))
	}
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
