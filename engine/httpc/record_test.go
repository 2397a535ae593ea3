package httpc

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/loadline/loadline/engine/metrics"
)

// TestTagMemo: the client's memo of recent tag sets never hands one
// request's tag set to another. Eleven request shapes (more than the memo
// holds), each differing from another in one input, are sent round robin
// three times through one client; each must land in the series a fresh
// client (empty memo) gives it, with exactly three requests.
func TestTagMemo(t *testing.T) {
	// The status comes from a request header, which is not an input of the
	// tag set: two requests may differ in their status alone.
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := strconv.Atoi(r.Header.Get("X-Status"))
		if err != nil {
			code = 200
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(s.Close)
	shapes := []struct {
		name   string
		path   string
		tags   []metrics.Tag
		exp    *Expected
		status string
	}{
		{"plain", "/fast", nil, DefaultExpected, ""},
		{"no expected rule", "/fast", nil, nil, ""},
		{"status 404", "/fast", nil, DefaultExpected, "404"},
		{"status 201", "/fast", nil, DefaultExpected, "201"},
		{"status 202", "/fast", nil, DefaultExpected, "202"},
		{"name tag a", "/fast?id=1", []metrics.Tag{tag("name", "a")}, DefaultExpected, ""},
		{"name tag b", "/fast?id=1", []metrics.Tag{tag("name", "b")}, DefaultExpected, ""},
		{"tag k=1", "/fast", []metrics.Tag{tag("k", "1")}, DefaultExpected, ""},
		{"tag k=2", "/fast", []metrics.Tag{tag("k", "2")}, DefaultExpected, ""},
		{"tags k=1 j=x", "/fast", []metrics.Tag{tag("k", "1"), tag("j", "x")}, DefaultExpected, ""},
		{"other URL", "/fast?id=2", nil, DefaultExpected, ""},
	}
	do := func(c *Client, i int) {
		sh := shapes[i]
		req := get(s.URL + sh.path)
		req.Tags = append([]metrics.Tag(nil), sh.tags...) // a fresh slice, as each script call makes
		req.Expected = sh.exp
		if sh.status != "" {
			req.Header = []Header{{Key: "X-Status", Value: sh.status}}
		}
		var resp Response
		c.Do(context.Background(), req, &resp)
		if resp.Error != "" {
			t.Fatalf("%s: %s", sh.name, resp.Error)
		}
	}
	// reqsSeries returns the http_reqs series of a snapshot.
	reqsSeries := func(r *rig) []*metrics.Series {
		var out []*metrics.Series
		for _, se := range r.agg.Flush().Series {
			if se.Metric == r.bi.HTTPReqs {
				out = append(out, se)
			}
		}
		return out
	}
	shared := newRig(t, nil)
	for range 3 {
		for i := range shapes {
			do(shared.c, i)
		}
	}
	got := reqsSeries(shared)
	if len(got) != len(shapes) {
		t.Fatalf("%d http_reqs series, want %d (one per shape)", len(got), len(shapes))
	}
	for i, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			fresh := newRig(t, nil)
			do(fresh.c, i)
			want := reqsSeries(fresh)[0].Tags.Map()
			for _, se := range got {
				if maps.Equal(se.Tags.Map(), want) {
					if se.Sink.Sum != 3 {
						t.Errorf("http_reqs%v = %v, want 3", want, se.Sink.Sum)
					}
					return
				}
			}
			t.Errorf("no series with the tags %v", want)
		})
	}
}
