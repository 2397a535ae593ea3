package httpc

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// A kept-alive connection gives its read and write buffers back when it
// goes idle, keeps working after taking them again, and a closed
// connection holds none.
func TestIdleConnectionHoldsNoBuffers(t *testing.T) {
	r := newRig(t, nil)
	url := newServer(t).URL + "/fast"
	idle := func() []*conn {
		return append([]*conn(nil), r.c.idle...)
	}
	for i := range 5 {
		var resp Response
		r.c.Do(context.Background(), get(url), &resp)
		if resp.Status != 200 || string(resp.Body) != "ok" {
			t.Fatalf("request %d: status %d body %q %s", i, resp.Status, resp.Body, resp.Error)
		}
		conns := idle()
		if len(conns) != 1 {
			t.Fatalf("request %d: %d idle connections, want 1 (kept alive)", i, len(conns))
		}
		if cn := conns[0]; cn.br != nil || cn.bw != nil {
			t.Errorf("request %d: idle connection holds buffers (reader %v, writer %v)", i, cn.br != nil, cn.bw != nil)
		}
	}
	cn := idle()[0]
	cn.acquire()
	cn.close()
	if cn.br != nil || cn.bw != nil {
		t.Errorf("closed connection holds buffers")
	}
}

// A reader holding bytes past the response stays with the connection
// when it goes idle (they belong to the next response), and is given back
// when the connection is closed.
func TestReleaseKeepsBufferedBytes(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	cn := &conn{nc: a}
	cn.acquire()
	go func() { _, _ = b.Write([]byte("HTTP/1.1 200 OK\r\n")) }()
	if _, err := cn.br.Peek(4); err != nil {
		t.Fatal(err)
	}
	cn.release(false)
	if cn.br == nil || cn.br.Buffered() == 0 {
		t.Fatalf("reader with buffered bytes released")
	}
	if cn.bw != nil {
		t.Errorf("writer kept")
	}
	cn.close()
	if cn.br != nil {
		t.Errorf("reader kept after close")
	}
}

// Clients with the same TLS settings share one config per host; other
// settings get their own.
func TestTLSConfigShared(t *testing.T) {
	c1 := NewClient(&Config{InsecureSkipTLSVerify: true}, nil, nil, nil)
	c2 := NewClient(&Config{InsecureSkipTLSVerify: true}, nil, nil, nil)
	c3 := NewClient(&Config{InsecureSkipTLSVerify: true, TLSMinVersion: 0x0304}, nil, nil, nil)
	a, b := c1.tlsConfigFor("example.test"), c2.tlsConfigFor("example.test")
	if a != b {
		t.Errorf("same settings and host: two configs")
	}
	if a.ServerName != "example.test" || !a.InsecureSkipVerify {
		t.Errorf("config %q insecure %v", a.ServerName, a.InsecureSkipVerify)
	}
	if c1.tlsConfigFor("other.test") == a {
		t.Errorf("another host shares the config")
	}
	if c := c3.tlsConfigFor("example.test"); c == a || c.MinVersion != 0x0304 {
		t.Errorf("other settings share the config (min %x)", c.MinVersion)
	}
}

// A response header larger than the pooled read buffer is read through a
// larger reader, up to bigReadBufSize, and the connection stays usable;
// a larger header fails the request with a clear error.
func TestLargeResponseHeader(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/hdr", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("X-Big", strings.Repeat("a", n))
		_, _ = w.Write([]byte("body"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r := newRig(t, nil)
	rows := []struct {
		name string
		n    int
		ok   bool
	}{
		{"fits the pooled buffer", 100, true},
		{"over the pooled buffer", 3 * readBufSize, true},
		{"small again on the same connection", 10, true},
		{"near the limit", bigReadBufSize - 1024, true},
		{"over the limit", bigReadBufSize + 1024, false},
		{"after the failure", 10, true},
	}
	for _, row := range rows {
		var resp Response
		r.c.Do(context.Background(), get(srv.URL+"/hdr?n="+strconv.Itoa(row.n)), &resp)
		got := resp.Status == 200 && string(resp.Body) == "body" && len(headerValue(resp.Header, "X-Big")) == row.n
		if got != row.ok {
			t.Errorf("%s: status %d body %q header %d bytes, error %q; want ok=%v", row.name, resp.Status, resp.Body, len(headerValue(resp.Header, "X-Big")), resp.Error, row.ok)
		}
		if !row.ok && resp.Error == "" {
			t.Errorf("%s: no error", row.name)
		}
		for _, cn := range r.c.idle {
			if cn.br != nil || cn.big != nil || cn.bw != nil {
				t.Errorf("%s: idle connection holds buffers", row.name)
			}
		}
	}
}
