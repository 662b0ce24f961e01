// Command devserver is Django's runserver for any stack, driven by a
// checked-in config file.
//
// This package holds the cobra commands, their flags and exit codes; the
// hidden guard command routes to reload.GuardMain. It loads, serves, watches
// and prints nothing of its own: config loads and reports, session runs (on
// a terminal: session.RunOnTerminal), control asks a running devserver.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdEnv())
	stop()
	os.Exit(code)
}
