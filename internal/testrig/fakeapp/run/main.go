// Command run is the fake app as a program of its own: the tests that run
// the devserver binary build it once and give it as the app, so that each
// start costs a small binary's start, not a test binary's under the race
// detector. FAKEAPP says its mode (internal/testrig/fakeapp).
package main

import (
	"os"

	"github.com/devserver/devserver/internal/testrig/fakeapp"
)

func main() { os.Exit(fakeapp.Main(os.Getenv(fakeapp.Env))) }
