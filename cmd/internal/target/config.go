package target

import (
	"errors"
	"fmt"
	"time"
)

// Config is the plain-data configuration of a target server. The zero value
// of every field except TLSAddr means "use the default"; DefaultConfig
// returns the defaults spelled out. New copies the Config, so the caller may
// reuse or change it afterwards.
type Config struct {
	// Addr is the TCP address of the plain HTTP listener, host:port.
	// Port 0 picks a free port; Server.Addr reports the chosen one.
	// Default "127.0.0.1:0".
	Addr string

	// TLSAddr is the TCP address of the HTTPS twin, host:port. Empty (the
	// default) disables TLS. The twin serves the same handler with a
	// self-signed ECDSA P-256 certificate generated at Start (SAN IP
	// 127.0.0.1 and ::1, DNS localhost) and offers h2 and http/1.1 via ALPN.
	TLSAddr string

	// Workers is the number of concurrent service slots of /capacity, C.
	// Requests beyond C wait in a FIFO queue. Default 4. Must be >= 1.
	Workers int

	// ServiceTime is how long one /capacity request holds its slot, D. It
	// is timed with a timer, not busy work, so the endpoint's capacity is
	// C/D requests per second (4 / 10 ms = 400/s by default) on any machine.
	// Default 10 ms. Must be > 0.
	ServiceTime time.Duration

	// ExtraLatency is added to every /capacity and /svc response, after the
	// work is done and (for /capacity) after the slot is released, so it
	// raises latency without lowering capacity. It can be changed at run
	// time with /admin/latency?ms=N. Default 0. Must be >= 0.
	ExtraLatency time.Duration

	// MaxDelay caps every duration a client can ask for in a query:
	// /delay?ms, /freeze?ms, /capacity?work, /admin/latency?ms. Larger
	// values are answered with 400. Default 60 s. Must be > 0.
	MaxDelay time.Duration
}

// Default values of Config, exported so the CLI can show them in its help.
const (
	DefaultAddr        = "127.0.0.1:0"
	DefaultWorkers     = 4
	DefaultServiceTime = 10 * time.Millisecond
	DefaultMaxDelay    = 60 * time.Second
)

// DefaultConfig returns the default configuration: plain HTTP on a free
// loopback port, no TLS, 4 workers of 10 ms each on /capacity, no extra
// latency, and a 60 s cap on requested delays.
func DefaultConfig() Config {
	return Config{
		Addr:        DefaultAddr,
		Workers:     DefaultWorkers,
		ServiceTime: DefaultServiceTime,
		MaxDelay:    DefaultMaxDelay,
	}
}

// withDefaults returns a copy of c whose zero-valued fields (except TLSAddr
// and ExtraLatency, whose zero is meaningful) hold the defaults.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.ServiceTime == 0 {
		c.ServiceTime = DefaultServiceTime
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	return c
}

// Validate reports every out-of-range field of c after defaults are applied
// (zero fields count as their defaults). The error joins one
// "target: ..." line per problem; nil means the config is usable.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("target: workers must be at least 1, got %d", c.Workers))
	}
	if c.ServiceTime < 0 {
		errs = append(errs, fmt.Errorf("target: service time must be positive, got %s", c.ServiceTime))
	}
	if c.ExtraLatency < 0 {
		errs = append(errs, fmt.Errorf("target: extra latency must not be negative, got %s", c.ExtraLatency))
	}
	if c.MaxDelay < 0 {
		errs = append(errs, fmt.Errorf("target: max delay must be positive, got %s", c.MaxDelay))
	}
	if c.TLSAddr != "" && c.TLSAddr == c.Addr && !hasZeroPort(c.Addr) {
		errs = append(errs, fmt.Errorf("target: tls address %s is the same as the http address", c.TLSAddr))
	}
	return errors.Join(errs...)
}
