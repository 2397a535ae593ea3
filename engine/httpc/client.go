package httpc

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/loadline/loadline/engine/metrics"
)

// DefaultUserAgent is the User-Agent of requests that do not set one, when
// Config.UserAgent is empty.
const DefaultUserAgent = "loadline/0.1 (+https://github.com/loadline/loadline)"

// Defaults of the zero Config fields.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultMaxRedirects = 10
)

// DefaultConfig returns the Config of a run without options: Timeout 60 s,
// MaxRedirects 10, UserAgent DefaultUserAgent, everything else off.
func DefaultConfig() Config {
	return Config{UserAgent: DefaultUserAgent, Timeout: DefaultTimeout, MaxRedirects: DefaultMaxRedirects}
}

// Client is one VU's HTTP client: its connections (kept alive per VU), cookie
// jar and buffers. Not safe for concurrent use, except inside Batch.
type Client struct {
	cfg       Config
	userAgent string
	timeout   time.Duration
	reg       *metrics.Registry
	bi        *metrics.Builtin
	rec       *metrics.Recorder
	tags      *metrics.TagCache
	jar       *CookieJar
	resolver  *net.Resolver
	wire      wireCounter

	idle []*conn  // HTTP/1.1 keep-alive connections, the last put last (a VU talks to few hosts)
	h2   *h2State // made when a TLS handshake first chooses h2

	recorders func() *metrics.Recorder // SetRecorderFactory; nil: Batch is sequential
	workers   []*Client                // Batch sub-clients, made on demand and kept

	active    atomic.Pointer[conn] // connection of the request in flight, for ctx aborts
	abortFn   func()
	aborted   atomic.Bool     // abort has finished
	watched   context.Context // the context abortFn is registered on
	stopWatch func() bool
	ownerCtx  context.Context // the context whose end the owner reports through Abort (WatchedBy)

	// Scratch reused by every request: the steady path does not allocate.
	uri       fasthttp.URI
	urlBuf    []byte
	parsed    string // the URL c.uri holds (parseURL), "" when unknown
	keyBuf    []byte
	cookieBuf []byte
	statusBuf []byte
	decBuf    []byte
	memo      []tagMemo // recent tag sets, up to tagMemos (record.go)
	memoNext  int
	group     *metrics.Group // the samples of one hop (record.go)
	strs      strCache
	prevHdr   []Header // the header lines of the previous response (visitHeaders)
}

// NewClient returns a client that records its samples through rec. reg and
// bi resolve tag sets and metric handles; if any of reg, bi and rec is nil
// the client records nothing (Go callers that only want responses). cfg is
// copied; nil means DefaultConfig(). A zero Timeout means 60 s and an empty
// UserAgent DefaultUserAgent; MaxRedirects 0 means "do not follow" (as
// options.maxRedirects: 0), a negative value means 10.
func NewClient(cfg *Config, reg *metrics.Registry, bi *metrics.Builtin, rec *metrics.Recorder) *Client {
	return NewClientTags(cfg, reg, bi, rec, nil)
}

// NewClientTags is NewClient with the TagCache the client interns its tag
// sets with; nil makes one. The cache is not safe for concurrent use: pass
// one only the client's goroutine uses (a VU shares its own, so that the
// two do not each keep the same sets). http.batch's workers, which run on
// goroutines of their own, always make their own.
func NewClientTags(cfg *Config, reg *metrics.Registry, bi *metrics.Builtin, rec *metrics.Recorder, tags *metrics.TagCache) *Client {
	c := &Client{reg: reg, bi: bi, rec: rec, jar: NewCookieJar(), resolver: net.DefaultResolver, tags: tags}
	if cfg != nil {
		c.cfg = *cfg
	} else {
		c.cfg = DefaultConfig()
	}
	c.userAgent = c.cfg.UserAgent
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	c.timeout = c.cfg.Timeout
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.cfg.MaxRedirects < 0 {
		c.cfg.MaxRedirects = DefaultMaxRedirects
	}
	c.init()
	return c
}

// init sets up what a client and its Batch workers need.
func (c *Client) init() {
	if c.reg != nil && c.bi != nil && c.rec != nil {
		if c.tags == nil {
			c.tags = c.reg.NewTagCache()
		}
		c.group = newHTTPGroup(c.bi)
	} else {
		c.tags = nil // records nothing
	}
	c.uri.DisablePathNormalizing = true
	c.abortFn = c.abort
}

// SetRecorderFactory lets Batch run requests concurrently: each extra worker
// gets its own connections, tag cache and a Recorder from newRecorder (made
// once per worker and kept for the client's life). Without a factory Batch
// runs its requests one after another on c.
func (c *Client) SetRecorderFactory(newRecorder func() *metrics.Recorder) { c.recorders = newRecorder }

