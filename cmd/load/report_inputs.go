package main

// Input files of the reporting commands (load report, compare, capacity,
// parity, rightsize): one exit code for a missing file, one-line errors
// without Go's type names, and one warning for results files of different
// tests.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/loadline/loadline/engine/results"
)

// inputError is the error for an input file that could not be read. A
// file that does not exist is a bad command line, exit 2, as a missing
// script is for load run and a missing results file for load report (see
// README's exit codes); anything else is exit 1. The message is one line:
// cmd ("compare"), what the file is ("baseline results file"), its path,
// what went wrong and hint, what to give instead.
func inputError(cmd, what, path string, err error, hint string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errorf(exitUsage, "%s: %s %s not found (%s)", cmd, what, path, hint)
	}
	return errorf(exitGenericError, "%s: reading %s %s: %s (%s)", cmd, what, path, plainError(err), hint)
}

// inputFile is one input file of a command: what it is ("baseline
// results file"), its path and what to give instead when it is missing.
type inputFile struct{ what, path, hint string }

// checkInputs reports the first of files that does not exist (inputError,
// exit 2), so that a missing file is reported as such before any other
// file is read; files with an empty path are not given and skipped.
func checkInputs(cmd string, files ...inputFile) error {
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
			return inputError(cmd, f.what, f.path, fs.ErrNotExist, f.hint)
		}
	}
	return nil
}

// resultsHint is what to give instead of a missing results file.
const resultsHint = "give a results file written by 'load run --out FILE'"

// plainError is err's message on one line, with a JSON decoding error in
// words instead of Go's ("json: cannot unmarshal string into Go struct
// field headerRec.Header.interval_ns of type time.Duration" becomes
// "field interval_ns holds a JSON string where a number belongs").
func plainError(err error) string {
	msg := err.Error()
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		msg = strings.Replace(msg, ute.Error(), jsonTypeWords(ute), 1)
	}
	return strings.Join(strings.Fields(msg), " ")
}

// jsonTypeWords says what a JSON type error found and what belongs there.
func jsonTypeWords(e *json.UnmarshalTypeError) string {
	want := "another kind of value"
	if e.Type != nil {
		switch e.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			want = "a number"
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice, reflect.Array:
			want = "an array"
		case reflect.Map, reflect.Struct:
			want = "an object"
		}
	}
	got := e.Value
	if got == "" {
		got = "value"
	}
	field := e.Field
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if field == "" {
		return fmt.Sprintf("a JSON %s where %s belongs", got, want)
	}
	return fmt.Sprintf("field %s holds a JSON %s where %s belongs", field, got, want)
}

// testMismatch says how results file b differs from results file a in
// what makes them one test, the script (by its SHA-256) and the labels:
// "a.jsonl and b.jsonl come from different scripts (SHA-256 46fb6b651b9d…
// and 73767596e6ad…) and have different labels (env=staging and
// env=prod)". "" when they agree. The reporting commands print it as a
// warning and go on; load report has always done so for the script.
func testMismatch(pa string, a results.Header, pb string, b results.Header) string {
	var parts []string
	if a.ScriptSHA256 != b.ScriptSHA256 {
		parts = append(parts, fmt.Sprintf("come from different scripts (SHA-256 %.12s… and %.12s…)", a.ScriptSHA256, b.ScriptSHA256))
	}
	if !maps.Equal(a.Labels, b.Labels) {
		keys := slices.Sorted(maps.Keys(a.Labels))
		for k := range b.Labels {
			if _, ok := a.Labels[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		side := func(l map[string]string) string {
			var s []string
			for _, k := range keys {
				va, oka := a.Labels[k]
				vb, okb := b.Labels[k]
				if va == vb && oka == okb {
					continue
				}
				if v, ok := l[k]; ok {
					s = append(s, k+"="+v)
				} else {
					s = append(s, "no "+k)
				}
			}
			return strings.Join(s, ", ")
		}
		parts = append(parts, fmt.Sprintf("have different labels (%s and %s)", side(a.Labels), side(b.Labels)))
	}
	if len(parts) == 0 {
		return ""
	}
	return pa + " and " + pb + " " + strings.Join(parts, " and ")
}

// warnMismatch prints testMismatch's finding, if any, as a one-line
// warning with what the command does anyway.
func (c *cli) warnMismatch(pa string, a results.Header, pb string, b results.Header, anyway string) {
	if m := testMismatch(pa, a, pb, b); m != "" {
		fmt.Fprintf(c.stderr, "load: warning: %s; %s\n", m, anyway)
	}
}
