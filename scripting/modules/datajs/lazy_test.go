package datajs

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/loadline/loadline/scripting/modules/modtest"
)

func TestSplitArray(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // nil: not a lazily split array
	}{
		{"empty", `[]`, []string{}},
		{"empty with spaces", " [ \n ] ", []string{}},
		{"scalars", `[1,-2.5e3,true,false,null,"s"]`, []string{"1", "-2.5e3", "true", "false", "null", `"s"`}},
		{"spaces around", "[ 1 ,\n\t2 ]", []string{"1", "2"}},
		{"nested", `[{"a":[1,{"b":"]"}]},[[],{}]]`, []string{`{"a":[1,{"b":"]"}]}`, `[[],{}]`}},
		{"escapes in strings", `["a\"],[", "\\", "\u00e9"]`, []string{`"a\"],["`, `"\\"`, `"\u00e9"`}},
		{"non-ASCII", `[{"n":"fátima"}]`, []string{`{"n":"fátima"}`}},
		{"an object is not split", `{"a":[1]}`, nil},
		{"a scalar is not split", `42`, nil},
		{"invalid JSON", `[1,]`, nil},
		{"trailing garbage", `[1] x`, nil},
		{"unterminated", `[1, 2`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			starts, ends, ok := splitArray(tc.in)
			if tc.want == nil {
				if ok {
					t.Fatalf("splitArray(%q) split it; want not ok", tc.in)
				}
				return
			}
			if !ok {
				t.Fatalf("splitArray(%q) not ok", tc.in)
			}
			got := make([]string, len(starts))
			for i := range starts {
				got[i] = tc.in[starts[i]:ends[i]]
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("splitArray(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// FuzzSplitArray checks splitArray against encoding/json: same verdict, and
// the same elements as []json.RawMessage.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[]`, `[1,"a",{"b":[null]}]`, ` [ "\"" , 2 ] `, `{"a":1}`, `[1,]`, `["\u005d"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var raw []json.RawMessage
		wantOK := json.Valid([]byte(s)) && json.Unmarshal([]byte(s), &raw) == nil && strings.TrimSpace(s) != "null"
		starts, ends, ok := splitArray(s)
		if ok != wantOK {
			t.Fatalf("splitArray(%q) ok = %v, encoding/json says %v", s, ok, wantOK)
		}
		if !ok {
			return
		}
		if len(starts) != len(raw) {
			t.Fatalf("splitArray(%q): %d elements, encoding/json %d", s, len(starts), len(raw))
		}
		for i := range raw {
			if got := s[starts[i]:ends[i]]; got != string(raw[i]) {
				t.Fatalf("splitArray(%q) element %d = %q, encoding/json %q", s, i, got, raw[i])
			}
		}
	})
}

// bigUsers is usersJSON repeated until it is past lazyMin, so JSON.parse
// inside a SharedArray's function goes lazy.
func bigUsers() string {
	one := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(usersJSON), "["), "]")
	parts := []string{}
	for n := 0; n < lazyMin; n += len(one) {
		parts = append(parts, one)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// TestLazyParse runs SharedArray functions over a large text: the result
// must be what the ordinary JSON.parse would give, including what the
// function changed, and only an untouched parse result shares the text.
func TestLazyParse(t *testing.T) {
	big := bigUsers()
	n := 0
	{
		var v []any
		if err := json.Unmarshal([]byte(big), &v); err != nil {
			t.Fatal(err)
		}
		n = len(v)
	}
	tests := []struct {
		name   string
		fn     string // the SharedArray's function body
		check  string // true when the array is right
		shares bool   // the array points into the text
	}{
		{"as is", `return JSON.parse(big);`,
			`a.length === N && a[0].login === 'ada' && a[5].meta.tags[1].deep === 1 && a[N-1].login === 'fátima'`, true},
		{"element changed in place", `const u = JSON.parse(big); u[1].login = 'changed'; u.forEach((x) => { x.seen = true; }); return u;`,
			`a[1].login === 'changed' && a[0].seen === true && a[N-1].seen === true && a.length === N`, false},
		{"pushed and truncated", `const u = JSON.parse(big); u.length = 3; u.push({ id: 99 }); return u;`,
			`a.length === 4 && a[2].login === 'chen' && a[3].id === 99`, false},
		{"index set past the end", `const u = JSON.parse(big); u[N + 1] = 'x'; return u;`,
			`a.length === N + 2 && a[N] === null && a[N + 1] === 'x'`, false},
		{"filtered", `return JSON.parse(big).filter((u) => u.role === 'admin');`,
			`a.length === N / 3 && a.every((u) => u.role === 'admin')`, false},
		{"Array.isArray and iteration", `const u = JSON.parse(big); let k = 0; for (const x of u) { k++; } if (!Array.isArray(u) || k !== N) throw new Error('not an array'); return u;`,
			`a.length === N`, false},
		{"with a reviver", `return JSON.parse(big, (k, v) => (k === 'id' ? v * 10 : v));`,
			`a[0].id === 10 && a.length === N`, false},
		{"an object at the top", `return JSON.parse('{"u":' + big + '}').u;`,
			`a.length === N && a[2].login === 'chen'`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCache()
			_, rt := newVU(t, c)
			if err := rt.Set("big", big); err != nil {
				t.Fatal(err)
			}
			if err := rt.Set("N", n); err != nil {
				t.Fatal(err)
			}
			modtest.Run(t, rt, `var a = new data.SharedArray('a', function () { `+tc.fn+` });`)
			if v := modtest.Run(t, rt, tc.check); !v.ToBoolean() {
				t.Errorf("%s is false", tc.check)
			}
			if v := modtest.Run(t, rt, `JSON.parse('[1]').length === 1 && typeof JSON.parse === 'function'`); !v.ToBoolean() {
				t.Error("JSON.parse was not restored after the build")
			}
			arr, _ := c.Array("a")
			if shares := arr.starts != nil; shares != tc.shares {
				t.Errorf("array shares the parsed text = %v, want %v", shares, tc.shares)
			}
		})
	}
}

func TestLazyParseInvalidJSONThrowsAsUsual(t *testing.T) {
	_, rt := newVU(t, NewCache())
	if err := rt.Set("bad", bigUsers()+","); err != nil {
		t.Fatal(err)
	}
	_, err := rt.RunString(`new data.SharedArray('bad', function () { return JSON.parse(bad); });`)
	if err == nil || !strings.Contains(err.Error(), "SyntaxError") {
		t.Fatalf("err = %v, want the ordinary JSON.parse SyntaxError", err)
	}
}
