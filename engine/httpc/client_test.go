package httpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/loadline/loadline/engine/metrics"
)

func TestTimingsAddUp(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	var resp Response
	r.c.Do(context.Background(), get(s.URL+"/delay?ms=100"), &resp)
	tm := resp.Timings
	if resp.Status != 200 {
		t.Fatalf("status %d %q", resp.Status, resp.Error)
	}
	if tm.Duration != tm.Sending+tm.Waiting+tm.Receiving {
		t.Errorf("duration %v != sending+waiting+receiving %v", tm.Duration, tm.Sending+tm.Waiting+tm.Receiving)
	}
	if d := tm.Waiting - 100*time.Millisecond; d < 0 || d > 20*time.Millisecond {
		t.Errorf("waiting %v, want 100 ms (+20 ms)", tm.Waiting)
	}
	if tm.Connecting <= 0 || tm.TLSHandshaking != 0 {
		t.Errorf("new plain connection: connecting %v tls %v", tm.Connecting, tm.TLSHandshaking)
	}
	r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
	if resp.Timings.Connecting != 0 || resp.Timings.TLSHandshaking != 0 {
		t.Errorf("reused connection: connecting %v tls %v, want 0", resp.Timings.Connecting, resp.Timings.TLSHandshaking)
	}
	snap := r.agg.Flush()
	w := r.sink(snap, r.bi.HTTPReqWaiting, tag("url", s.URL+"/delay?ms=100"))
	if w.Count != 1 || w.Max < 100 || w.Max > 120 {
		t.Errorf("http_req_waiting sample %v ms (count %d), want about 100", w.Max, w.Count)
	}
	d := r.sink(snap, r.bi.HTTPReqDuration, tag("url", s.URL+"/delay?ms=100"))
	if got, want := d.Max, float64(tm.Duration)/float64(time.Millisecond); got != want {
		t.Errorf("http_req_duration %v ms, want the response's %v ms", got, want)
	}
}

func TestConnectionReuse(t *testing.T) {
	rows := []struct {
		name      string
		cfg       Config
		iterEvery int // StartIteration every n requests
		wantConns int64
	}{
		{name: "keep-alive: one connection for 100 requests", wantConns: 1},
		{name: "noConnectionReuse: one per request", cfg: Config{NoConnectionReuse: true}, wantConns: 100},
		{name: "noVUConnectionReuse: one per iteration", cfg: Config{NoVUConnectionReuse: true}, iterEvery: 10, wantConns: 10},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := newServer(t)
			r := newRig(t, &row.cfg)
			var resp Response
			for i := 0; i < 100; i++ {
				if row.iterEvery > 0 && i%row.iterEvery == 0 {
					r.c.StartIteration()
				}
				r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
				if resp.Status != 200 || string(resp.Body) != "ok" {
					t.Fatalf("request %d: %d %q %q", i, resp.Status, resp.Body, resp.Error)
				}
			}
			if n := s.conns.Load(); n != row.wantConns {
				t.Errorf("server accepted %d connections, want %d", n, row.wantConns)
			}
		})
	}
}

func TestStaleKeepAliveConnectionIsRetried(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	var resp Response
	r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
	s.CloseClientConnections() // the server drops the idle connection
	r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
	if resp.Status != 200 || resp.Error != "" {
		t.Fatalf("after the server closed the idle connection: %d %q", resp.Status, resp.Error)
	}
}

func TestContentEncodingDecoded(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	want := strings.Repeat("hello compressed world ", 100)
	for _, enc := range []string{"gzip", "deflate", "br"} {
		t.Run(enc, func(t *testing.T) {
			var resp Response
			r.c.Do(context.Background(), get(s.URL+"/encoded?enc="+enc), &resp)
			if resp.Status != 200 || string(resp.Body) != want {
				t.Fatalf("status %d error %q body %d bytes %.40q", resp.Status, resp.Error, len(resp.Body), resp.Body)
			}
			if headerValue(resp.Header, "Content-Encoding") != enc {
				t.Errorf("Content-Encoding header %q", headerValue(resp.Header, "Content-Encoding"))
			}
		})
	}
}

