package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// addProfileFlags registers the hidden --cpuprofile FILE and --memprofile
// FILE flags on cmd and wraps its RunE so that a CPU profile covers the whole
// command and a heap profile (after a GC, with allocation counts since the
// start of the process) is written when it returns. They are for developers
// measuring the hot path (`go tool pprof bin/load FILE`), hence hidden. A
// profile that cannot be written is an error with exit code 1; the command's
// own error, if any, wins.
func addProfileFlags(cmd *cobra.Command) {
	var cpuFile, memFile string
	fs := cmd.Flags()
	fs.StringVar(&cpuFile, "cpuprofile", "", "write a CPU profile (pprof) to FILE")
	fs.StringVar(&memFile, "memprofile", "", "write a heap profile (pprof) to FILE when the command ends")
	_ = fs.MarkHidden("cpuprofile")
	_ = fs.MarkHidden("memprofile")
	inner := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) (err error) {
		if cpuFile != "" {
			f, cerr := os.Create(cpuFile)
			if cerr != nil {
				return errorf(exitGenericError, "--cpuprofile: %v", cerr)
			}
			if cerr := pprof.StartCPUProfile(f); cerr != nil {
				f.Close()
				return errorf(exitGenericError, "--cpuprofile: %v", cerr)
			}
			defer func() {
				pprof.StopCPUProfile()
				if cerr := f.Close(); cerr != nil && err == nil {
					err = errorf(exitGenericError, "--cpuprofile: %v", cerr)
				}
			}()
		}
		if memFile != "" {
			defer func() {
				if merr := writeHeapProfile(memFile); merr != nil && err == nil {
					err = errorf(exitGenericError, "--memprofile: %v", merr)
				}
			}()
		}
		return inner(cmd, args)
	}
}

// writeHeapProfile writes the heap profile to path after a GC, so that the
// in-use figures are up to date.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
