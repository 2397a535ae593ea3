package target

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRoutes(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	withCookie := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: "zz9"}) }

	tests := []struct {
		name       string
		path       string
		mutate     func(*http.Request)
		wantStatus int
		wantBody   string            // exact, unless "*" (any)
		wantHeader map[string]string // exact values
		minElapsed time.Duration
		maxElapsed time.Duration // 0: no bound
	}{
		{name: "fast", path: "/fast", wantStatus: 200, wantBody: "ok", maxElapsed: time.Second},
		{name: "delay waits", path: "/delay?ms=120", wantStatus: 200, wantBody: "ok", minElapsed: 120 * time.Millisecond, maxElapsed: 2 * time.Second},
		{name: "delay zero", path: "/delay?ms=0", wantStatus: 200, wantBody: "ok"},
		{name: "delay missing ms", path: "/delay", wantStatus: 400, wantBody: "*"},
		{name: "delay negative", path: "/delay?ms=-5", wantStatus: 400, wantBody: "*"},
		{name: "delay above max", path: "/delay?ms=60001", wantStatus: 400, wantBody: "*"},
		{name: "status 404", path: "/status?code=404", wantStatus: 404, wantBody: "", wantHeader: map[string]string{"Content-Length": "0"}},
		{name: "status 503", path: "/status?code=503", wantStatus: 503, wantBody: ""},
		{name: "status 204", path: "/status?code=204", wantStatus: 204, wantBody: ""},
		{name: "status not a number", path: "/status?code=abc", wantStatus: 400, wantBody: "*"},
		{name: "status out of range", path: "/status?code=99", wantStatus: 400, wantBody: "*"},
		{name: "login redirects and sets cookie", path: "/login", wantStatus: 302, wantBody: "",
			wantHeader: map[string]string{"Location": "/whoami", "Set-Cookie": "sid=abc123; Path=/"}},
		{name: "whoami without cookie", path: "/whoami", wantStatus: 401, wantBody: "no session"},
		{name: "whoami echoes cookie", path: "/whoami", mutate: withCookie, wantStatus: 200, wantBody: "sid=zz9"},
		{name: "chain 3", path: "/chain?n=3", wantStatus: 302, wantHeader: map[string]string{"Location": "/chain?n=2"}, wantBody: ""},
		{name: "chain 1", path: "/chain?n=1", wantStatus: 302, wantHeader: map[string]string{"Location": "/chain?n=0"}, wantBody: ""},
		{name: "chain 0", path: "/chain?n=0", wantStatus: 200, wantBody: "end"},
		{name: "chain without n", path: "/chain", wantStatus: 200, wantBody: "end"},
		{name: "chain negative", path: "/chain?n=-1", wantStatus: 400, wantBody: "*"},
		{name: "big 10 bytes", path: "/big?bytes=10", wantStatus: 200, wantBody: "abcdefghij",
			wantHeader: map[string]string{"Content-Length": "10", "Content-Type": "application/octet-stream"}},
		{name: "big zero", path: "/big?bytes=0", wantStatus: 200, wantBody: ""},
		{name: "big missing", path: "/big", wantStatus: 400, wantBody: "*"},
		{name: "small json", path: "/json/small", wantStatus: 200, wantBody: `{"a":{"b":[1,2,3]},"s":"x"}`,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8"}},
		{name: "not json", path: "/notjson", wantStatus: 200, wantBody: "<html>oops</html>",
			wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8"}},
		{name: "svc", path: "/svc", wantStatus: 200, wantBody: "ok", maxElapsed: time.Second},
		{name: "freeze bad", path: "/freeze?ms=x", wantStatus: 400, wantBody: "*"},
		{name: "capacity", path: "/capacity", wantStatus: 200, wantBody: "ok", minElapsed: 10 * time.Millisecond},
		{name: "capacity bad work", path: "/capacity?work=fast", wantStatus: 400, wantBody: "*"},
		{name: "capacity negative work", path: "/capacity?work=-1ms", wantStatus: 400, wantBody: "*"},
		{name: "admin latency read", path: "/admin/latency", wantStatus: 200, wantBody: "0"},
		{name: "admin latency bad", path: "/admin/latency?ms=abc", wantStatus: 400, wantBody: "*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(t, c, s.URL()+tc.path, tc.mutate)
			if got.status != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %q)", got.status, tc.wantStatus, got.body)
			}
			if tc.wantBody != "*" && got.body != tc.wantBody {
				t.Errorf("body = %q, want %q", got.body, tc.wantBody)
			}
			if tc.wantStatus == 400 && !strings.HasPrefix(got.body, "target: ") {
				t.Errorf("400 body = %q, want a \"target: \" line", got.body)
			}
			for k, v := range tc.wantHeader {
				if g := got.header.Get(k); g != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if got.elapsed < tc.minElapsed {
				t.Errorf("took %v, want at least %v", got.elapsed, tc.minElapsed)
			}
			if tc.maxElapsed > 0 && got.elapsed > tc.maxElapsed {
				t.Errorf("took %v, want at most %v", got.elapsed, tc.maxElapsed)
			}
		})
	}
}

