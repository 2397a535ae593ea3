package httpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// closedPort returns a 127.0.0.1 port with no listener.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestCase_C18_ErrorClassification(t *testing.T) {
	s := newServer(t)
	r := newRig(t, &Config{MaxRedirects: 10})
	rows := []struct {
		name      string
		req       *Request
		status    int
		code      int
		errSub    string // substring of Error; "" means Error must be ""
		minDur    time.Duration
		maxDur    time.Duration
		noRequest bool
	}{
		{name: "timeout", req: &Request{URL: s.URL + "/delay?ms=3000", Timeout: time.Second, Redirects: -1},
			code: 1050, errSub: "request timeout", minDur: 950 * time.Millisecond, maxDur: 1050 * time.Millisecond},
		{name: "connection refused", req: get("http://" + closedPort(t) + "/"), code: 1212, errSub: "dial: connection refused", maxDur: 10 * time.Millisecond},
		{name: "dns no such host", req: get("http://loadline-test.invalid/"), code: 1101, errSub: "lookup: no such host"},
		{name: "invalid url", req: get("http://127.0.0.1:abc/"), code: 1020, errSub: "invalid port", noRequest: true},
		{name: "port over 65535", req: get("http://127.0.0.1:99999/"), code: 1020, errSub: "invalid url", noRequest: true},
		{name: "404", req: get(s.URL + "/status?code=404"), status: 404, code: 1404},
		{name: "503", req: get(s.URL + "/status?code=503"), status: 503, code: 1503},
	}
	sent := 0
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			row.req.Expected = DefaultExpected
			var resp Response
			begin := time.Now()
			r.c.Do(context.Background(), row.req, &resp)
			took := time.Since(begin)
			if resp.Status != row.status || resp.ErrorCode != row.code {
				t.Fatalf("status %d code %d (%q), want %d %d", resp.Status, resp.ErrorCode, resp.Error, row.status, row.code)
			}
			if row.errSub == "" && resp.Error != "" || !strings.Contains(resp.Error, row.errSub) {
				t.Errorf("error %q, want it to contain %q", resp.Error, row.errSub)
			}
			if row.maxDur > 0 && (took < row.minDur || took > row.maxDur) {
				t.Errorf("took %v, want %v..%v", took, row.minDur, row.maxDur)
			}
			if row.minDur > 0 && resp.Timings.Duration < row.minDur {
				t.Errorf("timings.duration %v, want >= %v", resp.Timings.Duration, row.minDur)
			}
			if !row.noRequest {
				sent++
			}
		})
	}
	snap := r.agg.Flush()
	if got := r.sink(snap, r.bi.HTTPReqs).Sum; int(got) != sent || sent != 5 {
		t.Errorf("http_reqs %v, want %d (5: the invalid URL sends nothing)", got, sent)
	}
	failed := r.sink(snap, r.bi.HTTPReqFailed)
	if failed.Count != 5 || failed.Trues != 5 {
		t.Errorf("http_req_failed %d of %d, want 5 of 5", failed.Trues, failed.Count)
	}
	for _, code := range []string{"1050", "1212", "1101", "1404", "1503"} {
		if n := r.sink(snap, r.bi.HTTPReqs, tag("error_code", code)).Sum; n != 1 {
			t.Errorf("http_reqs{error_code:%s} = %v, want 1", code, n)
		}
	}
	if n := r.sink(snap, r.bi.HTTPReqs, tag("status", "0")).Sum; n != 3 {
		t.Errorf("http_reqs{status:0} = %v, want 3", n)
	}
}