func TestDiscardedBodies(t *testing.T) {
	s := newServer(t)
	const size = 5 << 20
	rows := []struct {
		name     string
		cfg      Config
		typ      ResponseType
		keepBody bool
	}{
		{name: "responseType none", typ: None},
		{name: "discardResponseBodies", cfg: Config{DiscardResponseBodies: true}},
		{name: "discardResponseBodies with responseType text", cfg: Config{DiscardResponseBodies: true}, typ: Text, keepBody: true},
		{name: "default keeps the body", keepBody: true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := newRig(t, &row.cfg)
			req := get(s.URL + "/big?bytes=5242880")
			req.ResponseType = row.typ
			var resp Response
			r.c.Do(context.Background(), req, &resp) // warm up: connection, buffers
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			const n = 4
			for i := 0; i < n; i++ {
				r.c.Do(context.Background(), req, &resp)
			}
			runtime.ReadMemStats(&after)
			if resp.Status != 200 {
				t.Fatalf("status %d %q", resp.Status, resp.Error)
			}
			if row.keepBody != (resp.Body != nil) || row.keepBody && len(resp.Body) != size {
				t.Errorf("body kept %v (%d bytes), want kept %v", resp.Body != nil, len(resp.Body), row.keepBody)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; !row.keepBody && alloc > 1<<20 {
				t.Errorf("discarding %d x 5 MiB allocated %d bytes, want < 1 MiB", n, alloc)
			}
			got := r.sink(r.agg.Flush(), r.bi.DataReceived).Sum
			if got < (n+1)*size || got > (n+1)*(size+4096) {
				t.Errorf("data_received %v, want about %d", got, (n+1)*size)
			}
		})
	}
}

func TestContextCancelAbortsRequest(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	var resp Response
	begin := time.Now()
	r.c.Do(ctx, get(s.URL+"/delay?ms=3000"), &resp)
	if took := time.Since(begin); took > time.Second || resp.Status != 0 || resp.ErrorCode == 0 {
		t.Fatalf("took %v status %d code %d %q", took, resp.Status, resp.ErrorCode, resp.Error)
	}
	r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
	if resp.Status != 200 {
		t.Fatalf("after a cancelled request: %d %q", resp.Status, resp.Error)
	}
	// A context cancelled while no request is in flight aborts nothing later.
	ctx2, cancel2 := context.WithCancel(context.Background())
	r.c.Do(ctx2, get(s.URL+"/fast"), &resp)
	cancel2()
	for limit := time.Now().Add(time.Second); !r.c.aborted.Load() && time.Now().Before(limit); {
		runtime.Gosched() // until the AfterFunc has run
	}
	if !r.c.aborted.Load() {
		t.Fatal("the abort did not run after the cancellation")
	}
	r.c.Do(context.Background(), get(s.URL+"/delay?ms=50"), &resp)
	if resp.Status != 200 {
		t.Fatalf("request after an idle cancellation: %d %q", resp.Status, resp.Error)
	}
}

// A client watched by its owner registers nothing on the owner's context,
// and the owner's Abort ends the request in flight.
func TestWatchedByOwner(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.c.WatchedBy(ctx)
	time.AfterFunc(200*time.Millisecond, r.c.Abort)
	var resp Response
	begin := time.Now()
	r.c.Do(ctx, get(s.URL+"/delay?ms=3000"), &resp)
	if took := time.Since(begin); took > time.Second || resp.Status != 0 || resp.ErrorCode == 0 {
		t.Fatalf("took %v status %d code %d %q", took, resp.Status, resp.ErrorCode, resp.Error)
	}
	if r.c.stopWatch != nil {
		t.Error("the client registered on its owner's context")
	}
	r.c.Do(ctx, get(s.URL+"/fast"), &resp)
	if resp.Status != 200 {
		t.Fatalf("after an aborted request: %d %q", resp.Status, resp.Error)
	}
	// Without the owner, the client watches the context itself again.
	r.c.WatchedBy(nil)
	r.c.Do(ctx, get(s.URL+"/fast"), &resp)
	if r.c.stopWatch == nil || r.c.watched != ctx {
		t.Error("the client does not watch the context it was left with")
	}
}

