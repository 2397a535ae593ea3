package main

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/loadline/loadline/cmd/internal/target"
)

func (c *cli) targetCmd() *cobra.Command {
	cfg := target.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "target",
		Short: "Serve the built-in demo target (httpbin endpoints plus /capacity) on loopback",
		Long: `Serve the built-in demo target: go-httpbin's endpoints (/get, /post,
/status/{code}, /delay/{s}, ...), the test routes (/fast, /delay?ms=N, /flaky,
/login, /chain?n=K, /svc, /freeze?ms=N, ...) and /capacity, which serves
--workers requests at a time, each taking --service-time, and queues the rest:
its capacity is workers / service-time per second.

It prints "listening on http://ADDR" once ready and serves until interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := target.Run(ctx, cfg, c.stdout); err != nil && ctx.Err() == nil {
				return withCode(exitGenericError, err)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address; port 0 picks a free port")
	fs.StringVar(&cfg.TLSAddr, "tls-addr", cfg.TLSAddr, "also serve HTTPS (self-signed, h2) on this address")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "concurrent slots of /capacity")
	fs.DurationVar(&cfg.ServiceTime, "service-time", cfg.ServiceTime, "time /capacity takes per request")
	return cmd
}
