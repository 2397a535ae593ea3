package cryptojs

import (
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
	"github.com/loadline/loadline/scripting/modules/modtest"
)

// newRuntime returns a runtime whose global `crypto` is the module.
func newRuntime(t testing.TB) *goja.Runtime {
	t.Helper()
	rt := goja.New()
	if err := rt.Set("crypto", New(&modules.VU{Runtime: rt})); err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestDigests(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		// RFC 1320 appendix A.5.
		{"md4 empty", `crypto.md4("", "hex")`, "31d6cfe0d16ae931b73c59d7e0c089c0"},
		{"md4 abc", `crypto.md4("abc", "hex")`, "a448017aaf21d8525fc10ae87aa6729d"},
		{"md4 message digest", `crypto.md4("message digest", "hex")`, "d9130a8164549fe818874806e1c7014b"},
		// RFC 1321 appendix A.5.
		{"md5 empty", `crypto.md5("", "hex")`, "d41d8cd98f00b204e9800998ecf8427e"},
		{"md5 abc", `crypto.md5("abc", "hex")`, "900150983cd24fb0d6963f7d28e17f72"},
		// FIPS 180-4 examples ("abc").
		{"sha1 abc", `crypto.sha1("abc", "hex")`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"sha224 abc", `crypto.sha224("abc", "hex")`, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
		{"sha256 abc", `crypto.sha256("abc", "hex")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha384 abc", `crypto.sha384("abc", "hex")`, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		{"sha512 abc", `crypto.sha512("abc", "hex")`, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"sha512_224 abc", `crypto.sha512_224("abc", "hex")`, "4634270f707b6a54daae7530460842e20e37ed265ceee9a43e8924aa"},
		{"sha512_256 abc", `crypto.sha512_256("abc", "hex")`, "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"},
		// RIPEMD-160 reference vectors.
		{"ripemd160 empty", `crypto.ripemd160("", "hex")`, "9c1185a5c5e9fc54612808977ee8f548b2258d31"},
		{"ripemd160 abc", `crypto.ripemd160("abc", "hex")`, "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"},
		// Output encodings of sha256("abc").
		{"base64", `crypto.sha256("abc", "base64")`, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
		{"base64url", `crypto.sha256("abc", "base64url")`, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0="},
		{"base64rawurl", `crypto.sha256("abc", "base64rawurl")`, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"},
		{"binary", `Array.from(new Uint8Array(crypto.md5("abc", "binary"))).map(b => b.toString(16).padStart(2, "0")).join("")`, "900150983cd24fb0d6963f7d28e17f72"},
		// Input kinds.
		{"ArrayBuffer input", `crypto.sha1(new Uint8Array([97, 98, 99]).buffer, "hex")`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"typed array input", `crypto.sha1(new Uint8Array([0, 97, 98, 99]).subarray(1), "hex")`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"utf-8 input", `crypto.md5("é", "hex") === crypto.md5(new Uint8Array([0xc3, 0xa9]).buffer, "hex") ? "same" : "differ"`, "same"},
		{"hexEncode", `crypto.hexEncode(new Uint8Array([0, 15, 255]).buffer)`, "000fff"},
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

func TestHMAC(t *testing.T) {
	const jefe = `"Jefe", "what do ya want for nothing?"`
	tests := []struct {
		name, expr, want string
	}{
		// RFC 4231 test case 1 (binary key) and 2.
		{"sha256 case 1", `crypto.hmac("sha256", new Uint8Array(20).fill(0x0b).buffer, "Hi There", "hex")`, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"sha256 case 2", `crypto.hmac("sha256", ` + jefe + `, "hex")`, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{"sha512 case 2", `crypto.hmac("sha512", ` + jefe + `, "hex")`, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		// RFC 4231 test case 6: a key longer than the block size.
		{"sha256 case 6", `crypto.hmac("sha256", new Uint8Array(131).fill(0xaa), "Test Using Larger Than Block-Size Key - Hash Key First", "hex")`, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		// RFC 2202 test case 2.
		{"md5 case 2", `crypto.hmac("md5", ` + jefe + `, "hex")`, "750c783e6ab0b503eaa86e310a5db738"},
		{"sha1 case 2", `crypto.hmac("sha1", ` + jefe + `, "hex")`, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
		{"createHMAC in pieces", `(() => { const m = crypto.createHMAC("sha256", "Jefe"); m.update("what do ya "); m.update(new Uint8Array([119,97,110,116]).buffer); m.update(" for nothing?"); return m.digest("hex"); })()`, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
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

func TestHasher(t *testing.T) {
	rt := newRuntime(t)
	got := modtest.Run(t, rt, `
const h = crypto.createHash("sha256");
h.update("a").update("b");
const first = h.digest("hex");
const again = h.digest("base64");
h.update("c");
[first, again, h.digest("hex")].join("|");
`).String()
	want := strings.Join([]string{
		"fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603", // sha256("ab")
		"+44g/C5MPySMYMOb1lLzwTRymLuXe4tNWQO4UFViBgM=",                     // same, base64
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // sha256("abc")
	}, "|")
	if got != want {
		t.Errorf("hasher digests = %q, want %q", got, want)
	}
}

func TestRandomBytes(t *testing.T) {
	tests := []struct {
		name string
		n    string
		want int
	}{
		{"zero", "0", 0},
		{"one", "1", 1},
		{"24", "24", 24},
		{"4096", "4096", 4096},
	}
	rt := newRuntime(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := modtest.Run(t, rt, "crypto.randomBytes("+tt.n+")")
			ab, ok := v.Export().(goja.ArrayBuffer)
			if !ok {
				t.Fatalf("randomBytes(%s) gave %T, want ArrayBuffer", tt.n, v.Export())
			}
			if len(ab.Bytes()) != tt.want {
				t.Errorf("randomBytes(%s) has %d bytes, want %d", tt.n, len(ab.Bytes()), tt.want)
			}
		})
	}
	// Two large draws from crypto/rand are never equal.
	if modtest.Run(t, rt, `crypto.hexEncode(crypto.randomBytes(32)) === crypto.hexEncode(crypto.randomBytes(32))`).ToBoolean() {
		t.Error("two 32-byte random draws are equal")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, expr, wantType, wantMsg string
	}{
		{"unknown algorithm", `crypto.createHash("sha3")`, "Error", `crypto: createHash: unknown hash algorithm "sha3"`},
		{"hmac unknown algorithm", `crypto.hmac("crc32", "k", "d", "hex")`, "Error", `crypto: hmac: unknown hash algorithm "crc32"`},
		{"bad output encoding", `crypto.sha256("x", "base32")`, "Error", `crypto: invalid output encoding "base32"`},
		{"missing output encoding", `crypto.md5("x")`, "Error", `crypto: invalid output encoding ""`},
		{"digest bad encoding", `crypto.createHash("md5").digest("utf8")`, "Error", `invalid output encoding "utf8"`},
		{"number input", `crypto.sha1(5, "hex")`, "TypeError", "crypto: sha1: input must be a string, ArrayBuffer or typed array, not a number"},
		{"null secret", `crypto.createHMAC("sha1", null)`, "TypeError", "crypto: createHMAC secret: input must be"},
		{"object update", `crypto.createHash("md5").update({})`, "TypeError", "crypto: update: input must be"},
		{"negative size", `crypto.randomBytes(-1)`, "TypeError", "crypto: randomBytes: size must be an integer from 0 to 67108864, not -1"},
		{"fractional size", `crypto.randomBytes(1.5)`, "TypeError", "not 1.5"},
		{"missing size", `crypto.randomBytes()`, "TypeError", "not undefined"},
		{"huge size", `crypto.randomBytes(1e12)`, "TypeError", "crypto: randomBytes: size must be"},
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
import crypto from 'load/crypto';
import { sha256, hmac } from 'load/crypto';
export const out = [crypto.md5('abc', 'hex'), sha256('abc', 'base64rawurl'), hmac('md5', 'Jefe', 'what do ya want for nothing?', 'hex')].join('|');
`
	rt := goja.New()
	got := modtest.Import(t, rt, "load/crypto", New(&modules.VU{Runtime: rt}), src).Get("out").String()
	want := "900150983cd24fb0d6963f7d28e17f72|ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0|750c783e6ab0b503eaa86e310a5db738"
	if got != want {
		t.Errorf("out = %q, want %q", got, want)
	}
}
