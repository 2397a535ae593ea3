package target

import (
	"container/list"
	"context"
	"sync"
)

// fifo is a counting semaphore that grants slots strictly in arrival order.
// A released slot is handed directly to the oldest waiter, so a newcomer can
// never overtake a queued request (sync.Mutex and buffered channels give no
// such guarantee). All methods are safe for concurrent use.
type fifo struct {
	mu    sync.Mutex
	free  int        // slots not held by anyone; > 0 only when waiters is empty
	queue *list.List // of chan struct{}, oldest first; closed when granted
}

// newFifo returns a semaphore with n free slots (n >= 1).
func newFifo(n int) *fifo {
	return &fifo{free: n, queue: list.New()}
}

// acquire blocks until the caller holds a slot or ctx is done. It returns
// ctx.Err() (and holds nothing) when ctx ends first.
func (f *fifo) acquire(ctx context.Context) error {
	f.mu.Lock()
	if f.free > 0 && f.queue.Len() == 0 {
		f.free--
		f.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	elem := f.queue.PushBack(ch)
	f.mu.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		select {
		case <-ch:
			// Granted between ctx ending and taking the lock: pass it on.
			f.mu.Unlock()
			f.release()
		default:
			f.queue.Remove(elem)
			f.mu.Unlock()
		}
		return ctx.Err()
	}
}

// release returns a slot: to the oldest waiter if there is one, else to the
// free count.
func (f *fifo) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if front := f.queue.Front(); front != nil {
		f.queue.Remove(front)
		close(front.Value.(chan struct{}))
		return
	}
	f.free++
}

// waiting returns the number of queued callers.
func (f *fifo) waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue.Len()
}
