package httpc

import (
	"context"
	"crypto/tls"
	"testing"
)

func TestTLSVersionLimits(t *testing.T) {
	s := newServer(t)
	ts := newTLSServer(t, s.Config.Handler)
	rows := []struct {
		name     string
		min, max uint16
		status   int
		code     int
		version  string
	}{
		{name: "max tls1.2", max: tls.VersionTLS12, status: 200, version: "tls1.2"},
		{name: "min tls1.3", min: tls.VersionTLS13, status: 200, version: "tls1.3"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r := newRig(t, &Config{InsecureSkipTLSVerify: true, TLSMinVersion: row.min, TLSMaxVersion: row.max})
			var resp Response
			r.c.Do(context.Background(), get(ts.URL+"/fast"), &resp)
			if resp.Status != row.status || resp.ErrorCode != row.code || resp.TLSVersion != row.version {
				t.Errorf("status %d code %d %q version %q, want %d %d %q", resp.Status, resp.ErrorCode, resp.Error, resp.TLSVersion, row.status, row.code, row.version)
			}
		})
	}
	t.Run("client min above server max", func(t *testing.T) {
		old := newTLSServer(t, s.Config.Handler, tls.VersionTLS12)
		r := newRig(t, &Config{InsecureSkipTLSVerify: true, TLSMinVersion: tls.VersionTLS13})
		var resp Response
		r.c.Do(context.Background(), get(old.URL+"/fast"), &resp)
		if resp.Status != 0 || resp.ErrorCode < 1300 || resp.ErrorCode > 1399 {
			t.Errorf("status %d code %d %q, want a 13xx TLS error", resp.Status, resp.ErrorCode, resp.Error)
		}
	})
}
