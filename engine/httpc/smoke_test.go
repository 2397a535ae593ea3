package httpc

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	s := newServer(t)
	r := newRig(t, &Config{MaxRedirects: 10})
	var resp Response
	r.c.Do(context.Background(), get(s.URL+"/fast"), &resp)
	t.Logf("%+v", resp)
	r.c.Do(context.Background(), get(s.URL+"/login"), &resp)
	t.Logf("%+v body=%q", resp, resp.Body)
}
