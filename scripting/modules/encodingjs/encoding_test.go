package encodingjs

import (
	"bytes"
	"testing"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
	"github.com/loadline/loadline/scripting/modules/modtest"
)

// newRuntime returns a runtime whose global `encoding` is the module.
func newRuntime(t testing.TB) *goja.Runtime {
	t.Helper()
	rt := goja.New()
	if err := rt.Set("encoding", New(&modules.VU{Runtime: rt, InInit: true})); err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestB64encode(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		// RFC 4648 §10 test vectors.
		{"rfc empty", `encoding.b64encode("")`, ""},
		{"rfc f", `encoding.b64encode("f")`, "Zg=="},
		{"rfc fo", `encoding.b64encode("fo")`, "Zm8="},
		{"rfc foo", `encoding.b64encode("foo")`, "Zm9v"},
		{"rfc foob", `encoding.b64encode("foob")`, "Zm9vYg=="},
		{"rfc fooba", `encoding.b64encode("fooba")`, "Zm9vYmE="},
		{"rfc foobar", `encoding.b64encode("foobar")`, "Zm9vYmFy"},
		{"rawstd drops padding", `encoding.b64encode("f", "rawstd")`, "Zg"},
		{"explicit std", `encoding.b64encode("hello world", "std")`, "aGVsbG8gd29ybGQ="},
		{"undefined encoding is std", `encoding.b64encode("fo", undefined)`, "Zm8="},
		{"utf-8 string", `encoding.b64encode("héllo wörld ✓")`, "aMOpbGxvIHfDtnJsZCDinJM="},
		{"std alphabet", `encoding.b64encode(new Uint8Array([0xfb,0xff,0xbf,0x3e,0]).buffer, "std")`, "+/+/PgA="},
		{"rawstd alphabet", `encoding.b64encode(new Uint8Array([0xfb,0xff,0xbf,0x3e,0]).buffer, "rawstd")`, "+/+/PgA"},
		{"url alphabet", `encoding.b64encode(new Uint8Array([0xfb,0xff,0xbf,0x3e,0]).buffer, "url")`, "-_-_PgA="},
		{"rawurl alphabet", `encoding.b64encode(new Uint8Array([0xfb,0xff,0xbf,0x3e,0]).buffer, "rawurl")`, "-_-_PgA"},
		{"typed array view", `encoding.b64encode(new Uint8Array([0, 102, 111, 111, 0]).subarray(1, 4))`, "Zm9v"},
		{"uint16 array bytes", `encoding.b64encode(new Uint16Array([0x6f66, 0x6f]))`, "Zm9vAA=="},
		{"empty ArrayBuffer", `encoding.b64encode(new ArrayBuffer(0), "url")`, ""},
	}
	rt := newRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := modtest.Run(t, rt, tt.expr).String(); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestB64decode(t *testing.T) {
	tests := []struct {
		name, expr string
		want       []byte
		str        bool // result is a string rather than an ArrayBuffer
	}{
		{"rfc foobar", `encoding.b64decode("Zm9vYmFy")`, []byte("foobar"), false},
		{"rfc f", `encoding.b64decode("Zg==")`, []byte("f"), false},
		{"std without padding", `encoding.b64decode("Zg", "std")`, []byte("f"), false},
		{"rawstd with padding", `encoding.b64decode("Zm8=", "rawstd")`, []byte("fo"), false},
		{"url alphabet", `encoding.b64decode("-_-_PgA=", "url")`, []byte{0xfb, 0xff, 0xbf, 0x3e, 0}, false},
		{"rawurl alphabet", `encoding.b64decode("-_-_PgA", "rawurl")`, []byte{0xfb, 0xff, 0xbf, 0x3e, 0}, false},
		{"std alphabet", `encoding.b64decode("+/+/PgA=", "std")`, []byte{0xfb, 0xff, 0xbf, 0x3e, 0}, false},
		{"line breaks ignored", `encoding.b64decode("Zm9v\r\nYmFy")`, []byte("foobar"), false},
		{"empty", `encoding.b64decode("")`, []byte{}, false},
		{"format s", `encoding.b64decode("aGVsbG8gd29ybGQ=", "std", "s")`, []byte("hello world"), true},
		{"format s utf-8", `encoding.b64decode("aMOpbGxvIHfDtnJsZCDinJM", "rawstd", "s")`, []byte("héllo wörld ✓"), true},
		{"other format gives ArrayBuffer", `encoding.b64decode("Zm9v", "std", "b")`, []byte("foo"), false},
	}
	rt := newRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := modtest.Run(t, rt, tt.expr)
			var got []byte
			if tt.str {
				s, ok := v.Export().(string)
				if !ok {
					t.Fatalf("%s gave %T, want string", tt.expr, v.Export())
				}
				got = []byte(s)
			} else {
				ab, ok := v.Export().(goja.ArrayBuffer)
				if !ok {
					t.Fatalf("%s gave %T, want ArrayBuffer", tt.expr, v.Export())
				}
				got = ab.Bytes()
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, expr, wantType, wantMsg string
	}{
		{"unknown encoding", `encoding.b64encode("x", "hex")`, "TypeError", `encoding: unknown base64 encoding "hex"`},
		{"number input", `encoding.b64encode(42)`, "TypeError", "encoding: b64encode: input must be a string, ArrayBuffer or typed array, not a number"},
		{"undefined input", `encoding.b64encode()`, "TypeError", "encoding: b64encode: input must be"},
		{"plain array input", `encoding.b64encode([1, 2])`, "TypeError", "not an object"},
		{"illegal character", `encoding.b64decode("Zm9v*mFy")`, "Error", "encoding: b64decode: illegal base64 data at input byte 4"},
		{"url char in std", `encoding.b64decode("-_-_PgA=", "std")`, "Error", "illegal base64 data at input byte 0"},
		{"too much padding", `encoding.b64decode("Zg===")`, "Error", "illegal base64 data at input byte 4"},
		{"padding inside", `encoding.b64decode("Zg==Zg==")`, "Error", "illegal base64 data"},
		{"decode null", `encoding.b64decode(null)`, "TypeError", "encoding: b64decode: input must be a string"},
	}
	rt := newRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			modtest.WantThrown(t, rt, tt.expr, tt.wantType, tt.wantMsg)
		})
	}
}

