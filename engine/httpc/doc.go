// Package httpc is the HTTP client of one VU, on fasthttp: the hot path of
// every request a scenario makes.
//
// # Entry point
//
// NewClient makes a VU's Client; Client.Do sends one Request (following
// redirects) and fills a caller-owned Response; Client.Batch sends several
// concurrently. StartIteration resets the cookie jar (and, with
// NoVUConnectionReuse, the connections) between iterations; Close closes the
// connections.
//
// # Connections and timings
//
// The client owns its HTTP/1.1 connections directly (one idle list per
// scheme://host:port, keep-alive per VU) and speaks the wire format through
// fasthttp's Request.Write and Response.Read; fasthttp's HostClient is not
// used because it hides which connection served a request and when its
// phases happened. fasthttp has no trace hooks, so the phases are measured
// around the client's own dial and on the connection, which is the reader
// under the bufio.Reader:
//
//   - blocked: from the start of the hop to a connection: 0 for a kept-alive
//     connection from the idle list (one clock read serves both), the DNS
//     lookup (as in k6) for a new connection;
//   - connecting: the TCP dial; tls_handshaking: the TLS handshake (both 0
//     on a reused connection);
//   - sending: writing and flushing the request;
//   - waiting: from the flush to the first response byte above TLS (TTFB);
//   - receiving: from the first byte to the end of the body.
//
// A connection's read (4 KiB; a larger response header is read again
// through a 64 KiB reader, the limit) and write (2 KiB) buffers come from
// process-wide pools for the length of an exchange and go back when it
// goes idle, and so do fasthttp's request and response objects (from
// fasthttp's pools), so a VU that sleeps between requests holds only its
// socket; the pools' cost is a Get and a Put each per request. TLS configs
// are shared by all clients with the same settings, one per server name.
//
// Timings.Duration = Sending + Waiting + Receiving. data_sent and
// data_received count bytes on the wire (TLS records and compressed bodies
// as sent), through a counting net.Conn under TLS.
//
// A kept-alive connection that the server had closed is retried once on a
// new connection for idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT,
// DELETE) when no response byte arrived, as net/http does.
//
// # HTTP/2
//
// fasthttp speaks only HTTP/1.1. Every https connection offers ALPN
// ["h2", "http/1.1"]; when a server picks h2, the client remembers that host
// (per Client) and hands the handshaken connection to a per-Client
// net/http Transport, which serves that host from then on; timings come from
// net/http/httptrace plus the dial figures kept on the connection. The
// trade-off: HTTP/2 requests allocate (net/http requests, contexts, trace
// hooks), their data counters may include control frames of the shared
// connection, and their response headers come from a map (unordered).
//
// # Bodies
//
// ResponseType None, or Default with Config.DiscardResponseBodies, streams
// the body into io.Discard (memory does not grow with body size) and leaves
// Response.Body nil. Kept bodies are decoded per Content-Encoding (gzip,
// x-gzip, deflate, br, zstd) into the Response's reused buffer.
//
// # Metrics
//
// Every hop records http_reqs, the seven http_req_* trends (ms), data_sent
// and data_received (bytes), and http_req_failed when Request.Expected is
// set. The tag set comes from a memo of the client's last 8 tag sets (a few
// string comparisons of the request's tags, method, status, URL, protocol,
// error code and expectation), else is interned through a per-client
// metrics.TagCache; the eleven samples go to the recorder as one
// metrics.Group (one lock, one lookup). A steady-state keep-alive GET
// allocates nothing (TestDoAllocations). A cancellable context is watched
// with one context.AfterFunc per distinct context (per iteration), not per
// request.
//
// # Per-request CPU
//
// Besides not allocating, the steady path avoids repeated work (profile of
// bench/scenarios/get.js, issue 6): a URL requested again reuses its parse;
// header strings equal to the previous response's at the same position are
// reused without hashing; after writing a request the client yields
// (runtime.Gosched) before its first read, so that other VUs whose
// responses came in run first and the read rarely fails with EAGAIN (a
// wasted syscall and netpoller round trip).
//
// # Errors
//
// Do never returns a Go error: failures are Response.Error and
// Response.ErrorCode, with k6's numeric codes (ErrCode* constants; 1000+status
// for HTTP 4xx/5xx, with an empty Error). An invalid URL (1020) sends and
// records nothing.
//
// # Concurrency
//
// A Client belongs to one goroutine (its VU). Batch runs extra workers,
// sub-clients with their own connections, TagCache and Recorder (from
// SetRecorderFactory), sharing the VU's CookieJar, which locks. Connections
// of the HTTP/2 Transport are read by net/http's goroutines; the byte
// counters are atomic for that reason.
package httpc
