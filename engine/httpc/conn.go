package httpc

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loadline/loadline/engine/internal/stackgrow"
)

// wireCounter counts the bytes a client's connections move on the wire (TLS
// records included). Atomic because HTTP/2 connections are read by
// net/http's goroutines.
type wireCounter struct{ sent, received atomic.Int64 }

// countConn is the raw TCP connection, wrapped to count bytes. It also keeps
// what the dial measured, so the HTTP/2 path can read it back from the
// connection net/http hands to its trace hooks.
type countConn struct {
	net.Conn
	wire           *wireCounter
	connecting     time.Duration
	tlsHandshaking time.Duration
	remoteIP       string
	remotePort     int
}

func (c *countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.wire.received.Add(int64(n))
	return n, err
}

func (c *countConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.wire.sent.Add(int64(n))
	return n, err
}

// conn is one HTTP/1.1 keep-alive connection owned by a client. It is the
// reader below the bufio.Reader, so it sees when the first byte of a
// response arrives (above TLS, so post-handshake TLS messages do not count as
// the response's first byte).
type conn struct {
	raw *countConn
	nc  net.Conn // raw, or a *tls.Conn over raw
	// br and bw are taken from readerPool and writerPool for the length of
	// an exchange (acquire) and given back when the connection goes idle
	// with nothing buffered (release): an idle kept-alive connection, which
	// is what a VU holds while it sleeps, owns no buffer.
	br *bufio.Reader
	bw *bufio.Writer
	// big is set while br is a bigReaderPool reader over big, the pooled
	// reader, for a response header over readBufSize (grow).
	big        *bufio.Reader
	key        string // pool key: scheme://host:port
	tlsVersion string // "tls1.3"; "" without TLS
	tlsCipher  string
	used       bool // served a request: a failure before any byte may be retried

	armed     bool
	firstByte time.Time
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.nc.Read(p)
	if n > 0 && c.armed {
		c.armed = false
		c.firstByte = time.Now()
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) { return c.nc.Write(p) }

// close closes the connection and gives its buffers back.
func (c *conn) close() {
	_ = c.nc.Close()
	c.release(true)
}

// Buffer sizes of a connection. A response header must fit the read
// buffer (fasthttp parses it in place): readBufSize serves almost every
// response, and a larger header is read again through a reader of
// bigReadBufSize (grow), the limit. Requests are written through
// writeBufSize: a header and a small body in one write; a larger body goes
// straight to the socket. Small buffers matter because VUs that sleep in
// step (1,000 VUs of `http.get; sleep(1)`) have all their requests in
// flight at once, each holding its buffers.
const (
	readBufSize    = 4096
	bigReadBufSize = 64 << 10
	writeBufSize   = 2048
)

// readerPool, bigReaderPool and writerPool hold the buffers of connections
// not in an exchange, shared by all clients of the process.
var (
	readerPool    = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}
	bigReaderPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bigReadBufSize) }}
	writerPool    = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufSize) }}
)

// grow puts a bigReadBufSize reader over c's reader, for the rest of the
// exchange (release undoes it).
func (c *conn) grow() {
	big := bigReaderPool.Get().(*bufio.Reader)
	big.Reset(c.br)
	c.big, c.br = c.br, big
}

// acquire gives c its buffers for an exchange.
func (c *conn) acquire() {
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(c)
	}
	if c.bw == nil {
		c.bw = writerPool.Get().(*bufio.Writer)
		c.bw.Reset(c)
	}
}

