package httpc

import (
	"net/url"
	"testing"
)

// FuzzParseURL: parseURL never panics, and every URL it accepts is one
// net/url accepts too, with a host.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/x?y=1", "http://127.0.0.1:abc/", "https://[::1]:443/", "http://user:p%40ss@h/", "ftp://x/", "http://:80/", "http://h:99999/"} {
		f.Add(s)
	}
	c := NewClient(nil, nil, nil, nil)
	f.Fuzz(func(t *testing.T, raw string) {
		if msg := c.parseURL(raw); msg == "" {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("parseURL accepted %q, net/url: %v", raw, err)
			}
			if u.Host == "" {
				t.Errorf("parseURL accepted %q without a host", raw)
			}
		}
	})
}

func TestParseURL(t *testing.T) {
	c := NewClient(nil, nil, nil, nil)
	rows := []struct {
		name, url string
		ok        bool
	}{
		{"plain", "http://127.0.0.1:8080/x?y=1", true},
		{"https ipv6", "https://[::1]:443/", true},
		{"userinfo", "http://user:pw@h.test/", true},
		{"non-numeric port", "http://127.0.0.1:abc/", false},
		{"port out of range", "http://h.test:99999/", false},
		{"empty host", "http:///x", false},
		{"other scheme", "ftp://h.test/", false},
		{"no scheme", "h.test/x", false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if msg := c.parseURL(row.url); (msg == "") != row.ok {
				t.Errorf("parseURL(%q) = %q, want ok %v", row.url, msg, row.ok)
			}
		})
	}
}
