package main

import (
	"errors"
	"fmt"
)

// Exit codes. Where the meaning is the same as k6's, the number is k6's.
const (
	exitOK               = 0
	exitUsage            = 2   // bad command line (unknown flag, missing argument)
	exitThresholdsFailed = 99  // one or more thresholds failed
	exitSetupTimeout     = 100 // setup() exceeded setupTimeout
	exitTeardownTimeout  = 101 // teardown() exceeded teardownTimeout
	exitInvalidConfig    = 104 // invalid options or thresholds
	exitExternalAbort    = 105 // interrupted (Ctrl-C, SIGTERM)
	exitScriptException  = 107 // syntax error or exception in the init context or setup
	exitScriptAborted    = 108 // test.abort() was called
	exitGenericError     = 1   // anything else (I/O errors, ...)
)

// exitError is an error that carries the process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func errorf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// codeOf returns the exit code carried by err, or exitGenericError.
func codeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitGenericError
}
