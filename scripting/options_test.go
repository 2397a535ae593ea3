package scripting

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
	"github.com/loadline/loadline/engine/httpc"
)

func TestHTTPConfigFrom(t *testing.T) {
	yes := true
	ua := "probe/1"
	var zero int64
	tests := []struct {
		name  string
		opts  engine.Options
		check func(c *httpc.Config) bool
	}{
		{"defaults", engine.Options{}, func(c *httpc.Config) bool {
			return c.Timeout == 60*time.Second && c.MaxRedirects == 10 && c.UserAgent == httpc.DefaultUserAgent && !c.DiscardResponseBodies
		}},
		{"user agent and no redirects", engine.Options{UserAgent: &ua, MaxRedirects: &zero}, func(c *httpc.Config) bool {
			return c.UserAgent == ua && c.MaxRedirects == 0
		}},
		{"switches", engine.Options{InsecureSkipTLSVerify: &yes, NoConnectionReuse: &yes, NoVUConnectionReuse: &yes, DiscardResponseBodies: &yes, NoCookiesReset: &yes}, func(c *httpc.Config) bool {
			return c.InsecureSkipTLSVerify && c.NoConnectionReuse && c.NoVUConnectionReuse && c.DiscardResponseBodies && c.NoCookiesReset
		}},
		{"tls versions", engine.Options{TLSVersion: &engine.TLSVersion{Min: "tls1.2", Max: "tls1.3"}}, func(c *httpc.Config) bool {
			return c.TLSMinVersion == tls.VersionTLS12 && c.TLSMaxVersion == tls.VersionTLS13
		}},
		{"hosts and blocked names", engine.Options{Hosts: map[string]string{"a.test": "127.0.0.1"}, BlockHostnames: []string{"*.bad"}}, func(c *httpc.Config) bool {
			return c.Hosts["a.test"] == "127.0.0.1" && len(c.BlockHostnames) == 1 && c.BlockHostnames[0] == "*.bad"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := httpConfigFrom(&tc.opts); !tc.check(c) {
				t.Errorf("httpConfigFrom = %+v", c)
			}
		})
	}
}
