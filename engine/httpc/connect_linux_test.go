package httpc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"
)

// fullListener returns the address of a 127.0.0.1 listener whose accept
// queue is full and never drained: a connect to it waits (the kernel drops
// its SYNs) until the client gives up.
func fullListener(t *testing.T) netip.AddrPort {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue: connects succeed until it is full.
	for i := 0; ; i++ {
		if i == 8 {
			t.Fatal("the listener's accept queue did not fill up")
		}
		c, err := net.DialTimeout("tcp", addr.String(), 200*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	return addr
}

// connectTCP makes a working connection with net.Dialer's settings:
// Nagle off, keep-alive probes after 30 s idle.
func TestConnectTCP(t *testing.T) {
	ln := loopbackListener(t, func(c net.Conn) {
		defer c.Close()
		_, _ = io.Copy(c, c)
	})
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	nc, err := connectTCP(context.Background(), ap.Addr(), ap.Port(), time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if got := nc.RemoteAddr().String(); got != ap.String() {
		t.Errorf("RemoteAddr %s, want %s", got, ap)
	}
	if _, err := nc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo: %q, %v", buf, err)
	}
	rc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	opts := map[string][3]int{ // level, option, want
		"SO_KEEPALIVE": {syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
		"TCP_KEEPIDLE": {syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, 30},
		"TCP_NODELAY":  {syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1},
	}
	for name, o := range opts {
		var v int
		var gerr error
		if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), o[0], o[1]) }); err != nil || gerr != nil {
			t.Fatalf("%s: %v %v", name, err, gerr)
		}
		if (o[2] == 1 && v == 0) || (o[2] != 1 && v != o[2]) {
			t.Errorf("%s = %d, want %d", name, v, o[2])
		}
	}
}

// A refused connect has net.Dialer's error shape, which classify maps to
// k6's code 1212.
func TestConnectTCPRefused(t *testing.T) {
	ap := netip.MustParseAddrPort(closedPort(t))
	_, err := connectTCP(context.Background(), ap.Addr(), ap.Port(), time.Now().Add(5*time.Second))
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("error %#v, want a dial *net.OpError around ECONNREFUSED", err)
	}
	if op.Addr.String() != ap.String() {
		t.Errorf("error's address %s, want %s", op.Addr, ap)
	}
	if code, msg := classify(context.Background(), err, phaseDial, false); code != ErrCodeDialRefused || msg != "dial: connection refused" {
		t.Errorf("classify: %d %q", code, msg)
	}
}

// A connect that gets no answer ends at the deadline, as a timeout.
func TestConnectTCPDeadline(t *testing.T) {
	ap := fullListener(t)
	start := time.Now()
	_, err := connectTCP(context.Background(), ap.Addr(), ap.Port(), start.Add(300*time.Millisecond))
	took := time.Since(start)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("error %v, want a deadline error", err)
	}
	if took < 250*time.Millisecond || took > 2*time.Second {
		t.Errorf("gave up after %v, want about 300ms", took)
	}
	if code, _ := classify(context.Background(), err, phaseDial, false); code != ErrCodeTimeout {
		t.Errorf("classify: code %d, want %d", code, ErrCodeTimeout)
	}
}

// A waiting connect ends as soon as its context does, with its error.
func TestConnectTCPCanceled(t *testing.T) {
	ap := fullListener(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := connectTCP(ctx, ap.Addr(), ap.Port(), start.Add(10*time.Second))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("returned %v after the cancel, want at once", took)
	}
}

// A request whose connect gets no answer fails at its timeout with k6's
// request timeout (1050), through the whole client.
func TestRequestConnectTimeout(t *testing.T) {
	ap := fullListener(t)
	r := newRig(t, nil)
	var resp Response
	start := time.Now()
	r.c.Do(context.Background(), &Request{Method: "GET", URL: "http://" + ap.String() + "/", Timeout: 300 * time.Millisecond, Redirects: -1}, &resp)
	took := time.Since(start)
	if resp.ErrorCode != ErrCodeTimeout || resp.Error != "request timeout" {
		t.Errorf("error %d %q, want %d \"request timeout\"", resp.ErrorCode, resp.Error, ErrCodeTimeout)
	}
	if took < 250*time.Millisecond || took > 2*time.Second {
		t.Errorf("took %v, want about 300ms", took)
	}
}

// A connect whose deadline has passed, or whose context has ended, fails
// without sending anything (as net.Dialer): a request that timed out before
// it could dial opens no connection.
func TestConnectTCPNothingSentWhenTimeIsUp(t *testing.T) {
	accepted := make(chan struct{}, 8)
	ln := loopbackListener(t, func(c net.Conn) {
		accepted <- struct{}{}
		_ = c.Close()
	})
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	if _, err := connectTCP(context.Background(), ap.Addr(), ap.Port(), time.Now().Add(-time.Millisecond)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("past deadline: error %v, want a deadline error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := connectTCP(ctx, ap.Addr(), ap.Port(), time.Now().Add(time.Second)); !errors.Is(err, context.Canceled) {
		t.Errorf("ended context: error %v, want context.Canceled", err)
	}
	// A real connect afterwards is the first the listener sees.
	nc, err := connectTCP(context.Background(), ap.Addr(), ap.Port(), time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.Close()
	<-accepted
	_ = ln.Close()
	select {
	case <-accepted:
		t.Error("the listener accepted a connection for a connect whose time was up")
	case <-time.After(100 * time.Millisecond):
	}
}
