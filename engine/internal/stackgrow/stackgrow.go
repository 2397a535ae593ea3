// Package stackgrow moves the calling goroutine to a larger stack at once.
//
// A goroutine starts on a small stack (2 KiB, or the runtime's running
// average) and the runtime doubles it, copying, whenever a call needs more:
// a goroutine that ends up needing 8 KiB is copied twice. The runtime sizes
// a new stack to fit the frame that needs it, so calling a function with a
// large frame first moves the goroutine to the final size in one step.
// Loadline uses this for the goroutines it starts by the thousand (one per
// VU, one per new connection): fewer copies at start-up, and no small freed
// stacks left among the long-lived ones in the runtime's stack spans, which
// kept a 1,000-VU test's stack memory at twice what its VUs use.
package stackgrow

// To8KiB moves the calling goroutine to a stack of at least 8 KiB (its
// frame is 5 KiB).
func To8KiB() { grow5(nil) }

// To16KiB moves the calling goroutine to a stack of at least 16 KiB (its
// frame is 10 KiB).
func To16KiB() { grow10(nil) }

// The functions below must keep their frames: not inlined, and the array
// is used on a path the compiler cannot rule out (b is always nil).

//go:noinline
func grow5(b []byte) byte {
	var pad [5 << 10]byte
	if b != nil {
		copy(pad[:], b)
		return pad[len(b)%len(pad)]
	}
	return 0
}

//go:noinline
func grow10(b []byte) byte {
	var pad [10 << 10]byte
	if b != nil {
		copy(pad[:], b)
		return pad[len(b)%len(pad)]
	}
	return 0
}
