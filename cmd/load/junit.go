package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/engine/threshold"
	"github.com/loadline/loadline/report/junit"
)

// registerJUnit adds `load run --junit FILE`.
func (f *runFlags) registerJUnit(fs *pflag.FlagSet) {
	fs.String("junit", "", "write thresholds and checks as JUnit XML to FILE (one test case each)")
}

// stringFlags is what writeRunJUnit needs of the run's flag set to read
// --junit (a *pflag.FlagSet).
type stringFlags interface {
	GetString(name string) (string, error)
}

// writeRunJUnit writes --junit FILE, when given: suite "thresholds" with a
// case per threshold and suite "checks" with a case per check (see package
// report/junit). A write error is logged, like --summary-export's; it does
// not change the exit code.
func (c *cli) writeRunJUnit(fs flagSet, sets []*threshold.Set, totals *metrics.Snapshot, started time.Time, elapsed time.Duration) error {
	path := junitPath(fs)
	if path == "" {
		return nil
	}
	doc := junit.FromRun(thresholdResults(sets), junit.Checks(totals), started, elapsed)
	if err := writeFileWith(path, doc.Write); err != nil {
		return fmt.Errorf("--junit: %w (check that the directory of %s exists and is writable)", err, path)
	}
	return nil
}

// junitPath returns --junit's value, "" when not given.
func junitPath(fs flagSet) string {
	sf, ok := fs.(stringFlags)
	if !ok {
		return ""
	}
	path, err := sf.GetString("junit")
	if err != nil {
		return ""
	}
	return path
}
