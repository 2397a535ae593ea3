package httpjs

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/dop251/goja"
	"github.com/klauspost/compress/zstd"

	"github.com/loadline/loadline/engine/httpc"
)

// parseBody turns a body argument into bytes:
//
//   - null or undefined: no body;
//   - a string: its UTF-8 bytes;
//   - an ArrayBuffer, typed array or DataView: its bytes;
//   - an http.file(...): its data;
//   - any other object: a form. With an http.file value anywhere it is sent
//     as multipart/form-data with a random boundary, else as
//     application/x-www-form-urlencoded in the object's key order. The
//     Content-Type header is set unless params.headers has one.
func (m *module) parseBody(req *httpc.Request, v goja.Value) []byte {
	if isNullish(v) {
		return nil
	}
	if b, ok := m.bytesOf(v); ok {
		return b
	}
	o := v.(*goja.Object) // bytesOf handles every primitive
	if m.isFile(o) {
		b, _ := m.bytesOf(o.Get("data"))
		return b
	}
	keys := o.Keys()
	multi := false
	for _, k := range keys {
		if fo, ok := o.Get(k).(*goja.Object); ok && m.isFile(fo) {
			multi = true
			break
		}
	}
	if multi {
		return m.multipartBody(req, o, keys)
	}
	var sb strings.Builder
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(k))
		sb.WriteByte('=')
		fv := o.Get(k)
		if !isNullish(fv) {
			sb.WriteString(url.QueryEscape(fv.String()))
		}
	}
	setDefaultHeader(req, "Content-Type", "application/x-www-form-urlencoded")
	return []byte(sb.String())
}

// bytesOf returns the bytes of a primitive (as its string form), an
// ArrayBuffer or an ArrayBuffer view; ok is false for other objects.
func (m *module) bytesOf(v goja.Value) (b []byte, ok bool) {
	if isNullish(v) {
		return nil, true
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		return []byte(v.String()), true
	}
	switch o.ClassName() {
	case "String", "Number", "Boolean":
		return []byte(o.String()), true
	}
	// ArrayBuffer, typed arrays and DataView have byteLength; checking it
	// first keeps plain objects away from the costly Export.
	if isNullish(o.Get("byteLength")) {
		return nil, false
	}
	if ab, isAB := o.Export().(goja.ArrayBuffer); isAB {
		return ab.Bytes(), true
	}
	// Typed arrays and DataView: their window of the buffer.
	if buf, isBuf := o.Get("buffer").(*goja.Object); isBuf {
		if ab, isAB := buf.Export().(goja.ArrayBuffer); isAB {
			off, n := o.Get("byteOffset").ToInteger(), o.Get("byteLength").ToInteger()
			all := ab.Bytes()
			if off >= 0 && n >= 0 && off+n <= int64(len(all)) {
				return all[off : off+n], true
			}
		}
	}
	return nil, false
}

// multipartBody encodes a form with file parts as multipart/form-data.
func (m *module) multipartBody(req *httpc.Request, o *goja.Object, keys []string) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range keys {
		fv := o.Get(k)
		if fo, ok := fv.(*goja.Object); ok && m.isFile(fo) {
			filename := fo.Get("filename").String()
			if filename == "" {
				filename = k
			}
			h := make(textproto.MIMEHeader, 2)
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(k), escapeQuotes(filename)))
			h.Set("Content-Type", fo.Get("content_type").String())
			pw, err := w.CreatePart(h)
			if err == nil {
				data, _ := m.bytesOf(fo.Get("data"))
				_, err = pw.Write(data)
			}
			if err != nil {
				m.throwf("building the multipart body: %v", err)
			}
			continue
		}
		var val string
		if !isNullish(fv) {
			val = fv.String()
		}
		if err := w.WriteField(k, val); err != nil {
			m.throwf("building the multipart body: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		m.throwf("building the multipart body: %v", err)
	}
	setDefaultHeader(req, "Content-Type", w.FormDataContentType())
	return buf.Bytes()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// setDefaultHeader adds key: value unless req already has key.
func setDefaultHeader(req *httpc.Request, key, value string) {
	for _, h := range req.Header {
		if strings.EqualFold(h.Key, key) {
			return
		}
	}
	req.Header = append(req.Header, httpc.Header{Key: key, Value: value})
}

// file implements http.file(data, filename, contentType): a file part for a
// multipart body, {data, filename, content_type}. contentType defaults to
// application/octet-stream; an empty filename becomes the form field's name.
func (m *module) file(c goja.FunctionCall) goja.Value {
	data := c.Argument(0)
	if _, ok := m.bytesOf(data); !ok {
		m.throwf("http.file() needs a string or an ArrayBuffer as data")
	}
	f := m.rt.NewObject()
	if err := f.SetPrototype(m.filePrototype()); err != nil {
		panic(err)
	}
	ct := "application/octet-stream"
	if v := c.Argument(2); !isNullish(v) {
		ct = v.String()
	}
	filename := ""
	if v := c.Argument(1); !isNullish(v) {
		filename = v.String()
	}
	_ = f.Set("data", data)
	_ = f.Set("filename", filename)
	_ = f.Set("content_type", ct)
	return f
}

// compress applies params.compression to req's body: a comma-separated list
// of "gzip", "deflate" (zlib, as HTTP's deflate coding) and "zstd", applied
// in order, and sets Content-Encoding (the client sets Content-Length).
// "br" is not supported.
func (m *module) compress(req *httpc.Request, algos string) {
	body := req.Body
	var used []string
	for _, a := range strings.Split(algos, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		var buf bytes.Buffer
		var err error
		switch a {
		case "gzip":
			w := gzip.NewWriter(&buf)
			if _, err = w.Write(body); err == nil {
				err = w.Close()
			}
		case "deflate":
			w := zlib.NewWriter(&buf)
			if _, err = w.Write(body); err == nil {
				err = w.Close()
			}
		case "zstd":
			var w *zstd.Encoder
			if w, err = zstd.NewWriter(&buf); err == nil {
				if _, err = w.Write(body); err == nil {
					err = w.Close()
				}
			}
		default:
			m.throwf("params.compression %q is not supported: use 'gzip', 'deflate' or 'zstd'", a)
		}
		if err != nil {
			m.throwf("compressing the body with %s: %v", a, err)
		}
		body = buf.Bytes()
		used = append(used, a)
	}
	req.Body = body
	if len(used) > 0 {
		setDefaultHeader(req, "Content-Encoding", strings.Join(used, ", "))
	}
}
