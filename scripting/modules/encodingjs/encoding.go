package encodingjs

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// New returns the exports object of `load/encoding` for vu: b64encode and
// b64decode bound to vu.Runtime. Errors in the functions are thrown as
// JavaScript exceptions: a TypeError for an input of the wrong type or an
// unknown encoding name, an Error for malformed base64 input. Each function
// is made on its first use in the VU (modules.Members).
func New(vu *modules.VU) *goja.Object {
	rt := vu.Runtime
	m := &module{rt: rt}
	return members.Object(rt, func(name string) goja.Value {
		if name == "b64encode" {
			return rt.ToValue(m.b64encode)
		}
		return rt.ToValue(m.b64decode)
	})
}

// members are the exports of `load/encoding`, made per VU on first use
// (modules.Members).
var members = modules.NewMembers("b64encode", "b64decode")

type module struct {
	rt *goja.Runtime
}

// Alphabet returns the base64 encoding named name: "std" (RFC 4648 §4 with
// padding; also for "" and undefined), "rawstd" (§4 without padding), "url"
// (§5 URL-safe alphabet with padding) or "rawurl" (§5 without padding). ok is
// false for any other name.
func Alphabet(name string) (enc *base64.Encoding, ok bool) {
	switch name {
	case "", "std":
		return base64.StdEncoding, true
	case "rawstd":
		return base64.RawStdEncoding, true
	case "url":
		return base64.URLEncoding, true
	case "rawurl":
		return base64.RawURLEncoding, true
	}
	return nil, false
}

func (m *module) alphabet(v goja.Value) *base64.Encoding {
	name := ""
	if !goja.IsUndefined(v) && !goja.IsNull(v) {
		name = v.String()
	}
	enc, ok := Alphabet(name)
	if !ok {
		panic(m.rt.NewTypeError(fmt.Sprintf("encoding: unknown base64 encoding %q: use std, rawstd, url or rawurl", name)))
	}
	return enc
}

func (m *module) b64encode(call goja.FunctionCall) goja.Value {
	in, err := Bytes(m.rt, call.Argument(0))
	if err != nil {
		panic(m.rt.NewTypeError("encoding: b64encode: " + err.Error()))
	}
	enc := m.alphabet(call.Argument(1))
	return m.rt.ToValue(enc.EncodeToString(in))
}

func (m *module) b64decode(call goja.FunctionCall) goja.Value {
	in := call.Argument(0)
	if goja.IsUndefined(in) || goja.IsNull(in) {
		panic(m.rt.NewTypeError("encoding: b64decode: input must be a string"))
	}
	enc := m.alphabet(call.Argument(1))
	out, err := Decode(enc, in.String())
	if err != nil {
		modules.ThrowError(m.rt, "encoding: b64decode: "+err.Error())
	}
	if f := call.Argument(2); !goja.IsUndefined(f) && f.String() == "s" {
		return m.rt.ToValue(string(out))
	}
	return m.rt.ToValue(m.rt.NewArrayBuffer(out))
}

// Decode decodes s with enc, leniently about padding: trailing '=' are
// accepted by the raw alphabets and may be left out for the padded ones, as
// users paste tokens of either kind. Line breaks (\r, \n) are ignored. The
// error names the offset of the first illegal character.
func Decode(enc *base64.Encoding, s string) ([]byte, error) {
	trimmed := strings.TrimRight(s, "=")
	if len(s)-len(trimmed) > 2 {
		return nil, fmt.Errorf("illegal base64 data at input byte %d", len(trimmed)+2)
	}
	out, err := enc.WithPadding(base64.NoPadding).DecodeString(trimmed)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Bytes returns the bytes of a JavaScript value of rt used as binary input: a
// string's UTF-8 encoding, an ArrayBuffer's contents, or the bytes a typed
// array views. The result may alias the JavaScript buffer: read it before
// the script runs again and never modify it. Any other value (undefined,
// null, numbers, plain objects and arrays) is an error.
func Bytes(rt *goja.Runtime, v goja.Value) ([]byte, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, fmt.Errorf("input must be a string, ArrayBuffer or typed array, not %v", v)
	}
	obj, isObj := v.(*goja.Object)
	if !isObj {
		if s, ok := v.Export().(string); ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("input must be a string, ArrayBuffer or typed array, not a %s", typeName(v))
	}
	if ab, ok := obj.Export().(goja.ArrayBuffer); ok {
		if ab.Detached() {
			return nil, fmt.Errorf("input ArrayBuffer is detached")
		}
		return ab.Bytes(), nil
	}
	if isTypedArray(obj) {
		var b []byte
		if err := rt.ExportTo(obj, &b); err != nil {
			return nil, fmt.Errorf("reading typed array: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("input must be a string, ArrayBuffer or typed array, not an object")
}

// isTypedArray reports whether obj is a typed array: goja exports those (and
// only those among objects whose class is not "Array") as Go slices of a
// numeric element type.
func isTypedArray(obj *goja.Object) bool {
	if obj.ClassName() == "Array" {
		return false
	}
	t := obj.ExportType()
	if t == nil || t.Kind() != reflect.Slice {
		return false
	}
	switch t.Elem().Kind() {
	case reflect.Int8, reflect.Uint8, reflect.Int16, reflect.Uint16, reflect.Int32, reflect.Uint32,
		reflect.Float32, reflect.Float64, reflect.Int64, reflect.Uint64:
		return true
	}
	return false
}

func typeName(v goja.Value) string {
	switch v.Export().(type) {
	case bool:
		return "boolean"
	case int64, float64:
		return "number"
	}
	return "value"
}
