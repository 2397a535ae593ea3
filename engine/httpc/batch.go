package httpc

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
)

// Batch sends reqs concurrently and writes resps[i] for reqs[i] (the two
// slices must have the same length). At most parallel requests are in
// flight (<= 0: all of them) and at most perHost per host (<= 0: no limit).
//
// Concurrency: the calling goroutine works as the first worker on c; the
// others are sub-clients of c, made on first use and kept, each with its own
// connections, tag cache and a Recorder from the factory given to
// SetRecorderFactory. They share c's Config and cookie jar (the jar locks).
// Without a factory, Batch sends the requests one after another on c. Batch
// returns when every request is done.
func (c *Client) Batch(ctx context.Context, reqs []*Request, resps []*Response, parallel, perHost int) {
	n := len(reqs)
	if len(resps) < n {
		n = len(resps)
	}
	if parallel <= 0 || parallel > n {
		parallel = n
	}
	if c.recorders == nil || parallel <= 1 {
		for i := 0; i < n; i++ {
			c.Do(ctx, reqs[i], resps[i])
		}
		return
	}
	for len(c.workers) < parallel-1 {
		c.workers = append(c.workers, c.newWorker())
	}
	q := &batchQueue{reqs: reqs[:n], perHost: perHost, inFlight: map[string]int{}, hosts: make([]string, n)}
	q.cond = sync.NewCond(&q.mu)
	for i, r := range q.reqs {
		q.hosts[i] = batchHost(r.URL)
	}
	q.taken = make([]bool, n)
	var wg sync.WaitGroup
	for _, w := range c.workers[:parallel-1] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.run(ctx, w, resps)
		}()
	}
	q.run(ctx, c, resps)
	wg.Wait()
}

// newWorker returns a sub-client sharing c's configuration and jar.
func (c *Client) newWorker() *Client {
	w := &Client{
		cfg: c.cfg, userAgent: c.userAgent, timeout: c.timeout,
		reg: c.reg, bi: c.bi, rec: c.recorders(), jar: c.jar, resolver: c.resolver,
	}
	w.init()
	return w
}

// batchQueue hands out requests to workers, honouring the per-host limit.
type batchQueue struct {
	mu       sync.Mutex
	cond     *sync.Cond
	reqs     []*Request
	hosts    []string
	taken    []bool
	done     int
	perHost  int
	inFlight map[string]int
}

func (q *batchQueue) run(ctx context.Context, w *Client, resps []*Response) {
	for {
		i := q.next()
		if i < 0 {
			return
		}
		w.Do(ctx, q.reqs[i], resps[i])
		q.mu.Lock()
		q.inFlight[q.hosts[i]]--
		q.done++
		q.cond.Broadcast()
		q.mu.Unlock()
	}
}

// next returns the index of the next request this worker may send, waiting
// while every remaining request's host is at its limit; -1 when none is left.
func (q *batchQueue) next() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		left := false
		for i := range q.reqs {
			if q.taken[i] {
				continue
			}
			left = true
			if q.perHost > 0 && q.inFlight[q.hosts[i]] >= q.perHost {
				continue
			}
			q.taken[i] = true
			q.inFlight[q.hosts[i]]++
			return i
		}
		if !left {
			return -1
		}
		q.cond.Wait()
	}
}

// batchHost is the scheme://host[:port] of a URL, for the per-host limit.
func batchHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	var b bytes.Buffer
	b.WriteString(strings.ToLower(u.Scheme))
	b.WriteString("://")
	b.WriteString(strings.ToLower(u.Host))
	return b.String()
}
