//go:build !linux

package engine

import "time"

// fineClock reports false: fineSleep is no finer than a runtime timer here.
func fineClock() bool { return false }

// fineSleep sleeps for d with the runtime's timer: on systems other than
// Linux there is no portable finer sleep in the standard library.
func fineSleep(d time.Duration) { time.Sleep(d) }
