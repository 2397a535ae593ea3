package httpc

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// h2State is a client's HTTP/2 fallback: the hosts whose TLS handshake chose
// h2, a net/http Transport owned by the client, and connections dialled by
// fasthttp's path that the Transport takes over.
type h2State struct {
	hosts     map[string]bool // pool keys ("https://host:port") that speak h2; owner goroutine only
	mu        sync.Mutex
	pending   map[string]*tls.Conn // "host:port" -> handshaken h2 connection
	transport *http.Transport
}

func (s *h2State) isH2(key []byte) bool { return s != nil && len(s.hosts) > 0 && s.hosts[string(key)] }

func (s *h2State) markH2(key []byte) {
	if s.hosts == nil {
		s.hosts = map[string]bool{}
	}
	s.hosts[string(key)] = true
}

func (s *h2State) stash(addr string, tc *tls.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]*tls.Conn{}
	}
	if old := s.pending[addr]; old != nil {
		_ = old.Close()
	}
	s.pending[addr] = tc
}

func (s *h2State) take(addr string) *tls.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	tc := s.pending[addr]
	delete(s.pending, addr)
	return tc
}

func (s *h2State) closeIdle() {
	if s == nil {
		return
	}
	s.mu.Lock()
	for k, tc := range s.pending {
		_ = tc.Close()
		delete(s.pending, k)
	}
	t := s.transport
	s.mu.Unlock()
	if t != nil {
		t.CloseIdleConnections()
	}
}

// h2Trace receives net/http's trace callbacks, which may run on the
// Transport's goroutines: instants are atomic Unix nanoseconds.
type h2Trace struct {
	gotConn, wrote, firstByte atomic.Int64
	reused                    atomic.Bool
	cc                        atomic.Pointer[countConn]
}

func (c *Client) h2Transport() *http.Transport {
	c.h2.mu.Lock()
	defer c.h2.mu.Unlock()
	if c.h2.transport == nil {
		c.h2.transport = &http.Transport{
			Proxy:               nil,
			DialTLSContext:      c.dialH2,
			ForceAttemptHTTP2:   true,
			DisableCompression:  true,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}
	}
	return c.h2.transport
}

// dialH2 is the Transport's TLS dialler: a connection already handshaken by
// the fasthttp path when available, else a new one (measured in countConn).
func (c *Client) dialH2(ctx context.Context, _, addr string) (net.Conn, error) {
	if tc := c.h2.take(addr); tc != nil {
		return tc, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.timeout)
	}
	dr, err := c.dial(ctx, host, port, true, deadline)
	if err != nil {
		return nil, err
	}
	_ = dr.tc.SetDeadline(time.Time{})
	return dr.tc, nil
}

