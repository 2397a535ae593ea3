package target

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Route limits that are not worth a Config field.
const (
	// flakyDelay is how long the odd-numbered /flaky calls wait before 200.
	flakyDelay = 200 * time.Millisecond
	// maxChain bounds /chain?n=K.
	maxChain = 10000
	// maxBigBytes bounds /big?bytes=N (1 TiB: the body is streamed, so the
	// bound is about runaway requests, not memory).
	maxBigBytes = 1 << 40
	// sessionCookie is the cookie /login sets and /whoami echoes.
	sessionCookie = "sid"
	sessionValue  = "abc123"
)

// Fixed bodies. smallJSON is the document of CASES.md C23.
const (
	smallJSON = `{"a":{"b":[1,2,3]},"s":"x"}`
	notJSON   = `<html>oops</html>`
)

// bigChunk is the read-only pattern /big streams from; sharing it between
// goroutines is safe because nobody writes it after init.
var bigChunk = func() []byte {
	b := make([]byte, 64<<10)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}()

// routes registers the case routes of CASES.md and the capacity endpoints
// on mux, each counted under its pattern in target_requests_total.
func (s *Server) routes(mux *http.ServeMux) {
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, s.metrics.instrument(pattern, h))
	}
	handle("/fast", s.fast)
	handle("/delay", s.delay)
	handle("/status", s.status)
	handle("/flaky", s.flaky)
	handle("/login", s.login)
	handle("/whoami", s.whoami)
	handle("/chain", s.chain)
	handle("/big", s.big)
	handle("/json/small", s.smallJSON)
	handle("/notjson", s.notJSON)
	handle("/svc", s.svc)
	handle("/freeze", s.freeze)
	handle("/conns", s.conns)
	handle("/resetconns", s.resetConns)
	handle("/capacity", s.capacity)
	handle("/admin/latency", s.adminLatency)
	mux.Handle("/metrics", s.metrics.instrument("/metrics", s.metrics.handler()))
}

func writeText(w http.ResponseWriter, code int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func badRequest(w http.ResponseWriter, format string, args ...any) {
	writeText(w, http.StatusBadRequest, "target: "+fmt.Sprintf(format, args...)+"\n")
}

// sleep waits d or until ctx ends; it reports whether the full d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// abort ends the current request without a response, the net/http way
// (the server recovers http.ErrAbortHandler silently and drops the
// connection or stream). Handlers call it when a wait was cut short because
// the client went away or the server is closing, so that a cut-short wait is
// never mistaken for a 200.
func abort() {
	panic(http.ErrAbortHandler)
}

// queryInt parses the integer query parameter name into [lo, hi]. A missing
// parameter yields def when def >= lo, otherwise an error.
func queryInt(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		if def >= lo {
			return def, nil
		}
		return 0, fmt.Errorf("query parameter %q is required", name)
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("query parameter %q: %q is not an integer", name, raw)
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("query parameter %q: %d is outside [%d, %d]", name, v, lo, hi)
	}
	return v, nil
}

// queryMillis parses the millisecond query parameter name into a duration in
// [0, MaxDelay]; it is required.
func (s *Server) queryMillis(r *http.Request, name string) (time.Duration, error) {
	ms, err := queryInt(r, name, -1, 0, s.cfg.MaxDelay.Milliseconds())
	return time.Duration(ms) * time.Millisecond, err
}

// parseWork parses /capacity's work parameter: a Go duration ("25ms",
// "1.5s") or a bare number of milliseconds ("25", "0.5").
func parseWork(raw string) (time.Duration, error) {
	if d, err := time.ParseDuration(raw); err == nil {
		return d, nil
	}
	ms, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return 0, fmt.Errorf("query parameter \"work\": %q is neither a duration nor milliseconds", raw)
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}

func (s *Server) fast(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) delay(w http.ResponseWriter, r *http.Request) {
	d, err := s.queryMillis(r, "ms")
	if err != nil {
		badRequest(w, "/delay: %v", err)
		return
	}
	if !sleep(r.Context(), d) {
		abort()
	}
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	code, err := queryInt(r, "code", -1, 200, 599)
	if err != nil {
		badRequest(w, "/status: %v", err)
		return
	}
	w.WriteHeader(int(code)) // net/http adds Content-Length: 0 where a body is allowed
}

func (s *Server) flaky(w http.ResponseWriter, r *http.Request) {
	n := s.flakyCalls.Add(1)
	if n%2 == 0 {
		writeText(w, http.StatusInternalServerError, "flaky: even call fails")
		return
	}
	if !sleep(r.Context(), flakyDelay) {
		abort()
	}
	writeText(w, http.StatusOK, "ok")
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sessionValue, Path: "/"})
	w.Header().Set("Location", "/whoami")
	writeText(w, http.StatusFound, "")
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		writeText(w, http.StatusUnauthorized, "no session")
		return
	}
	writeText(w, http.StatusOK, sessionCookie+"="+c.Value)
}

