package httpc

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// CookieJar holds cookies by domain and path with RFC 6265 section 5
// matching: host-only and domain cookies, path prefix matching, expiry (Max-Age
// wins over Expires) and Secure. There is no public-suffix list: a Domain
// attribute must domain-match the setting host and contain a dot, which
// rejects single-label suffixes such as "com" but not "co.uk".
//
// A jar is safe for concurrent use (Batch workers share their VU's jar).
type CookieJar struct {
	mu      sync.Mutex
	entries []jarEntry
	seq     uint64
	now     func() time.Time
}

type jarEntry struct {
	name, value    string
	domain, path   string // domain lower-case, without a leading dot
	hostOnly       bool
	secure         bool
	httpOnly       bool
	expires        time.Time // zero: session cookie
	created        uint64    // insertion order, for RFC 6265 5.4 ordering
	pathLen, order int
}

// CookieOptions are the attributes of a cookie set by script (jar.set).
type CookieOptions struct {
	Domain   string    // "" = host-only cookie of the URL's host
	Path     string    // "" = default path of the URL (RFC 6265 5.1.4)
	Expires  time.Time // zero: no Expires
	MaxAge   int       // seconds; > 0 sets an expiry, < 0 deletes
	Secure   bool
	HTTPOnly bool
}

// NewCookieJar returns an empty jar.
func NewCookieJar() *CookieJar { return &CookieJar{now: time.Now} }

// Set stores a cookie for rawURL as if the URL's server had set it. Errors:
// an unparsable URL, or a Domain that does not domain-match the URL's host.
func (j *CookieJar) Set(rawURL, name, value string, opts CookieOptions) error {
	u, err := parseJarURL(rawURL)
	if err != nil {
		return err
	}
	c := &http.Cookie{
		Name: name, Value: value, Domain: opts.Domain, Path: opts.Path,
		Expires: opts.Expires, MaxAge: opts.MaxAge, Secure: opts.Secure, HttpOnly: opts.HTTPOnly,
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.setLocked(u.hostname, u.path, u.secure, c)
}

// CookiesForURL returns the values of the cookies that a request to rawURL
// would send, by name (several cookies of one name with different paths or
// domains give several values, most specific first). An unparsable URL gives
// an empty map.
func (j *CookieJar) CookiesForURL(rawURL string) map[string][]string {
	out := map[string][]string{}
	u, err := parseJarURL(rawURL)
	if err != nil {
		return out
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.matchLocked(u.hostname, u.path, u.secure, func(e *jarEntry) {
		out[e.name] = append(out[e.name], e.value)
	})
	return out
}

// Clear removes every cookie that a request to rawURL would send.
func (j *CookieJar) Clear(rawURL string) {
	u, err := parseJarURL(rawURL)
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.removeLocked(func(e *jarEntry) bool { return e.matches(u.hostname, u.path, u.secure) })
}

// Delete removes the cookies called name that a request to rawURL would send.
func (j *CookieJar) Delete(rawURL, name string) {
	u, err := parseJarURL(rawURL)
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.removeLocked(func(e *jarEntry) bool { return e.name == name && e.matches(u.hostname, u.path, u.secure) })
}

// ClearAll empties the jar (the start of an iteration).
func (j *CookieJar) ClearAll() {
	j.mu.Lock()
	clear(j.entries)
	j.entries = j.entries[:0]
	j.mu.Unlock()
}

// Len returns the number of stored cookies, expired ones included until the
// next lookup removes them.
func (j *CookieJar) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.entries)
}

// setFromHeader stores one Set-Cookie line received from host/path.
func (j *CookieJar) setFromHeader(host, reqPath string, secure bool, line string) {
	c, err := http.ParseSetCookie(line)
	if err != nil {
		return
	}
	j.mu.Lock()
	_ = j.setLocked(host, reqPath, secure, c)
	j.mu.Unlock()
}

// appendCookieHeader appends "name=value; ..." of the cookies for the request
// to dst, skipping names in skip (replaced by the request). It does not
// allocate when the jar is empty.
func (j *CookieJar) appendCookieHeader(dst []byte, host, path string, secure bool, skip []Cookie) []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) == 0 {
		return dst
	}
	j.matchLocked(host, path, secure, func(e *jarEntry) {
		for i := range skip {
			if skip[i].Replace && skip[i].Name == e.name {
				return
			}
		}
		if len(dst) > 0 {
			dst = append(dst, "; "...)
		}
		dst = append(dst, e.name...)
		dst = append(dst, '=')
		dst = append(dst, e.value...)
	})
	return dst
}