func TestCase_C16_RedirectsAndCookies(t *testing.T) {
	s := newServer(t)
	r := newRig(t, &Config{MaxRedirects: 10})
	ctx := context.Background()
	var resp Response
	do := func(req *Request) *Response {
		req.Expected = DefaultExpected
		r.c.Do(ctx, req, &resp)
		return &resp
	}

	r.c.StartIteration()
	if res := do(get(s.URL + "/login")); res.Status != 200 || res.URL != s.URL+"/whoami" || string(res.Body) != "sid=abc123" {
		t.Fatalf("/login: %d %s %q", res.Status, res.URL, res.Body)
	}
	if res := do(get(s.URL + "/whoami")); res.Status != 200 {
		t.Fatalf("/whoami in the same iteration: %d", res.Status)
	}
	chain2 := get(s.URL + "/chain?n=3")
	chain2.Redirects = 2
	if res := do(chain2); res.Status != 302 || res.URL != s.URL+"/chain?n=1" || res.Error != "" || res.ErrorCode != 0 {
		t.Fatalf("redirects:2: %d %s %q %d", res.Status, res.URL, res.Error, res.ErrorCode)
	}
	chain0 := get(s.URL + "/chain?n=3")
	chain0.Redirects = 0
	if res := do(chain0); res.Status != 302 || res.URL != s.URL+"/chain?n=3" || headerValue(res.Header, "Location") != "/chain?n=2" {
		t.Fatalf("redirects:0: %d %s %v", res.Status, res.URL, res.Header)
	}
	r.c.Jar().Clear(s.URL)
	if res := do(get(s.URL + "/whoami")); res.Status != 401 || res.ErrorCode != 1401 {
		t.Fatalf("after clear: %d %d", res.Status, res.ErrorCode)
	}
	snap := r.agg.Flush()
	if n := r.sink(snap, r.bi.HTTPReqs).Sum; n != 8 {
		t.Errorf("http_reqs %v, want 8 (every hop)", n)
	}
	if f := r.sink(snap, r.bi.HTTPReqFailed); f.Count != 8 || f.Trues != 1 {
		t.Errorf("http_req_failed %d of %d, want 1 of 8", f.Trues, f.Count)
	}

	// expectedStatuses(200) on /chain?n=1: the 302 hop fails, the 200 passes.
	only200 := get(s.URL + "/chain?n=1")
	only200.Expected = &Expected{Ranges: [][2]int{{200, 200}}}
	r.c.Do(ctx, only200, &resp)
	snap = r.agg.Flush()
	if f := r.sink(snap, r.bi.HTTPReqFailed); f.Count != 2 || f.Trues != 1 {
		t.Errorf("expected 200 on a 1-hop chain: failed %d of %d, want 1 of 2", f.Trues, f.Count)
	}

	t.Run("jar emptied every iteration", func(t *testing.T) {
		do(get(s.URL + "/login"))
		r.c.StartIteration()
		if res := do(get(s.URL + "/whoami")); res.Status != 401 {
			t.Errorf("second iteration /whoami: %d, want 401", res.Status)
		}
	})
	t.Run("noCookiesReset keeps the jar", func(t *testing.T) {
		keep := newRig(t, &Config{MaxRedirects: 10, NoCookiesReset: true})
		keep.c.Do(ctx, get(s.URL+"/login"), &resp)
		keep.c.StartIteration()
		keep.c.Do(ctx, get(s.URL+"/whoami"), &resp)
		if resp.Status != 200 {
			t.Errorf("second iteration /whoami with noCookiesReset: %d, want 200", resp.Status)
		}
	})
}

func TestCase_C20_SelfSignedTLS(t *testing.T) {
	s := newServer(t) // for its routes
	rows := []struct {
		name     string
		insecure bool
		status   int
		code     int
		proto    string
	}{
		{name: "verification on", status: 0, code: 1310},
		{name: "insecureSkipTLSVerify", insecure: true, status: 200, proto: "HTTP/2.0"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			ts := newTLSServer(t, s.Config.Handler)
			r := newRig(t, &Config{MaxRedirects: 10, InsecureSkipTLSVerify: row.insecure})
			var resp Response
			for i := 0; i < 2; i++ { // the second request reuses the HTTP/2 connection
				req := get(ts.URL + "/fast")
				req.Expected = DefaultExpected
				r.c.Do(context.Background(), req, &resp)
				if resp.Status != row.status || resp.ErrorCode != row.code {
					t.Fatalf("request %d: status %d code %d %q, want %d %d", i, resp.Status, resp.ErrorCode, resp.Error, row.status, row.code)
				}
				if row.code == 1310 && resp.Error != "x509: unknown authority" {
					t.Errorf("error %q", resp.Error)
				}
				if row.status == 200 {
					if resp.Proto != row.proto || resp.TLSVersion != "tls1.3" || string(resp.Body) != "ok" || resp.TLSCipher == "" {
						t.Errorf("request %d: proto %q tls %q cipher %q body %q", i, resp.Proto, resp.TLSVersion, resp.TLSCipher, resp.Body)
					}
					if i == 0 && (resp.Timings.TLSHandshaking <= 0 || resp.Timings.Connecting <= 0) {
						t.Errorf("first request: tls %v connecting %v, want > 0", resp.Timings.TLSHandshaking, resp.Timings.Connecting)
					}
					if i == 1 && (resp.Timings.TLSHandshaking != 0 || resp.Timings.Connecting != 0) {
						t.Errorf("reused connection: tls %v connecting %v, want 0", resp.Timings.TLSHandshaking, resp.Timings.Connecting)
					}
					if resp.Timings.Duration != resp.Timings.Sending+resp.Timings.Waiting+resp.Timings.Receiving {
						t.Errorf("timings do not add up: %+v", resp.Timings)
					}
				}
			}
			snap := r.agg.Flush()
			if f := r.sink(snap, r.bi.HTTPReqFailed); f.Count != 2 || (f.Trues == 2) != (row.code != 0) {
				t.Errorf("http_req_failed %d of %d", f.Trues, f.Count)
			}
			if row.status == 200 {
				if n := r.sink(snap, r.bi.HTTPReqs, tag("tls_version", "tls1.3"), tag("proto", "HTTP/2.0")).Sum; n != 2 {
					t.Errorf("http_reqs{tls_version:tls1.3,proto:HTTP/2.0} = %v, want 2", n)
				}
				if n := ts.conns.Load(); n != 1 {
					t.Errorf("server accepted %d connections, want 1 (the ALPN connection is handed to HTTP/2)", n)
				}
				if r.sink(snap, r.bi.DataReceived).Sum <= 0 || r.sink(snap, r.bi.DataSent).Sum <= 0 {
					t.Errorf("data_sent/data_received not counted on HTTP/2")
				}
			}
		})
	}
}

