package scripting

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dop251/goja"
)

// Exit codes carried by *Error, as k6 uses them.
const (
	ExitSetupTimeout    = 100 // setup() exceeded setupTimeout
	ExitTeardownTimeout = 101 // teardown() exceeded teardownTimeout
	ExitInvalidOptions  = 104 // the script's options are invalid
	ExitScriptError     = 107 // syntax error, exception in init, setup or teardown
	ExitAborted         = 108 // test.abort() was called
)

// Error is a script error: a syntax error, an init exception, a setup or
// teardown failure, or test.abort(). Message is one line,
// "file:line:col: message" where a position is known; Stack, when set, holds
// the script's call stack ("\tat fn (file:line:col)" lines) for logs.
type Error struct {
	ExitCode int
	Message  string
	Stack    string
}

func (e *Error) Error() string { return e.Message }

// abortError is what test.abort() interrupts the runtime with.
type abortError struct{ reason string }

func (e *abortError) Error() string {
	if e.reason == "" {
		return "test aborted"
	}
	return "test aborted: " + e.reason
}

// exception is a script exception with the position of its innermost script
// frame, already mapped to the user's file.
type exception struct {
	msg   string // "file:line:col: Error: message" (position omitted when unknown)
	stack string
}

func (e *exception) Error() string { return e.msg }

// scriptPosition returns "file:line:col" of the innermost frame that has a
// script position, or "".
func scriptPosition(frames []goja.StackFrame) string {
	for i := range frames {
		p := frames[i].Position()
		if p.Filename != "" && p.Line > 0 {
			return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
		}
	}
	return ""
}

func formatStack(frames []goja.StackFrame) string {
	var b strings.Builder
	for i := range frames {
		p := frames[i].Position()
		if p.Filename == "" {
			continue
		}
		fn := frames[i].FuncName()
		if fn == "" {
			fn = "<anonymous>"
		}
		fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", fn, p.Filename, p.Line, p.Column)
	}
	return strings.TrimRight(b.String(), "\n")
}

// valueString renders a thrown value: "Name: message" for Error objects,
// String(v) otherwise.
func valueString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if o, ok := v.(*goja.Object); ok {
		if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
			name := "Error"
			if n := o.Get("name"); n != nil && !goja.IsUndefined(n) {
				name = n.String()
			}
			if name == "GoError" {
				return m.String()
			}
			return name + ": " + m.String()
		}
	}
	return v.String()
}

// newException converts err from a goja call into an *exception (script
// exceptions), *abortError (test.abort) or returns it unchanged
// (interruptions by context, Go errors).
func newException(err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if ae, ok := ie.Value().(*abortError); ok {
			return ae
		}
		if e, ok := ie.Value().(error); ok {
			return e
		}
		return err
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		// A Go function panicking with an *Error (e.g. unsupported module)
		// keeps its message.
		msg := valueString(ex.Value())
		if pos := scriptPosition(ex.Stack()); pos != "" {
			msg = pos + ": " + msg
		}
		return &exception{msg: msg, stack: formatStack(ex.Stack())}
	}
	return err
}

// rejectionException converts a rejected promise's reason to an *exception,
// using the Error's stack property for the position when there is one.
func rejectionException(v goja.Value) error {
	msg := valueString(v)
	stack := ""
	if o, ok := v.(*goja.Object); ok {
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			stack = s.String()
			// goja stacks read "Error: msg\n\tat fn (file:line:col(n))".
			if i := strings.Index(stack, "\tat "); i >= 0 {
				line := stack[i+4:]
				if j := strings.IndexByte(line, '\n'); j >= 0 {
					line = line[:j]
				}
				if a, b := strings.LastIndexByte(line, '('), strings.LastIndexByte(line, ')'); a >= 0 && b > a {
					line = line[a+1 : b]
				}
				if k := strings.LastIndexByte(line, '('); k > 0 {
					line = line[:k]
				}
				msg = line + ": " + msg
			}
		}
	}
	return &exception{msg: msg, stack: stack}
}

// toError turns an error from init, setup or teardown into an *Error with
// exit code, or returns it as is (context errors).
func toError(err error, what string) error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	var ae *abortError
	if errors.As(err, &ae) {
		return &Error{ExitCode: ExitAborted, Message: ae.Error()}
	}
	var ex *exception
	if errors.As(err, &ex) {
		msg := ex.msg
		if what != "" {
			msg = what + ": " + msg
		}
		return &Error{ExitCode: ExitScriptError, Message: msg, Stack: ex.stack}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{ExitCode: ExitScriptError, Message: err.Error()}
}
