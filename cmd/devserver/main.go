// Command devserver is Django's runserver for any stack, driven by a
// checked-in config file.
//
// This package holds the cobra commands, their flags, exit codes and what
// they print (profiles, validate's verdict); the hidden guard
// command only routes to reload.GuardMain. It does not load, serve or watch
// anything itself: config loads, session runs.
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
