package httpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/valyala/fasthttp"
)

// Error codes of failed requests (Response.ErrorCode and the error_code tag).
// The numbers are k6's public error-code table, so dashboards and thresholds
// written for k6 keep working. A failed HTTP status s in 400..599 is reported
// as 1000+s with an empty Response.Error.
const (
	ErrCodeGeneric          = 1000 // an error not classified below
	ErrCodeNonTCPNetwork    = 1010 // a network error that is not TCP
	ErrCodeInvalidURL       = 1020 // the URL did not parse; nothing was sent
	ErrCodeTimeout          = 1050 // the request timeout (or the context deadline) passed
	ErrCodeDNS              = 1100 // generic DNS error
	ErrCodeDNSNoHost        = 1101 // the name does not exist / has no address
	ErrCodeBlacklistedIP    = 1110 // the address is in a blocked range
	ErrCodeBlockedHostname  = 1111 // the hostname matches Config.BlockHostnames
	ErrCodeTCP              = 1200 // generic TCP error
	ErrCodeTCPBrokenPipe    = 1201 // write: broken pipe
	ErrCodeTCPWrite         = 1202 // other write error
	ErrCodeDial             = 1210 // generic dial error
	ErrCodeDialTimeout      = 1211 // the TCP dial timed out at the OS level
	ErrCodeDialRefused      = 1212 // connection refused
	ErrCodeDialUnknown      = 1213 // dial failed with an unknown error
	ErrCodeTCPReset         = 1220 // connection reset by peer
	ErrCodeTLS              = 1300 // generic TLS error
	ErrCodeTLSUnknownCA     = 1310 // x509: certificate signed by an unknown authority
	ErrCodeTLSHostname      = 1311 // x509: certificate not valid for the host
	ErrCodeHTTP2            = 1600 // generic HTTP/2 error
	ErrCodeHTTP2GoAway      = 1610 // HTTP/2 GOAWAY received
	ErrCodeHTTP2Stream      = 1620 // HTTP/2 stream error
	ErrCodeHTTP2Connection  = 1630 // HTTP/2 connection error
	errCodeHTTPStatusOffset = 1000
)

// StatusErrorCode returns the error code of an HTTP status: 1000+status for
// 400..599, else 0.
func StatusErrorCode(status int) int {
	if status >= 400 && status <= 599 {
		return errCodeHTTPStatusOffset + status
	}
	return 0
}

// errBlocked is returned by the dialler for a hostname in BlockHostnames.
type errBlocked struct{ host, pattern string }

func (e *errBlocked) Error() string {
	return "hostname (" + e.host + ") is in a blocked pattern (" + e.pattern + ")"
}

// errInvalidURL marks a URL that cannot be sent.
type errInvalidURL struct{ msg string }

func (e *errInvalidURL) Error() string { return e.msg }

// phase says where a transport error happened; it refines classification.
type phase uint8

const (
	phaseDNS phase = iota + 1
	phaseDial
	phaseTLS
	phaseWrite
	phaseRead
)

// classify turns a transport error into k6's (code, message). ctx is the
// request's context: its cancellation is reported as such. timedOut is true
// when the request deadline passed.
func classify(ctx context.Context, err error, ph phase, timedOut bool) (int, string) {
	var blocked *errBlocked
	var inv *errInvalidURL
	switch {
	case errors.As(err, &blocked):
		return ErrCodeBlockedHostname, blocked.Error()
	case errors.As(err, &inv):
		return ErrCodeInvalidURL, inv.msg
	}
	if ctx.Err() == context.Canceled && !timedOut {
		return ErrCodeGeneric, "request canceled"
	}
	if timedOut || errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, fasthttp.ErrTimeout) {
		return ErrCodeTimeout, "request timeout"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return ErrCodeDNSNoHost, "lookup: no such host"
		}
		return ErrCodeDNS, "lookup: " + dnsErr.Err
	}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &unknownCA):
		return ErrCodeTLSUnknownCA, "x509: unknown authority"
	case errors.As(err, &hostErr):
		return ErrCodeTLSHostname, hostErr.Error() // "x509: ..." already
	case errors.As(err, &certInvalid):
		return ErrCodeTLS, certInvalid.Error()
	case errors.As(err, &recordErr), errors.As(err, &alert):
		return ErrCodeTLS, err.Error()
	}
	if msg := err.Error(); strings.HasPrefix(msg, "tls: ") || ph == phaseTLS && !errors.Is(err, syscall.ECONNRESET) {
		return ErrCodeTLS, msg
	}
	if msg := err.Error(); strings.Contains(msg, "http2: ") {
		switch {
		case strings.Contains(msg, "GOAWAY"):
			return ErrCodeHTTP2GoAway, msg
		case strings.Contains(msg, "stream error"):
			return ErrCodeHTTP2Stream, msg
		case strings.Contains(msg, "connection error"):
			return ErrCodeHTTP2Connection, msg
		}
		return ErrCodeHTTP2, msg
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrCodeDialRefused, "dial: connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return ErrCodeTCPReset, "read: connection reset by peer"
	case errors.Is(err, syscall.EPIPE):
		return ErrCodeTCPBrokenPipe, "write: broken pipe"
	case ph == phaseDial && errors.Is(err, syscall.ETIMEDOUT):
		return ErrCodeDialTimeout, "dial: i/o timeout"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		switch {
		case ph == phaseDial || opErr.Op == "dial":
			var sysErr *os.SyscallError
			if errors.As(err, &sysErr) {
				return ErrCodeDial, "dial: " + sysErr.Err.Error()
			}
			return ErrCodeDialUnknown, "dial: " + opErr.Err.Error()
		case opErr.Op == "write":
			return ErrCodeTCPWrite, "write: " + opErr.Err.Error()
		case opErr.Net != "tcp" && opErr.Net != "tcp4" && opErr.Net != "tcp6" && opErr.Net != "":
			return ErrCodeNonTCPNetwork, opErr.Error()
		}
		return ErrCodeTCP, opErr.Op + ": " + opErr.Err.Error()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrCodeGeneric, "unexpected EOF"
	}
	return ErrCodeGeneric, err.Error()
}

// Tag value tables, so recording a status or an error code never formats.
var (
	statusStrings    = makeNumStrings(0, 1000)
	errorCodeStrings = makeNumStrings(1000, 1700)
)

func makeNumStrings(lo, hi int) []string {
	s := make([]string, hi-lo)
	for i := range s {
		s[i] = strconv.Itoa(lo + i)
	}
	return s
}

func statusString(s int) string {
	if s >= 0 && s < len(statusStrings) {
		return statusStrings[s]
	}
	return strconv.Itoa(s)
}

func errorCodeString(c int) string {
	if c >= 1000 && c < 1000+len(errorCodeStrings) {
		return errorCodeStrings[c-1000]
	}
	return strconv.Itoa(c)
}
