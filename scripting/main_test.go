package scripting

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves goroutines behind (timers,
// interrupt watchers, event loop completions).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
