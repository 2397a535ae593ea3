package scripting

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// eventLoop is a VU's event loop: callbacks queued by timers and by
// asynchronous module operations run on the VU goroutine, one at a time,
// between which goja drains its promise job queue.
//
// pending counts operations that were registered (a timer armed, a
// RunOnLoop completion handed out) and have not queued their callback yet;
// the loop is idle when pending is 0 and the queue is empty. Only the VU
// goroutine touches pending and timers; queue is shared with the goroutines
// that complete operations, under mu. gen invalidates completions of
// operations that belong to an earlier, reset iteration.
type eventLoop struct {
	mu    sync.Mutex
	queue []queued
	gen   uint64
	wake  chan struct{}

	pending int
	timers  map[int64]*timer // made by the first setTimer
	nextID  int64
}

type queued struct {
	gen uint64
	due time.Time // a timer's deadline, or when the completion was queued
	fn  func() error
}

type timer struct {
	t         *time.Timer
	fn        goja.Callable
	args      []goja.Value
	interval  time.Duration
	repeat    bool
	cancelled bool
}

func newEventLoop() *eventLoop {
	return &eventLoop{wake: make(chan struct{}, 1)}
}

// register records one pending operation and returns the function that
// queues its completion; it must be called exactly once, from any goroutine.
func (l *eventLoop) register() func(fn func() error) {
	return l.registerAt(time.Time{})
}

// registerAt is register for a timer due at due: callbacks that are ready
// together run in the order of their deadlines.
func (l *eventLoop) registerAt(due time.Time) func(fn func() error) {
	l.pending++
	l.mu.Lock()
	gen := l.gen
	l.mu.Unlock()
	return func(fn func() error) {
		at := due
		if at.IsZero() {
			at = time.Now()
		}
		l.mu.Lock()
		if gen == l.gen {
			l.queue = append(l.queue, queued{gen: gen, due: at, fn: fn})
		}
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// run runs queued callbacks until the loop is idle, a callback fails, or
// ctx is done.
func (l *eventLoop) run(ctx context.Context) error {
	if l == nil {
		return nil // never used: nothing pending
	}
	for {
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		l.mu.Unlock()
		if len(q) > 1 {
			sort.SliceStable(q, func(i, j int) bool { return q[i].due.Before(q[j].due) })
		}
		for i, item := range q {
			l.pending--
			if err := item.fn(); err != nil {
				// Remaining callbacks of this batch are dropped with the
				// iteration.
				l.pending -= len(q) - i - 1
				return err
			}
		}
		if len(q) > 0 {
			continue
		}
		if l.pending <= 0 {
			return nil
		}
		select {
		case <-l.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run, reset and clearTimer accept a nil loop, a VU's until its first
// timer or asynchronous operation (vu.eventLoop).

// reset drops every pending operation and timer (end of an iteration that
// failed or was cut, so nothing leaks into the next one).
func (l *eventLoop) reset() {
	if l == nil {
		return
	}
	for id, t := range l.timers {
		t.t.Stop()
		delete(l.timers, id)
	}
	l.mu.Lock()
	l.gen++
	l.queue = nil
	l.mu.Unlock()
	l.pending = 0
	select {
	case <-l.wake:
	default:
	}
}

// setTimer arms a timer calling fn(args...) after d (and every d when
// repeat), returning its id.
func (l *eventLoop) setTimer(fn goja.Callable, d time.Duration, repeat bool, args []goja.Value) int64 {
	if d < 0 {
		d = 0
	}
	l.nextID++
	id := l.nextID
	t := &timer{fn: fn, args: args, interval: d, repeat: repeat}
	if l.timers == nil {
		l.timers = map[int64]*timer{}
	}
	l.timers[id] = t
	l.arm(id, t)
	return id
}

func (l *eventLoop) arm(id int64, t *timer) {
	done := l.registerAt(time.Now().Add(t.interval))
	t.t = time.AfterFunc(t.interval, func() {
		done(func() error {
			if t.cancelled {
				return nil
			}
			if t.repeat {
				l.arm(id, t)
			} else {
				delete(l.timers, id)
			}
			_, err := t.fn(goja.Undefined(), t.args...)
			return err
		})
	})
}

// clearTimer cancels the timer id; unknown ids are ignored.
func (l *eventLoop) clearTimer(id int64) {
	if l == nil {
		return
	}
	t, ok := l.timers[id]
	if !ok {
		return
	}
	delete(l.timers, id)
	t.cancelled = true
	if t.t.Stop() {
		// It will never queue its callback.
		l.pending--
	}
}
