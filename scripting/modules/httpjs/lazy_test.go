package httpjs

import "testing"

// The module's members, prototypes and JSON.parse are made on first use
// and behave as the eagerly built ones did: listed keys, constants,
// CookieJar with its prototype, url and file markers, response methods.
func TestLazyMembers(t *testing.T) {
	e := newEnv(t, testServer(t), nil)
	runRows(t, e, []row{
		{"keys", `return Object.keys(http).slice(0, 6).join()`, `"get,head,post,put,patch,del"`},
		{"key count", `return Object.keys(http).length`, `35`},
		{"constants", `return [http.TLS_1_3, http.SSL_3_0, http.OCSP_STATUS_UNKNOWN, http.OCSP_REASON_AA_COMPROMISE]`, `["tls1.3","ssl3.0","unknown","aa_compromise"]`},
		{"same function twice", `return http.get === http.get`, `true`},
		{"unbound", `const { get } = http; return get(BASE + '/get').status`, `200`},
		{"CookieJar", `const j = new http.CookieJar(); return [j instanceof http.CookieJar, typeof j.set, http.CookieJar.prototype.constructor === http.CookieJar, Object.getPrototypeOf(http.cookieJar()) === http.CookieJar.prototype]`, `[true,"function",true,true]`},
		{"url marker", `const u = http.url` + "`${BASE}/anything/${1}`" + `; return [String(u).endsWith('/anything/1'), http.get(u).status]`, `[true,200]`},
		{"null-prototype object is not a url", `const o = Object.create(null); o.url = 'x'; try { http.get(o); return 'no throw'; } catch (e) { return 'threw'; }`, `"threw"`},
		{"file marker", `const r = http.post(BASE + '/post', { f: http.file('abc', 'a.txt') }); return r.json().files.f[0]`, `"abc"`},
		{"response methods", `const r = http.get(BASE + '/json'); return [typeof r.json, typeof r.html, Object.getPrototypeOf(r) === Object.getPrototypeOf(http.get(BASE + '/get'))]`, `["function","function",true]`},
		{"assign and delete", `http.extra = 1; delete http.head; return [http.extra, 'head' in http, Object.keys(http).includes('extra')]`, `[1,false,true]`},
	})
	if got := e.evalErr(t, `http.get(BASE + '/get').html()`); got == "" {
		t.Errorf("html() did not throw")
	}
}
