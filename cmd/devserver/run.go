package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0 // success
	exitFailure = 1 // something failed at run time
	exitUsage   = 2 // bad command line or bad configuration
)

// runEnv is everything a command reads from or writes to the process, so
// that tests can run commands in-process with their own directory and
// environment.
type runEnv struct {
	Dir     string   // working directory
	Environ []string // KEY=VALUE
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
}

func stdEnv() runEnv {
	dir, _ := os.Getwd() // "" makes config.Load ask again and report the error
	return runEnv{Dir: dir, Environ: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// usageError is a mistake on the command line; it exits with exitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries a specific exit code.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// run executes the command line and returns the exit code. It prints each
// error once: config problems as file:line:col lines, anything else prefixed
// with "devserver:".
func run(ctx context.Context, args []string, env runEnv) int {
	root := newRoot(env)
	root.SetArgs(args)
	err := typoCommand(root, args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	if err == nil {
		return exitOK
	}
	var cfgErr config.ErrorList
	var usage usageError
	var exit exitError
	if keyErr := (*config.KeyError)(nil); errors.As(err, &keyErr) {
		err = usageError{err} // a key config does not have: the command line's mistake
	}
	switch {
	case errors.As(err, &cfgErr):
		fmt.Fprintln(env.Stderr, cfgErr.Error())
		return exitUsage
	case errors.As(err, &usage):
		fmt.Fprintf(env.Stderr, "devserver: %v\nRun 'devserver --help' for usage.\n", usage.err)
		return exitUsage
	case errors.As(err, &exit):
		fmt.Fprintf(env.Stderr, "devserver: %v\n", exit.err)
		return exit.code
	}
	fmt.Fprintf(env.Stderr, "devserver: %v\n", err)
	return exitFailure
}

// addOverrideFlags gives cmd the flags that override config keys, from the
// key table.
func addOverrideFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	for _, f := range config.Flags() {
		if f.Bool {
			fs.BoolP(f.Name, f.Short, false, f.Usage)
		} else {
			fs.StringP(f.Name, f.Short, "", f.Usage+" ("+f.Key+")")
		}
		if f.Hidden {
			_ = fs.MarkHidden(f.Name) // the flag was just defined
		}
	}
	// --host, as Vite's: alone every interface, with a value that address.
	host := fs.Lookup("host")
	host.Hidden, host.NoOptDefVal = false, "0.0.0.0"
	host.Usage = "listen on every interface (the banner shows the network URLs), or on ADDR with --host=ADDR (addr)"
}

// loadOptions builds config.Options from the flags the user actually set on
// cmd (never their defaults) and the ADDRPORT argument.
func loadOptions(cmd *cobra.Command, env runEnv, addrPort string) config.Options {
	opts := config.Options{Dir: env.Dir, Environ: env.Environ, Flags: map[string]string{}, AddrPort: addrPort}
	known := map[string]bool{"config": true, "profile": true}
	for _, f := range config.Flags() {
		known[f.Name] = true
	}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if known[f.Name] {
			opts.Flags[f.Name] = f.Value.String()
		}
	})
	return opts
}

// noArgs rejects arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

// typoCommand catches a mistyped command before cobra parses flags: in
// "devserver confg --explain", the flag would be reported as unknown to the
// root command instead of the word as a typo of config.
func typoCommand(root *cobra.Command, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return nil
	}
	if cmd, _, err := root.Find(args[:1]); err == nil && cmd != root {
		return nil
	}
	if _, err := config.ParseAddrPort(args[0]); err == nil {
		return nil
	}
	if s := root.SuggestionsFor(args[0]); len(s) > 0 {
		return usageError{fmt.Errorf("%q is not a command or an address; did you mean %q?", args[0], s[0])}
	}
	return nil
}

// load is config.Load for a command, with the load's warnings said on
// stderr.
func load(cmd *cobra.Command, opts config.Options) (*config.Loaded, error) {
	l, err := config.Load(opts)
	if err == nil {
		sayWarnings(cmd, l)
	}
	return l, err
}

// sayWarnings prints what a load doubted but did not refuse.
func sayWarnings(cmd *cobra.Command, l *config.Loaded) {
	for _, w := range l.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
	}
}
