package httpc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// hopState is one hop of a Do call: its inputs and what it measured.
type hopState struct {
	req              *Request
	method           string
	body             []byte
	url              string
	deadline         time.Time
	jar              *CookieJar
	followable       bool // a 3xx of this hop will be followed
	sendAuth         bool // send req's Authorization header (false after a cross-host redirect)
	sendCookieHeader bool // send req's Cookie header (false after a cross-host redirect)
	droppedBody      bool // a 301/302/303 turned the request into a bodiless GET
	keepCookies      bool // the Set-Cookie lines go to Response.Cookies
	https            bool

	host, pathStr string // lazily made strings of the hop's host and path

	start, gotConn, dnsDone, tcpDone, tlsDone time.Time
	sendStart, sendEnd, firstByte, end        time.Time
	newConn                                   bool
	sent0, recv0                              int64 // wire counters at the start
	sent, received                            int64 // bytes of this hop
	proto                                     string
	tlsVersion                                string
}

// ensureHostPath sets h.host (lower-case, no port, no brackets) and
// h.pathStr from c.uri; only cookie handling needs these strings.
func (c *Client) ensureHostPath(h *hopState) {
	if h.host != "" {
		return
	}
	host := c.uri.Host()
	if i := bytes.LastIndexByte(host, ':'); i >= 0 && bytes.IndexByte(host[i:], ']') < 0 {
		host = host[:i]
	}
	h.host = strings.Trim(string(host), "[]")
	h.pathStr = string(c.uri.PathOriginal())
	if h.pathStr == "" {
		h.pathStr = "/"
	}
}

// roundTrip sends one hop through fasthttp (or the HTTP/2 fallback) and
// fills resp. h.url and c.uri describe the hop.
// start is when the hop began (the caller's clock reading, so that one read
// serves both the deadline and the timings).
func (c *Client) roundTrip(ctx context.Context, h *hopState, resp *Response, start time.Time) {
	h.start, h.gotConn, h.dnsDone, h.tcpDone, h.tlsDone = start, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	h.sendStart, h.sendEnd, h.firstByte, h.end = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	h.newConn, h.proto, h.tlsVersion = false, "", ""
	h.https = bytes.EqualFold(c.uri.Scheme(), []byte("https"))
	h.host, h.pathStr = "", ""
	if h.jar.Len() > 0 {
		c.ensureHostPath(h)
	}
	h.sent0, h.recv0 = c.wire.sent.Load(), c.wire.received.Load()
	defer func() {
		h.sent = c.wire.sent.Load() - h.sent0
		h.received = c.wire.received.Load() - h.recv0
		if h.end.IsZero() {
			h.end = time.Now()
		}
		fillTimings(h, resp)
	}()

	key := c.poolKey(h.https)
	if c.h2.isH2(key) {
		c.roundTripH2(ctx, h, resp, key, nil)
		return
	}
	cn, retried := c.idleConn(key), false
	for {
		if cn == nil {
			var err error
			var dr dialResult
			dr, err = c.dialFor(ctx, h)
			h.newConn, h.dnsDone, h.tcpDone, h.tlsDone = true, dr.dnsDone, dr.tcpDone, dr.tlsDone
			if err != nil {
				c.fail(ctx, h, resp, err, dr.failPhase)
				return
			}
			if dr.negotiated == "h2" {
				if c.h2 == nil {
					c.h2 = &h2State{}
				}
				c.h2.markH2(key)
				c.roundTripH2(ctx, h, resp, key, dr.tc)
				return
			}
			cn = &conn{raw: dr.c, nc: dr.c, key: string(c.keyBuf)}
			if dr.tc != nil {
				cn.nc = dr.tc
				st := dr.tc.ConnectionState()
				cn.tlsVersion, cn.tlsCipher = tlsVersionName(st.Version), tlsCipherName(st.CipherSuite)
			}
		}
		if h.newConn {
			h.gotConn = time.Now()
		} else {
			h.gotConn = h.start // a kept-alive connection from the pool: nothing blocked
		}
		reused := cn.used
		err, ph, gotBytes := c.exchange(ctx, h, cn, resp)
		if err == nil {
			return
		}
		cn.close()
		if !retried && reused && !gotBytes && retryable(err) && idempotent(h.method) && ctx.Err() == nil {
			// A kept-alive connection the server had closed: once more on a
			// new one, as net/http does for idempotent requests.
			retried, cn = true, nil
			resetResponse(resp)
			resp.URL = h.url
			continue
		}
		c.fail(ctx, h, resp, err, ph)
		return
	}
}

