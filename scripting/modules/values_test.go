package modules

import (
	"strconv"
	"testing"

	"github.com/dop251/goja"
)

// Values keeps names in the order of their first Set, across the switch
// from a linear list to an indexed one, and after deletions.
func TestValues(t *testing.T) {
	rt := goja.New()
	for _, n := range []int{3, valuesListed, valuesListed + 5} {
		var m Values
		for i := range n {
			m.Set("k"+strconv.Itoa(i), rt.ToValue(i))
		}
		m.Set("k1", rt.ToValue(-1)) // an update keeps the position
		m.Delete("k0")
		m.Delete("nope")
		if m.Len() != n-1 {
			t.Fatalf("n=%d: Len %d, want %d", n, m.Len(), n-1)
		}
		for i := range m.Len() {
			name, val := m.At(i)
			want := i + 1
			if name != "k"+strconv.Itoa(want) {
				t.Fatalf("n=%d: name %d is %q, want k%d", n, i, name, want)
			}
			if want == 1 {
				want = -1
			}
			if got, ok := m.Get(name); !ok || got != val || got.ToInteger() != int64(want) {
				t.Fatalf("n=%d: Get(%q) = %v, %v; want %d", n, name, got, ok, want)
			}
		}
		if m.Has("k0") {
			t.Fatalf("n=%d: a deleted name is still there", n)
		}
		m.Set("k0", rt.ToValue(0))
		if name, _ := m.At(m.Len() - 1); name != "k0" {
			t.Fatalf("n=%d: a name set again after its deletion is not last", n)
		}
	}
}