func TestPathSentAsGiven(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	var resp Response
	for _, p := range []string{"/raw/a%2Fb?x=%41", "/raw/%7Euser/x;y"} {
		r.c.Do(context.Background(), get(s.URL+p), &resp)
		if string(resp.Body) != p {
			t.Errorf("server saw %q, want %q", resp.Body, p)
		}
	}
	redirect := get(s.URL + "/redirect?code=302&to=/raw/c%252Fd")
	r.c.Do(context.Background(), redirect, &resp)
	if string(resp.Body) != "/raw/c%2Fd" || resp.URL != s.URL+"/raw/c%2Fd" {
		t.Errorf("after a redirect the server saw %q (url %s)", resp.Body, resp.URL)
	}
}

func TestRedirectMethods(t *testing.T) {
	s := newServer(t)
	r := newRig(t, &Config{MaxRedirects: 10})
	rows := []struct {
		name, method string
		code         string
		wantMethod   string
		wantBody     string
	}{
		{name: "303 turns POST into GET", method: "POST", code: "303", wantMethod: "GET"},
		{name: "302 turns POST into GET", method: "POST", code: "302", wantMethod: "GET"},
		{name: "301 keeps HEAD", method: "HEAD", code: "301", wantMethod: "HEAD"},
		{name: "307 keeps POST and body", method: "POST", code: "307", wantMethod: "POST", wantBody: "payload"},
		{name: "308 keeps PUT and body", method: "PUT", code: "308", wantMethod: "PUT", wantBody: "payload"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			req := &Request{Method: row.method, URL: s.URL + "/redirect?code=" + row.code + "&to=echo", Body: []byte("payload"), Redirects: -1}
			var resp Response
			r.c.Do(context.Background(), req, &resp)
			if resp.Status != 200 || resp.URL != s.URL+"/echo" {
				t.Fatalf("status %d url %s %q", resp.Status, resp.URL, resp.Error)
			}
			if m := headerValue(resp.Header, "X-Method"); m != row.wantMethod || string(resp.Body) != row.wantBody {
				t.Errorf("method %s body %q, want %s %q", m, resp.Body, row.wantMethod, row.wantBody)
			}
		})
	}
}

