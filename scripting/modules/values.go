package modules

import "github.com/dop251/goja"

// Values maps names to JavaScript values for the dynamic objects of a VU
// (module objects, the lazy globals, __ENV): a short list searched
// linearly, as most of these objects hold a few names and a Go map of even
// one entry costs ~300 B, with a map index once it holds more than
// valuesListed names. The zero value is empty and ready. Names keep the
// order of their first Set.
type Values struct {
	list []namedValue
	idx  map[string]int // position in list, made past valuesListed entries
}

type namedValue struct {
	name string
	val  goja.Value
}

// valuesListed is how many names Values searches linearly: comparing a few
// strings (lengths first) costs less than hashing the key.
const valuesListed = 16

// Get returns the value of name and whether it is set.
func (m *Values) Get(name string) (goja.Value, bool) {
	if m.idx != nil {
		if i, ok := m.idx[name]; ok {
			return m.list[i].val, true
		}
		return nil, false
	}
	for i := range m.list {
		if m.list[i].name == name {
			return m.list[i].val, true
		}
	}
	return nil, false
}

// Has reports whether name is set.
func (m *Values) Has(name string) bool {
	_, ok := m.Get(name)
	return ok
}

// Set sets name to val, appending name when it is new.
func (m *Values) Set(name string, val goja.Value) {
	if i := m.index(name); i >= 0 {
		m.list[i].val = val
		return
	}
	if m.list == nil {
		m.list = make([]namedValue, 0, 2)
	}
	m.list = append(m.list, namedValue{name, val})
	if m.idx != nil {
		m.idx[name] = len(m.list) - 1
	} else if len(m.list) > valuesListed {
		m.idx = make(map[string]int, len(m.list))
		for i := range m.list {
			m.idx[m.list[i].name] = i
		}
	}
}

// Delete removes name.
func (m *Values) Delete(name string) {
	i := m.index(name)
	if i < 0 {
		return
	}
	m.list = append(m.list[:i], m.list[i+1:]...)
	m.list[len(m.list):cap(m.list)][0] = namedValue{} // drop the moved-out copy's references
	if m.idx != nil {
		delete(m.idx, name)
		for j := i; j < len(m.list); j++ {
			m.idx[m.list[j].name] = j
		}
	}
}

// Len returns how many names are set.
func (m *Values) Len() int { return len(m.list) }

// Name returns the i-th name, in the order of first Set (0 <= i < Len()).
func (m *Values) Name(i int) string { return m.list[i].name }

// At returns the i-th name and its value (0 <= i < Len()).
func (m *Values) At(i int) (string, goja.Value) { return m.list[i].name, m.list[i].val }

func (m *Values) index(name string) int {
	if m.idx != nil {
		if i, ok := m.idx[name]; ok {
			return i
		}
		return -1
	}
	for i := range m.list {
		if m.list[i].name == name {
			return i
		}
	}
	return -1
}
