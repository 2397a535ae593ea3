// Package target is the built-in demo and test HTTP server behind
// `load target`. It gives the README's first command something to load with
// no other server, gives end-to-end tests the routes that the behaviour
// cases (CASES.md) assume, and gives capacity reports a ground truth: an
// endpoint whose capacity is known exactly (C workers × service time D).
//
// # Entry points
//
// Run(ctx, cfg, stdout) is what the CLI calls: it starts, prints
// "listening on http://127.0.0.1:PORT" (plus "listening on
// https://127.0.0.1:PORT" when TLS is on) and serves until ctx ends. Tests
// use New(cfg), Start(ctx), URL()/TLSURL()/CertPEM() and Close(), or mount
// Handler() in an httptest server. DefaultConfig documents every knob.
//
// # Routes
//
// Plain-text bodies are text/plain; charset=utf-8. "ms" parameters are
// integer milliseconds in [0, Config.MaxDelay]; a bad or missing required
// parameter answers 400 with a "target: ..." line. Routes accept any method.
//
//	/fast              200 "ok" at once.
//	/delay?ms=N        200 "ok" after N ms. Exactly /delay; httpbin's
//	                   /delay/{seconds} is unchanged.
//	/status?code=N     empty response with status N (200..599). Exactly
//	                   /status; httpbin's /status/{code} is unchanged.
//	/flaky             odd-numbered calls: 200 "ok" after 200 ms; even calls:
//	                   500 at once. The call counter is shared by all
//	                   clients and reset by /resetconns.
//	/login             302 to /whoami with Set-Cookie: sid=abc123; Path=/.
//	/whoami            200 "sid=VALUE" when the sid cookie is sent, else 401.
//	/chain?n=K         K > 0: 302 to /chain?n=K-1 (relative Location);
//	                   K = 0 or absent: 200 "end". K <= 10000.
//	/big?bytes=N       N bytes (a repeating a..z pattern) with Content-Length
//	                   N, streamed from a shared 64 KiB buffer, so memory
//	                   does not grow with N. application/octet-stream.
//	/json/small        {"a":{"b":[1,2,3]},"s":"x"}, application/json (the
//	                   document of CASES.md C23; /json itself stays httpbin's
//	                   slideshow document, which the compat corpus needs).
//	/notjson           <html>oops</html>, text/html.
//	/svc               200 "ok" at once, unless a freeze is active: then it
//	                   waits until the freeze ends. Plus the extra latency.
//	/freeze?ms=N       starts a freeze of /svc lasting N ms from now and
//	                   returns at once; overlapping freezes end at the latest
//	                   end (CASES.md C15).
//	/conns             the number of TCP connections accepted (HTTP and
//	                   HTTPS listeners together) since the last /resetconns,
//	                   as a bare decimal number.
//	/resetconns        zeroes the /conns and /flaky counters; 200 "ok". The
//	                   connection carrying this request is not counted again.
//	/capacity[?work=D] waits in a FIFO queue for one of Config.Workers slots,
//	                   holds it for Config.ServiceTime (or D: a Go duration
//	                   such as "25ms", or a bare number of milliseconds),
//	                   releases it, adds the extra latency, then answers 200
//	                   "ok" with "Server-Timing: queue;dur=Q, service;dur=S"
//	                   (milliseconds). Each slot keeps its own schedule: a
//	                   queued request's service starts at the previous
//	                   one's intended end, not when its goroutine wakes, so
//	                   throughput saturates at exactly Workers / ServiceTime
//	                   per second (Little's law: with N clients in a closed
//	                   loop, latency ≈ N × D / C once N > C).
//	/admin/latency[?ms=N]  sets the extra latency added to /svc and /capacity
//	                   (after the slot is released, so capacity is unchanged)
//	                   and answers with the value in force, in ms.
//	/metrics           Prometheus text exposition of this server's own
//	                   registry: process_* (CPU seconds, resident memory,
//	                   file descriptors), go_* runtime metrics,
//	                   target_requests_total{route,code} (route is the
//	                   pattern above, or "httpbin"),
//	                   target_requests_in_flight,
//	                   target_capacity_queue_wait_seconds and
//	                   target_capacity_service_seconds histograms and
//	                   target_capacity_queue_length.
//	everything else    github.com/mccutchen/go-httpbin/v2 with default
//	                   options: /get, /post, /anything, /status/{code},
//	                   /delay/{s}, /redirect/{n}, /cookies, /cookies/set,
//	                   /basic-auth/{u}/{p}, /bytes/{n}, /gzip, /deflate,
//	                   /headers, /response-headers, /json, /uuid ... (its
//	                   /brotli answers 501; request bodies are capped at
//	                   1 MiB and delays at 10 s, httpbin's defaults).
//
// With Config.TLSAddr set, an HTTPS twin serves the same handler (same
// counters and state) with a self-signed ECDSA P-256 certificate generated
// at Start for IP 127.0.0.1, ::1 and DNS localhost, offering h2 and
// http/1.1 via ALPN (CASES.md C20). CertPEM returns it for a trusting client.
//
// # Concurrency and units
//
// Each request runs on its own goroutine (net/http). Route state lives in
// atomics, except the /capacity queue (a mutex-guarded FIFO that hands a
// freed slot straight to the oldest waiter, so requests are served in
// arrival order). Waits use timers, never busy work, and end early when the
// client goes away or the server closes; such a request is aborted with
// http.ErrAbortHandler (connection or stream reset), never answered with a
// status it did not earn. Durations are time.Duration in Go
// and milliseconds in query parameters; metrics use seconds and bytes.
// Start owns two serving goroutines at most; Close and Shutdown wait for
// them.
package target
