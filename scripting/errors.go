package scripting

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
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

// Columns of positions goja maps through a source map come back 0-based
// (the source map's own convention); users and editors count from 1.
const mappedColumnBase = 1

// bumpColumn adds mappedColumnBase to the column of "file:line:col".
func bumpColumn(pos string) string {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return pos
	}
	col, err := strconv.Atoi(pos[i+1:])
	if err != nil {
		return pos
	}
	return pos[:i+1] + strconv.Itoa(col+mappedColumnBase)
}

// scriptPosition returns "file:line:col" of the innermost frame that has a
// script position, or "".
func scriptPosition(frames []goja.StackFrame) string {
	for i := range frames {
		p := frames[i].Position()
		if p.Filename != "" && p.Line > 0 {
			return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column+mappedColumnBase)
		}
	}
	return ""
}

// frameName returns a stack frame's function name as the user wrote it:
// esbuild names an anonymous `export default function` after its file
// ("script_default" in script.js, "custom_metrics_default" in
// 16-custom-metrics.js), which k6 users know as "default".
func frameName(fn, filename string) string {
	if !strings.HasSuffix(fn, "_default") {
		return fn
	}
	base := filepath.Base(filename)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if fn == esbuildIdentifier(base)+"_default" {
		return "default"
	}
	return fn
}

// esbuildIdentifier is the identifier esbuild derives from a file's base
// name: ASCII letters and digits (no leading digit), each run of other
// characters between them turned into one "_".
func esbuildIdentifier(base string) string {
	var b []byte
	gap := false
	for _, c := range base {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || len(b) > 0 && c >= '0' && c <= '9' {
			if gap {
				b = append(b, '_')
				gap = false
			}
			b = append(b, byte(c))
		} else if len(b) > 0 {
			gap = true
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

func formatStack(frames []goja.StackFrame) string {
	var b strings.Builder
	for i := range frames {
		p := frames[i].Position()
		if p.Filename == "" {
			continue
		}
		fn := frameName(frames[i].FuncName(), p.Filename)
		if fn == "" {
			fn = "<anonymous>"
		}
		fmt.Fprintf(&b, "\tat %s (%s:%d:%d)\n", fn, p.Filename, p.Line, p.Column+mappedColumnBase)
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
func rejectionException(v goja.Value, prefix string) error {
	msg := prefix + valueString(v)
	stack := ""
	if o, ok := v.(*goja.Object); ok {
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			stack = s.String()
			// goja stacks read "Error: msg\n\tat fn (file:line:col(pc))"
			// or "\tat file:line:col(pc)" for anonymous code.
			var frames []string
			for _, line := range strings.Split(stack, "\n") {
				line = strings.TrimSpace(line)
				if !strings.HasPrefix(line, "at ") {
					continue
				}
				line = line[3:]
				fn, pos := "<anonymous>", line
				if k := strings.Index(line, " ("); k >= 0 && strings.HasSuffix(line, ")") {
					fn, pos = line[:k], line[k+2:len(line)-1]
				}
				if k := strings.LastIndexByte(pos, '('); k > 0 && strings.HasSuffix(pos, ")") {
					pos = pos[:k]
				}
				if strings.Count(pos, ":") < 2 {
					continue // native frames
				}
				pos = bumpColumn(pos)
				if file, _, ok := strings.Cut(pos, ":"); ok {
					fn = frameName(fn, file)
				}
				if len(frames) == 0 {
					msg = pos + ": " + msg
				}
				frames = append(frames, fmt.Sprintf("\tat %s (%s)", fn, pos))
			}
			stack = strings.Join(frames, "\n")
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
