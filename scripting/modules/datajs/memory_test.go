package datajs

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// genUsers returns a JSON array of ASCII user records of at least size bytes.
func genUsers(size int) string {
	var b strings.Builder
	b.Grow(size + 256)
	b.WriteString("[")
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"login":"user%07d","email":"user%07d@example.test","role":%q,"langs":["en","go"],"active":%t,"bio":"%s"}`,
			i, i, i, []string{"admin", "editor", "viewer"}[i%3], i%2 == 0, strings.Repeat("lorem ipsum ", 1+i%8))
	}
	b.WriteString("]")
	return b.String()
}

// sharedArrayScript is each VU's init code: build (or get) the array, then
// read a few elements, as a scenario picking rows by __VU would.
const sharedArrayScript = `
var users = new data.SharedArray('users', function () { return JSON.parse(src); });
var probe = users[0].id + users[users.length - 1].id + users[users.length >> 1].login.length;
`

// heapGrowth builds vus runtimes with the module, then measures the live
// heap before and after every one of them runs sharedArrayScript over the
// JSON text src. The runtimes and src exist in both measurements, so the
// growth is what the SharedArray adds: the shared copy plus each VU's
// handle and globals.
func heapGrowth(tb testing.TB, src string, vus int) (growth int64, c *Cache) {
	tb.Helper()
	prog := goja.MustCompile("init.js", sharedArrayScript, false)
	c = NewCache()
	rts := make([]*goja.Runtime, vus)
	for i := range rts {
		rt := goja.New()
		vu := &modules.VU{Runtime: rt, InInit: true, ID: uint64(i + 1)}
		if err := rt.Set("data", New(vu, c)); err != nil {
			tb.Fatal(err)
		}
		if err := rt.Set("src", src); err != nil { // ASCII: shares src's bytes
			tb.Fatal(err)
		}
		rts[i] = rt
	}
	before := liveHeap()
	for i, rt := range rts {
		if _, err := rt.RunProgram(prog); err != nil {
			tb.Fatalf("VU %d: %v", i+1, err)
		}
	}
	after := liveHeap()
	runtime.KeepAlive(rts)
	runtime.KeepAlive(src)
	return int64(after) - int64(before), c
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// perVUOverhead bounds what one VU's init adds besides the shared data: the
// handle, the script's globals and function objects (measured: a few KiB).
const perVUOverhead = 32 << 10

// TestMemoryDoesNotGrowWithVUs is the small version of the target
// (50 MB of JSON, 200 VUs, under 1.5x the data): 5 MB and 50 VUs must add
// under 1.5x the data plus a fixed allowance per VU.
func TestMemoryDoesNotGrowWithVUs(t *testing.T) {
	const size, vus = 5 << 20, 50
	src := genUsers(size)
	growth, c := heapGrowth(t, src, vus)
	limit := int64(len(src))*3/2 + vus*perVUOverhead
	t.Logf("data %d bytes (stored %d), %d VUs: heap +%d bytes (%.2fx data), limit %d",
		len(src), c.Size(), vus, growth, float64(growth)/float64(len(src)), limit)
	if growth > limit {
		t.Errorf("heap grew by %d bytes for %d bytes of data and %d VUs, want < %d", growth, len(src), vus, limit)
	}
	if c.Size() > len(src) {
		t.Errorf("stored %d bytes of JSON for %d bytes of input", c.Size(), len(src))
	}
}

// BenchmarkSharedArrayMemory50MB is the case: a SharedArray of a
// 50 MB JSON file used by 200 VUs. It reports the live heap growth and its
// ratio to the data's size (target: under 1.5).
//
//	go test -run XXX -bench SharedArrayMemory50MB -benchtime 1x ./scripting/modules/datajs/
func BenchmarkSharedArrayMemory50MB(b *testing.B) {
	const size, vus = 50 << 20, 200
	src := genUsers(size)
	for b.Loop() {
		growth, _ := heapGrowth(b, src, vus)
		b.ReportMetric(float64(growth), "heap-growth-bytes")
		b.ReportMetric(float64(growth)/float64(len(src)), "x-data")
	}
}

// BenchmarkGet measures one element access (parse and deep-freeze).
func BenchmarkGet(b *testing.B) {
	c := NewCache()
	_, rt := newVU(b, c)
	if _, err := rt.RunString(`var users = new data.SharedArray('users', function () { return JSON.parse(src); });`); err != nil {
		b.Fatal(err)
	}
	get, ok := goja.AssertFunction(rt.Get("users").ToObject(rt).Get("at"))
	if !ok {
		b.Fatal("no Array.prototype.at")
	}
	users := rt.Get("users")
	idx := rt.ToValue(2)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := get(users, idx); err != nil {
			b.Fatal(err)
		}
	}
}
