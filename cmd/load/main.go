// Command load is Loadline's command-line interface: `load run` runs a
// scenario, `load target` serves the built-in demo target, `load inspect`
// prints a resolved plan, `load version` prints the version.
//
// main holds the only os.Exit; run is tested directly.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
