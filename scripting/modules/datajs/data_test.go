package datajs

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
	"github.com/loadline/loadline/scripting/modules/modtest"
)

// usersJSON mirrors the compat corpus's data/users.json (ids sum to 21).
const usersJSON = `[
  {"id": 1, "login": "ada", "role": "admin", "langs": ["ml", "en"], "active": true},
  {"id": 2, "login": "brian", "role": "editor", "langs": ["c"], "active": true},
  {"id": 3, "login": "chen", "role": "viewer", "langs": ["go", "zh"], "active": false},
  {"id": 4, "login": "dagny", "role": "editor", "langs": [], "active": true},
  {"id": 5, "login": "emeka", "role": "viewer", "langs": ["ig", "en", "js"], "active": true},
  {"id": 6, "login": "fátima", "role": "admin", "langs": ["pt", "ar"], "active": false, "meta": {"tags": ["x", {"deep": 1}]}}
]`

// newVU returns a VU in its init context whose global `data` is the module
// over c and whose global `src` is usersJSON.
func newVU(t testing.TB, c *Cache) (*modules.VU, *goja.Runtime) {
	t.Helper()
	rt := goja.New()
	vu := &modules.VU{Runtime: rt, InInit: true}
	if err := rt.Set("data", New(vu, c)); err != nil {
		t.Fatal(err)
	}
	if err := rt.Set("src", usersJSON); err != nil {
		t.Fatal(err)
	}
	return vu, rt
}

