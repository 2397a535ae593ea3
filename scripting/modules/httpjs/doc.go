// Package httpjs is the `load/http` JavaScript module (alias `k6/http`): the
// k6 `http` API (get, post, request, batch, url, file, cookie jars, expected
// statuses, response objects) on top of one VU's engine/httpc client.
//
// Entry point: New(vu) builds the module's exports for one VU; the core
// (package scripting) calls it when a script requires 'load/http'.
//
// Concurrency: everything belongs to the VU's goroutine, like its goja
// runtime. The only other goroutines are those of http.batch, which run
// requests through httpc.Client.Batch (parallel only when the core gave the
// client a recorder factory) and never touch the runtime.
// http.asyncRequest sends its request on the VU goroutine and settles its
// Promise on the VU's event loop.
//
// Units follow k6: timeouts and timings are milliseconds in JavaScript
// (floats for timings), time.Duration in Go. Tags are strings.
//
// Hot path: a request parses its arguments into a reused httpc.Request and
// returns a response backed by a goja dynamic object that converts fields
// to JavaScript values only when the script reads them, so
// `http.get(url).status` converts neither headers nor body.
package httpjs