// roundTripH2 sends the hop through net/http. tc, when not nil, is the
// connection whose handshake just chose h2 (its timings are already in h).
// This path allocates (net/http requests, trace, context).
func (c *Client) roundTripH2(ctx context.Context, h *hopState, resp *Response, key []byte, tc *tls.Conn) {
	addr := string(bytes.TrimPrefix(key, []byte("https://")))
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "443")
	}
	if tc != nil {
		_ = tc.SetDeadline(time.Time{})
		c.h2.stash(addr, tc)
	}
	t := c.h2Transport()
	tr := &h2Trace{}
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			tr.gotConn.Store(time.Now().UnixNano())
			tr.reused.Store(info.Reused)
			if tlc, ok := info.Conn.(*tls.Conn); ok {
				if cc, ok := tlc.NetConn().(*countConn); ok {
					tr.cc.Store(cc)
				}
			}
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { tr.wrote.Store(time.Now().UnixNano()) },
		GotFirstResponseByte: func() { tr.firstByte.Store(time.Now().UnixNano()) },
	}
	rctx, cancel := context.WithDeadline(ctx, h.deadline)
	defer cancel()
	rctx = httptrace.WithClientTrace(rctx, trace)
	var body io.Reader
	if len(h.body) > 0 {
		body = bytes.NewReader(h.body)
	}
	hreq, err := http.NewRequestWithContext(rctx, h.method, h.url, body)
	if err != nil {
		c.fail(ctx, h, resp, &errInvalidURL{msg: err.Error()}, phaseWrite)
		return
	}
	hreq.URL.User = nil
	if u := c.uri.Username(); len(u) > 0 && h.sendAuth {
		hreq.SetBasicAuth(string(u), string(c.uri.Password()))
	}
	hasUA := false
	c.cookieBuf = c.cookieBuf[:0]
	for i := range h.req.Header {
		kv := &h.req.Header[i]
		switch k := http.CanonicalHeaderKey(kv.Key); {
		case k == "Authorization" && !h.sendAuth, k == "Content-Length",
			h.droppedBody && k == "Content-Type":
			continue
		case k == "Cookie":
			if h.sendCookieHeader {
				c.cookieBuf = append(c.cookieBuf, kv.Value...)
			}
			continue
		case k == "Host":
			hreq.Host = kv.Value
			continue
		case k == "User-Agent":
			hasUA = true
		}
		hreq.Header.Add(kv.Key, kv.Value)
	}
	if !hasUA {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	if c.cookieBuf = c.appendCookies(h, c.cookieBuf); len(c.cookieBuf) > 0 {
		hreq.Header.Set("Cookie", string(c.cookieBuf))
	}

	hresp, err := t.RoundTrip(hreq)
	fromNanos := func(n int64) time.Time {
		if n == 0 {
			return time.Time{}
		}
		return time.Unix(0, n)
	}
	h.gotConn = fromNanos(tr.gotConn.Load())
	if !h.gotConn.IsZero() && !tr.reused.Load() && tc == nil {
		h.newConn = true
		h.tlsDone = h.gotConn
		if cc := tr.cc.Load(); cc != nil {
			h.tcpDone = h.tlsDone.Add(-cc.tlsHandshaking)
			h.dnsDone = h.tcpDone.Add(-cc.connecting)
		} else {
			h.tcpDone, h.dnsDone = h.tlsDone, h.tlsDone
		}
	} else if tc != nil {
		h.newConn = true
	}
	h.sendStart = h.gotConn
	if tc != nil {
		h.sendStart = h.tlsDone
	}
	h.sendEnd = fromNanos(tr.wrote.Load())
	h.firstByte = fromNanos(tr.firstByte.Load())
	if err != nil {
		if h.sendStart.IsZero() && !h.newConn {
			h.newConn = true // failed while dialling
		}
		c.fail(ctx, h, resp, err, phaseDial)
		return
	}
	defer func() { _ = hresp.Body.Close() }()
	followed := h.followable && isFollowedRedirect(hresp.StatusCode) && hresp.Header.Get("Location") != ""
	if c.discards(h.req.ResponseType) || followed {
		_, err = io.Copy(io.Discard, hresp.Body)
		resp.Body = nil
	} else {
		var raw []byte
		raw, err = readAllInto(resp.Body[:0], hresp.Body)
		if err == nil {
			resp.Body, err = c.decode([]byte(hresp.Header.Get("Content-Encoding")), raw)
		}
	}
	h.end = time.Now()
	h.firstByte = fromNanos(tr.firstByte.Load())
	h.sendEnd = fromNanos(tr.wrote.Load())
	if h.sendEnd.After(h.firstByte) && !h.firstByte.IsZero() {
		h.sendEnd = h.firstByte // HTTP/2 may report the write after the answer began
	}
	if err != nil {
		c.fail(ctx, h, resp, err, phaseRead)
		return
	}
	h.proto = hresp.Proto
	resp.Status = hresp.StatusCode
	resp.Proto = hresp.Proto
	resp.StatusText = hresp.Status
	resp.ErrorCode = StatusErrorCode(hresp.StatusCode)
	if cc := tr.cc.Load(); cc != nil {
		resp.RemoteIP, resp.RemotePort = cc.remoteIP, cc.remotePort
	} else if tc != nil {
		if cc, ok := tc.NetConn().(*countConn); ok {
			resp.RemoteIP, resp.RemotePort = cc.remoteIP, cc.remotePort
		}
	}
	if hresp.TLS != nil {
		h.tlsVersion = tlsVersionName(hresp.TLS.Version)
		resp.TLSVersion, resp.TLSCipher = h.tlsVersion, tlsCipherName(hresp.TLS.CipherSuite)
	}
	for k, vs := range hresp.Header {
		for _, v := range vs {
			resp.Header = append(resp.Header, Header{Key: k, Value: v})
		}
	}
	for _, line := range hresp.Header["Set-Cookie"] {
		if rc, ok := parseResponseCookie(line); ok {
			resp.Cookies = append(resp.Cookies, rc)
		}
		c.ensureHostPath(h)
		h.jar.setFromHeader(h.host, h.pathStr, true, line)
	}
	if c.cfg.NoConnectionReuse {
		t.CloseIdleConnections()
	}
}

func tlsCipherName(id uint16) string { return tls.CipherSuiteName(id) }