// release gives c's buffers back to the pools. A reader holding bytes the
// server sent past the response (a pipelining server) stays with c unless
// the connection is closed (all).
func (c *conn) release(all bool) {
	if c.big != nil {
		if !all && c.br.Buffered() > 0 {
			return // the grown reader holds bytes of the next response
		}
		// The pooled reader (c.big) holds whatever the grown one did not
		// read yet, in stream order.
		c.br.Reset(nil)
		bigReaderPool.Put(c.br)
		c.br, c.big = c.big, nil
	}
	if c.br != nil && (all || c.br.Buffered() == 0) {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	c.releaseWriter()
}

// releaseWriter gives c's write buffer back to its pool: the exchange
// flushed it, or c is dropped.
func (c *conn) releaseWriter() {
	if c.bw != nil {
		c.bw.Reset(nil)
		writerPool.Put(c.bw)
		c.bw = nil
	}
}

// dialResult is what dial measured.
type dialResult struct {
	c          *countConn
	tc         *tls.Conn // nil without TLS
	dnsDone    time.Time // DNS (and blocked-hostname checks) finished
	tcpDone    time.Time
	tlsDone    time.Time
	failPhase  phase
	negotiated string // ALPN result
}

// dial resolves, connects and (for https) handshakes. host is the URL's host
// without port; port is numeric. The DNS phase counts as blocked, as in k6.
//
// The work runs on a goroutine of its own while the caller waits: the
// resolver and the TLS handshake need more than 8 KiB of stack, and a VU's
// goroutine that grew to 16 KiB for its first connection would keep that
// size while it sleeps (the runtime halves a stack only when a quarter of
// it is in use), about 8 KiB per VU. A goroutine per new connection costs
// about a microsecond; reused connections do not dial. The goroutine moves
// to 16 KiB at once only before a lookup or a handshake (see stackgrow): a
// connect to an address (connectTCP) fits in the 2-4 KiB it starts with,
// which is what each of a test's first connects costs while it waits.
func (cl *Client) dial(ctx context.Context, host, port string, https bool, deadline time.Time) (dialResult, error) {
	type out struct {
		r   dialResult
		err error
	}
	ch := make(chan out, 1)
	go func() {
		r, err := cl.dialNow(ctx, host, port, https, deadline)
		ch <- out{r, err}
	}()
	o := <-ch
	return o.r, o.err
}

// hostPattern finds the entry "*" + s + portSuffix of hosts with the
// longest s that host ends with (s may be all of host, or empty).
func hostPattern(hosts map[string]string, host, portSuffix string) (string, bool) {
	for i := 0; i <= len(host); i++ {
		if to, ok := hosts["*"+host[i:]+portSuffix]; ok {
			return to, true
		}
	}
	return "", false
}

// NormalizeHosts returns hosts with its keys in the form override looks
// up, for Config.Hosts (build it once for all clients): lower case (host
// names compare case-insensitively; URLs' hosts are lower-cased), without
// a trailing dot, IPv6 names without brackets unless a port follows, and
// ports without leading zeros. Keys are assumed valid (the engine's
// options check them).
func NormalizeHosts(hosts map[string]string) map[string]string {
	if len(hosts) == 0 {
		return hosts
	}
	out := make(map[string]string, len(hosts))
	for k, v := range hosts {
		name, port := strings.ToLower(k), ""
		if h, p, err := net.SplitHostPort(name); err == nil {
			name, port = h, canonicalPort(p)
		} else {
			name = strings.Trim(name, "[]")
		}
		if name != "*." {
			name = strings.TrimSuffix(name, ".")
		}
		if port != "" {
			name = net.JoinHostPort(name, port)
		}
		out[name] = v
	}
	return out
}

// canonicalPort drops a port's leading zeros ("0080" is port 80).
func canonicalPort(p string) string {
	for len(p) > 1 && p[0] == '0' {
		p = p[1:]
	}
	return p
}

// isInvalidName reports whether host is "invalid" or under it (RFC 6761,
// 6.4: resolvers answer "no such host" for these without asking DNS).
func isInvalidName(host string) bool {
	h := strings.TrimSuffix(host, ".")
	return strings.EqualFold(h, "invalid") || len(h) > 8 && strings.EqualFold(h[len(h)-8:], ".invalid")
}

// dialerConnect is connectTCP through net.Dialer.
func dialerConnect(ctx context.Context, addr netip.Addr, port uint16, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, "tcp", netip.AddrPortFrom(addr, port).String())
}

