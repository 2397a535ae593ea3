//go:build !linux

package httpc

import (
	"context"
	"net"
	"net/netip"
	"time"
)

// connectTCP opens a TCP connection to addr:port by deadline, through
// net.Dialer (the Linux version connects the socket itself, to keep dial's
// stack small).
func connectTCP(ctx context.Context, addr netip.Addr, port uint16, deadline time.Time) (net.Conn, error) {
	return dialerConnect(ctx, addr, port, deadline)
}