func (s *Server) chain(w http.ResponseWriter, r *http.Request) {
	n, err := queryInt(r, "n", 0, 0, maxChain)
	if err != nil {
		badRequest(w, "/chain: %v", err)
		return
	}
	if n == 0 {
		writeText(w, http.StatusOK, "end")
		return
	}
	w.Header().Set("Location", "/chain?n="+strconv.FormatInt(n-1, 10))
	writeText(w, http.StatusFound, "")
}

func (s *Server) big(w http.ResponseWriter, r *http.Request) {
	n, err := queryInt(r, "bytes", -1, 0, maxBigBytes)
	if err != nil {
		badRequest(w, "/big: %v", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	for n > 0 {
		chunk := bigChunk[:min(n, int64(len(bigChunk)))]
		if _, err := w.Write(chunk); err != nil {
			return // client went away
		}
		n -= int64(len(chunk))
	}
}

func (s *Server) smallJSON(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(smallJSON)))
	_, _ = w.Write([]byte(smallJSON))
}

func (s *Server) notJSON(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(notJSON)))
	_, _ = w.Write([]byte(notJSON))
}

// svc answers at once unless a freeze is active, in which case it waits for
// the freeze to end (re-checking, so a freeze extended meanwhile is honoured),
// then adds ExtraLatency.
func (s *Server) svc(w http.ResponseWriter, r *http.Request) {
	for {
		until := s.freezeUntil.Load()
		left := time.Duration(until - time.Now().UnixNano())
		if left <= 0 {
			break
		}
		if !sleep(r.Context(), left) {
			abort()
		}
	}
	if !sleep(r.Context(), time.Duration(s.extraLatency.Load())) {
		abort()
	}
	writeText(w, http.StatusOK, "ok")
}

// freeze starts (or extends) a freeze of /svc lasting ms from now and
// returns at once. Overlapping freezes end at the latest end.
func (s *Server) freeze(w http.ResponseWriter, r *http.Request) {
	d, err := s.queryMillis(r, "ms")
	if err != nil {
		badRequest(w, "/freeze: %v", err)
		return
	}
	end := time.Now().Add(d).UnixNano()
	for {
		cur := s.freezeUntil.Load()
		if cur >= end || s.freezeUntil.CompareAndSwap(cur, end) {
			break
		}
	}
	writeText(w, http.StatusOK, "frozen for "+d.String())
}

func (s *Server) conns(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, strconv.FormatInt(s.connsAccepted.Load(), 10))
}

func (s *Server) resetConns(w http.ResponseWriter, _ *http.Request) {
	s.connsAccepted.Store(0)
	s.flakyCalls.Store(0)
	writeText(w, http.StatusOK, "ok")
}

// capacity waits FIFO for one of Workers slots, holds it for the service
// time (ServiceTime or ?work=D), releases it, then adds ExtraLatency. The
// Server-Timing header reports the queue wait and the service time in
// milliseconds, both on the slot's schedule (see fifo): a slot serves
// exactly one request per service time while requests queue for it.
func (s *Server) capacity(w http.ResponseWriter, r *http.Request) {
	work := s.cfg.ServiceTime
	if raw := r.URL.Query().Get("work"); raw != "" {
		d, err := parseWork(raw)
		if err != nil {
			badRequest(w, "/capacity: %v", err)
			return
		}
		if d < 0 || d > s.cfg.MaxDelay {
			badRequest(w, "/capacity: work %s is outside [0, %s]", d, s.cfg.MaxDelay)
			return
		}
		work = d
	}
	ctx := r.Context()
	arrived := time.Now()
	granted, err := s.slots.acquire(ctx)
	if err != nil {
		abort()
	}
	// Service runs from the grant instant (the previous holder's intended
	// end), not from when this goroutine woke: see fifo. A request that
	// found a queue cannot start before it arrived.
	started := granted
	if started.Before(arrived) {
		started = arrived
	}
	end := started.Add(work)
	done := sleep(ctx, time.Until(end))
	if !done {
		end = time.Now() // cut short: the slot is free from now
	}
	s.slots.release(end)
	wait, service := started.Sub(arrived), end.Sub(started)
	s.metrics.queueWait.Observe(wait.Seconds())
	s.metrics.service.Observe(service.Seconds())
	if !done || !sleep(ctx, time.Duration(s.extraLatency.Load())) {
		abort()
	}
	w.Header().Set("Server-Timing", fmt.Sprintf("queue;dur=%.3f, service;dur=%.3f",
		float64(wait)/float64(time.Millisecond), float64(service)/float64(time.Millisecond)))
	writeText(w, http.StatusOK, "ok")
}

// adminLatency reads (no query) or sets (?ms=N) the ExtraLatency of /svc and
// /capacity, and answers with the value now in force, in milliseconds.
func (s *Server) adminLatency(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("ms") {
		d, err := s.queryMillis(r, "ms")
		if err != nil {
			badRequest(w, "/admin/latency: %v", err)
			return
		}
		s.extraLatency.Store(int64(d))
	}
	writeText(w, http.StatusOK, strconv.FormatInt(time.Duration(s.extraLatency.Load()).Milliseconds(), 10))
}
