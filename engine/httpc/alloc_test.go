//go:build !race

package httpc

import (
	"context"
	"net"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"
)

// newFastServer serves "ok" through fasthttp, whose server does not allocate
// per request either, so AllocsPerRun (which counts the whole process) sees
// the client's allocations.
func newFastServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("ok") }}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); <-done })
	return "http://" + ln.Addr().String()
}

// TestDoAllocations guards the hot path: a steady-state keep-alive GET of a
// small body through Client.Do, recorded, allocates nothing.
func TestDoAllocations(t *testing.T) {
	r := newRig(t, nil)
	req := get(newFastServer(t) + "/fast")
	req.Expected = DefaultExpected
	var resp Response
	for i := 0; i < 10; i++ { // warm up: connection, buffers, tag sets, header strings
		r.c.Do(context.Background(), req, &resp)
	}
	allocs := testing.AllocsPerRun(200, func() {
		r.c.Do(context.Background(), req, &resp)
	})
	if resp.Status != 200 {
		t.Fatalf("status %d %q", resp.Status, resp.Error)
	}
	if allocs != 0 {
		t.Errorf("Do allocates %v times per request, want 0", allocs)
	}
}

// An iteration with more distinct requests than the client remembers tag
// sets of (tagMemos) builds each request's tag list again: on the stack,
// without allocating.
func TestDoAllocationsManyTagSets(t *testing.T) {
	r := newRig(t, nil)
	base := newFastServer(t)
	var reqs []*Request
	for i := range tagMemos + 3 {
		reqs = append(reqs, get(base+"/fast/"+strconv.Itoa(i)))
	}
	var resp Response
	// Warm up past AllocsPerRun's rounds, then flush: the recorder's
	// sample buffers keep the capacity they grew to.
	for range 25 {
		for _, req := range reqs {
			r.c.Do(context.Background(), req, &resp)
		}
	}
	r.agg.Flush()
	allocs := testing.AllocsPerRun(20, func() {
		for _, req := range reqs {
			r.c.Do(context.Background(), req, &resp)
		}
	})
	if resp.Status != 200 {
		t.Fatalf("status %d %q", resp.Status, resp.Error)
	}
	if allocs != 0 {
		t.Errorf("%d requests with distinct tag sets allocate %v times, want 0", len(reqs), allocs)
	}
}

// TestDoAllocationsCancellableContext: an iteration's context is watched
// once, so its requests do not allocate either.
func TestDoAllocationsCancellableContext(t *testing.T) {
	r := newRig(t, nil)
	req := get(newFastServer(t) + "/fast")
	var resp Response
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 10; i++ {
		r.c.Do(ctx, req, &resp)
	}
	if allocs := testing.AllocsPerRun(200, func() { r.c.Do(ctx, req, &resp) }); allocs != 0 || resp.Status != 200 {
		t.Errorf("Do with a cancellable context: %v allocations, status %d; want 0, 200", allocs, resp.Status)
	}
}

func BenchmarkClientGet(b *testing.B) {
	r := newRig(b, nil)
	req := get(newFastServer(b) + "/fast")
	req.Expected = DefaultExpected
	var resp Response
	r.c.Do(context.Background(), req, &resp)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.c.Do(context.Background(), req, &resp)
	}
	if resp.Status != 200 {
		b.Fatalf("status %d", resp.Status)
	}
}
