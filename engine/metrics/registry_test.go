package metrics

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"simple", "http_reqs", true},
		{"leading underscore", "_x", true},
		{"digits after first", "a1_2", true},
		{"single letter", "a", true},
		{"128 chars", "a" + strings.Repeat("b", 127), true},
		{"129 chars", "a" + strings.Repeat("b", 128), false},
		{"empty", "", false},
		{"leading digit", "1abc", false},
		{"dash", "a-b", false},
		{"space", "a b", false},
		{"dot", "a.b", false},
		{"non ascii", "métrique", false},
		{"brace", "m{x:y}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidName(tt.in); got != tt.want {
				t.Fatalf("ValidName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRegistryNew(t *testing.T) {
	r := NewRegistry()
	a, err := r.New("orders", Counter, Default)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.New("latency", Trend, Time)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 0 || b.ID != 1 {
		t.Fatalf("IDs = %d, %d, want 0, 1", a.ID, b.ID)
	}
	again, err := r.New("orders", Counter, Default)
	if err != nil || again != a {
		t.Fatalf("re-registering the same metric: %v, %p != %p", err, again, a)
	}
	tests := []struct {
		name string
		mn   string
		typ  Type
		vt   ValueType
		want string
	}{
		{"other type", "orders", Gauge, Default, "already registered as a counter"},
		{"other value type", "orders", Counter, Data, "already registered"},
		{"bad name", "9lives", Counter, Default, "invalid metric name"},
		{"bad type", "x", Type(9), Default, "unknown type"},
		{"bad value type", "x", Counter, ValueType(7), "unknown value type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.New(tt.mn, tt.typ, tt.vt)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "metrics: ") {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if r.Lookup("orders") != a || r.Lookup("nope") != nil {
		t.Fatal("Lookup mismatch")
	}
	ms := r.Metrics()
	if len(ms) != 2 || ms[0] != a || ms[1] != b {
		t.Fatalf("Metrics() = %v", ms)
	}
}

func TestRegisterBuiltin(t *testing.T) {
	r := NewRegistry()
	bi := RegisterBuiltin(r)
	if bi.HTTPReqDuration.Type != Trend || bi.HTTPReqDuration.Contains != Time {
		t.Fatalf("http_req_duration = %+v", bi.HTTPReqDuration)
	}
	if r.Lookup("checks") != bi.Checks || bi.Checks.Type != Rate {
		t.Fatal("checks not registered as a rate")
	}
	if got := len(r.Metrics()); got != 20 {
		t.Fatalf("%d built-in metrics, want 20", got)
	}
}

func TestTagsInterning(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		name  string
		a, b  []Tag
		same  bool
		pairs []Tag // normalized form of a
	}{
		{"order does not matter",
			[]Tag{{"b", "2"}, {"a", "1"}}, []Tag{{"a", "1"}, {"b", "2"}}, true,
			[]Tag{{"a", "1"}, {"b", "2"}}},
		{"later duplicate wins",
			[]Tag{{"a", "1"}, {"b", "2"}, {"a", "3"}}, []Tag{{"b", "2"}, {"a", "3"}}, true,
			[]Tag{{"a", "3"}, {"b", "2"}}},
		{"empty value kept",
			[]Tag{{"a", ""}}, []Tag{}, false,
			[]Tag{{"a", ""}}},
		{"different values",
			[]Tag{{"a", "1"}}, []Tag{{"a", "2"}}, false,
			[]Tag{{"a", "1"}}},
		{"separator characters do not collide",
			[]Tag{{"a", "1\x00b"}}, []Tag{{"a", "1"}, {"b", ""}}, false,
			[]Tag{{"a", "1\x00b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := append([]Tag(nil), tt.a...)
			x, y := r.Tags(tt.a...), r.Tags(tt.b...)
			if (x == y) != tt.same {
				t.Fatalf("same pointer = %v, want %v (%v vs %v)", x == y, tt.same, x, y)
			}
			for i := range orig {
				if tt.a[i] != orig[i] {
					t.Fatal("Registry.Tags modified its argument")
				}
			}
			if len(x.Pairs) != len(tt.pairs) {
				t.Fatalf("pairs = %v, want %v", x.Pairs, tt.pairs)
			}
			for i := range tt.pairs {
				if x.Pairs[i] != tt.pairs[i] {
					t.Fatalf("pairs = %v, want %v", x.Pairs, tt.pairs)
				}
			}
			c := r.NewTagCache()
			scratch := append([]Tag(nil), tt.a...)
			if got := c.Intern(scratch); got != x {
				t.Fatalf("TagCache.Intern = %p, Registry.Tags = %p", got, x)
			}
			scratch = append(scratch[:0], tt.a...)
			if got := c.Intern(scratch); got != x {
				t.Fatal("TagCache hit returned another set")
			}
		})
	}
	if r.Tags() != r.Empty() || r.Empty().ID != 0 {
		t.Fatal("empty set is not ID 0")
	}
	if r.TagSetByID(r.Tags(Tag{"a", "1"}).ID) != r.Tags(Tag{"a", "1"}) {
		t.Fatal("TagSetByID mismatch")
	}
}

func TestTagSetAccessors(t *testing.T) {
	r := NewRegistry()
	ts := r.Tags(Tag{"name", "checkout"}, Tag{"method", "GET"}, Tag{"status", "200"})
	tests := []struct {
		name   string
		filter []Tag
		want   bool
	}{
		{"empty filter", nil, true},
		{"one match", []Tag{{"name", "checkout"}}, true},
		{"two match", []Tag{{"status", "200"}, {"method", "GET"}}, true},
		{"value differs", []Tag{{"name", "home"}}, false},
		{"missing key", []Tag{{"group", ""}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ts.Contains(tt.filter); got != tt.want {
				t.Fatalf("Contains(%v) = %v", tt.filter, got)
			}
		})
	}
	if v, ok := ts.Get("method"); !ok || v != "GET" {
		t.Fatalf("Get(method) = %q, %v", v, ok)
	}
	if _, ok := ts.Get("zzz"); ok {
		t.Fatal("Get(zzz) found")
	}
	m := ts.Map()
	if len(m) != 3 || m["status"] != "200" {
		t.Fatalf("Map() = %v", m)
	}
	if got := ts.String(); got != "{method:GET,name:checkout,status:200}" {
		t.Fatalf("String() = %q", got)
	}
	var nilSet *TagSet
	if !nilSet.Contains(nil) || nilSet.Contains([]Tag{{"a", "b"}}) {
		t.Fatal("nil set Contains")
	}
}

// TestSameTags: tag lists match pair by pair, or as sets when the second
// list repeats no key.
func TestSameTags(t *testing.T) {
	a1, a2, b, k1, k2 := Tag{"a", "1"}, Tag{"a", "2"}, Tag{"b", "x"}, Tag{"k", "1"}, Tag{"k", "2"}
	tests := []struct {
		name string
		a, b []Tag
		want bool
	}{
		{"empty", nil, nil, true},
		{"other length", []Tag{a1}, []Tag{a1, b}, false},
		{"same order", []Tag{a1, b}, []Tag{a1, b}, true},
		{"other order", []Tag{a1, b, k1}, []Tag{k1, a1, b}, true},
		{"other value", []Tag{a1, b}, []Tag{a2, b}, false},
		{"repeated key, same order", []Tag{k1, k2}, []Tag{k1, k2}, true},
		{"repeated key, other order: the later wins", []Tag{k1, k2}, []Tag{k2, k1}, false},
		{"first repeats, second does not", []Tag{k1, k1}, []Tag{k1, b}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameTags(tc.a, tc.b); got != tc.want {
				t.Fatalf("SameTags(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// TestTagCacheRecent: the recent-inputs shortcut returns the set the full
// path would, for lists in any order, with repeated keys, and after more
// distinct lists than it remembers.
func TestTagCacheRecent(t *testing.T) {
	r := NewRegistry()
	c := r.NewTagCache()
	lists := [][]Tag{
		{{"a", "1"}, {"b", "2"}},
		{{"b", "2"}, {"a", "1"}},
		{{"k", "1"}, {"k", "2"}},
		{{"k", "2"}, {"k", "1"}},
		{{"a", "1"}},
		{},
	}
	for i := range 12 {
		lists = append(lists, []Tag{{"n", strconv.Itoa(i)}, {"a", "1"}})
	}
	for round := range 3 {
		for _, l := range lists {
			want := r.Tags(slices.Clone(l)...)
			if got := c.Intern(slices.Clone(l)); got != want {
				t.Fatalf("round %d: Intern(%v) = %v, want %v", round, l, got.Map(), want.Map())
			}
		}
	}
}
