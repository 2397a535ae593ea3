package httpjs

import (
	"bytes"
	"testing"
)

func TestPosition(t *testing.T) {
	for _, c := range []struct {
		name       string
		doc        string
		offset     int64
		line, char int
	}{
		{"first byte", "<html>", 1, 1, 1},
		{"same line", `{"a" 1}`, 6, 1, 6},
		{"third line", "{\n  \"a\": 1,\n  oops\n}", 15, 3, 3},
		{"right after a newline", "{\n}", 3, 2, 1},
		{"offset 0 clamps to the start", "", 0, 1, 1},
		{"offset past the end clamps", "ab", 9, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if l, ch := position([]byte(c.doc), c.offset); l != c.line || ch != c.char {
				t.Errorf("position(%q, %d) = line %d, char %d; want %d, %d", c.doc, c.offset, l, ch, c.line, c.char)
			}
		})
	}
}

// FuzzPosition checks that line and character point back at the byte
// before offset.
func FuzzPosition(f *testing.F) {
	f.Add([]byte("{\n  \"a\": 1,\n  oops\n}"), int64(15))
	f.Add([]byte("\n\n\n"), int64(3))
	f.Add([]byte(""), int64(0))
	f.Fuzz(func(t *testing.T, b []byte, offset int64) {
		line, char := position(b, offset)
		if line < 1 || char < 1 {
			t.Fatalf("line %d, char %d: want >= 1", line, char)
		}
		if offset < 1 || offset > int64(len(b)) {
			return
		}
		lines := bytes.SplitAfter(b, []byte{'\n'})
		idx := 0
		for _, l := range lines[:line-1] {
			idx += len(l)
		}
		if idx+char != int(offset) {
			t.Fatalf("line %d, char %d is byte %d, want offset %d", line, char, idx+char, offset)
		}
	})
}
