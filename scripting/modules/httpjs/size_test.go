package httpjs

import (
	"testing"
	"unsafe"
)

// responseSizeClass is the allocator size class a response must fit: every
// request allocates one, so the bytes above its size are paid per request
// in allocation and GC work. It was 920 bytes in the 1,024-byte class until
// the cached object fields became *goja.Object.
const responseSizeClass = 896

// TestResponseSize guards the response's footprint per request.
func TestResponseSize(t *testing.T) {
	if got := unsafe.Sizeof(response{}); got > responseSizeClass {
		t.Errorf("a response is %d bytes, over the %d-byte size class: each request would allocate the next class", got, responseSizeClass)
	}
}
