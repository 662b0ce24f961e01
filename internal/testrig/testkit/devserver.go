package testkit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"time"

	"github.com/devserver/devserver/internal/testrig/lockedbuf"
)

// Devserver is the devserver binary running in a directory, as a user runs
// it.
type Devserver struct {
	Cmd            *exec.Cmd
	Stdout, Stderr *lockedbuf.Buffer
	URL            string        // from the banner
	Done           chan struct{} // closed once it has exited
}

// Run says how to start devserver.
type Run struct {
	Binary string
	Dir    string
	// Env is added to PATH, NO_COLOR=1, DEVSERVER_LOG_FORMAT=text (tests
	// read the log as logfmt; a later DEVSERVER_LOG_FORMAT in Env wins) and
	// GORACE=atexit_sleep_ms=0 (the app is often a test binary, whose race
	// runtime would sleep a second at every exit); nothing else of the
	// caller's environment is passed.
	Env []string
	// Prefix is a command line in front of the binary (a shell that sets
	// limits, say).
	Prefix []string
	Args   []string
	// Stdin is devserver's standard input (a terminal, say); if nil, none.
	Stdin io.Reader
	// Wait bounds the wait for the banner. If zero, a minute.
	Wait time.Duration
}

// urlRE finds the URL in the banner, or in its record with --log-format json.
var urlRE = regexp.MustCompile(`Local:\s+(https?://\S+/)|"url":"(https?://[^"]+/)"`)

// Start runs devserver and returns once its banner has named its URL. If
// devserver exits first or no banner comes in time, it is stopped and the
// error holds what it printed.
func Start(r Run) (*Devserver, error) {
	d := &Devserver{Stdout: &lockedbuf.Buffer{}, Stderr: &lockedbuf.Buffer{}, Done: make(chan struct{})}
	line := append(append(slices.Clone(r.Prefix), r.Binary), r.Args...)
	d.Cmd = exec.Command(line[0], line[1:]...)
	d.Cmd.Dir = r.Dir
	d.Cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "DEVSERVER_LOG_FORMAT=text", "GORACE=atexit_sleep_ms=0"}, r.Env...)
	d.Cmd.Stdin, d.Cmd.Stdout, d.Cmd.Stderr = r.Stdin, d.Stdout, d.Stderr
	d.Cmd.WaitDelay = 5 * time.Second // an app left behind may hold the output
	if err := d.Cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = d.Cmd.Wait(); close(d.Done) }()
	wait := r.Wait
	if wait == 0 {
		wait = time.Minute
	}
	deadline := time.After(wait)
	for {
		if m := urlRE.FindStringSubmatch(d.Stdout.String()); m != nil {
			d.URL = m[1] + m[2]
			return d, nil
		}
		select {
		case <-d.Done:
			return nil, fmt.Errorf("devserver exited before its banner: %v\nstdout:\n%s\nstderr:\n%s", d.Cmd.ProcessState, d.Stdout, d.Stderr)
		case <-deadline:
			d.Stop()
			return nil, fmt.Errorf("no banner after %s\nstdout:\n%s\nstderr:\n%s", wait, d.Stdout, d.Stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Interrupt sends Ctrl+C and waits up to wait for devserver to exit; it
// returns the exit code, or an error if devserver is still running.
func (d *Devserver) Interrupt(wait time.Duration) (int, error) {
	_ = d.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.Done:
		return d.Cmd.ProcessState.ExitCode(), nil
	case <-time.After(wait):
		return 0, errors.New("devserver did not exit after Ctrl+C")
	}
}

// Stop sends Ctrl+C, kills devserver if it has not exited 20 seconds
// later, and returns once it has exited.
func (d *Devserver) Stop() {
	if _, err := d.Interrupt(20 * time.Second); err != nil {
		_ = d.Cmd.Process.Kill()
		<-d.Done
	}
}