func TestFlakyAlternatesAndResets(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	type call struct {
		status int
		slow   bool
	}
	want := []call{{200, true}, {500, false}, {200, true}, {500, false}}
	for round := range 2 { // the second round proves /resetconns restarts the count
		if r := get(t, c, s.URL()+"/resetconns"); r.status != 200 {
			t.Fatalf("resetconns status %d", r.status)
		}
		for i, w := range want {
			got := get(t, c, s.URL()+"/flaky")
			if got.status != w.status {
				t.Errorf("round %d call %d: status %d, want %d", round, i+1, got.status, w.status)
			}
			if slow := got.elapsed >= flakyDelay; slow != w.slow {
				t.Errorf("round %d call %d: took %v, want slow=%v", round, i+1, got.elapsed, w.slow)
			}
			if !w.slow && got.elapsed > 100*time.Millisecond {
				t.Errorf("round %d call %d: fast failure took %v", round, i+1, got.elapsed)
			}
		}
	}
}

func TestRedirectsFollowed(t *testing.T) {
	s := startServer(t, DefaultConfig())
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	hops := 0
	c := &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error { hops = len(via); return nil }}

	tests := []struct {
		name     string
		path     string
		wantBody string
		wantHops int
	}{
		{name: "login cookie survives the redirect", path: "/login", wantBody: "sid=abc123", wantHops: 1},
		{name: "whoami keeps the jar", path: "/whoami", wantBody: "sid=abc123", wantHops: 0},
		{name: "chain of three", path: "/chain?n=3", wantBody: "end", wantHops: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hops = 0
			got := get(t, c, s.URL()+tc.path)
			if got.status != 200 || got.body != tc.wantBody || hops != tc.wantHops {
				t.Errorf("got %d %q after %d hops, want 200 %q after %d", got.status, got.body, hops, tc.wantBody, tc.wantHops)
			}
		})
	}
}

func TestBigStreamsWithoutBuffering(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	const n = 32 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	resp, err := c.Get(s.URL() + "/big?bytes=" + strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != n {
		t.Errorf("Content-Length = %d, want %d", resp.ContentLength, n)
	}
	buf := make([]byte, 32<<10)
	var total int64
	for {
		k, err := resp.Body.Read(buf)
		for i := range k { // the pattern continues across chunks
			if want := byte('a' + (total+int64(i))%(64<<10)%26); buf[i] != want {
				t.Fatalf("byte %d = %q, want %q", total+int64(i), buf[i], want)
			}
		}
		total += int64(k)
		if err != nil {
			break
		}
	}
	runtime.ReadMemStats(&after)
	if total != n {
		t.Errorf("read %d bytes, want %d", total, n)
	}
	// Server and client share this process: together they may allocate
	// buffers, but nothing near the 32 MiB body.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes while streaming %d", alloc, n)
	}
}

func TestFreezeHoldsSvc(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	const freeze = 300 * time.Millisecond
	start := time.Now()
	if r := get(t, c, s.URL()+"/freeze?ms=300"); r.status != 200 || r.elapsed > 100*time.Millisecond {
		t.Fatalf("freeze: status %d after %v, want 200 at once", r.status, r.elapsed)
	}
	var wg sync.WaitGroup
	ends := make([]time.Duration, 5)
	for i := range ends {
		wg.Go(func() {
			r := get(t, c, s.URL()+"/svc")
			if r.status != 200 {
				t.Errorf("svc %d: status %d", i, r.status)
			}
			ends[i] = time.Since(start)
		})
	}
	// /fast is not frozen.
	if r := get(t, c, s.URL()+"/fast"); r.elapsed > 100*time.Millisecond {
		t.Errorf("/fast took %v during a freeze", r.elapsed)
	}
	wg.Wait()
	for i, e := range ends {
		if e < freeze || e > freeze+500*time.Millisecond {
			t.Errorf("svc %d finished %v after the freeze began, want just after %v", i, e, freeze)
		}
	}
	if r := get(t, c, s.URL()+"/svc"); r.elapsed > 100*time.Millisecond {
		t.Errorf("/svc after the freeze took %v", r.elapsed)
	}
}

