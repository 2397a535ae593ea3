package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// shutdownGrace is how long Run lets in-flight requests finish after its
// context ends before it closes the remaining connections.
const shutdownGrace = 2 * time.Second

// Server is one target service: the route handler plus, once started, a
// plain HTTP listener and an optional HTTPS twin serving that same handler.
// Its methods are safe for concurrent use. Route state (the /flaky call
// counter, the /conns counter, the /freeze deadline, the extra latency and
// the /capacity slots) is shared by both listeners.
type Server struct {
	cfg     Config
	metrics *serverMetrics
	slots   *fifo
	handler http.Handler

	flakyCalls    atomic.Int64 // /flaky calls since the last /resetconns
	connsAccepted atomic.Int64 // connections accepted since the last /resetconns
	freezeUntil   atomic.Int64 // end of the current /svc freeze, Unix ns
	extraLatency  atomic.Int64 // added to /svc and /capacity, ns

	// base is the parent context of every request; cancelled by Close so
	// that requests waiting in /delay, /svc, /capacity ... return at once.
	base       context.Context
	cancelBase context.CancelFunc

	mu       sync.Mutex
	started  bool
	closed   bool
	servers  []*http.Server
	addr     string
	tlsAddr  string
	certPEM  []byte
	serveErr error
	wg       sync.WaitGroup
}

// New returns a Server for cfg (zero fields take their defaults; New keeps a
// copy). It does not listen: use Start, or mount Handler in a server of your
// own. A cfg that fails Validate makes Start fail; New itself never fails,
// and clamps the values Handler needs (at least one worker).
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	workers := max(cfg.Workers, 1)
	s := &Server{cfg: cfg}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	s.slots = newFifo(workers)
	s.metrics = newServerMetrics(func() float64 { return float64(s.slots.waiting()) })
	s.extraLatency.Store(int64(max(cfg.ExtraLatency, 0)))

	mux := http.NewServeMux()
	s.routes(mux)
	mux.Handle("/", s.metrics.instrument("httpbin", httpbin.New()))
	s.handler = s.metrics.instrumentInFlight(mux)
	return s
}

// Handler returns the server's routes as one http.Handler: the case routes,
// /capacity, /admin/latency and /metrics, with go-httpbin (default options)
// as the fallback for every other path. It can be mounted in any server,
// e.g. httptest.NewServer(s.Handler()); /conns then counts only if that
// server's ConnState calls s.ConnState.
func (s *Server) Handler() http.Handler { return s.handler }

// ConnState is an http.Server ConnState hook: it counts every new
// connection for /conns. Start installs it on its own listeners.
func (s *Server) ConnState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.connsAccepted.Add(1)
	}
}

// Start validates the config, opens the listeners (ctx bounds only the
// listen calls) and serves in the background until Close or Shutdown. For
// TLS it first generates the self-signed certificate. It returns an error
// "target: ..." if the config is invalid, a listen fails, or the server was
// already started or closed.
func (s *Server) Start(ctx context.Context) error {
	if err := s.cfg.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("target: server already started or closed")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("target: listen http: %w", err)
	}
	var tlsLn net.Listener
	if s.cfg.TLSAddr != "" {
		pair, certPEM, err := selfSigned(time.Now())
		if err == nil {
			tlsLn, err = lc.Listen(ctx, "tcp", s.cfg.TLSAddr)
			if err != nil {
				err = fmt.Errorf("target: listen https: %w", err)
			}
		}
		if err != nil {
			_ = ln.Close()
			return err
		}
		s.certPEM = certPEM
		s.tlsAddr = tlsLn.Addr().String()
		srv := s.newHTTPServer()
		srv.TLSConfig = &tls.Config{
			Certificates: []tls.Certificate{pair},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2", "http/1.1"},
		}
		s.serve(srv, func() error { return srv.ServeTLS(tlsLn, "", "") })
	}
	s.addr = ln.Addr().String()
	srv := s.newHTTPServer()
	s.serve(srv, func() error { return srv.Serve(ln) })
	s.started = true
	return nil
}

func (s *Server) newHTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.handler,
		ConnState:         s.ConnState,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return s.base },
	}
}

// serve runs fn in a goroutine owned by s (Close waits for it) and keeps the
// first error other than http.ErrServerClosed. Called with s.mu held.
func (s *Server) serve(srv *http.Server, fn func() error) {
	s.servers = append(s.servers, srv)
	s.wg.Go(func() {
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			if s.serveErr == nil {
				s.serveErr = fmt.Errorf("target: serve: %w", err)
			}
			s.mu.Unlock()
		}
	})
}

// Addr returns the plain HTTP listener's address (host:port, with the port
// actually chosen), or "" before Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// TLSAddr returns the HTTPS listener's address, or "" before Start or when
// TLS is off.
func (s *Server) TLSAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tlsAddr
}

// URL returns "http://" + Addr(), or "" before Start.
func (s *Server) URL() string {
	if a := s.Addr(); a != "" {
		return "http://" + a
	}
	return ""
}

// TLSURL returns "https://" + TLSAddr(), or "" when TLS is not serving.
func (s *Server) TLSURL() string {
	if a := s.TLSAddr(); a != "" {
		return "https://" + a
	}
	return ""
}

// CertPEM returns the PEM-encoded self-signed certificate of the HTTPS
// twin (a copy), or nil before Start or when TLS is off. Add it to an
// x509.CertPool to build a client that verifies the server.
func (s *Server) CertPEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.certPEM == nil {
		return nil
	}
	return append([]byte(nil), s.certPEM...)
}

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx ends, then closes whatever is left as Close does. It returns the
// first serve error, if any. Safe to call more than once, and before Start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() { _ = srv.Shutdown(ctx) })
	}
	wg.Wait()
	return s.Close()
}

// Close closes the listeners and every connection at once; requests still
// waiting (in /delay, /svc, /capacity, /flaky) are cancelled. It waits for
// the serving goroutines to end and returns the first serve error, if any.
// Safe to call more than once, and before Start.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	for _, srv := range servers {
		_ = srv.Close()
	}
	s.cancelBase()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Run starts a Server for cfg, writes "listening on http://HOST:PORT" as one
// line to stdout (and a second line "listening on https://HOST:PORT" when
// TLSAddr is set), then serves until ctx ends. It then gives in-flight
// requests 2 s to finish and closes. It returns nil after a clean stop, or
// the Start, write or serve error.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	s := New(cfg)
	if err := s.Start(ctx); err != nil {
		return err
	}
	msg := "listening on " + s.URL() + "\n"
	if u := s.TLSURL(); u != "" {
		msg += "listening on " + u + "\n"
	}
	if _, err := io.WriteString(stdout, msg); err != nil {
		_ = s.Close()
		return fmt.Errorf("target: write address: %w", err)
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	return s.Shutdown(sctx)
}

// hasZeroPort reports whether addr asks for an ephemeral port.
func hasZeroPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && (port == "0" || port == "")
}