// TestImports runs the module through esbuild's ESM-to-CommonJS transform, as
// the core does, with both a default and a named import.
func TestImports(t *testing.T) {
	src := `
import encoding from 'load/encoding';
import { b64encode, b64decode } from 'load/encoding';
export const out = [
  encoding.b64encode('hello world'),
  b64encode('hello world', 'rawurl'),
  b64decode(encoding.b64encode('round trip'), 'std', 's'),
].join('|');
`
	rt := goja.New()
	got := modtest.Import(t, rt, "load/encoding", New(&modules.VU{Runtime: rt}), src).Get("out").String()
	if want := "aGVsbG8gd29ybGQ=|aGVsbG8gd29ybGQ|round trip"; got != want {
		t.Errorf("out = %q, want %q", got, want)
	}
}

// FuzzB64decode checks that Decode never panics, that whatever it accepts
// re-encodes to an input it decodes to the same bytes, and that encoding any
// bytes round-trips through every alphabet.
func FuzzB64decode(f *testing.F) {
	for _, s := range []string{"", "Zg==", "Zg", "Zm9vYmFy", "-_-_PgA", "+/+/PgA=", "Zg===", "a\r\nb", "====", "Z"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	names := []string{"std", "rawstd", "url", "rawurl"}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		enc, ok := Alphabet(names[int(which)%len(names)])
		if !ok {
			t.Fatal("alphabet missing")
		}
		out, err := Decode(enc, s)
		if err == nil {
			again, err := Decode(enc, enc.EncodeToString(out))
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("re-decode of %q: %q, %v; want %q", s, again, err, out)
			}
		}
		raw := []byte(s)
		back, err := Decode(enc, enc.EncodeToString(raw))
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("round trip of %q: %q, %v", raw, back, err)
		}
	})
}
