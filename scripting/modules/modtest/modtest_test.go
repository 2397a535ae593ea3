package modtest

import (
	"testing"

	"github.com/dop251/goja"
)

func TestRun(t *testing.T) {
	rt := goja.New()
	if got := Run(t, rt, `[1, 2, 3].map(x => x * 2).join()`).String(); got != "2,4,6" {
		t.Errorf("Run = %q, want %q", got, "2,4,6")
	}
}

func TestThrown(t *testing.T) {
	tests := []struct{ name, expr, want string }{
		{"nothing", `1 + 1`, "no error"},
		{"type error", `throw new TypeError("bad")`, "TypeError: bad"},
		{"plain error", `throw new Error("boom")`, "Error: boom"},
		{"range error is an error", `throw new RangeError("far")`, "Error: far"},
		{"non-error", `throw {message: "odd"}`, "non-error: odd"},
	}
	rt := goja.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Thrown(t, rt, tt.expr); got != tt.want {
				t.Errorf("Thrown(%s) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestWantThrown(t *testing.T) {
	rt := goja.New()
	tests := []struct {
		name, expr, wantType, wantMsg string
		fail                          bool
	}{
		{"type and message match", `throw new TypeError("bad input")`, "TypeError", "bad input", false},
		{"other type", `throw new Error("bad input")`, "TypeError", "bad input", true},
		{"other message", `throw new TypeError("bad input")`, "TypeError", "missing", true},
		{"nothing thrown", `1`, "Error", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			WantThrown(rec, rt, tt.expr, tt.wantType, tt.wantMsg)
			if rec.failed != tt.fail {
				t.Errorf("failed = %v, want %v", rec.failed, tt.fail)
			}
		})
	}
}

// recorder is a testing.TB that notes Errorf instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestImport(t *testing.T) {
	rt := goja.New()
	exports := rt.NewObject()
	if err := exports.Set("twice", func(n int64) int64 { return 2 * n }); err != nil {
		t.Fatal(err)
	}
	src := `
import m from 'load/m';
import { twice } from 'load/m';
export const out = m.twice(2) + twice(3);
let unknown = '';
try { require('load/other'); } catch (e) { unknown = e.message; }
export { unknown };
`
	got := Import(t, rt, "load/m", exports, src)
	if out := got.Get("out").ToInteger(); out != 10 {
		t.Errorf("out = %d, want 10", out)
	}
	if u := got.Get("unknown").String(); u != "unknown module load/other" {
		t.Errorf("unknown = %q, want %q", u, "unknown module load/other")
	}
}
