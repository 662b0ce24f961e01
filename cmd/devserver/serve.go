package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/desktop/environ"
	"github.com/devserver/devserver/internal/version"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/session"
	"github.com/spf13/cobra"
)

// runServe is `devserver [ADDRPORT]`: load the config and run a session
// on the terminal until Ctrl+C or q.
func runServe(cmd *cobra.Command, env runEnv, addrPort string) error {
	begun := time.Now()
	opts := loadOptions(cmd, env, addrPort)
	l, err := load(cmd, opts)
	if err != nil {
		return err
	}
	t := session.Terminal{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr, Environ: env.Environ, Version: version.String(), Begun: begun,
		// The first Ctrl+C stops everything gracefully; from then on the
		// signal's default action applies, so a second one ends devserver
		// at once (the guard still takes the app down with it).
		Stopping: func() { signal.Reset(os.Interrupt, syscall.SIGTERM) }}
	t.NoColor, _ = cmd.Flags().GetBool("no-color")
	t.QR, _ = cmd.Flags().GetBool("qr")
	t.Open, _ = cmd.Flags().GetBool("open")
	t.LogFormat, _ = cmd.Flags().GetString("log-format")
	if !cmd.Flags().Changed("log-format") {
		if v, ok := environ.Lookup(env.Environ, config.EnvLogFormat); ok {
			t.LogFormat = v
		}
	}
	if !slices.Contains(session.LogFormats, t.LogFormat) {
		return usageError{fmt.Errorf("--log-format: unknown format %q (allowed: %s)", t.LogFormat, strings.Join(session.LogFormats, ", "))}
	}
	return session.RunOnTerminal(cmd.Context(), l, opts, t)
}

// newGuardCmd is the hidden command the supervisor runs between devserver
// and the app; see reload.GuardMain.
func newGuardCmd() *cobra.Command {
	return &cobra.Command{
		Use:                reload.GuardCommand,
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if code := reload.GuardMain(args); code != 0 {
				return exitError{code, errors.New("guard failed")}
			}
			return nil
		},
	}
}
