package httpc

import (
	"context"

	"github.com/loadline/loadline/engine/metrics"
)

// Client is one VU's HTTP client: its connections (kept alive per VU), cookie
// jar and buffers. Not safe for concurrent use, except inside Batch.
type Client struct{ _ int }

// NewClient returns a client that records its samples through rec.
func NewClient(cfg *Config, reg *metrics.Registry, bi *metrics.Builtin, rec *metrics.Recorder) *Client {
	panic("httpc: stub")
}

// Do sends req, following redirects up to its limit; each hop is recorded as
// its own sample. The outcome, including failures, is written to resp.
func (c *Client) Do(ctx context.Context, req *Request, resp *Response) { panic("httpc: stub") }

// Jar returns the client's cookie jar.
func (c *Client) Jar() *CookieJar { panic("httpc: stub") }

// StartIteration resets per-iteration state: the jar (unless NoCookiesReset)
// and connections (when NoVUConnectionReuse).
func (c *Client) StartIteration() { panic("httpc: stub") }

// Close closes the client's connections.
func (c *Client) Close() { panic("httpc: stub") }

// CookieJar holds cookies by domain and path (RFC 6265 matching).
type CookieJar struct{ _ int }

// NewCookieJar returns an empty jar.
func NewCookieJar() *CookieJar { panic("httpc: stub") }
