package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/banner"
	"github.com/devserver/devserver/internal/console"
	"github.com/devserver/devserver/internal/environ"
	"github.com/devserver/devserver/internal/humanlog"
	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/internal/session"
	"github.com/devserver/devserver/reload"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// runServe is `devserver [ADDRPORT]`: load the config and run a session
// until Ctrl+C, printing the banner once it serves.
func runServe(cmd *cobra.Command, env runEnv, addrPort string) error {
	begun := time.Now()
	opts := loadOptions(cmd, env, addrPort)
	l, err := load(cmd, opts)
	if err != nil {
		return err
	}
	noColor, _ := cmd.Flags().GetBool("no-color")
	format, _ := cmd.Flags().GetString("log-format")
	if !cmd.Flags().Changed("log-format") {
		if v, ok := environ.Lookup(env.Environ, config.EnvLogFormat); ok {
			format = v
		}
	}
	errColor, outColor := colors(noColor, env.Environ, env.Stderr), colors(noColor, env.Environ, env.Stdout)
	qr, _ := cmd.Flags().GetBool("qr")
	open, _ := cmd.Flags().GetBool("open")
	ctx, quit := context.WithCancel(cmd.Context()) // q quits as Ctrl+C does
	defer quit()
	cbreak, restore := keysOnTerminal(env.Stdin)
	defer restore()
	keys := &keyboard{out: env.Stdout, environ: env.Environ, restart: make(chan struct{}, 1), quit: quit}
	go keys.read(env.Stdin, cbreak)
	sopts := session.Options{
		Load:    opts,
		Restart: keys.restart,
		Stdout:  env.Stdout,
		Stderr:  env.Stderr,
		Color:   errColor,
		Control: true,
		// The first Ctrl+C stops everything gracefully; from then on the
		// signal's default action applies, so a second one ends devserver
		// at once (the guard still takes the app down with it).
		Stopping: func() { signal.Reset(os.Interrupt, syscall.SIGTERM) },
		Started: func(st session.Started) {
			bn := banner.Banner{Version: versionString(), Loaded: st.Loaded, Addr: st.Addr, ReadyIn: time.Since(begun), Watched: st.Watched, WatchMode: st.WatchMode,
				QR: qr, Keys: cbreak, Moved: st.Moved, Environ: env.Environ, Color: outColor}
			if st.Addr.IP.IsUnspecified() {
				bn.LAN = localnet.LAN(st.Addr.IP.To4() == nil)
			}
			if format == "json" {
				banner.LogServing(env.Stdout, bn)
			} else {
				banner.Write(env.Stdout, bn)
			}
			keys.serving(bn)
			if open {
				keys.open(bn.URL())
			}
		},
	}
	if isTerminal(env.Stdout) {
		sopts.Clear = func() { keys.press('c') }
	}
	if err := setLog(&sopts, format, env.Stderr); err != nil {
		return err
	}
	return session.Run(ctx, l, sopts)
}

// setLog gives a session the logger of a --log-format: human lines (and
// the same columns for requests and the app's output), logfmt, or JSON
// with the requests as records.
func setLog(sopts *session.Options, format string, w io.Writer) error {
	switch format {
	case "human":
		sopts.Human = true
		sopts.Logger = slog.New(humanlog.New(w, sopts.Color))
	case "text":
		sopts.Logger = slog.New(slog.NewTextHandler(w, nil))
	case "json":
		sopts.Logger = slog.New(slog.NewJSONHandler(w, nil))
		sopts.Requests = sopts.Logger
		sopts.JSON = true
	default:
		return usageError{fmt.Errorf("--log-format: unknown format %q (allowed: %s)", format, strings.Join(logFormats, ", "))}
	}
	return nil
}

// logFormats are the formats of --log-format: human (aligned, coloured
// lines for a terminal), text (logfmt) and json, for machines.
var logFormats = []string{"human", "text", "json"}

// colors reports whether w takes colours: a terminal that does, unless
// --no-color or NO_COLOR says otherwise.
func colors(noColor bool, env []string, w io.Writer) bool {
	return !noColor && environ.Get(env, "NO_COLOR") == "" && colorTerminal(w)
}

// colorTerminal reports whether w is a terminal that shows colours.
func colorTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f) && console.Colors(f)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
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