func TestRequestHeadersAuthAndCookies(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	ctx := context.Background()
	var resp Response
	userinfo := strings.Replace(s.URL, "http://", "http://bob:p%40ss%3Aword@", 1)
	rows := []struct {
		name   string
		req    *Request
		header string
		want   string
	}{
		{name: "default user agent", req: get(s.URL + "/echo"), header: "X-UA", want: DefaultUserAgent},
		{name: "request user agent wins", req: &Request{URL: s.URL + "/echo", Header: []Header{{"User-Agent", "mine"}}}, header: "X-UA", want: "mine"},
		{name: "basic auth from userinfo, decoded", req: get(userinfo + "/echo"), header: "X-Auth",
			want: "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:p@ss:word"))},
		{name: "request cookies are sent", req: &Request{URL: s.URL + "/echo", Cookies: []Cookie{{Name: "a", Value: "1"}}}, header: "X-Cookie", want: "a=1"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r.c.Do(ctx, row.req, &resp)
			if got := headerValue(resp.Header, row.header); got != row.want {
				t.Errorf("%s = %q, want %q", row.header, got, row.want)
			}
		})
	}

	t.Run("jar, replace and Set-Cookie", func(t *testing.T) {
		r.c.StartIteration()
		set := get(s.URL + "/setcookie?owner=vu1")
		r.c.Do(ctx, set, &resp)
		if len(resp.Cookies) != 1 || resp.Cookies[0].Name != "owner" || resp.Cookies[0].Value != "vu1" || resp.Cookies[0].Path != "/" {
			t.Fatalf("Response.Cookies %+v", resp.Cookies)
		}
		if got := headerValue(resp.Header, "Set-Cookie"); got != "owner=vu1; Path=/" {
			t.Errorf("Set-Cookie header %q", got)
		}
		r.c.Do(ctx, &Request{URL: s.URL + "/echo", Cookies: []Cookie{{Name: "owner", Value: "stand-in", Replace: true}}}, &resp)
		if got := headerValue(resp.Header, "X-Cookie"); got != "owner=stand-in" {
			t.Errorf("replace: Cookie %q", got)
		}
		r.c.Do(ctx, &Request{URL: s.URL + "/echo", Cookies: []Cookie{{Name: "extra", Value: "once"}}}, &resp)
		if got := headerValue(resp.Header, "X-Cookie"); got != "owner=vu1; extra=once" {
			t.Errorf("add: Cookie %q", got)
		}
		r.c.Do(ctx, get(s.URL+"/echo"), &resp)
		if got := headerValue(resp.Header, "X-Cookie"); got != "owner=vu1" {
			t.Errorf("request cookies must not enter the jar: Cookie %q", got)
		}
		other := NewCookieJar()
		r.c.Do(ctx, &Request{URL: s.URL + "/setcookie?private=1", Jar: other}, &resp)
		if r.c.Jar().CookiesForURL(s.URL)["private"] != nil || other.CookiesForURL(s.URL)["private"] == nil {
			t.Errorf("Request.Jar: cookie stored in the wrong jar")
		}
	})
}

func TestHostsAndBlockedHostnames(t *testing.T) {
	s := newServer(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	rows := []struct {
		name   string
		cfg    Config
		url    string
		status int
		code   int
	}{
		{name: "host to ip", cfg: Config{Hosts: map[string]string{"test.loadline": "127.0.0.1"}}, url: "http://test.loadline:" + port + "/fast", status: 200},
		{name: "host:port to ip:port", cfg: Config{Hosts: map[string]string{"test.loadline:80": "127.0.0.1:" + port}}, url: "http://test.loadline/fast", status: 200},
		{name: "blocked exact", cfg: Config{BlockHostnames: []string{"test.loadline"}, Hosts: map[string]string{"test.loadline": "127.0.0.1"}}, url: "http://test.loadline:" + port + "/fast", code: 1111},
		{name: "blocked wildcard", cfg: Config{BlockHostnames: []string{"*.loadline"}}, url: "http://api.test.loadline/fast", code: 1111},
		{name: "wildcard host", cfg: Config{Hosts: map[string]string{"*.loadline": "127.0.0.1"}}, url: "http://api.test.loadline:" + port + "/fast", status: 200},
		{name: "wildcard host:port", cfg: Config{Hosts: map[string]string{"*.loadline:80": "127.0.0.1:" + port}}, url: "http://x.loadline/fast", status: 200},
		// The losing entries point at port 1, where nothing listens.
		{name: "exact before wildcard", cfg: Config{Hosts: map[string]string{"test.loadline": "127.0.0.1", "*.loadline": "127.0.0.1:1"}}, url: "http://test.loadline:" + port + "/fast", status: 200},
		{name: "longest wildcard first", cfg: Config{Hosts: map[string]string{"*.test.loadline": "127.0.0.1", "*.loadline": "127.0.0.1:1"}}, url: "http://a.test.loadline:" + port + "/fast", status: 200},
		{name: "port-specific wildcard first", cfg: Config{Hosts: map[string]string{"*.loadline:80": "127.0.0.1:" + port, "*.loadline": "127.0.0.1:1"}}, url: "http://x.loadline/fast", status: 200},
		// k6's order: host:port patterns, wildcards included, before host.
		{name: "wildcard host:port before exact host", cfg: Config{Hosts: map[string]string{"p.loadline": "127.0.0.1:1", "*.loadline:80": "127.0.0.1:" + port}}, url: "http://p.loadline/fast", status: 200},
		{name: "star without dot matches the bare name", cfg: Config{Hosts: map[string]string{"*loadline": "127.0.0.1"}}, url: "http://loadline:" + port + "/fast", status: 200},
		{name: "catch-all", cfg: Config{Hosts: map[string]string{"*": "127.0.0.1"}}, url: "http://any.where.loadline:" + port + "/fast", status: 200},
		{name: "upper-case keys", cfg: Config{Hosts: NormalizeHosts(map[string]string{"*.UPW.Loadline": "127.0.0.1"})}, url: "http://x.upw.loadline:" + port + "/fast", status: 200},
		{name: "trailing dot", cfg: Config{Hosts: map[string]string{"*.loadline": "127.0.0.1"}}, url: "http://a.loadline.:" + port + "/fast", status: 200},
		{name: "keys with a trailing dot and a zero-padded port", cfg: Config{Hosts: NormalizeHosts(map[string]string{"a.loadline.:080": "127.0.0.1:" + port})}, url: "http://a.loadline:80/fast", status: 200},
		{name: "URL port with leading zeros", cfg: Config{Hosts: map[string]string{"a.loadline:80": "127.0.0.1:" + port}}, url: "http://a.loadline:0080/fast", status: 200},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := newRig(t, &row.cfg)
			var resp Response
			r.c.Do(context.Background(), get(row.url), &resp)
			if resp.Status != row.status || resp.ErrorCode != row.code {
				t.Errorf("status %d code %d %q, want %d %d", resp.Status, resp.ErrorCode, resp.Error, row.status, row.code)
			}
		})
	}
}

