package httpc

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkConnect: one TCP connect to a loopback listener and its close,
// through connectTCP and through net.Dialer (dialerConnect).
func BenchmarkConnect(b *testing.B) {
	ln := loopbackListener(b, func(c net.Conn) { _ = c.Close() })
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	for _, bc := range []struct {
		name string
		f    func(context.Context, netip.Addr, uint16, time.Time) (net.Conn, error)
	}{{"connectTCP", connectTCP}, {"net.Dialer", dialerConnect}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c, err := bc.f(context.Background(), ap.Addr(), ap.Port(), time.Now().Add(5*time.Second))
				if err != nil {
					b.Fatal(err)
				}
				_ = c.Close()
			}
		})
	}
}
