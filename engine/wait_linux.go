package engine

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fineClock reports whether fine waits can be used: whether time.Now is the
// system's wall clock (within 1 s). Under testing/synctest's fake clock
// (which starts in 2000) a kernel timer would not advance time, so the
// scheduler must use runtime timers there.
func fineClock() bool {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return false
	}
	d := time.Since(time.Unix(tv.Unix()))
	return d > -time.Second && d < time.Second
}

// fineTimer is a timerfd(2) read through the runtime's netpoller, raced
// against a read deadline (a runtime timer). The kernel's high-resolution
// timer makes an idle process's netpoller wake within tens of µs, where a
// runtime timer alone can wake up to 1 ms late; in a busy process the
// runtime checks its timers on every scheduling round, so the deadline then
// wakes the goroutine promptly even when the netpoller is polled late.
// Either way the goroutine parks like any other: no thread sleeps holding
// a P, no CPU spins. A fineTimer belongs to one goroutine.
type fineTimer struct {
	fd  int
	f   *os.File
	buf [8]byte
}

// newFineTimer returns a fineTimer, or nil when the system refuses one.
func newFineTimer() *fineTimer {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	// A non-blocking descriptor: os.NewFile registers it with the netpoller.
	return &fineTimer{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}
}

// sleepUntil waits until the time at (at most coarseMargin away). Arming
// the timerfd clears any expiration left over from an earlier wait that the
// deadline won, so an old expiry never ends a new wait early.
func (t *fineTimer) sleepUntil(at time.Time) {
	d := time.Until(at)
	if d <= 0 {
		return
	}
	fineWaits.Add(1)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		time.Sleep(time.Until(at))
		return
	}
	_ = t.f.SetReadDeadline(at)
	for time.Now().Before(at) {
		_, err := t.f.Read(t.buf[:])
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, syscall.EINTR) {
			time.Sleep(time.Until(at)) // not expected; stay correct
			return
		}
	}
}

// Close releases the timerfd.
func (t *fineTimer) Close() error { return t.f.Close() }