var errCookieDomain = errors.New("httpc: cookie domain does not match the url's host")

func (j *CookieJar) setLocked(host, reqPath string, secure bool, c *http.Cookie) error {
	now := j.now()
	e := jarEntry{name: c.Name, value: c.Value, secure: c.Secure, httpOnly: c.HttpOnly}
	// RFC 6265 5.2.3: Domain, leading dot ignored.
	domain := strings.ToLower(strings.TrimPrefix(c.Domain, "."))
	switch {
	case domain == "" || domain == host:
		e.domain, e.hostOnly = host, domain == ""
	case net.ParseIP(host) != nil || !strings.Contains(domain, ".") || !domainMatch(host, domain):
		return errCookieDomain
	default:
		e.domain = domain
	}
	e.path = c.Path
	if e.path == "" || e.path[0] != '/' {
		e.path = defaultPath(reqPath)
	}
	switch {
	case c.MaxAge < 0:
		e.expires = time.Unix(1, 0)
	case c.MaxAge > 0:
		e.expires = now.Add(time.Duration(c.MaxAge) * time.Second)
	case !c.Expires.IsZero():
		e.expires = c.Expires
	}
	j.seq++
	e.created = j.seq
	for i := range j.entries {
		o := &j.entries[i]
		if o.name == e.name && o.domain == e.domain && o.path == e.path {
			e.created = o.created // RFC 6265 5.3 step 11.3: keep the creation time
			if e.expired(now) {
				j.entries = append(j.entries[:i], j.entries[i+1:]...)
				return nil
			}
			*o = e
			return nil
		}
	}
	if !e.expired(now) {
		j.entries = append(j.entries, e)
	}
	return nil
}

// matchLocked calls f for every live cookie matching the request, longer
// paths first, then older first (RFC 6265 5.4 step 2).
func (j *CookieJar) matchLocked(host, path string, secure bool, f func(*jarEntry)) {
	now := j.now()
	live := j.entries[:0]
	for _, e := range j.entries {
		if !e.expired(now) {
			live = append(live, e)
		}
	}
	clear(j.entries[len(live):])
	j.entries = live
	// Insertion sort by (path length desc, created asc): jars are small, and
	// sorting in place avoids allocating.
	for i := 1; i < len(j.entries); i++ {
		for k := i; k > 0 && j.entries[k].before(&j.entries[k-1]); k-- {
			j.entries[k], j.entries[k-1] = j.entries[k-1], j.entries[k]
		}
	}
	for i := range j.entries {
		if j.entries[i].matches(host, path, secure) {
			f(&j.entries[i])
		}
	}
}

func (j *CookieJar) removeLocked(drop func(*jarEntry) bool) {
	kept := j.entries[:0]
	for i := range j.entries {
		if !drop(&j.entries[i]) {
			kept = append(kept, j.entries[i])
		}
	}
	clear(j.entries[len(kept):])
	j.entries = kept
}

func (e *jarEntry) before(o *jarEntry) bool {
	if len(e.path) != len(o.path) {
		return len(e.path) > len(o.path)
	}
	return e.created < o.created
}

func (e *jarEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !e.expires.After(now)
}

func (e *jarEntry) matches(host, path string, secure bool) bool {
	if e.secure && !secure {
		return false
	}
	if e.hostOnly {
		if host != e.domain {
			return false
		}
	} else if !domainMatch(host, e.domain) {
		return false
	}
	return pathMatch(path, e.path)
}

// domainMatch is RFC 6265 5.1.3.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.' && net.ParseIP(host) == nil
}

// pathMatch is RFC 6265 5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if strings.HasPrefix(reqPath, cookiePath) {
		return cookiePath[len(cookiePath)-1] == '/' || reqPath[len(cookiePath)] == '/'
	}
	return false
}

// defaultPath is RFC 6265 5.1.4's default-path of a request path.
func defaultPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

type jarURL struct {
	hostname, path string
	secure         bool
}

func parseJarURL(raw string) (jarURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return jarURL{}, err
	}
	if u.Host == "" {
		return jarURL{}, errors.New("httpc: cookie url has no host: " + raw)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return jarURL{hostname: strings.ToLower(u.Hostname()), path: p, secure: u.Scheme == "https" || u.Scheme == "wss"}, nil
}