func TestTagsAndExpected(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	ctx := context.Background()
	var resp Response
	for i := 0; i < 3; i++ {
		req := get(s.URL + "/fast?id=" + string(rune('a'+i)))
		req.Tags = []metrics.Tag{tag("name", "fast-by-id"), tag("group", "::g")}
		r.c.Do(ctx, req, &resp)
	}
	r.c.Do(ctx, get(s.URL+"/fast"), &resp) // no Expected: no http_req_failed, no expected_response
	snap := r.agg.Flush()
	named := r.sink(snap, r.bi.HTTPReqs, tag("name", "fast-by-id"), tag("url", "fast-by-id"), tag("group", "::g"),
		tag("method", "GET"), tag("status", "200"), tag("proto", "HTTP/1.1"))
	if named.Sum != 3 {
		t.Errorf("http_reqs{name:fast-by-id,url:fast-by-id,...} = %v, want 3", named.Sum)
	}
	if n := r.sink(snap, r.bi.HTTPReqs, tag("name", s.URL+"/fast"), tag("url", s.URL+"/fast")).Sum; n != 1 {
		t.Errorf("untagged request: name and url = the URL: %v, want 1", n)
	}
	if f := r.sink(snap, r.bi.HTTPReqFailed); f.Count != 0 {
		t.Errorf("http_req_failed recorded %d samples without Expected", f.Count)
	}
	for _, s := range snap.Series {
		if _, ok := s.Tags.Get("expected_response"); ok {
			t.Errorf("expected_response tag without Expected: %v", s.Tags.Map())
		}
		if _, ok := s.Tags.Get("error_code"); ok {
			t.Errorf("error_code tag on a success: %v", s.Tags.Map())
		}
	}
}

