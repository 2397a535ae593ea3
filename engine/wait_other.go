//go:build !linux

package engine

import "time"

// fineClock reports false: there is no finer timer than the runtime's here.
func fineClock() bool { return false }

// fineTimer is not available on this system; newFineTimer returns nil.
type fineTimer struct{}

func newFineTimer() *fineTimer { return nil }

func (t *fineTimer) sleepUntil(at time.Time) { time.Sleep(time.Until(at)) }

// Close does nothing.
func (t *fineTimer) Close() error { return nil }
