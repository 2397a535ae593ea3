package engine

import (
	"syscall"
	"time"
)

// fineClock reports whether fineSleep can be used: whether time.Now is the
// system's wall clock (within 1 s). Under testing/synctest's fake clock
// (which starts in 2000) a real nanosleep would not advance time, so the
// scheduler must use runtime timers there.
func fineClock() bool {
	var tv syscall.Timeval
	if err := syscall.Gettimeofday(&tv); err != nil {
		return false
	}
	d := time.Since(time.Unix(tv.Unix()))
	return d > -time.Second && d < time.Second
}

// fineSleep blocks the calling goroutine's thread in nanosleep(2) for d
// (at most coarseMargin): the kernel's high-resolution timer wakes it
// within the timer slack (50 µs by default), where a runtime timer could
// wake it up to 1 ms late. An interrupted sleep resumes with the time left.
func fineSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for {
		var left syscall.Timespec
		if err := syscall.Nanosleep(&ts, &left); err != syscall.EINTR {
			return
		}
		ts = left
	}
}
