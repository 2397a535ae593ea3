package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// version is the tool's version, set at build time with
// -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// cli carries the process's streams to the subcommands.
type cli struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// getenv reads the process environment (replaced in tests).
	environ func() []string
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, environ: os.Environ}
	root := c.rootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// cobra's own errors: unknown command or flag, wrong argument count.
		topic := helpTopic(args)
		if strings.HasPrefix(err.Error(), "unknown command") {
			topic = ""
		}
		fmt.Fprintf(stderr, "load: %s (see '%s')\n", err, strings.Join(strings.Fields("load "+topic+" --help"), " "))
		return exitUsage
	}
	if ee.err != nil && ee.err.Error() != "" {
		fmt.Fprintf(stderr, "load: %s\n", oneLine(ee.err.Error()))
	}
	return ee.code
}

// helpTopic returns the subcommand named in args, for the usage hint.
func helpTopic(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func (c *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "load",
		Short: "Loadline: load testing and capacity planning",
		Long: `Loadline runs load tests written as k6-style JavaScript scenarios and turns
their results into answers: pass/fail verdicts, latency distributions and
capacity figures.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version,
	}
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.AddCommand(c.runCmd(), c.inspectCmd(), c.targetCmd(), c.versionCmd(), c.reportCmd(), c.rightsizeCmd(), c.parityCmd(), c.compareCmd(), c.capacityCmd())
	return root
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(c.stdout, "load %s\n", version)
			return nil
		},
	}
}

// logf prints a warning line on stderr (before any progress display starts).
func (c *cli) logf(format string, args ...any) {
	fmt.Fprintf(c.stderr, format+"\n", args...)
}
