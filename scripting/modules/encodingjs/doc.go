// Package encodingjs is the JavaScript module `load/encoding` (alias
// `k6/encoding`): base64 encoding and decoding of strings and binary data,
// matching the API of k6's `k6/encoding` (RFC 4648 alphabets).
//
// Entry point: New builds the module's exports object for one VU; the core
// (package scripting) serves it from require('load/encoding'). The object is
// a plain object whose own enumerable properties are the functions, so it
// works both as a default import and for named imports after esbuild's
// ESM-to-CommonJS transform.
//
// JavaScript API:
//
//	b64encode(input, encoding?) string
//	b64decode(input, encoding?, format?) ArrayBuffer | string
//
// input is a string (encoded as UTF-8), an ArrayBuffer or a typed array
// (its viewed bytes). encoding is "std" (default), "rawstd", "url" or
// "rawurl". b64decode returns an ArrayBuffer unless format is "s", in which
// case the bytes are returned as a string (decoded as UTF-8).
//
// Bytes is exported for the sibling modules (cryptojs) that accept the same
// kinds of input.
//
// Concurrency: the functions of one exports object run on the VU goroutine
// that owns its goja.Runtime, like everything in a VU. Nothing is shared
// between VUs.
package encodingjs
