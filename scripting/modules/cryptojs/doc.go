// Package cryptojs is the JavaScript module `load/crypto` (alias
// `k6/crypto`): message digests, HMACs and random bytes, matching the API of
// k6's `k6/crypto`.
//
// Entry point: New builds the module's exports object for one VU; the core
// (package scripting) serves it from require('load/crypto'). The object is a
// plain object whose own enumerable properties are the functions, so it works
// both as a default import and for named imports after esbuild's
// ESM-to-CommonJS transform.
//
// JavaScript API (input, secret and data are strings, hashed as their UTF-8
// bytes, ArrayBuffers or typed arrays):
//
//	md4 md5 sha1 sha224 sha256 sha384 sha512 sha512_224 sha512_256 ripemd160
//	    (input, outputEncoding) string | ArrayBuffer
//	hmac(algorithm, secret, data, outputEncoding) string | ArrayBuffer
//	createHash(algorithm)       Hasher
//	createHMAC(algorithm, secret) Hasher
//	    Hasher.update(input) Hasher; Hasher.digest(outputEncoding)
//	randomBytes(n) ArrayBuffer   (n bytes from crypto/rand)
//	hexEncode(input) string
//
// algorithm is one of the function names above. outputEncoding is "hex",
// "base64" (RFC 4648 §4, padded), "base64url" (§5, padded), "base64rawurl"
// (§5, unpadded) or "binary" (an ArrayBuffer of the raw digest). Digest
// lengths and test vectors: RFC 1320 (MD4), RFC 1321 (MD5), FIPS 180-4
// (SHA-1, SHA-2), RIPEMD-160 (Dobbertin, Bosselaers, Preneel), RFC 2104 and
// RFC 4231 (HMAC).
//
// Errors are thrown as JavaScript exceptions: a TypeError for an input of the
// wrong type, an Error for an unknown algorithm or output encoding.
//
// Concurrency: the functions and Hasher objects of one exports object run on
// the VU goroutine that owns its goja.Runtime. Nothing is shared between VUs.
package cryptojs