// Jar returns the client's cookie jar.
func (c *Client) Jar() *CookieJar { return c.jar }

// StartIteration resets per-iteration state: the jar (unless NoCookiesReset)
// and connections (when NoVUConnectionReuse).
func (c *Client) StartIteration() {
	if !c.cfg.NoCookiesReset {
		c.jar.ClearAll()
	}
	if c.cfg.NoVUConnectionReuse {
		c.closeIdle()
		for _, w := range c.workers {
			w.closeIdle()
		}
	}
}

// Close closes the client's connections, and those of its Batch workers.
func (c *Client) Close() {
	c.unwatch()
	c.closeIdle()
	for _, w := range c.workers {
		w.unwatch()
		w.closeIdle()
	}
}

func (c *Client) closeIdle() {
	for i, cn := range c.idle {
		cn.close()
		c.idle[i] = nil
	}
	c.idle = c.idle[:0]
	c.h2.closeIdle()
}

// watch registers abort on ctx once: an iteration's requests share its
// context, so steady-state requests do not register (nor allocate).
func (c *Client) watch(ctx context.Context) {
	if ctx == c.watched {
		return
	}
	c.unwatch()
	c.watched, c.stopWatch = ctx, context.AfterFunc(ctx, c.abortFn)
}

// unwatch drops the registration; if the abort already started, it waits
// for it to finish, so it cannot touch a later request's connection.
func (c *Client) unwatch() {
	if c.stopWatch == nil {
		return
	}
	if !c.stopWatch() {
		for !c.aborted.Load() {
			runtime.Gosched()
		}
		c.aborted.Store(false)
	}
	c.watched, c.stopWatch = nil, nil
}

// abort runs when a request's context is cancelled: it unblocks the
// request's connection I/O.
func (c *Client) abort() {
	c.Abort()
	c.aborted.Store(true)
}

// WatchedBy tells the client that its owner calls Abort once ctx is done
// (from its own context.AfterFunc on ctx): a request made with ctx then
// registers nothing on it, where the client would keep a registration of
// its own (~0.2 KiB per client on a context all VUs share). The owner
// must keep the promise until it calls WatchedBy again (nil ends it), and
// must not return from the call that made requests with ctx while its
// Abort may still be running. Not safe for concurrent use with Do.
func (c *Client) WatchedBy(ctx context.Context) { c.ownerCtx = ctx }

// Abort unblocks the I/O of the request in flight, if any, which then
// fails as if its context had been cancelled; a request that starts later
// is not affected. Safe to call from any goroutine.
func (c *Client) Abort() {
	if cn := c.active.Load(); cn != nil {
		_ = cn.nc.SetDeadline(time.Unix(1, 0))
	}
}

// Do sends req, following redirects up to its limit; each hop is recorded as
// its own sample. The outcome, including failures, is written to resp, whose
// buffers (Header, Body, Cookies) are reused. Do never fails: a transport
// error leaves Status 0 with Error and ErrorCode set; an invalid URL sends and
// records nothing (ErrorCode 1020). The deadline of the whole call (all hops)
// is req.Timeout, else Config.Timeout; cancelling ctx aborts it.
func (c *Client) Do(ctx context.Context, req *Request, resp *Response) {
	// The hop lives in this frame: the client keeps nothing of the call (a
	// hop kept in the client kept req alive, and with it the script's
	// response object that holds it, 1 KiB per sleeping VU). Its fields
	// are set one by one: a composite literal would add a second hopState
	// to the frame, and the deepest stack of an iteration, which must stay
	// under the VU goroutine's 8 KiB, goes through here.
	var hs hopState
	h := &hs
	resetResponse(resp)
	resp.URL = req.URL
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = c.timeout
	}
	start := time.Now()
	deadline := start.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if ctx.Done() != nil && ctx != c.ownerCtx {
		c.watch(ctx)
	}
	if msg := c.parseURL(req.URL); msg != "" {
		resp.Error, resp.ErrorCode = msg, ErrCodeInvalidURL
		return
	}
	h.req, h.method, h.body, h.url, h.deadline = req, req.Method, req.Body, req.URL, deadline
	h.jar, h.sendAuth, h.sendCookieHeader = c.jar, true, true
	if req.Jar != nil {
		h.jar = req.Jar
	}
	if h.method == "" {
		h.method = fasthttp.MethodGet
	}
	maxRedirects := req.Redirects
	if maxRedirects < 0 {
		maxRedirects = c.cfg.MaxRedirects
	}
	for n := 0; ; n++ {
		h.followable = n < maxRedirects
		if n > 0 {
			start = time.Now()
		}
		c.roundTrip(ctx, h, resp, start)
		c.record(h, resp)
		if resp.Status == 0 || !h.followable || !isFollowedRedirect(resp.Status) {
			return
		}
		loc := headerValue(resp.Header, "Location")
		if loc == "" {
			return
		}
		prevHost := string(c.uri.Host())
		c.parsed = "" // c.uri no longer holds the request's URL
		err := c.uri.UpdateBytesErr(append(c.urlBuf[:0], loc...))
		c.uri.DisablePathNormalizing = true
		if err != nil {
			return
		}
		if s := c.uri.Scheme(); !bytes.Equal(s, []byte("http")) && !bytes.Equal(s, []byte("https")) {
			return
		}
		h.url = string(c.uri.FullURI())
		if string(c.uri.Host()) != prevHost {
			// As net/http: credentials do not follow a redirect to another host.
			h.sendAuth, h.sendCookieHeader = false, false
			c.uri.SetUsernameBytes(nil)
			c.uri.SetPasswordBytes(nil)
		}
		switch resp.Status {
		case 301, 302, 303:
			if h.method != fasthttp.MethodHead {
				h.method = fasthttp.MethodGet
			}
			h.body = nil
			h.droppedBody = true
		}
		resetResponse(resp)
		resp.URL = h.url
	}
}

