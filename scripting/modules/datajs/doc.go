// Package datajs is the JavaScript module `load/data` (alias `k6/data`):
// SharedArray, a read-only array that is built once per process and shared
// by every VU, matching the API of k6's `k6/data`.
//
//	const users = new SharedArray('users', function () {
//	  return JSON.parse(open('./users.json'));
//	});
//
// Entry points: NewCache makes the one Cache of a run (a process); New builds
// the module's exports object ({SharedArray}) for one VU over that cache.
//
// Life of an array. The first VU whose init context constructs a SharedArray
// with a given name calls the function, under that name's lock, in its own
// runtime; the result must be an array. Each element is serialised with the
// runtime's JSON.stringify and the texts are kept once, back to back, in one
// Go string (Array). Every later construction with that name, by any VU,
// waits for the first to finish and gets the same Array without calling its
// function. A failed build (the function threw or returned a non-array) is
// not cached: the next VU tries again.
//
// Memory. The process holds each array's JSON text plus one offset (8
// bytes) per element, about 1x the data's size however many VUs use it.
// A VU holds only a small goja DynamicArray handle. Elements are decoded on
// access: a[i] parses element i's JSON in the reading VU's runtime and deep-
// freezes the result, so each access returns a fresh, frozen copy that
// becomes garbage when the script drops it. This trades CPU per access (one
// JSON.parse of the element) for memory that does not grow with VU count.
//
// The build does not blow up either. While the function runs, JSON.parse of
// a text of 64 KiB or more whose top level is an array returns a lazy array
// (lazy.go): element offsets into the text, each element decoded only when
// the function touches it. When the function returns that array, the
// SharedArray keeps offsets into the very string open() returned (which the
// open() cache shares for ASCII files), so `JSON.parse(open(f))` of a 50 MB
// file adds about 1x its size to the process's peak RSS instead of the
// twenty-odd times a full goja object graph costs (bench/sharedarray).
// Elements the function read or changed are serialised again, so its
// changes are kept; a filter, map or slice of the lazy array is an ordinary
// array, serialised as before.
//
// JavaScript view. The array has length, index access (out of range gives
// undefined), Array.prototype as its prototype (so for...of, forEach, map,
// filter, slice, indexOf... work, and Array.isArray is true). Writing an
// index, deleting one or setting length throws a TypeError in strict and
// sloppy mode alike. Elements are deep-frozen: writes to them throw in strict
// mode and are ignored in sloppy mode, as for any frozen object.
//
// Concurrency: a Cache is safe for concurrent use by all VU goroutines; an
// Array is immutable once built. The exports object and the array handles
// belong to one VU's runtime and goroutine.
package datajs