// dialFor dials the hop's host.
func (c *Client) dialFor(ctx context.Context, h *hopState) (dialResult, error) {
	host := c.uri.Host()
	port := ""
	if i := bytes.LastIndexByte(host, ':'); i >= 0 && bytes.IndexByte(host[i:], ']') < 0 {
		port = string(host[i+1:])
		host = host[:i]
	}
	if port == "" {
		port = "80"
		if h.https {
			port = "443"
		}
	}
	return c.dial(ctx, strings.Trim(string(host), "[]"), port, h.https, h.deadline)
}

// poolKey builds "scheme://host" into c.keyBuf.
func (c *Client) poolKey(https bool) []byte {
	c.keyBuf = c.keyBuf[:0]
	if https {
		c.keyBuf = append(c.keyBuf, "https://"...)
	} else {
		c.keyBuf = append(c.keyBuf, "http://"...)
	}
	c.keyBuf = append(c.keyBuf, c.uri.Host()...)
	return c.keyBuf
}

// idleConn takes the idle connection to key that was put last, or nil.
func (c *Client) idleConn(key []byte) *conn {
	for i := len(c.idle) - 1; i >= 0; i-- {
		if cn := c.idle[i]; cn.key == string(key) {
			copy(c.idle[i:], c.idle[i+1:])
			c.idle[len(c.idle)-1] = nil
			c.idle = c.idle[:len(c.idle)-1]
			return cn
		}
	}
	return nil
}

func (c *Client) putIdle(cn *conn) {
	c.idle = append(c.idle, cn)
}

// exchange writes the request and reads the response on cn. On success cn
// is back in the pool or closed; on error the caller closes it. gotBytes
// says whether any response byte arrived.
func (c *Client) exchange(ctx context.Context, h *hopState, cn *conn, resp *Response) (err error, ph phase, gotBytes bool) {
	cn.acquire()
	if err = cn.nc.SetDeadline(h.deadline); err != nil {
		return err, phaseWrite, false
	}
	c.active.Store(cn)
	defer c.active.Store(nil)
	if ctx.Err() != nil {
		return ctx.Err(), phaseWrite, false
	}
	// The fasthttp request and response (1.5 KiB and their header buffers)
	// come from fasthttp's pools for the exchange, like the connection's
	// buffers: a VU between requests holds neither. The request and the
	// write buffer go back as soon as the request is written, so a VU
	// waiting for its response holds only the read side: VUs that start
	// together (1,000 first iterations at once) have all their requests in
	// flight together, and each pooled object then exists once per VU.
	freq := fasthttp.AcquireRequest()
	c.buildRequest(h, freq)
	h.sendStart = time.Now()
	if err = freq.Write(cn.bw); err == nil {
		err = cn.bw.Flush()
	}
	h.sendEnd = time.Now()
	freq.SetBodyRaw(nil)
	fasthttp.ReleaseRequest(freq)
	cn.releaseWriter()
	if err != nil {
		return err, phaseWrite, false
	}
	cn.used = true

	fr := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(fr)
	fr.SkipBody = h.method == fasthttp.MethodHead
	discard := c.discards(h.req.ResponseType)
	cn.firstByte = time.Time{}
	if cn.br.Buffered() > 0 {
		cn.firstByte = h.sendEnd
	} else {
		cn.armed = true
		// The server cannot have answered yet: reading now would fail with
		// EAGAIN and park on the netpoller, a wasted syscall per request.
		// Let the goroutines that are ready run first (other VUs whose
		// responses came in); by the time this one runs again its response
		// is usually there. With nothing else runnable this returns at once.
		runtime.Gosched()
	}
	// Read the header first, to know whether the body is kept.
	fr.StreamBody = true
	err = fr.Read(cn.br)
	if err != nil && cn.big == nil && isSmallBuffer(err) {
		// A response header over readBufSize: fasthttp only peeked, so the
		// same bytes are read again through a larger reader.
		cn.grow()
		err = fr.Read(cn.br)
	}
	cn.armed = false
	h.firstByte = cn.firstByte
	if err != nil {
		if !h.firstByte.IsZero() {
			return err, phaseRead, true
		}
		return err, phaseRead, false
	}
	status := fr.StatusCode()
	redirected := h.followable && isFollowedRedirect(status) && len(fr.Header.Peek("Location")) > 0
	if discard || redirected {
		if s := fr.BodyStream(); s != nil {
			_, err = io.Copy(io.Discard, s)
		}
		if cerr := fr.CloseBodyStream(); err == nil {
			err = cerr
		}
		resp.Body = nil
	} else {
		var body []byte
		if s := fr.BodyStream(); s != nil {
			body = resp.Body[:0]
			if n := fr.Header.ContentLength(); n > cap(body) && n <= maxBodyPrealloc {
				body = make([]byte, 0, n) // one allocation of the right size
			}
			body, err = readAllInto(body, s)
		}
		if cerr := fr.CloseBodyStream(); err == nil {
			err = cerr
		}
		if err == nil {
			resp.Body, err = c.decode(fr.Header.ContentEncoding(), body)
		}
	}
	h.end = time.Now()
	if err != nil {
		return err, phaseRead, true
	}

	h.proto = "HTTP/1.1"
	if !fr.Header.IsHTTP11() {
		h.proto = "HTTP/1.0"
	}
	h.tlsVersion = cn.tlsVersion
	resp.Status = status
	resp.Proto = h.proto
	resp.StatusText = c.statusText(status, fr.Header.StatusMessage())
	resp.RemoteIP, resp.RemotePort = cn.raw.remoteIP, cn.raw.remotePort
	resp.TLSVersion, resp.TLSCipher = cn.tlsVersion, cn.tlsCipher
	resp.ErrorCode = StatusErrorCode(status)
	// The header and cookie visitors are closures made here: fasthttp only
	// calls them, so they cost no allocation (and, unlike a method between
	// exchange and fasthttp, no stack: the deepest stack of an iteration
	// is under here).
	fr.Header.VisitAll(func(k, v []byte) {
		// A server sends the same header lines in the same order on every
		// response: comparing with the previous response's line at this
		// position is cheaper than searching the string cache.
		var hd Header
		if i := len(resp.Header); i < len(c.prevHdr) {
			if p := &c.prevHdr[i]; string(k) == p.Key {
				hd.Key = p.Key
				if string(v) == p.Value {
					hd.Value = p.Value
				}
			}
		}
		if hd.Key == "" {
			hd.Key = c.strs.intern(k)
		}
		if hd.Value == "" && len(v) > 0 {
			hd.Value = c.strs.intern(v)
		}
		resp.Header = append(resp.Header, hd)
	})
	c.prevHdr = append(c.prevHdr[:0], resp.Header...)
	h.keepCookies = true
	fr.Header.VisitAllCookie(func(_, v []byte) {
		if h.keepCookies {
			if rc, ok := parseResponseCookie(string(v)); ok {
				resp.Cookies = append(resp.Cookies, rc)
			}
		}
		c.ensureHostPath(h)
		h.jar.setFromHeader(h.host, h.pathStr, h.https, string(v))
	})

	if c.cfg.NoConnectionReuse || fr.ConnectionClose() || fr.Header.ContentLength() == -2 {
		cn.close()
	} else {
		cn.release(false)
		c.putIdle(cn)
	}
	return nil, 0, true
}

