package modules

import (
	"testing"

	"github.com/dop251/goja"
)

// A Members object behaves as an ordinary object with the members as own
// data properties, and builds each member once, on first use.
func TestMembersObject(t *testing.T) {
	tests := []struct {
		name   string
		script string // evaluates to true
		built  string // members built, in order
	}{
		{"nothing used builds nothing", `typeof mod === 'object'`, ""},
		{"a call builds one member", `mod.a() === 'a' && mod.a() === 'a'`, "a"},
		{"keys in member order", `Object.keys(mod).join() === 'a,b,c'`, ""},
		{"in and hasOwnProperty", `'b' in mod && mod.hasOwnProperty('c') && !('z' in mod) && mod.z === undefined`, ""},
		{"spread builds all", `Object.keys({ ...mod }).join() === 'a,b,c' && typeof ({ ...mod }).b === 'function'`, "a,b,c"},
		{"Object.assign", `typeof Object.assign({}, mod).c === 'function'`, "a,b,c"},
		{"assignment replaces a member", `mod.a = 5; mod.a === 5 && Object.keys(mod).join() === 'a,b,c'`, ""},
		{"new names come last", `mod.z = 1; mod.y = 2; Object.keys(mod).join() === 'a,b,c,z,y'`, ""},
		{"delete", `delete mod.b; delete mod.z; !('b' in mod) && mod.b === undefined && Object.keys(mod).join() === 'a,c'`, ""},
		{"delete then assign", `delete mod.b; mod.b = 1; mod.b === 1 && Object.keys(mod).join() === 'a,b,c'`, ""},
		{"descriptor of a data property", `const d = Object.getOwnPropertyDescriptor(mod, 'a'); d.writable && d.enumerable && d.configurable`, "a"},
		{"a namespace inheriting from it", `const ns = Object.create(mod); ns.b() === 'b'`, "b"},
	}
	members := NewMembers("a", "b", "c")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := goja.New()
			built := ""
			mod := members.Object(rt, func(name string) goja.Value {
				if built != "" {
					built += ","
				}
				built += name
				return rt.ToValue(func(goja.FunctionCall) goja.Value { return rt.ToValue(name) })
			})
			if err := rt.Set("mod", mod); err != nil {
				t.Fatal(err)
			}
			v, err := rt.RunString(tc.script)
			if err != nil {
				t.Fatal(err)
			}
			if !v.ToBoolean() {
				t.Errorf("%s: false", tc.script)
			}
			if built != tc.built {
				t.Errorf("built %q, want %q", built, tc.built)
			}
		})
	}
}