// TestSharedArray checks the reading side of compat 18 and the array-like
// API, each row an expression that must be true.
func TestSharedArray(t *testing.T) {
	_, rt := newVU(t, NewCache())
	modtest.Run(t, rt, `
var users = new data.SharedArray('users', function () { return JSON.parse(src); });
var expected = JSON.parse(src);
`)
	tests := []struct{ name, expr string }{
		{"length", `users.length === 6 && users.length === expected.length`},
		{"out of range is undefined", `users[99] === undefined && users[-1] === undefined && users[6] === undefined`},
		{"elements equal the records", `expected.every((e, i) => JSON.stringify(users[i]) === JSON.stringify(e))`},
		{"nested arrays are arrays", `Array.isArray(users[0].langs) && users[4].langs.length === 3`},
		{"unicode survives", `users[5].login === 'fátima'`},
		{"deep nesting survives", `users[5].meta.tags[1].deep === 1`},
		{"for...of", `(() => { let n = 0, ids = 0; for (const u of users) { n++; ids += u.id; } return n === 6 && ids === 21; })()`},
		{"forEach", `(() => { let ids = 0; users.forEach(u => { ids += u.id; }); return ids === 21; })()`},
		{"map", `users.map(u => u.login).join() === 'ada,brian,chen,dagny,emeka,fátima'`},
		{"filter", `users.filter(u => u.role === 'editor').map(u => u.id).join() === '2,4'`},
		{"find and some", `users.find(u => u.id === 3).login === 'chen' && users.some(u => !u.active)`},
		{"reduce", `users.reduce((a, u) => a + u.id, 0) === 21`},
		{"slice makes a plain array", `(() => { const s = users.slice(1, 3); s.push({}); return s.length === 3 && s[0].id === 2; })()`},
		{"spread", `[...users].length === 6`},
		{"Array.from", `Array.from(users, u => u.id).join() === '1,2,3,4,5,6'`},
		{"Array.isArray", `Array.isArray(users)`},
		{"keys", `Object.keys(users).length === 6`},
		{"JSON.stringify of the array", `JSON.stringify(users) === JSON.stringify(expected)`},
		{"each access is a fresh copy", `users[0] !== users[0]`},
		{"elements are frozen", `Object.isFrozen(users[0]) && Object.isFrozen(users[0].langs) && Object.isFrozen(users[5].meta.tags[1])`},
		{"in operator", `(0 in users) && !(6 in users)`},
		{"constructor name", `data.SharedArray.name === 'SharedArray'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !modtest.Run(t, rt, tt.expr).ToBoolean() {
				t.Errorf("false: %s", tt.expr)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		name, src string
		wantErr   string // "" means no exception
	}{
		{"sloppy index write throws", `users[0] = {id: -1}`, "TypeError: data: a SharedArray is read-only"},
		{"strict index write throws", `'use strict'; users[0] = {id: -1}`, "TypeError: data: a SharedArray is read-only"},
		{"write past the end throws", `users[6] = {}`, "TypeError: data: a SharedArray is read-only"},
		{"push throws", `users.push({})`, "TypeError: data: a SharedArray is read-only"},
		{"length write throws", `users.length = 0`, "TypeError: data: a SharedArray is read-only: its length"},
		{"delete throws", `delete users[1]`, "TypeError: data: a SharedArray is read-only"},
		{"sort throws", `users.sort()`, "TypeError: data: a SharedArray is read-only"},
		{"strict element write throws", `'use strict'; users[0].login = 'mallory'`, "TypeError"},
		{"strict nested write throws", `'use strict'; users[0].langs.push('x')`, "TypeError"},
		{"sloppy element write is ignored", `var u = users[0]; u.login = 'mallory'; if (u.login !== 'ada') throw new Error('changed')`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rt := newVU(t, NewCache())
			modtest.Run(t, rt, `var users = new data.SharedArray('users', function () { return JSON.parse(src); });`)
			_, err := rt.RunString(tt.src)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("%s: %v", tt.src, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("%s: error %v, want %q", tt.src, err, tt.wantErr)
			}
			// Nothing changed, whatever the script tried.
			if !modtest.Run(t, rt, `users.length === 6 && users[0].login === 'ada' && users[0].langs.length === 2 && users[1].id === 2`).ToBoolean() {
				t.Error("the array changed")
			}
		})
	}
}

func TestConstructErrors(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
		inInit             bool
	}{
		{"outside the init context", `new data.SharedArray('a', () => [1])`, "data: new SharedArray must be called in the init context", false},
		{"no name", `new data.SharedArray()`, "TypeError: data: new SharedArray(name, fn) needs a non-empty name", true},
		{"empty name", `new data.SharedArray('', () => [])`, "needs a non-empty name", true},
		{"no function", `new data.SharedArray('a', [1, 2])`, "TypeError: data: new SharedArray(name, fn) needs a function", true},
		{"returns an object", `new data.SharedArray('a', () => ({}))`, `data: the function of SharedArray "a" must return an array, not an object of class Object`, true},
		{"returns undefined", `new data.SharedArray('a', () => {})`, "must return an array, not undefined", true},
		{"returns a string", `new data.SharedArray('a', () => '[1]')`, "must return an array, not a string", true},
		{"function throws", `new data.SharedArray('a', () => { throw new Error('boom from fn'); })`, "Error: boom from fn", true},
		{"element cannot be serialised", `new data.SharedArray('a', () => [1n])`, `data: SharedArray "a" element 0`, true},
		{"recursive same name", `new data.SharedArray('a', () => [new data.SharedArray('a', () => [])])`, "data: a SharedArray's function constructs a SharedArray of the same name", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache()
			vu, rt := newVU(t, c)
			vu.InInit = tt.inInit
			_, err := rt.RunString(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("%s: error %v, want %q", tt.src, err, tt.wantErr)
			}
			if c.Len() != 0 {
				t.Errorf("a failed construction left %d arrays in the cache", c.Len())
			}
		})
	}
}

// TestFailedBuildIsRetried checks that an exception is not cached: the next
// construction (another VU's, say) calls its own function.
func TestFailedBuildIsRetried(t *testing.T) {
	c := NewCache()
	_, rt1 := newVU(t, c)
	if _, err := rt1.RunString(`new data.SharedArray('a', () => { throw new Error('first fails'); })`); err == nil {
		t.Fatal("no error from a throwing function")
	}
	_, rt2 := newVU(t, c)
	if got := modtest.Run(t, rt2, `new data.SharedArray('a', () => [1, 2, 3]).length`).ToInteger(); got != 3 {
		t.Errorf("length after retry = %d, want 3", got)
	}
}

// TestOncePerProcess constructs the same name from many VUs at once, each on
// its own goroutine and runtime, as the engine's VU pool does: the function
// runs once, and every VU reads the same content.
func TestOncePerProcess(t *testing.T) {
	const vus = 32
	c := NewCache()
	var calls atomic.Int64
	var wg sync.WaitGroup
	results := make([]string, vus)
	errs := make([]error, vus)
	for i := range vus {
		_, rt := newVU(t, c)
		if err := rt.Set("called", func() { calls.Add(1) }); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			v, err := rt.RunString(`
const users = new data.SharedArray('users', function () { called(); return JSON.parse(src); });
const other = new data.SharedArray('other', function () { called(); return [1, 2]; });
users.map(u => u.login).join() + '/' + other.length;
`)
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = v.String()
		})
	}
	wg.Wait()
	for i := range vus {
		if errs[i] != nil {
			t.Fatalf("VU %d: %v", i, errs[i])
		}
		if want := "ada,brian,chen,dagny,emeka,fátima/2"; results[i] != want {
			t.Errorf("VU %d read %q, want %q", i, results[i], want)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("functions called %d times, want 2 (once per name)", got)
	}
	if c.Len() != 2 {
		t.Errorf("cache has %d arrays, want 2", c.Len())
	}
	if arr, ok := c.Array("other"); !ok || arr.Len() != 2 || arr.Element(1) != "2" {
		t.Errorf("cache array 'other' = %v, %v", arr, ok)
	}
}

func TestArrayEncoding(t *testing.T) {
	tests := []struct {
		name, fn string
		want     []string
	}{
		{"empty", `[]`, []string{}},
		{"scalars", `[1, "two", true, null]`, []string{"1", `"two"`, "true", "null"}},
		{"unserialisable become null", `[undefined, function () {}, Symbol('s')]`, []string{"null", "null", "null"}},
		{"holes become null", `[1, , 3]`, []string{"1", "null", "3"}},
		{"objects are compact", `[{"a": [1, {"b": 2}]}]`, []string{`{"a":[1,{"b":2}]}`}},
		{"toJSON is honoured", `[new Date(0)]`, []string{`"1970-01-01T00:00:00.000Z"`}},
		{"unicode", `["ü✓"]`, []string{`"ü✓"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache()
			_, rt := newVU(t, c)
			modtest.Run(t, rt, `new data.SharedArray('x', () => `+tt.fn+`)`)
			arr, ok := c.Array("x")
			if !ok {
				t.Fatal("array not cached")
			}
			got := make([]string, arr.Len())
			size := 0
			for i := range got {
				got[i] = arr.Element(i)
				size += len(got[i])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
				t.Errorf("elements = %q, want %q", got, tt.want)
			}
			if arr.Size() != size || c.Size() != size {
				t.Errorf("Size() = %d, cache Size() = %d, want %d", arr.Size(), c.Size(), size)
			}
		})
	}
}

// TestImports runs a module-style script through esbuild's ESM-to-CommonJS
// transform, as the core does, with named and default imports.
func TestImports(t *testing.T) {
	src := `
import { SharedArray } from 'load/data';
import data from 'load/data';
const a = new SharedArray('a', () => [{ n: 1 }, { n: 2 }]);
const b = new data.SharedArray('a', () => { throw new Error('not called: cached'); });
export const out = a.length + b.length + a[1].n;
`
	rt := goja.New()
	exports := modtest.Import(t, rt, "load/data", New(&modules.VU{Runtime: rt, InInit: true}, NewCache()), src)
	if got := exports.Get("out").ToInteger(); got != 6 {
		t.Errorf("out = %d, want 6", got)
	}
}
