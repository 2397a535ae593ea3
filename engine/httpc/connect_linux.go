package httpc

import (
	"context"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// connectTCP opens a TCP connection to addr:port by deadline.
//
// On Linux it connects a non-blocking socket itself and waits for the
// connection on the runtime's poller through the socket's RawConn, instead
// of net.Dialer.DialContext, which needs a stack of about 8 KiB (its
// resolver path, context plumbing and a goroutine that watches the context
// while it connects). This path stays within a 2-4 KiB stack, and dial's
// goroutine is parked in it until the server's SYN-ACK is seen: VUs that
// start together (1,000 first iterations at once) have all their connects
// waiting together, so each waiting connect's stack is paid once per VU at
// the start of the test (bench/RESULTS.md, fifth round: 16 KiB each before).
//
// Errors have net.Dialer's shapes: a *net.OpError with Op "dial" around an
// *os.SyscallError ("socket", "connect"), os.ErrDeadlineExceeded when the
// deadline passes, ctx's error when ctx ends first. A zoned IPv6 address
// goes through net.Dialer.
func connectTCP(ctx context.Context, addr netip.Addr, port uint16, deadline time.Time) (net.Conn, error) {
	addr = addr.Unmap()
	if addr.Zone() != "" {
		return dialerConnect(ctx, addr, port, deadline)
	}
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(addr, port)), Err: err}
	}
	// As net.Dialer: nothing is sent for a request whose time is up.
	if err := ctx.Err(); err != nil {
		return nil, opErr(err)
	}
	if !deadline.IsZero() && !time.Now().Before(deadline) {
		return nil, opErr(os.ErrDeadlineExceeded)
	}
	family := syscall.AF_INET
	var sa syscall.Sockaddr
	if addr.Is4() {
		sa = &syscall.SockaddrInet4{Port: int(port), Addr: addr.As4()}
	} else {
		family = syscall.AF_INET6
		sa = &syscall.SockaddrInet6{Port: int(port), Addr: addr.As16()}
	}
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, opErr(os.NewSyscallError("socket", err))
	}
	switch err := syscall.Connect(fd, sa); err {
	case nil, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
	default:
		_ = syscall.Close(fd)
		return nil, opErr(os.NewSyscallError("connect", err))
	}
	// The *os.File registers the socket with the poller; its RawConn waits
	// there for writability, which a connect reaches when it completes or
	// fails. net.FileConn makes the net.Conn from a duplicate of the
	// descriptor; this one is closed on return.
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	if err := f.SetWriteDeadline(deadline); err != nil {
		return nil, opErr(err)
	}
	stop := context.AfterFunc(ctx, func() { _ = f.SetWriteDeadline(aLongTimeAgo) })
	rc, err := f.SyscallConn()
	if err != nil {
		stop()
		return nil, opErr(err)
	}
	var connErr error
	werr := rc.Write(func(fd uintptr) bool {
		n, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_ERROR)
		if err != nil {
			connErr = os.NewSyscallError("getsockopt", err)
			return true
		}
		switch e := syscall.Errno(n); e {
		case 0:
			// Writable with no error, or not yet connected (the poller can
			// wake a waiter early): connected once the peer has a name.
			_, err := syscall.Getpeername(int(fd))
			return err == nil
		case syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
			return false
		default:
			connErr = os.NewSyscallError("connect", e)
			return true
		}
	})
	if !stop() && ctx.Err() != nil {
		return nil, opErr(ctx.Err())
	}
	if werr == nil {
		werr = connErr
	}
	if werr != nil {
		return nil, opErr(werr)
	}
	nc, err := net.FileConn(f)
	if err != nil {
		return nil, opErr(err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		// net.Dialer{KeepAlive: 30 s}'s settings.
		_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second})
	}
	return nc, nil
}

// aLongTimeAgo is a deadline in the past: it wakes a waiting RawConn.
var aLongTimeAgo = time.Unix(1, 0)