// newTLSServer is an HTTPS server with httptest's self-signed certificate
// (SAN IP 127.0.0.1) that offers h2 via ALPN.
// maxVersion, when given, caps the server's TLS version.
func newTLSServer(t *testing.T, h http.Handler, maxVersion ...uint16) *server {
	t.Helper()
	s := &server{Server: httptest.NewUnstartedServer(h)}
	s.EnableHTTP2 = true
	if len(maxVersion) > 0 {
		s.TLS = &tls.Config{MaxVersion: maxVersion[0]}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// A certificate for another name is reported once as x509's own message
// (it starts with "x509: "), under k6's code 1311.
func TestTLSHostnameErrorMessage(t *testing.T) {
	s := httptest.NewTLSServer(http.NotFoundHandler())
	defer s.Close()
	err := &net.OpError{Op: "remote error", Err: x509.HostnameError{Certificate: s.Certificate(), Host: "other.loadline"}}
	code, msg := classify(context.Background(), err, phaseTLS, false)
	if code != ErrCodeTLSHostname || !strings.HasPrefix(msg, "x509: certificate is valid for") || strings.Count(msg, "x509:") != 1 {
		t.Errorf("classify: %d %q, want %d and x509's message once", code, msg, ErrCodeTLSHostname)
	}
}

// A name under .invalid fails as "no such host" (1101) without a DNS query
// (RFC 6761, 6.4), so no test or script asks a real resolver about one.
func TestInvalidNamesAreNotLookedUp(t *testing.T) {
	r := newRig(t, nil)
	asked := false
	r.c.resolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		asked = true
		return nil, io.EOF
	}}
	for _, host := range []string{"no-such-host.invalid", "A.B.INVALID", "x.invalid.", "invalid"} {
		var resp Response
		r.c.Do(context.Background(), get("http://"+host+"/"), &resp)
		if resp.ErrorCode != ErrCodeDNSNoHost || resp.Error != "lookup: no such host" {
			t.Errorf("%s: %d %q, want %d \"lookup: no such host\"", host, resp.ErrorCode, resp.Error, ErrCodeDNSNoHost)
		}
	}
	if asked {
		t.Error("the resolver was asked about a .invalid name")
	}
	if isInvalidName("invalid.example") || isInvalidName("notinvalid") || isInvalidName("x.invalidx") {
		t.Error("isInvalidName matched a name outside .invalid")
	}
}

// A port with leading zeros is the number it spells, as net/url and the
// dialer read it (k6 accepts it).
func TestPortWithLeadingZero(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	var resp Response
	r.c.Do(context.Background(), get("http://127.0.0.1:0"+strings.TrimPrefix(s.URL, "http://127.0.0.1:")+"/fast"), &resp)
	if resp.Status != 200 || resp.Error != "" {
		t.Errorf("status %d error %q, want 200", resp.Status, resp.Error)
	}
}