// dialNow is dial's work, on dial's goroutine.
func (cl *Client) dialNow(ctx context.Context, host, port string, https bool, deadline time.Time) (dialResult, error) {
	var r dialResult
	r.failPhase = phaseDNS
	if p := cl.blockedPattern(host); p != "" {
		r.dnsDone = time.Now()
		return r, &errBlocked{host: host, pattern: p}
	}
	ipStr, dport := cl.override(host, port)
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(strings.Trim(ipStr, "[]")); err == nil {
		addrs = []netip.Addr{ip}
	} else if isInvalidName(ipStr) {
		// RFC 6761 6.4: names under .invalid are never looked up.
		r.dnsDone = time.Now()
		return r, &net.DNSError{Err: "no such host", Name: ipStr, IsNotFound: true}
	} else {
		stackgrow.To16KiB() // the resolver's depth, in one step
		lctx, cancel := context.WithDeadline(ctx, deadline)
		addrs, err = cl.resolver.LookupNetIP(lctx, "ip", ipStr)
		cancel()
		if err != nil {
			r.dnsDone = time.Now()
			return r, err
		}
		if len(addrs) == 0 {
			r.dnsDone = time.Now()
			return r, &net.DNSError{Err: "no such host", Name: ipStr, IsNotFound: true}
		}
	}
	r.dnsDone = time.Now()
	r.failPhase = phaseDial
	var nc net.Conn
	var err error
	if pn, perr := strconv.ParseUint(dport, 10, 16); perr == nil && pn > 0 {
		for _, a := range addrs {
			if nc, err = connectTCP(ctx, a, uint16(pn), deadline); err == nil {
				break
			}
		}
	} else {
		// A port by service name ("http"): net.Dialer looks it up.
		d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
		for _, a := range addrs {
			if nc, err = d.DialContext(ctx, "tcp", net.JoinHostPort(a.Unmap().String(), dport)); err == nil {
				break
			}
		}
	}
	r.tcpDone = time.Now()
	if err != nil {
		return r, err
	}
	cc := &countConn{Conn: nc, wire: &cl.wire, connecting: r.tcpDone.Sub(r.dnsDone)}
	if ta, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		cc.remoteIP, cc.remotePort = ta.IP.String(), ta.Port
	}
	r.c = cc
	r.tlsDone = r.tcpDone
	if !https {
		return r, nil
	}
	r.failPhase = phaseTLS
	stackgrow.To16KiB() // the handshake's depth, in one step
	tc := tls.Client(cc, cl.tlsConfigFor(host))
	_ = tc.SetDeadline(deadline)
	err = tc.HandshakeContext(ctx)
	r.tlsDone = time.Now()
	cc.tlsHandshaking = r.tlsDone.Sub(r.tcpDone)
	if err != nil {
		_ = tc.Close()
		return r, err
	}
	r.tc = tc
	r.negotiated = tc.ConnectionState().NegotiatedProtocol
	return r, nil
}

// tlsKey is what a TLS client config depends on.
type tlsKey struct {
	insecure bool
	min, max uint16
	host     string
}

// tlsConfigs holds one *tls.Config per tlsKey for the whole process: every
// VU of a run shares its configs (read-only once made, as crypto/tls
// allows), instead of holding a clone per VU and host.
var tlsConfigs sync.Map

// tlsConfigFor returns the TLS config of the client's settings with
// ServerName = host.
func (cl *Client) tlsConfigFor(host string) *tls.Config {
	k := tlsKey{insecure: cl.cfg.InsecureSkipTLSVerify, min: cl.cfg.TLSMinVersion, max: cl.cfg.TLSMaxVersion, host: host}
	if c, ok := tlsConfigs.Load(k); ok {
		return c.(*tls.Config)
	}
	c := &tls.Config{
		InsecureSkipVerify: k.insecure, //nolint:gosec // the user's explicit option
		MinVersion:         k.min,
		MaxVersion:         k.max,
		NextProtos:         []string{"h2", "http/1.1"},
		ServerName:         host,
	}
	got, _ := tlsConfigs.LoadOrStore(k, c)
	return got.(*tls.Config)
}

// override applies Config.Hosts as k6 does (since v0.42): "host:port",
// then a pattern "*suffix:port", then "host", then "*suffix", where a
// pattern's "*" stands for any characters ("*.example.com" matches every
// subdomain, not example.com; "*example.com" matches both; "*" matches
// every host) and the longest matching suffix wins. Keys are lower case
// (NormalizeHosts); host is matched without a trailing dot.
func (cl *Client) override(host, port string) (string, string) {
	if len(cl.cfg.Hosts) == 0 {
		return host, port
	}
	name, num := strings.TrimSuffix(host, "."), canonicalPort(port)
	to, ok := cl.cfg.Hosts[net.JoinHostPort(name, num)]
	if !ok {
		to, ok = hostPattern(cl.cfg.Hosts, name, ":"+num)
	}
	if !ok {
		to, ok = cl.cfg.Hosts[name]
	}
	if !ok {
		to, ok = hostPattern(cl.cfg.Hosts, name, "")
	}
	if !ok {
		return host, port // as given: a trailing dot keeps the lookup absolute
	}
	if h, p, err := net.SplitHostPort(to); err == nil {
		return h, p
	}
	return to, port
}

// blockedPattern returns the BlockHostnames entry matching host, or "".
func (cl *Client) blockedPattern(host string) string {
	for _, p := range cl.cfg.BlockHostnames {
		p = strings.ToLower(p)
		if suffix, ok := strings.CutPrefix(p, "*"); ok {
			if strings.HasSuffix(host, suffix) {
				return p
			}
		} else if host == p {
			return p
		}
	}
	return ""
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "tls1.0"
	case tls.VersionTLS11:
		return "tls1.1"
	case tls.VersionTLS12:
		return "tls1.2"
	case tls.VersionTLS13:
		return "tls1.3"
	}
	return "tls0x" + strconv.FormatUint(uint64(v), 16)
}
