package target

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTLSTwin(t *testing.T) {
	s := startServer(t, Config{TLSAddr: "127.0.0.1:0"})
	certPEM := s.CertPEM()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("CertPEM is not PEM: %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("certificate does not cover 127.0.0.1: %v", err)
	}
	if err := cert.VerifyHostname("localhost"); err != nil {
		t.Errorf("certificate does not cover localhost: %v", err)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", cert.PublicKeyAlgorithm)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)

	client := func(cfg *tls.Config) *http.Client {
		tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	tests := []struct {
		name        string
		tls         *tls.Config
		wantUnknown bool
	}{
		{name: "trusting the exported certificate", tls: &tls.Config{RootCAs: pool}},
		{name: "skipping verification", tls: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // the case under test
		{name: "default roots reject it", tls: &tls.Config{}, wantUnknown: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := client(tc.tls).Get(s.TLSURL() + "/get?via=tls")
			if tc.wantUnknown {
				var ua x509.UnknownAuthorityError
				if !errors.As(err, &ua) {
					t.Fatalf("err = %v, want x509.UnknownAuthorityError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(body), `"via"`) {
				t.Errorf("status %d body %.100q", resp.StatusCode, body)
			}
			if resp.Proto != "HTTP/2.0" {
				t.Errorf("proto %s, want HTTP/2.0 via ALPN", resp.Proto)
			}
			if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
				t.Errorf("TLS state %+v, want TLS 1.3", resp.TLS)
			}
		})
	}
	// Plain HTTP keeps working beside the twin.
	if r := get(t, newClient(t), s.URL()+"/fast"); r.status != 200 {
		t.Errorf("plain /fast status %d", r.status)
	}
}

func TestMetrics(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	for range 3 {
		get(t, c, s.URL()+"/capacity")
	}
	get(t, c, s.URL()+"/status?code=503")
	get(t, c, s.URL()+"/get")
	r := get(t, c, s.URL()+"/metrics")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	tests := []struct {
		name string
		line string // regexp matched against one line
	}{
		{name: "process cpu", line: `^process_cpu_seconds_total [0-9.e+-]+$`},
		{name: "resident memory", line: `^process_resident_memory_bytes [1-9][0-9.e+]*$`},
		{name: "go runtime", line: `^go_goroutines [1-9][0-9]*$`},
		{name: "capacity requests", line: `^target_requests_total\{code="200",route="/capacity"\} 3$`},
		{name: "status route with its code", line: `^target_requests_total\{code="503",route="/status"\} 1$`},
		{name: "httpbin fallback", line: `^target_requests_total\{code="200",route="httpbin"\} 1$`},
		{name: "queue wait histogram", line: `^target_capacity_queue_wait_seconds_count 3$`},
		{name: "service time histogram", line: `^target_capacity_service_seconds_count 3$`},
		{name: "service time below 20 ms", line: `^target_capacity_service_seconds_bucket\{le="0.016"\} 3$`},
		{name: "queue length gauge", line: `^target_capacity_queue_length 0$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !regexp.MustCompile(`(?m)` + tc.line).MatchString(r.body) {
				t.Errorf("no line matching %s in /metrics", tc.line)
			}
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		lines []string // regexps, one per printed line
	}{
		{name: "http only", cfg: DefaultConfig(), lines: []string{`^listening on http://127\.0\.0\.1:\d+$`}},
		{name: "with tls", cfg: Config{TLSAddr: "127.0.0.1:0"},
			lines: []string{`^listening on http://127\.0\.0\.1:\d+$`, `^listening on https://127\.0\.0\.1:\d+$`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				err := Run(ctx, tc.cfg, pw)
				pw.Close()
				done <- err
			}()
			sc := bufio.NewScanner(pr)
			var url string
			for i, re := range tc.lines {
				if !sc.Scan() {
					t.Fatalf("line %d missing: %v", i, sc.Err())
				}
				if !regexp.MustCompile(re).MatchString(sc.Text()) {
					t.Fatalf("line %d = %q, want %s", i, sc.Text(), re)
				}
				if i == 0 {
					url = strings.TrimPrefix(sc.Text(), "listening on ")
				}
			}
			if r := get(t, newClient(t), url+"/fast"); r.status != 200 || r.body != "ok" {
				t.Errorf("/fast: %d %q", r.status, r.body)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v, want nil after cancel", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			if sc.Scan() {
				t.Errorf("unexpected extra output %q", sc.Text())
			}
		})
	}
}

func TestRunCancelsWaitingRequests(t *testing.T) {
	// A request stuck in a long /delay must not hold Run past its grace.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, DefaultConfig(), pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatal("no address line")
	}
	url := strings.TrimPrefix(sc.Text(), "listening on ")
	go io.Copy(io.Discard, pr) //nolint:errcheck // drains until Run closes pw
	c := newClient(t)
	reqDone := make(chan struct{})
	go func() {
		defer close(reqDone)
		resp, err := c.Get(url + "/delay?ms=30000")
		if err == nil {
			resp.Body.Close()
		}
	}()
	// In flight: the /delay request plus the /metrics request asking.
	waitFor(t, "request in flight", func() bool {
		return strings.Contains(get(t, c, url+"/metrics").body, "\ntarget_requests_in_flight 2\n")
	})
	start := time.Now()
	cancel()
	<-done
	if took := time.Since(start); took > shutdownGrace+time.Second {
		t.Errorf("Run took %v to stop", took)
	}
	<-reqDone
}

func TestStartErrors(t *testing.T) {
	s := startServer(t, DefaultConfig())
	taken := s.Addr()
	tests := []struct {
		name    string
		start   func() error
		wantSub string
	}{
		{name: "second start", start: func() error { return s.Start(context.Background()) }, wantSub: "already started"},
		{name: "address in use", start: func() error {
			o := New(Config{Addr: taken})
			defer o.Close()
			return o.Start(context.Background())
		}, wantSub: "target: listen http"},
		{name: "tls address in use", start: func() error {
			o := New(Config{TLSAddr: taken})
			defer o.Close()
			return o.Start(context.Background())
		}, wantSub: "target: listen https"},
		{name: "invalid config", start: func() error { return New(Config{Workers: -1}).Start(context.Background()) }, wantSub: "workers"},
		{name: "start after close", start: func() error {
			o := New(DefaultConfig())
			o.Close()
			return o.Start(context.Background())
		}, wantSub: "closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.start()
			if err == nil || !strings.Contains(err.Error(), tc.wantSub) {
				t.Errorf("err = %v, want it to mention %q", err, tc.wantSub)
			}
		})
	}
	// The failed listens left the first server serving.
	if r := get(t, newClient(t), s.URL()+"/fast"); r.status != 200 {
		t.Errorf("/fast status %d", r.status)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" for valid
	}{
		{name: "defaults", cfg: DefaultConfig()},
		{name: "zero value takes defaults", cfg: Config{}},
		{name: "negative workers", cfg: Config{Workers: -2}, wantErr: "target: workers must be at least 1"},
		{name: "negative service time", cfg: Config{ServiceTime: -time.Millisecond}, wantErr: "target: service time"},
		{name: "negative extra latency", cfg: Config{ExtraLatency: -time.Millisecond}, wantErr: "target: extra latency"},
		{name: "negative max delay", cfg: Config{MaxDelay: -time.Second}, wantErr: "target: max delay"},
		{name: "same fixed address twice", cfg: Config{Addr: "127.0.0.1:8080", TLSAddr: "127.0.0.1:8080"}, wantErr: "target: tls address"},
		{name: "both ephemeral is fine", cfg: Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestHandlerInOwnServer(t *testing.T) {
	// Handler can be mounted elsewhere; ConnState wires /conns.
	s := New(DefaultConfig())
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler(), ConnState: s.ConnState, ReadHeaderTimeout: time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed
	defer srv.Close()
	r := get(t, newClient(t), "http://"+ln.Addr().String()+"/conns")
	if r.status != 200 || r.body != "1" {
		t.Errorf("/conns = %d %q, want 200 \"1\"", r.status, r.body)
	}
}
