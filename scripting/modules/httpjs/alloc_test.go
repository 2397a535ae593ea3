//go:build !race

package httpjs

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/httpc"
	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// TestHotPathAllocs bounds the module's own allocations per request (the
// client's are guarded in httpc): parsing a URL-only call into the reused
// request scratch, and building the response object and reading its status.
func TestHotPathAllocs(t *testing.T) {
	rt := goja.New()
	st := &fakeState{tags: []metrics.Tag{{Key: "scenario", Value: "default"}}, expected: httpc.DefaultExpected}
	m := &module{vu: &modules.VU{Runtime: rt, State: st}, rt: rt}
	m.responsePrototype() // made on first use; made here so the budget counts responses only
	url := rt.ToValue("http://127.0.0.1:1/fast")
	cases := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"prepare without params", 0, func() {
			var req httpc.Request
			m.prepare(&req, m.tags[:0], "GET", url, goja.Undefined(), goja.Undefined())
			m.tags = req.Tags[:0]
		}},
		{"response object and status", 3, func() {
			r := &response{m: m}
			r.r.Status = 200
			if r.object().Get("status").ToInteger() != 200 {
				t.Fatal("status not read back")
			}
		}},
	}
	m.prepare(&httpc.Request{}, nil, "GET", url, goja.Undefined(), goja.Undefined()) // warm the scratch
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(200, c.fn); got > c.max {
				t.Errorf("%v allocations per call, want <= %v", got, c.max)
			}
		})
	}
}