// buildRequest fills freq from the hop.
func (c *Client) buildRequest(h *hopState, freq *fasthttp.Request) {
	freq.Header.SetNoDefaultContentType(true)
	freq.SetURI(&c.uri)
	freq.Header.SetMethod(h.method)
	hasUA, hasCookie := false, false
	for i := range h.req.Header {
		kv := &h.req.Header[i]
		switch {
		case strings.EqualFold(kv.Key, "Authorization") && !h.sendAuth,
			strings.EqualFold(kv.Key, "Cookie") && !h.sendCookieHeader,
			h.droppedBody && (strings.EqualFold(kv.Key, "Content-Type") || strings.EqualFold(kv.Key, "Content-Length")),
			strings.EqualFold(kv.Key, "Content-Length"):
			continue
		case strings.EqualFold(kv.Key, "User-Agent"):
			hasUA = true
		case strings.EqualFold(kv.Key, "Cookie"):
			hasCookie = true
			c.cookieBuf = append(c.cookieBuf[:0], kv.Value...)
			continue
		case strings.EqualFold(kv.Key, "Host"):
			freq.Header.SetHost(kv.Value)
			freq.UseHostHeader = true
			continue
		}
		freq.Header.Add(kv.Key, kv.Value)
	}
	if !hasUA {
		freq.Header.SetUserAgent(c.userAgent)
	}
	if !hasCookie {
		c.cookieBuf = c.cookieBuf[:0]
	}
	c.cookieBuf = c.appendCookies(h, c.cookieBuf)
	if len(c.cookieBuf) > 0 {
		freq.Header.SetBytesV("Cookie", c.cookieBuf)
	}
	if len(h.body) > 0 {
		freq.SetBodyRaw(h.body)
	}
}

// appendCookies appends the jar's and the request's cookies to dst.
func (c *Client) appendCookies(h *hopState, dst []byte) []byte {
	if h.host != "" {
		dst = h.jar.appendCookieHeader(dst, h.host, h.pathStr, h.https, h.req.Cookies)
	}
	for i := range h.req.Cookies {
		ck := &h.req.Cookies[i]
		if len(dst) > 0 {
			dst = append(dst, "; "...)
		}
		dst = append(dst, ck.Name...)
		dst = append(dst, '=')
		dst = append(dst, ck.Value...)
	}
	return dst
}

// discards reports whether a response of type t is read and dropped.
func (c *Client) discards(t ResponseType) bool {
	return t == None || t == Default && c.cfg.DiscardResponseBodies
}

