package httpc

import (
	"slices"
	"testing"
	"time"
)

func TestCookieJarMatching(t *testing.T) {
	type set struct {
		url, name, value string
		opts             CookieOptions
		wantErr          bool
	}
	rows := []struct {
		name string
		sets []set
		url  string
		want map[string][]string
	}{
		{name: "host-only cookie not sent to subdomain",
			sets: []set{{url: "http://example.com/", name: "a", value: "1"}},
			url:  "http://www.example.com/", want: map[string][]string{}},
		{name: "domain cookie sent to subdomain",
			sets: []set{{url: "http://example.com/", name: "a", value: "1", opts: CookieOptions{Domain: ".example.com"}}},
			url:  "http://www.example.com/x", want: map[string][]string{"a": {"1"}}},
		{name: "domain of another site rejected",
			sets: []set{{url: "http://example.com/", name: "a", value: "1", opts: CookieOptions{Domain: "other.com"}, wantErr: true}},
			url:  "http://other.com/", want: map[string][]string{}},
		{name: "single-label domain rejected",
			sets: []set{{url: "http://example.com/", name: "a", value: "1", opts: CookieOptions{Domain: "com"}, wantErr: true}},
			url:  "http://example.com/", want: map[string][]string{}},
		{name: "path prefix on segment boundary",
			sets: []set{{url: "http://h.test/", name: "a", value: "1", opts: CookieOptions{Path: "/api"}}},
			url:  "http://h.test/apix", want: map[string][]string{}},
		{name: "path prefix matches below",
			sets: []set{{url: "http://h.test/", name: "a", value: "1", opts: CookieOptions{Path: "/api"}}},
			url:  "http://h.test/api/v1", want: map[string][]string{"a": {"1"}}},
		{name: "default path is the directory of the setting url",
			sets: []set{{url: "http://h.test/a/b", name: "a", value: "1"}},
			url:  "http://h.test/other", want: map[string][]string{}},
		{name: "secure cookie only over https",
			sets: []set{{url: "https://h.test/", name: "a", value: "1", opts: CookieOptions{Secure: true}}},
			url:  "http://h.test/", want: map[string][]string{}},
		{name: "expired cookie dropped",
			sets: []set{{url: "http://h.test/", name: "a", value: "1", opts: CookieOptions{Expires: time.Now().Add(-time.Hour)}}},
			url:  "http://h.test/", want: map[string][]string{}},
		{name: "negative max-age deletes",
			sets: []set{{url: "http://h.test/", name: "a", value: "1"}, {url: "http://h.test/", name: "a", value: "1", opts: CookieOptions{MaxAge: -1}}},
			url:  "http://h.test/", want: map[string][]string{}},
		{name: "same name, longer path first",
			sets: []set{{url: "http://h.test/", name: "a", value: "root"}, {url: "http://h.test/", name: "a", value: "deep", opts: CookieOptions{Path: "/x"}}},
			url:  "http://h.test/x/y", want: map[string][]string{"a": {"deep", "root"}}},
		{name: "overwrite keeps one",
			sets: []set{{url: "http://h.test/", name: "a", value: "1"}, {url: "http://h.test/", name: "a", value: "2"}},
			url:  "http://h.test/", want: map[string][]string{"a": {"2"}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			j := NewCookieJar()
			for _, s := range row.sets {
				if err := j.Set(s.url, s.name, s.value, s.opts); (err != nil) != s.wantErr {
					t.Fatalf("Set(%s, %s): err %v, want error %v", s.url, s.name, err, s.wantErr)
				}
			}
			got := j.CookiesForURL(row.url)
			if len(got) != len(row.want) {
				t.Fatalf("CookiesForURL = %v, want %v", got, row.want)
			}
			for k, v := range row.want {
				if !slices.Equal(got[k], v) {
					t.Errorf("CookiesForURL[%s] = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestCookieJarDeleteClear(t *testing.T) {
	j := NewCookieJar()
	for _, kv := range [][3]string{{"http://a.test/", "x", "1"}, {"http://a.test/", "y", "2"}, {"http://b.test/", "z", "3"}} {
		if err := j.Set(kv[0], kv[1], kv[2], CookieOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	j.Delete("http://a.test/", "x")
	if got := j.CookiesForURL("http://a.test/"); len(got) != 1 || got["y"] == nil {
		t.Errorf("after Delete: %v", got)
	}
	j.Clear("http://a.test/")
	if got := j.CookiesForURL("http://a.test/"); len(got) != 0 {
		t.Errorf("after Clear: %v", got)
	}
	if got := j.CookiesForURL("http://b.test/"); len(got) != 1 {
		t.Errorf("Clear of a.test removed b.test's cookie: %v", got)
	}
	j.ClearAll()
	if j.Len() != 0 {
		t.Errorf("ClearAll left %d cookies", j.Len())
	}
	if err := j.Set("::bad", "a", "b", CookieOptions{}); err == nil {
		t.Errorf("Set with an invalid URL: no error")
	}
}
