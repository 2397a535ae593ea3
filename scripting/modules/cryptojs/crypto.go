package cryptojs

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strings"

	"github.com/dop251/goja"
	"golang.org/x/crypto/md4"       //nolint:staticcheck // k6/crypto offers md4; legacy by design.
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // k6/crypto offers ripemd160; legacy by design.

	"github.com/loadline/loadline/scripting/modules"
	"github.com/loadline/loadline/scripting/modules/encodingjs"
)

// Algorithms lists the hash algorithm names the module accepts, in the order
// its one-shot functions are exported.
var Algorithms = []string{"md4", "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512_224", "sha512_256", "ripemd160"}

// MaxRandomBytes is the largest n randomBytes(n) accepts: 64 MiB, so a typo
// cannot exhaust memory.
const MaxRandomBytes = 64 << 20

// NewHash returns a new hash.Hash for the algorithm name (one of Algorithms);
// ok is false for any other name.
func NewHash(name string) (h func() hash.Hash, ok bool) {
	switch name {
	case "md4":
		return md4.New, true
	case "md5":
		return md5.New, true
	case "sha1":
		return sha1.New, true
	case "sha224":
		return sha256.New224, true
	case "sha256":
		return sha256.New, true
	case "sha384":
		return sha512.New384, true
	case "sha512":
		return sha512.New, true
	case "sha512_224":
		return sha512.New512_224, true
	case "sha512_256":
		return sha512.New512_256, true
	case "ripemd160":
		return ripemd160.New, true
	}
	return nil, false
}

// members are the exports of `load/crypto`, made per VU on first use.
var members = modules.NewMembers(append(append([]string(nil), Algorithms...),
	"hmac", "createHash", "createHMAC", "randomBytes", "hexEncode")...)

// New returns the exports object of `load/crypto` for vu, bound to
// vu.Runtime (see the package doc for the functions). Each function is made
// on its first use in the VU (modules.Members).
func New(vu *modules.VU) *goja.Object {
	m := &module{rt: vu.Runtime}
	return members.Object(m.rt, m.member)
}

// member makes the export name.
func (m *module) member(name string) goja.Value {
	switch name {
	case "hmac":
		return m.rt.ToValue(m.hmac)
	case "createHash":
		return m.rt.ToValue(m.createHash)
	case "createHMAC":
		return m.rt.ToValue(m.createHMAC)
	case "randomBytes":
		return m.rt.ToValue(m.randomBytes)
	case "hexEncode":
		return m.rt.ToValue(m.hexEncode)
	}
	newHash, _ := NewHash(name)
	return m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		h := newHash()
		h.Write(m.bytes(name, call.Argument(0)))
		return m.encode(h.Sum(nil), call.Argument(1))
	})
}

// must panics on err; Set on a fresh ordinary object cannot fail.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

type module struct {
	rt *goja.Runtime
}

// bytes returns v's bytes or throws a TypeError naming fn.
func (m *module) bytes(fn string, v goja.Value) []byte {
	b, err := encodingjs.Bytes(m.rt, v)
	if err != nil {
		panic(m.rt.NewTypeError(fmt.Sprintf("crypto: %s: %v", fn, err)))
	}
	return b
}

// newHash resolves an algorithm name or throws.
func (m *module) newHash(fn string, alg goja.Value) func() hash.Hash {
	name := alg.String()
	h, ok := NewHash(name)
	if !ok {
		modules.ThrowError(m.rt, fmt.Sprintf("crypto: %s: unknown hash algorithm %q: use one of %s",
			fn, name, strings.Join(Algorithms, ", ")))
	}
	return h
}

// encode renders a digest in the named output encoding or throws.
func (m *module) encode(sum []byte, enc goja.Value) goja.Value {
	name := ""
	if !goja.IsUndefined(enc) && !goja.IsNull(enc) {
		name = enc.String()
	}
	switch name {
	case "hex":
		return m.rt.ToValue(hex.EncodeToString(sum))
	case "base64":
		return m.rt.ToValue(base64.StdEncoding.EncodeToString(sum))
	case "base64url":
		return m.rt.ToValue(base64.URLEncoding.EncodeToString(sum))
	case "base64rawurl":
		return m.rt.ToValue(base64.RawURLEncoding.EncodeToString(sum))
	case "binary":
		return m.rt.ToValue(m.rt.NewArrayBuffer(sum))
	}
	modules.ThrowError(m.rt, fmt.Sprintf("crypto: invalid output encoding %q: use hex, base64, base64url, base64rawurl or binary", name))
	return nil
}

func (m *module) hmac(call goja.FunctionCall) goja.Value {
	mac := hmac.New(m.newHash("hmac", call.Argument(0)), m.bytes("hmac secret", call.Argument(1)))
	mac.Write(m.bytes("hmac data", call.Argument(2)))
	return m.encode(mac.Sum(nil), call.Argument(3))
}

func (m *module) createHash(call goja.FunctionCall) goja.Value {
	return m.hasher(m.newHash("createHash", call.Argument(0))())
}

func (m *module) createHMAC(call goja.FunctionCall) goja.Value {
	return m.hasher(hmac.New(m.newHash("createHMAC", call.Argument(0)), m.bytes("createHMAC secret", call.Argument(1))))
}

// hasher wraps h as a JavaScript Hasher: update(input) appends input and
// returns the Hasher (for chaining); digest(encoding) returns the digest of
// everything appended so far without resetting, so digest may be called
// again, in other encodings or after more updates.
func (m *module) hasher(h hash.Hash) *goja.Object {
	obj := m.rt.NewObject()
	must(obj.Set("update", func(call goja.FunctionCall) goja.Value {
		h.Write(m.bytes("update", call.Argument(0)))
		return obj
	}))
	must(obj.Set("digest", func(call goja.FunctionCall) goja.Value {
		return m.encode(h.Sum(nil), call.Argument(0))
	}))
	return obj
}

func (m *module) randomBytes(call goja.FunctionCall) goja.Value {
	n := call.Argument(0)
	f := n.ToFloat()
	if goja.IsUndefined(n) || math.IsNaN(f) || f < 0 || f != math.Trunc(f) || f > MaxRandomBytes {
		panic(m.rt.NewTypeError(fmt.Sprintf("crypto: randomBytes: size must be an integer from 0 to %d, not %s", MaxRandomBytes, n.String())))
	}
	b := make([]byte, int(f))
	if _, err := rand.Read(b); err != nil {
		modules.ThrowError(m.rt, "crypto: randomBytes: "+err.Error())
	}
	return m.rt.ToValue(m.rt.NewArrayBuffer(b))
}

func (m *module) hexEncode(call goja.FunctionCall) goja.Value {
	return m.rt.ToValue(hex.EncodeToString(m.bytes("hexEncode", call.Argument(0))))
}