// decode returns body decoded per Content-Encoding, in dst's storage.
func (c *Client) decode(enc, body []byte) ([]byte, error) {
	var err error
	out := body
	switch {
	case len(enc) == 0 || bytes.EqualFold(enc, []byte("identity")):
	case bytes.EqualFold(enc, []byte("gzip")) || bytes.EqualFold(enc, []byte("x-gzip")):
		out, err = fasthttp.AppendGunzipBytes(c.swap(body), body)
	case bytes.EqualFold(enc, []byte("deflate")):
		out, err = fasthttp.AppendInflateBytes(c.swap(body), body)
	case bytes.EqualFold(enc, []byte("br")):
		out, err = fasthttp.AppendUnbrotliBytes(c.swap(body), body)
	case bytes.EqualFold(enc, []byte("zstd")):
		out, err = fasthttp.AppendUnzstdBytes(c.swap(body), body)
	}
	if err != nil {
		return body, errors.New("httpc: cannot decode " + string(enc) + " body: " + err.Error())
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// swap returns the decode scratch buffer (not aliasing body) and keeps the
// raw body's buffer as the next scratch, so decoding reuses two buffers.
func (c *Client) swap(body []byte) []byte {
	dst := c.decBuf[:0]
	c.decBuf = body[:0]
	return dst
}

// maxBodyPrealloc is the largest Content-Length for which the body buffer
// is allocated up front: a lying header must not make the client allocate
// more than it will read.
const maxBodyPrealloc = 1 << 20

// readAllInto reads r to EOF, appending to dst.
func readAllInto(dst []byte, r io.Reader) ([]byte, error) {
	if dst == nil {
		dst = []byte{}
	}
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// statusText returns "200 OK" (the server's reason phrase, or the standard
// one when the server sent none), interned.
func (c *Client) statusText(status int, msg []byte) string {
	b := append(c.statusBuf[:0], statusString(status)...)
	b = append(b, ' ')
	if len(msg) == 0 {
		b = append(b, fasthttp.StatusMessage(status)...)
	} else {
		b = append(b, msg...)
	}
	c.statusBuf = b
	return c.strs.intern(b)
}

// fail records a transport error in resp.
func (c *Client) fail(ctx context.Context, h *hopState, resp *Response, err error, ph phase) {
	h.end = time.Now()
	timedOut := !h.deadline.After(h.end) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, fasthttp.ErrTimeout) || isTimeout(err))
	resp.ErrorCode, resp.Error = classify(ctx, err, ph, timedOut)
	resp.Status = 0
	resp.Body = nil
}

// isSmallBuffer reports whether err is fasthttp's "header larger than the
// read buffer" error.
func isSmallBuffer(err error) bool {
	var sb *fasthttp.ErrSmallBuffer
	return errors.As(err, &sb)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, fasthttp.ErrConnectionClosed)
}

func idempotent(m string) bool {
	switch m {
	case fasthttp.MethodGet, fasthttp.MethodHead, fasthttp.MethodOptions, fasthttp.MethodTrace, fasthttp.MethodPut, fasthttp.MethodDelete:
		return true
	}
	return false
}

// fillTimings derives resp.Timings from the hop's instants. Phases not
// reached are 0; the phase in progress at a failure ends at h.end.
func fillTimings(h *hopState, resp *Response) {
	t := &resp.Timings
	*t = Timings{}
	at := func(x time.Time) time.Time {
		if x.IsZero() {
			return h.end
		}
		return x
	}
	if h.newConn {
		t.Blocked = at(h.dnsDone).Sub(h.start)
		if !h.dnsDone.IsZero() && (!h.tcpDone.IsZero() || h.sendStart.IsZero()) {
			t.Connecting = at(h.tcpDone).Sub(h.dnsDone)
		}
		if !h.tcpDone.IsZero() && h.tlsDone.After(h.tcpDone) {
			t.TLSHandshaking = h.tlsDone.Sub(h.tcpDone)
		}
	} else if !h.gotConn.IsZero() {
		t.Blocked = h.gotConn.Sub(h.start)
	}
	if !h.sendStart.IsZero() {
		t.Sending = at(h.sendEnd).Sub(h.sendStart)
		if !h.sendEnd.IsZero() {
			t.Waiting = at(h.firstByte).Sub(h.sendEnd)
			if !h.firstByte.IsZero() {
				t.Receiving = h.end.Sub(h.firstByte)
			}
		}
	}
	for _, d := range []*time.Duration{&t.Blocked, &t.Connecting, &t.TLSHandshaking, &t.Sending, &t.Waiting, &t.Receiving} {
		if *d < 0 {
			*d = 0
		}
	}
	t.Duration = t.Sending + t.Waiting + t.Receiving
}
