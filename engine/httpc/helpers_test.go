package httpc

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/loadline/loadline/engine/metrics"
)

// rig is a client wired to a real registry and aggregator.
type rig struct {
	reg *metrics.Registry
	bi  *metrics.Builtin
	agg *metrics.Aggregator
	c   *Client
}

func newRig(t testing.TB, cfg *Config) *rig {
	t.Helper()
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	c := NewClient(cfg, reg, bi, agg.NewRecorder())
	t.Cleanup(c.Close)
	return &rig{reg: reg, bi: bi, agg: agg, c: c}
}

// sink returns the merged sink of m over series with filter (after a flush),
// or an empty one.
func (r *rig) sink(snap *metrics.Snapshot, m *metrics.Metric, filter ...metrics.Tag) *metrics.Sink {
	s := snap.Merge(m, filter)
	if s == nil {
		return metrics.NewSink(m.Type)
	}
	return s
}

func tag(k, v string) metrics.Tag { return metrics.Tag{Key: k, Value: v} }

// server is the case server of CASES.md, on 127.0.0.1:0, counting accepted
// connections.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

func newServer(t testing.TB) *server {
	t.Helper()
	s := &server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/fast", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/delay", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte("slept"))
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "abc123", Path: "/"})
		http.Redirect(w, r, "/whoami", http.StatusFound)
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sid")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("sid=" + c.Value))
	})
	mux.HandleFunc("/chain", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if n <= 0 {
			_, _ = w.Write([]byte("end"))
			return
		}
		w.Header().Set("Location", fmt.Sprintf("/chain?n=%d", n-1))
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		buf := bytes.Repeat([]byte("x"), 64<<10)
		for n > 0 {
			k := min(n, len(buf))
			_, _ = w.Write(buf[:k])
			n -= k
		}
	})
	mux.HandleFunc("/encoded", func(w http.ResponseWriter, r *http.Request) {
		plain := bytes.Repeat([]byte("hello compressed world "), 100)
		var out []byte
		switch enc := r.URL.Query().Get("enc"); enc {
		case "gzip":
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(plain)
			_ = zw.Close()
			out = b.Bytes()
		case "deflate":
			var b bytes.Buffer
			zw, _ := flate.NewWriter(&b, flate.BestSpeed)
			_, _ = zw.Write(plain)
			_ = zw.Close()
			// HTTP "deflate" is zlib-wrapped (RFC 9110 8.4.1.2)
			out = fasthttp.AppendDeflateBytes(nil, plain)
		case "br":
			out = fasthttp.AppendBrotliBytes(nil, plain)
		}
		w.Header().Set("Content-Encoding", r.URL.Query().Get("enc"))
		_, _ = w.Write(out)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-UA", r.UserAgent())
		w.Header().Set("X-Cookie", r.Header.Get("Cookie"))
		w.Header().Set("X-Auth", r.Header.Get("Authorization"))
		_, _ = w.Write(b.Bytes())
	})
	mux.HandleFunc("/raw/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.RequestURI)) })
	mux.HandleFunc("/setcookie", func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.URL.Query() {
			http.SetCookie(w, &http.Cookie{Name: k, Value: v[0], Path: "/"})
		}
		_, _ = w.Write([]byte("set"))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.Header().Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(code)
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func get(url string) *Request { return &Request{Method: "GET", URL: url, Redirects: -1} }

// loopbackListener listens on 127.0.0.1 until the test ends and hands each
// accepted connection to serve, one goroutine per connection.
func loopbackListener(tb testing.TB, serve func(net.Conn)) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln
}
