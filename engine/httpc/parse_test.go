package httpc

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestReusedURLParse: the client reuses the parse of a URL requested again,
// and never a parse a redirect has overwritten: each request of the
// sequence reaches its own URL and ends where its redirects lead.
func TestReusedURLParse(t *testing.T) {
	s := newServer(t)
	c := newRig(t, nil).c
	steps := []struct {
		name, url, wantURL, wantBody string
	}{
		{"first", s.URL + "/chain?n=0", s.URL + "/chain?n=0", "end"},
		{"same URL again", s.URL + "/chain?n=0", s.URL + "/chain?n=0", "end"},
		{"a redirect chain", s.URL + "/chain?n=2", s.URL + "/chain?n=0", "end"},
		{"the chain again, from its start", s.URL + "/chain?n=2", s.URL + "/chain?n=0", "end"},
		{"another URL", s.URL + "/fast", s.URL + "/fast", "ok"},
		{"back to the first", s.URL + "/chain?n=0", s.URL + "/chain?n=0", "end"},
		{"an invalid URL", "http://127.0.0.1:1/%zz", "", ""},
		{"a valid one after it", s.URL + "/fast", s.URL + "/fast", "ok"},
	}
	for _, st := range steps {
		var resp Response
		c.Do(context.Background(), get(st.url), &resp)
		if st.wantURL == "" {
			if resp.ErrorCode != ErrCodeInvalidURL {
				t.Errorf("%s: error code %d %q, want an invalid-URL error", st.name, resp.ErrorCode, resp.Error)
			}
			continue
		}
		if resp.Status != 200 || resp.URL != st.wantURL || string(resp.Body) != st.wantBody {
			t.Errorf("%s: %d %s %q, want 200 %s %q", st.name, resp.Status, resp.URL, resp.Body, st.wantURL, st.wantBody)
		}
	}
}

// TestHeaderLinesReused: header strings reused from the previous response
// at the same position are only reused when equal; lines that change value,
// move or disappear come out as sent.
func TestHeaderLinesReused(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n++
		h := w.Header()
		h["X-A"] = []string{"same"}
		h["X-N"] = []string{strconv.Itoa(n)}
		if n%2 == 0 {
			h["X-Even"] = []string{"yes"}
		}
		h["X-Empty"] = []string{""}
	}))
	t.Cleanup(srv.Close)
	c := newRig(t, nil).c
	for i := 1; i <= 4; i++ {
		var resp Response
		c.Do(context.Background(), get(srv.URL), &resp)
		want := map[string]string{"X-A": "same", "X-N": strconv.Itoa(i), "X-Empty": ""}
		if i%2 == 0 {
			want["X-Even"] = "yes"
		}
		got := map[string]string{}
		for _, h := range resp.Header {
			if strings.HasPrefix(h.Key, "X-") {
				got[h.Key] = h.Value
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("response %d: X- headers %v, want %v", i, got, want)
		}
	}
}