// parseURL parses raw into c.uri and returns "" or the error to report.
// A script that requests the same URL again (the usual case) reuses the
// parse: c.parsed is the URL c.uri holds, "" after a redirect changed it.
func (c *Client) parseURL(raw string) string {
	if raw == c.parsed && raw != "" {
		return ""
	}
	c.parsed = ""
	c.urlBuf = append(c.urlBuf[:0], raw...)
	lower := len(raw) >= 8 && (strings.EqualFold(raw[:7], "http://") || strings.EqualFold(raw[:8], "https://"))
	if !lower {
		if _, err := url.Parse(raw); err != nil {
			return err.Error()
		}
		return "unsupported protocol scheme in " + quoteURL(raw)
	}
	err := c.uri.Parse(nil, c.urlBuf)
	c.uri.DisablePathNormalizing = true // Parse resets it; send the path as given, like net/http
	if err != nil || !validHostPort(c.uri.Host()) || !validEscapes(raw) {
		if _, uerr := url.Parse(raw); uerr != nil {
			return uerr.Error()
		}
		return "invalid url " + quoteURL(raw)
	}
	c.parsed = raw
	return ""
}

// validEscapes reports whether every '%' starts a two-hex-digit escape and
// no byte is a control character or a space, as net/url requires.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
		case b <= ' ' || b == 0x7f:
			return false
		}
	}
	return true
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func quoteURL(s string) string { return "\"" + s + "\"" }

// validHostPort reports whether host[:port] has a non-empty host and, if
// present, a numeric port in 0..65535.
func validHostPort(h []byte) bool {
	if len(h) == 0 {
		return false
	}
	i := bytes.LastIndexByte(h, ':')
	if i < 0 || bytes.IndexByte(h[i:], ']') >= 0 {
		return true
	}
	p := h[i+1:]
	if len(p) == 0 {
		return false
	}
	// Digits only, leading zeros allowed (":018080" is port 18080, as
	// net/url and the dialer read it), at most 65535.
	n := 0
	for _, b := range p {
		if b < '0' || b > '9' {
			return false
		}
		if n = n*10 + int(b-'0'); n > 65535 {
			return false
		}
	}
	return i > 0
}

func isFollowedRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func headerValue(hs []Header, key string) string {
	for i := range hs {
		if strings.EqualFold(hs[i].Key, key) {
			return hs[i].Value
		}
	}
	return ""
}

// resetResponse empties resp, keeping its buffers.
func resetResponse(r *Response) {
	hdr, body, cookies := r.Header[:0], r.Body, r.Cookies[:0]
	clear(r.Header[:cap(r.Header)])
	clear(r.Cookies[:cap(r.Cookies)])
	*r = Response{Header: hdr, Body: body[:0], Cookies: cookies}
	if body == nil {
		r.Body = nil
	}
}

// strCache interns header names and values, and status texts: a steady
// stream of identical responses converts no bytes to strings. Most lines
// are found in the previous response first (visitHeaders); this holds what
// was interned last, round robin, for the lines that moved or came from
// another response. Bounded and small, searched linearly: a map of the
// same strings cost a VU ~0.7 KiB (and one bounded at 512 entries, as Date
// changes every second, grew to ~40 KiB).
type strCache struct {
	s    [strCacheSize]string
	next int
}

const (
	strCacheSize   = 8
	strCacheMaxLen = 256
)

func (s *strCache) intern(b []byte) string {
	for i := range s.s {
		if s.s[i] == string(b) {
			return s.s[i]
		}
	}
	v := string(b)
	if len(b) > strCacheMaxLen {
		return v
	}
	s.s[s.next] = v
	s.next = (s.next + 1) % strCacheSize
	return v
}
