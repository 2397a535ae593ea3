package httpjs

import (
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/klauspost/compress/zstd"
	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// fakeState is a test double of the core's per-VU state.
type fakeState struct {
	tags     []metrics.Tag
	throw    bool
	expected *httpc.Expected

	mu    sync.Mutex
	queue []func() error
}

func (s *fakeState) Tags(dst []metrics.Tag) []metrics.Tag { return append(dst, s.tags...) }
func (s *fakeState) Group() string                        { return "" }
func (s *fakeState) Throw() bool                          { return s.throw }
func (s *fakeState) Expected() *httpc.Expected            { return s.expected }
func (s *fakeState) SetExpected(e *httpc.Expected)        { s.expected = e }
func (s *fakeState) RunOnLoop() func(fn func() error) {
	return func(fn func() error) {
		s.mu.Lock()
		s.queue = append(s.queue, fn)
		s.mu.Unlock()
	}
}

// drain runs the queued loop callbacks.
func (s *fakeState) drain(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	q := s.queue
	s.queue = nil
	s.mu.Unlock()
	for _, fn := range q {
		if err := fn(); err != nil {
			t.Fatalf("loop callback: %v", err)
		}
	}
}

// env is one VU with the module loaded as the global `http`, and a server
// with httpbin plus the CASES.md routes the tests need.
type env struct {
	rt     *goja.Runtime
	vu     *modules.VU
	state  *fakeState
	agg    *metrics.Aggregator
	bi     *metrics.Builtin
	client *httpc.Client
	base   string
}

func testServer(t testing.TB) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"a":{"b":[1,2,3]},"s":"x","n":null,"t":true}`)
	})
	mux.HandleFunc("/notjson", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "<html>oops</html>")
	})
	mux.HandleFunc("/badline3", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "{\n  \"a\": 1,\n  oops\n}")
	})
	// /gunzip echoes the request body, decompressed per Content-Encoding
	// (one coding).
	mux.HandleFunc("/gunzip", func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		var err error
		switch r.Header.Get("Content-Encoding") {
		case "gzip":
			body, err = gzip.NewReader(r.Body)
		case "deflate":
			body, err = zlib.NewReader(r.Body)
		case "zstd":
			var d *zstd.Decoder
			if d, err = zstd.NewReader(r.Body); err == nil {
				defer d.Close()
				body = d
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Encoding", r.Header.Get("Content-Encoding"))
		_, _ = io.Copy(w, body)
	})
	mux.Handle("/", httpbin.New())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newEnv(t testing.TB, srv *httptest.Server, opts *engine.Options) *env {
	t.Helper()
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	agg := metrics.NewAggregator(reg)
	client := httpc.NewClient(&httpc.Config{MaxRedirects: 10}, reg, bi, agg.NewRecorder())
	client.SetRecorderFactory(agg.NewRecorder)
	t.Cleanup(client.Close)
	st := &fakeState{tags: []metrics.Tag{{Key: "scenario", Value: "default"}}, expected: httpc.DefaultExpected}
	rt := goja.New()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	vu := &modules.VU{
		Runtime: rt, Registry: reg, Builtin: bi, HTTP: client, Options: opts,
		ID: 1, Ctx: ctx, State: st,
	}
	if err := rt.Set("http", New(vu)); err != nil {
		t.Fatal(err)
	}
	if err := rt.Set("BASE", srv.URL); err != nil {
		t.Fatal(err)
	}
	return &env{rt: rt, vu: vu, state: st, agg: agg, bi: bi, client: client, base: srv.URL}
}

// eval runs src and returns its completion value as JSON.
func (e *env) eval(t testing.TB, src string) string {
	t.Helper()
	v, err := e.rt.RunString("JSON.stringify((function(){" + src + "})())")
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	if goja.IsUndefined(v) {
		return "undefined"
	}
	return v.String()
}

// evalErr runs src and returns the message of the exception it throws.
func (e *env) evalErr(t testing.TB, src string) string {
	t.Helper()
	_, err := e.rt.RunString("(function(){" + src + "})()")
	if err == nil {
		t.Fatalf("script did not throw:\n%s", src)
	}
	var ex *goja.Exception
	if errorsAs(err, &ex) {
		return ex.Value().String()
	}
	return err.Error()
}

func errorsAs(err error, ex **goja.Exception) bool {
	e, ok := err.(*goja.Exception)
	if ok {
		*ex = e
	}
	return ok
}

type row struct {
	name string
	src  string
	want string
}

func runRows(t *testing.T, e *env, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			if got := e.eval(t, r.src); got != r.want {
				t.Errorf("got %s, want %s", got, r.want)
			}
		})
	}
}

// sink returns the merged samples of m whose tags contain filter.
func (e *env) sink(m *metrics.Metric, filter ...metrics.Tag) *metrics.Sink {
	return e.agg.Flush().Merge(m, filter)
}

func TestCase_C23_JSON(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"array index in path", `return http.get(BASE + "/json").json("a.b.1")`, `2`},
		{"missing path is undefined", `return http.get(BASE + "/json").json("a.zzz") === undefined`, `true`},
		{"whole document", `return http.get(BASE + "/json").json().s`, `"x"`},
		{"count", `return http.get(BASE + "/json").json("a.b.#")`, `3`},
		{"object value", `return http.get(BASE + "/json").json("a")`, `{"b":[1,2,3]}`},
		{"null and bool", `const r = http.get(BASE + "/json"); return [r.json("n"), r.json("t")]`, `[null,true]`},
		{"whole document is cached", `const r = http.get(BASE + "/json"); return r.json() === r.json()`, `true`},
		{"catchable and iteration continues", `
			let msg = "";
			try { http.get(BASE + "/notjson").json(); } catch (e) { msg = "caught"; }
			return msg + " then " + http.get(BASE + "/json").json("s")`, `"caught then x"`},
	})
	errs := []struct{ name, src, want string }{
		{"invalid body names the position", `http.get(BASE + "/notjson").json()`,
			"invalid character '<' looking for beginning of value at line 1, character 1"},
		{"invalid body with a selector", `http.get(BASE + "/notjson").json("a")`,
			"invalid character '<' looking for beginning of value at line 1, character 1"},
		{"position on a later line", `http.get(BASE + "/badline3").json()`, "at line 3, character 3"},
		{"null body explains why", `http.get(BASE + "/json", {responseType: "none"}).json()`,
			"the response body is null"},
		{"error response body is null", `http.get("http://127.0.0.1:1/").json()`, "the response body is null"},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			if got := e.evalErr(t, c.src); !strings.Contains(got, c.want) || !strings.Contains(got, "httpjs: ") {
				t.Errorf("error %q does not contain %q", got, c.want)
			}
		})
	}
}

func TestVerbs(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	text := `{headers: {"Content-Type": "text/plain"}}`
	runRows(t, e, []row{
		{"get", `const r = http.get(BASE + "/get?x=1"); return [r.status, r.json("method"), r.json("args.x.0")]`, `[200,"GET","1"]`},
		{"head", `const r = http.head(BASE + "/get"); return [r.status, r.body === null || r.body.length === 0]`, `[200,true]`},
		{"post", `return http.post(BASE + "/post", "p", ` + text + `).json("data")`, `"p"`},
		{"put", `const r = http.put(BASE + "/put", "u", ` + text + `); return [r.json("method"), r.json("data")]`, `["PUT","u"]`},
		{"patch", `return http.patch(BASE + "/patch", "d", ` + text + `).json("method")`, `"PATCH"`},
		{"del", `return http.del(BASE + "/delete").json("method")`, `"DELETE"`},
		{"options", `return /OPTIONS/.test(http.options(BASE + "/get").headers["Access-Control-Allow-Methods"])`, `true`},
		{"request", `return http.request("PUT", BASE + "/anything/x?id=7", "b", ` + text + `).json("data")`, `"b"`},
		{"unbound functions", `const { get, request } = http; return [get(BASE + "/get").status, request("GET", BASE + "/get").status]`, `[200,200]`},
	})
}

func TestBodies(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"form urlencoded in insertion order", `
			const r = http.post(BASE + "/post", { z: "deep blue", a: "a&b=c/d?" });
			return [r.json("headers.Content-Type.0"), r.json("form.z.0"), r.json("form.a.0"), r.request.body]`,
			`["application/x-www-form-urlencoded","deep blue","a&b=c/d?","z=deep+blue&a=a%26b%3Dc%2Fd%3F"]`},
		{"http.file fields", `const f = http.file("x", "n.txt", "text/plain"); return [f.filename, f.content_type, f.data]`,
			`["n.txt","text/plain","x"]`},
		{"http.file default content type", `return http.file("x").content_type`, `"application/octet-stream"`},
		{"multipart", `
			const r = http.post(BASE + "/post", {
				title: "t1",
				notes: http.file("line ünï\n", "notes.txt", "text/plain"),
				raw: http.file(new Uint8Array([104, 105, 33]).buffer, "raw.bin"),
			});
			const data = r.json("data");
			return [/^multipart\/form-data; boundary=.+/.test(r.json("headers.Content-Type.0")),
				r.json("form.title.0"), r.json("files.notes.0"), r.json("files.raw.0"),
				data.indexOf('filename="notes.txt"') >= 0, data.indexOf("Content-Type: text/plain") >= 0]`,
			`[true,"t1","line ünï\n","hi!",true,true]`},
		{"ArrayBuffer body", `return http.post(BASE + "/gunzip", new Uint8Array([65, 66]).buffer).body`, `"AB"`},
		{"typed array view body", `return http.post(BASE + "/gunzip", new Uint8Array([65, 66, 67, 68]).subarray(1, 3)).body`, `"BC"`},
		{"gzip compression", `const r = http.post(BASE + "/gunzip", "squeeze me", { compression: "gzip" }); return [r.headers["X-Encoding"], r.body]`,
			`["gzip","squeeze me"]`},
		{"deflate compression", `const r = http.post(BASE + "/gunzip", "squeeze me", { compression: "deflate" }); return [r.headers["X-Encoding"], r.body]`,
			`["deflate","squeeze me"]`},
		{"zstd compression", `const r = http.post(BASE + "/gunzip", "squeeze me", { compression: "zstd" }); return [r.headers["X-Encoding"], r.body]`,
			`["zstd","squeeze me"]`},
		{"null body", `return http.post(BASE + "/post", null).json("data")`, `""`},
		{"bodies stay intact after later requests", `
			const a = http.get(BASE + "/gzip"), b = http.get(BASE + "/deflate"), c = http.get(BASE + "/gzip");
			return [a.json("gzipped"), b.json("deflated"), c.json("gzipped"), a.body.charAt(0)]`,
			`[true,true,true,"{"]`},
	})
}

func TestHeadersAndResponseFields(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"request headers sent", `return http.get(BASE + "/headers", { headers: { "X-Tok": "t-1", "User-Agent": "ua/1" } }).json("headers.X-Tok.0")`, `"t-1"`},
		{"user agent overridden", `return http.get(BASE + "/headers", { headers: { "User-Agent": "ua/1" } }).json("headers.User-Agent.0")`, `"ua/1"`},
		{"repeated headers joined", `const r = http.get(BASE + "/response-headers?X-Single=solo&X-Multi=one&X-Multi=two"); return [r.headers["X-Single"], r.headers["X-Multi"]]`, `["solo","one, two"]`},
		{"basic auth from userinfo", `const u = BASE.replace("://", "://bob:p%40ss@"); const r = http.get(u + "/basic-auth/bob/p@ss", { auth: "basic" }); return [r.status, r.json("user")]`, `[200,"bob"]`},
		{"status fields", `const r = http.get(BASE + "/status/418"); return [r.status, r.status_text, r.error_code]`, `[418,"418 I'm a teapot",1418]`},
		{"url, proto, remote", `const r = http.get(BASE + "/get"); return [r.url === BASE + "/get", r.proto, r.remote_ip, r.remote_port === Number(BASE.split(":")[2])]`, `[true,"HTTP/1.1","127.0.0.1",true]`},
		{"request object", `const r = http.post(BASE + "/post?q=1", "b", { headers: { "X-A": "1" }, cookies: { c: "v" } }); return [r.request.method, r.request.url === BASE + "/post?q=1", r.request.headers["X-A"], r.request.body, r.request.cookies.c[0].value]`, `["POST",true,["1"],"b","v"]`},
		{"timings", `const t = http.get(BASE + "/delay/0.05").timings; return [t.waiting >= 45, Math.abs(t.duration - (t.sending + t.waiting + t.receiving)) < 0.01, t.tls_handshaking]`, `[true,true,0]`},
		{"timings keys and JSON", `const t = http.get(BASE + "/get").timings; const j = JSON.parse(JSON.stringify(t)); return [Object.keys(t).join(","), typeof j.waiting, j.duration === t.duration, "waiting" in t, "nope" in t]`, `["blocked,connecting,tls_handshaking,sending,waiting,receiving,duration","number",true,true,false]`},
		{"timings set, spread, same object", `const r = http.get(BASE + "/get"); const t = r.timings; t.extra = 5; t.waiting = -1; const c = {...t}; return [c.extra, c.waiting, r.timings === t, Object.keys(c).length]`, `[5,-1,true,8]`},
		{"keys", `return Object.keys(http.get(BASE + "/get")).join(",")`, `"status,status_text,proto,headers,body,url,error,error_code,timings,remote_ip,remote_port,tls_version,tls_cipher_suite,ocsp,cookies,request"`},
		{"fields are cached", `const r = http.get(BASE + "/get"); return r.headers === r.headers && r.body === r.body`, `true`},
		{"script may add fields", `const r = http.get(BASE + "/get"); r.mine = 5; r.status = 1; return [r.mine, r.status]`, `[5,1]`},
		{"binary responseType", `const r = http.get(BASE + "/bytes/48", { responseType: "binary" }); return [r.body instanceof ArrayBuffer, r.body.byteLength]`, `[true,48]`},
		{"none responseType", `const r = http.get(BASE + "/bytes/48", { responseType: "none" }); return [r.status, r.body]`, `[200,null]`},
		{"constants", `return [http.TLS_1_2, http.TLS_1_3, http.OCSP_STATUS_GOOD, http.get(BASE + "/get").ocsp.status]`, `["tls1.2","tls1.3","good","unknown"]`},
	})
}

func TestTimeoutsAndErrors(t *testing.T) {
	srv := testServer(t)
	e := newEnv(t, srv, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	_ = ln.Close()
	_ = e.rt.Set("CLOSED", closed)
	runRows(t, e, []row{
		{"numeric timeout", `const t0 = Date.now(); const r = http.get(BASE + "/delay/2", { timeout: 200 }); return [r.status, r.error_code, Date.now() - t0 < 1500]`, `[0,1050,true]`},
		{"string timeout", `const r = http.get(BASE + "/delay/2", { timeout: "200ms" }); return r.error_code`, `1050`},
		{"refused is data", `const r = http.get(CLOSED); return [r.status, r.error_code, /refused/.test(r.error), r.body]`, `[0,1212,true,null]`},
		{"invalid url is data", `const r = http.get("http://127.0.0.1:abc/"); return [r.status, r.error_code, r.error.length > 0]`, `[0,1020,true]`},
		{"zero timeout keeps the default", `return http.get(BASE + "/get", { timeout: 0 }).status`, `200`},
		{"params.throw throws", `try { http.get(CLOSED, { throw: true }); return "no" } catch (e) { return /refused/.test(String(e)) }`, `true`},
	})
	e.state.throw = true
	if msg := e.evalErr(t, `http.get(CLOSED)`); !strings.Contains(msg, "refused") {
		t.Errorf("throw option: got %q", msg)
	}
	if got := e.eval(t, `return http.get(BASE + "/status/500").status`); got != "500" {
		t.Errorf("throw option must not throw on HTTP errors: got %s", got)
	}
}

func TestParamErrors(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	for _, c := range []struct{ name, src, want string }{
		{"responseType", `http.get(BASE, { responseType: "blob" })`, `invalid params.responseType "blob"`},
		{"digest auth", `http.get(BASE, { auth: "digest" })`, `params.auth "digest" is not supported`},
		{"ntlm auth", `http.get(BASE, { auth: "ntlm" })`, `params.auth "ntlm" is not supported`},
		{"compression", `http.post(BASE + "/post", "x", { compression: "br" })`, `params.compression "br" is not supported`},
		{"timeout", `http.get(BASE, { timeout: "soon" })`, `invalid params.timeout "soon"`},
		{"callback function", `http.get(BASE, { responseCallback: () => true })`, `only http.expectedStatuses`},
		{"expectedStatuses", `http.expectedStatuses("x")`, `must be an integer status`},
		{"expectedStatuses float", `http.expectedStatuses(200.5)`, `must be an integer status`},
		{"expectedStatuses range", `http.expectedStatuses({ min: 300, max: 200 })`, `{min, max} with integer min <= max`},
		{"expectedStatuses empty", `http.expectedStatuses()`, `needs at least one status`},
		{"params type", `http.get(BASE, "x")`, `params must be an object`},
		{"jar", `http.get(BASE, { jar: {} })`, `params.jar must be a CookieJar`},
		{"html", `http.get(BASE + "/get").html()`, `html() is not supported`},
		{"no url", `http.get()`, `a request needs a URL`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := e.evalErr(t, c.src)
			if !strings.Contains(got, c.want) || !strings.Contains(got, "httpjs: ") {
				t.Errorf("error %q does not contain %q", got, c.want)
			}
		})
	}
	e.vu.InInit = true
	if got := e.evalErr(t, `http.get(BASE)`); !strings.Contains(got, "init context") {
		t.Errorf("init context: got %q", got)
	}
	e.vu.InInit, e.vu.HTTP = false, nil // the core's options-reading VU has no client
	for _, src := range []string{`http.batch([BASE])`, `http.cookieJar()`} {
		if got := e.evalErr(t, src); !strings.Contains(got, "init context") {
			t.Errorf("%s without a client: got %q", src, got)
		}
	}
	if got := e.eval(t, `return typeof new http.CookieJar().set`); got != `"function"` {
		t.Errorf("new CookieJar() without a client: got %s", got)
	}
}

func TestCookies(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"redirect stores cookie", `return http.get(BASE + "/cookies/set?owner=me").json("cookies.owner")`, `"me"`},
		{"res.cookies", `const r = http.get(BASE + "/cookies/set?snack=crisps", { redirects: 0 }); return [r.status, r.cookies.snack[0].value, r.cookies.snack[0].path]`, `[302,"crisps","/"]`},
		{"jar set and cookiesForURL", `
			const jar = http.cookieJar();
			jar.set(BASE, "manual", "yes");
			const c = jar.cookiesForURL(BASE + "/cookies");
			return [c.manual, c.owner, http.get(BASE + "/cookies").json("cookies.manual")]`, `[["yes"],["me"],"yes"]`},
		{"params.cookies added, not stored", `
			const a = http.get(BASE + "/cookies", { cookies: { extra: "once" } }).json("cookies");
			const b = http.get(BASE + "/cookies").json("cookies");
			return [a.extra, a.owner, b.extra === undefined]`, `["once","me",true]`},
		{"params.cookies replace", `return http.get(BASE + "/cookies", { cookies: { owner: { value: "stand-in", replace: true } } }).json("cookies.owner")`, `"stand-in"`},
		{"separate jar", `
			const other = new http.CookieJar();
			const seen = http.get(BASE + "/cookies", { jar: other }).json("cookies");
			http.get(BASE + "/cookies/set?private=1", { jar: other });
			return [Object.keys(seen).length, other.cookiesForURL(BASE + "/").private,
				http.cookieJar().cookiesForURL(BASE + "/").private === undefined]`, `[0,["1"],true]`},
		{"delete and clear", `
			const jar = http.cookieJar();
			jar.delete(BASE, "manual");
			const a = http.get(BASE + "/cookies").json("cookies");
			jar.clear(BASE);
			const b = http.get(BASE + "/cookies").json("cookies");
			return [a.manual === undefined, a.owner, Object.keys(b).length]`, `[true,"me",0]`},
		{"set options", `
			const jar = new http.CookieJar();
			jar.set(BASE + "/a/b", "p", "1", { path: "/a", expires: "Mon, 02 Jan 2006 15:04:05 GMT" });
			jar.set(BASE, "q", "2", { path: "/a", max_age: 60 });
			return [jar.cookiesForURL(BASE + "/a/x").p === undefined, jar.cookiesForURL(BASE + "/a/x").q]`, `[true,["2"]]`},
	})
	if got := e.evalErr(t, `http.cookieJar().set(BASE, "x", "y", { domain: "example.com" })`); !strings.Contains(got, "httpjs: cookieJar.set") {
		t.Errorf("bad domain: got %q", got)
	}
}

func TestBatch(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"array form", `
			const l = http.batch([
				BASE + "/get?slot=0",
				["GET", BASE + "/get?slot=1"],
				["POST", BASE + "/post", "arr", { headers: { "Content-Type": "text/plain" } }],
				{ method: "PUT", url: BASE + "/put", body: "obj", params: { headers: { "Content-Type": "text/plain" } } },
				{ url: BASE + "/status/204" },
				http.url` + "`${BASE}/get?slot=${5}`" + `,
			]);
			return [Array.isArray(l), l.length, l[0].json("args.slot.0"), l[1].json("args.slot.0"), l[2].json("data"), l[3].json("data"), l[4].status, l[5].json("args.slot.0")]`,
			`[true,6,"0","1","arr","obj",204,"5"]`},
		{"object form", `
			const n = http.batch({ home: BASE + "/get?page=home", created: ["POST", BASE + "/status/201"], p: { url: BASE + "/anything/p" } });
			return [Object.keys(n).sort().join(","), n.home.json("args.page.0"), n.created.status, n.p.json("url") === BASE + "/anything/p"]`,
			`["created,home,p","home",201,true]`},
		{"parallel", `
			const t0 = Date.now();
			const l = http.batch([BASE + "/delay/0.3", BASE + "/delay/0.3", BASE + "/delay/0.3"]);
			const took = Date.now() - t0;
			return [l.every((r) => r.status === 200), took >= 280 && took < 800]`, `[true,true]`},
	})
}

func TestBatchLimit(t *testing.T) {
	one := int64(1)
	e := newEnv(t, testServer(t), &engine.Options{Batch: &one})
	got := e.eval(t, `
		const t0 = Date.now();
		const l = http.batch([BASE + "/delay/0.1", BASE + "/delay/0.1", BASE + "/delay/0.1"]);
		return [l.length, Date.now() - t0 >= 290]`)
	if got != `[3,true]` {
		t.Errorf("batch: 1 must run requests one at a time: got %s", got)
	}
}

func TestURLTemplateNameTag(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"object fields", "const u = http.url`${BASE}/anything/items/${'a-1'}`; return [u.name, u.url === BASE + '/anything/items/a-1', String(u) === u.url, `${u}` === u.url]",
			`["${}/anything/items/${}",true,true,true]`},
		{"requests", "let ok = 0; for (const s of ['a', 'b', 'c']) { const r = http.get(http.url`${BASE}/anything/items/${s}`); if (r.url === BASE + '/anything/items/' + s) ok++; } return ok", `3`},
		{"tags.name", `for (let i = 0; i < 2; i++) http.get(BASE + "/anything/users/" + i, { tags: { name: "user-detail", extra: "x" } }); return 0`, `0`},
		{"tags.name wins over http.url", "http.get(http.url`${BASE}/anything/${1}`, { tags: { name: 'explicit', scenario: 'override' } }); return 0", `0`},
	})
	snap := e.agg.Flush()
	for _, c := range []struct {
		name   string
		filter []metrics.Tag
		want   int64
	}{
		{"template name", []metrics.Tag{{Key: "name", Value: "${}/anything/items/${}"}}, 3},
		{"params name", []metrics.Tag{{Key: "name", Value: "user-detail"}, {Key: "extra", Value: "x"}}, 2},
		{"base tags kept", []metrics.Tag{{Key: "scenario", Value: "default"}, {Key: "name", Value: "user-detail"}}, 2},
		{"params tags override base tags", []metrics.Tag{{Key: "scenario", Value: "override"}, {Key: "name", Value: "explicit"}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := snap.Merge(e.bi.HTTPReqs, c.filter)
			if s == nil || int64(s.Sum) != c.want {
				t.Errorf("http_reqs%v = %+v, want %d", c.filter, s, c.want)
			}
		})
	}
}

func TestExpectedStatuses(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	e.eval(t, `
		const get = (path, c, extra) => http.get(BASE + path, Object.assign({ tags: { c: c } }, extra || {}));
		get("/status/404", "nf404");
		get("/status/404", "cb404", { responseCallback: http.expectedStatuses(404) });
		get("/status/418", "cbrange", { responseCallback: http.expectedStatuses(200, { min: 400, max: 499 }) });
		get("/status/200", "cbmiss", { responseCallback: http.expectedStatuses(201) });
		get("/status/500", "cbnull", { responseCallback: null });
		http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 500));
		get("/status/500", "global500");
		get("/status/404", "global404");
		http.setResponseCallback(null);
		get("/status/500", "off");
	`)
	snap := e.agg.Flush()
	for _, c := range []struct {
		tag          string
		count, trues int64 // http_req_failed samples; -1: none
	}{
		{"nf404", 1, 1}, {"cb404", 1, 0}, {"cbrange", 1, 0}, {"cbmiss", 1, 1},
		{"cbnull", -1, 0}, {"global500", 1, 0}, {"global404", 1, 1}, {"off", -1, 0},
	} {
		t.Run(c.tag, func(t *testing.T) {
			s := snap.Merge(e.bi.HTTPReqFailed, []metrics.Tag{{Key: "c", Value: c.tag}})
			if c.count < 0 {
				if s != nil && s.Count != 0 {
					t.Errorf("http_req_failed recorded %d samples, want none", s.Count)
				}
				return
			}
			if s == nil || s.Count != c.count || s.Trues != c.trues {
				t.Errorf("http_req_failed = %+v, want count %d trues %d", s, c.count, c.trues)
			}
		})
	}
}

func TestAsyncRequest(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	e.eval(t, `
		globalThis.out = [];
		http.asyncRequest("GET", BASE + "/get?a=1").then((r) => out.push(r.json("args.a.0")));
		http.asyncRequest("GET", BASE, null, { responseType: "blob" }).catch((e) => out.push(/responseType/.test(String(e))));
		out.push("sync");
	`)
	e.state.drain(t)
	if got := e.eval(t, `return out`); got != `["sync","1",true]` {
		t.Errorf("got %s", got)
	}
}

func TestCookieJarConstructorInstance(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	if got := e.eval(t, `const j = new http.CookieJar(); return [typeof j.set, j instanceof http.CookieJar]`); got != `["function",true]` {
		t.Errorf("got %s", got)
	}
}

// BenchmarkJSGet measures a goja loop of http.get(url).status against a
// local server, allocations included (module, client and runtime).
func BenchmarkJSGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	e := newEnv(b, srv, nil)
	fn, err := e.rt.RunString(`(function(n) { let s = 0; for (let i = 0; i < n; i++) s += http.get(BASE + "/fast").status; return s })`)
	if err != nil {
		b.Fatal(err)
	}
	call, _ := goja.AssertFunction(fn)
	if _, err := call(goja.Undefined(), e.rt.ToValue(10)); err != nil { // warm up the connection
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	v, err := call(goja.Undefined(), e.rt.ToValue(b.N))
	if err != nil {
		b.Fatal(err)
	}
	if got := v.ToInteger(); got != int64(200*b.N) {
		b.Fatalf("sum of statuses %d, want %d", got, 200*b.N)
	}
	if b.N > 100 {
		e.agg.Flush() // keep the recorder drained
	}
}
