package scripting

import (
	"testing"

	"github.com/dop251/goja"
)

func TestBumpColumn(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"relative", "main.js:4:8", "main.js:4:9"},
		{"absolute", "/a/b/c.ts:10:0", "/a/b/c.ts:10:1"},
		{"no column", "main.js", "main.js"},
		{"not a number", "main.js:4:x", "main.js:4:x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := bumpColumn(tc.in); got != tc.want {
				t.Errorf("bumpColumn(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRejectionException(t *testing.T) {
	rt := goja.New()
	mk := func(stack string) goja.Value {
		o := rt.NewObject()
		_ = o.Set("name", "TypeError")
		_ = o.Set("message", "bad")
		_ = o.Set("stack", stack)
		return o
	}
	tests := []struct {
		name       string
		val        goja.Value
		msg, stack string
	}{
		{"named frames", mk("TypeError: bad\n\tat inner (lib/a.js:3:4(12))\n\tat main_default (main.js:9:1(3))\n"),
			"lib/a.js:3:5: TypeError: bad", "\tat inner (lib/a.js:3:5)\n\tat default (main.js:9:2)"},
		{"anonymous frame and native frame", mk("TypeError: bad\n\tat native\n\tat main.js:2:6(7)\n"),
			"main.js:2:7: TypeError: bad", "\tat <anonymous> (main.js:2:7)"},
		{"thrown string", rt.ToValue("plain"), "plain", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := rejectionException(tc.val, "").(*exception)
			if ex.msg != tc.msg || ex.stack != tc.stack {
				t.Errorf("got %q / %q, want %q / %q", ex.msg, ex.stack, tc.msg, tc.stack)
			}
		})
	}
}

func TestFrameName(t *testing.T) {
	tests := []struct{ name, fn, file, want string }{
		{"default export of script.js", "script_default", "/tmp/x/script.js", "default"},
		{"leading digits and dashes dropped", "custom_metrics_default", "16-custom-metrics.ts", "default"},
		{"dots become one underscore", "my_test_default", "a/my.test.js", "default"},
		{"a user function named *_default", "helper_default", "script.js", "helper_default"},
		{"another module's default", "lib_default", "main.js", "lib_default"},
		{"plain name", "inner", "script.js", "inner"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := frameName(tc.fn, tc.file); got != tc.want {
				t.Errorf("frameName(%q, %q) = %q, want %q", tc.fn, tc.file, got, tc.want)
			}
		})
	}
}