func TestExtraLatency(t *testing.T) {
	s := startServer(t, Config{ExtraLatency: 40 * time.Millisecond})
	c := newClient(t)
	tests := []struct {
		name     string
		path     string
		min, max time.Duration
	}{
		{name: "svc with configured latency", path: "/svc", min: 40 * time.Millisecond, max: 500 * time.Millisecond},
		{name: "read configured", path: "/admin/latency", max: 500 * time.Millisecond},
		{name: "raise at run time", path: "/admin/latency?ms=150", max: 500 * time.Millisecond},
		{name: "svc with raised latency", path: "/svc", min: 150 * time.Millisecond, max: time.Second},
		{name: "capacity with raised latency", path: "/capacity", min: 160 * time.Millisecond, max: time.Second},
		{name: "fast is unaffected", path: "/fast", max: 100 * time.Millisecond},
		{name: "clear", path: "/admin/latency?ms=0", max: 500 * time.Millisecond},
		{name: "svc cleared", path: "/svc", max: 100 * time.Millisecond},
	}
	wantRead := map[string]string{"read configured": "40", "raise at run time": "150", "clear": "0"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(t, c, s.URL()+tc.path)
			if got.status != 200 {
				t.Fatalf("status %d", got.status)
			}
			if got.elapsed < tc.min || got.elapsed > tc.max {
				t.Errorf("took %v, want within [%v, %v]", got.elapsed, tc.min, tc.max)
			}
			if w, ok := wantRead[tc.name]; ok && got.body != w {
				t.Errorf("body %q, want %q", got.body, w)
			}
		})
	}
}

func TestConnsCountsNewConnections(t *testing.T) {
	s := startServer(t, DefaultConfig())
	admin := newClient(t)
	if r := get(t, admin, s.URL()+"/resetconns"); r.status != 200 {
		t.Fatalf("resetconns: %d", r.status)
	}
	const fresh = 3
	for range fresh {
		c := newClient(t) // own transport, so one new connection each
		for range 2 {     // keep-alive: the second request reuses it
			get(t, c, s.URL()+"/fast")
		}
	}
	// admin's connection predates the reset and is reused, so not counted.
	if r := get(t, admin, s.URL()+"/conns"); r.body != strconv.Itoa(fresh) {
		t.Errorf("/conns = %q, want %d", r.body, fresh)
	}
}

func TestHTTPBinFallback(t *testing.T) {
	s := startServer(t, DefaultConfig())
	c := newClient(t)
	tests := []struct {
		name       string
		path       string
		mutate     func(*http.Request)
		wantStatus int
		check      func(t *testing.T, doc map[string]any)
	}{
		{name: "get echoes args", path: "/get?x=1&y=two", wantStatus: 200, check: func(t *testing.T, doc map[string]any) {
			args, _ := doc["args"].(map[string]any)
			if x, _ := args["x"].([]any); len(x) != 1 || x[0] != "1" {
				t.Errorf("args = %v", doc["args"])
			}
		}},
		{name: "json is the slideshow", path: "/json", wantStatus: 200, check: func(t *testing.T, doc map[string]any) {
			if _, ok := doc["slideshow"]; !ok {
				t.Errorf("no slideshow in %v", doc)
			}
		}},
		{name: "status by path", path: "/status/418", wantStatus: 418},
		{name: "delay by path", path: "/delay/0", wantStatus: 200},
		{name: "redirect by path", path: "/redirect/2", wantStatus: 302},
		{name: "basic auth", path: "/basic-auth/alice/s3cret", mutate: func(r *http.Request) { r.SetBasicAuth("alice", "s3cret") },
			wantStatus: 200, check: func(t *testing.T, doc map[string]any) {
				if doc["authenticated"] != true || doc["user"] != "alice" {
					t.Errorf("doc = %v", doc)
				}
			}},
		{name: "basic auth wrong password", path: "/basic-auth/alice/s3cret", mutate: func(r *http.Request) { r.SetBasicAuth("alice", "x") },
			wantStatus: 401},
		{name: "bytes", path: "/bytes/48", wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(t, c, s.URL()+tc.path, tc.mutate)
			if got.status != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %.200q)", got.status, tc.wantStatus, got.body)
			}
			if tc.check != nil {
				var doc map[string]any
				if err := json.Unmarshal([]byte(got.body), &doc); err != nil {
					t.Fatalf("body is not JSON: %v (%.200q)", err, got.body)
				}
				tc.check(t, doc)
			}
		})
	}
}