func TestBatch(t *testing.T) {
	s := newServer(t)
	rows := []struct {
		name             string
		factory          bool
		parallel, per    int
		minTook, maxTook time.Duration
	}{
		{name: "parallel", factory: true, parallel: 3, minTook: 300 * time.Millisecond, maxTook: 550 * time.Millisecond},
		{name: "per host limit 1 serialises", factory: true, parallel: 3, per: 1, minTook: 900 * time.Millisecond, maxTook: 1400 * time.Millisecond},
		{name: "no recorder factory: sequential", parallel: 3, minTook: 900 * time.Millisecond, maxTook: 1400 * time.Millisecond},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := newRig(t, nil)
			if row.factory {
				r.c.SetRecorderFactory(r.agg.NewRecorder)
			}
			reqs := make([]*Request, 3)
			resps := make([]*Response, 3)
			for i := range reqs {
				reqs[i] = get(s.URL + "/delay?ms=300")
				reqs[i].Tags = []metrics.Tag{tag("batch", "yes")}
				resps[i] = &Response{}
			}
			begin := time.Now()
			r.c.Batch(context.Background(), reqs, resps, row.parallel, row.per)
			took := time.Since(begin)
			for i, resp := range resps {
				if resp.Status != 200 || string(resp.Body) != "slept" {
					t.Errorf("response %d: %d %q", i, resp.Status, resp.Error)
				}
			}
			if took < row.minTook || took > row.maxTook {
				t.Errorf("took %v, want %v..%v", took, row.minTook, row.maxTook)
			}
			if n := r.sink(r.agg.Flush(), r.bi.HTTPReqs, tag("batch", "yes")).Sum; n != 3 {
				t.Errorf("http_reqs{batch:yes} = %v, want 3", n)
			}
		})
	}
}

func TestHeadAndChunkedKeepAlive(t *testing.T) {
	s := newServer(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i < 3; i++ {
			_, _ = w.Write([]byte("part;"))
			w.(http.Flusher).Flush()
		}
	})
	mux.Handle("/", s.Config.Handler)
	s.Config.Handler = mux
	r := newRig(t, nil)
	var resp Response
	for i := 0; i < 3; i++ {
		r.c.Do(context.Background(), get(s.URL+"/chunked"), &resp)
		if resp.Status != 200 || string(resp.Body) != "part;part;part;" {
			t.Fatalf("chunked %d: %d %q %q", i, resp.Status, resp.Body, resp.Error)
		}
		r.c.Do(context.Background(), &Request{Method: "HEAD", URL: s.URL + "/big?bytes=1000"}, &resp)
		if resp.Status != 200 || len(resp.Body) != 0 {
			t.Fatalf("HEAD %d: %d %q %q", i, resp.Status, resp.Body, resp.Error)
		}
	}
	if n := s.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestConcurrentClients(t *testing.T) {
	s := newServer(t)
	r := newRig(t, nil)
	var wg sync.WaitGroup
	for v := 0; v < 4; v++ {
		c := NewClient(nil, r.reg, r.bi, r.agg.NewRecorder())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			var resp Response
			for i := 0; i < 50; i++ {
				c.Do(context.Background(), get(s.URL+"/fast"), &resp)
				if !bytes.Equal(resp.Body, []byte("ok")) {
					t.Errorf("body %q", resp.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := r.sink(r.agg.Flush(), r.bi.HTTPReqs).Sum; n != 200 {
		t.Errorf("http_reqs %v, want 200", n)
	}
}

// The string cache returns the interned string for a line it holds, and a
// value that changes on every response (Date) only takes a slot at a time.
func TestStrCacheInterns(t *testing.T) {
	var s strCache
	stable := []string{"Server", "nginx/1.22.1", "Content-Type", "text/plain", "Connection", "keep-alive"}
	first := map[string]*byte{}
	for _, v := range stable {
		first[v] = unsafe.StringData(s.intern([]byte(v)))
	}
	for i := range strCacheSize - len(stable) {
		s.intern([]byte("Mon, 30 Nov 2026 01:00:" + strconv.Itoa(i)))
		for _, v := range stable {
			got := s.intern([]byte(v))
			if got != v {
				t.Fatalf("intern(%q) = %q", v, got)
			}
			if unsafe.StringData(got) != first[v] {
				t.Fatalf("after %d changing values, %q was converted again", i+1, v)
			}
		}
	}
	long := strings.Repeat("x", strCacheMaxLen+1)
	if s.intern([]byte(long)) != long {
		t.Fatal("a long value came back changed")
	}
	for _, v := range s.s {
		if v == long {
			t.Fatal("a value over strCacheMaxLen was kept")
		}
	}
}
