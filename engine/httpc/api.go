package httpc

import (
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Config is the HTTP behaviour of one VU's client, from the run's options.
type Config struct {
	UserAgent             string            // default "loadline/<version>"
	Timeout               time.Duration     // per request; default 60 s
	MaxRedirects          int               // default 10
	InsecureSkipTLSVerify bool              //
	TLSMinVersion         uint16            // tls.VersionTLS12 ...; 0 = Go default
	TLSMaxVersion         uint16            //
	Hosts                 map[string]string // "host" or "host:port" -> "ip" or "ip:port"
	BlockHostnames        []string          // exact names or "*.suffix" patterns
	NoConnectionReuse     bool              // close the connection after every request
	NoVUConnectionReuse   bool              // close the VU's connections between iterations
	DiscardResponseBodies bool              // default ResponseType becomes None
	NoCookiesReset        bool              // keep the cookie jar across iterations
}

// Header is one header line; a name may repeat.
type Header struct{ Key, Value string }

// ResponseType says what to keep of a response body.
type ResponseType uint8

// Response types: Default follows Config.DiscardResponseBodies.
const (
	Default ResponseType = iota
	Text
	Binary
	None
)

// Expected decides which statuses count as expected responses
// (expected_response tag, http_req_failed). Nil means no callback: neither
// the tag nor http_req_failed is recorded.
type Expected struct {
	Ranges [][2]int // inclusive status ranges
}

// DefaultExpected is k6's default: 200–399.
var DefaultExpected = &Expected{Ranges: [][2]int{{200, 399}}}

// Cookie is a request cookie from params.cookies.
type Cookie struct {
	Name, Value string
	Replace     bool // replace a jar cookie of the same name instead of adding
}

// Request is one request as the script gave it. The client does not keep it.
type Request struct {
	Method       string
	URL          string
	Header       []Header
	Body         []byte
	Timeout      time.Duration // 0: Config.Timeout
	Redirects    int           // -1: Config.MaxRedirects
	ResponseType ResponseType
	Cookies      []Cookie
	Tags         []metrics.Tag // scenario, group, user tags, name (if set); the client adds method, status, url, error_code, expected_response, proto, tls_version
	Expected     *Expected     // nil: no expected_response/http_req_failed
	Jar          *CookieJar    // params.jar; nil: the client's jar
}

// Timings are the phases of the last hop. Duration = Sending + Waiting + Receiving.
type Timings struct {
	Blocked, Connecting, TLSHandshaking, Sending, Waiting, Receiving, Duration time.Duration
}

// Response is the outcome of Do: the final hop after redirects. A failed
// request is data (Error, ErrorCode), never a Go error.
type Response struct {
	Status     int
	StatusText string // e.g. "200 OK"
	Proto      string // "HTTP/1.1", "HTTP/2.0"
	Header     []Header
	Body       []byte // nil when discarded or none; owned by the Response until reused
	URL        string // of the final hop
	Error      string
	ErrorCode  int // k6's codes: 1050 timeout, 1101 DNS, 1212 refused, 1020 invalid URL, 13xx TLS, 1000+status for 4xx/5xx ...
	Timings    Timings
	RemoteIP   string
	RemotePort int
	TLSVersion string // "tls1.3"
	TLSCipher  string
	Cookies    []ResponseCookie // Set-Cookie of the final hop
}

// ResponseCookie is a parsed Set-Cookie.
type ResponseCookie struct {
	Name, Value, Domain, Path string
	Expires                   time.Time
	MaxAge                    int
	HTTPOnly, Secure          bool
}
