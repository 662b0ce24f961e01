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
	"github.com/devserver/devserver/internal/desktop/environ"
	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/internal/terminal/banner"
	"github.com/devserver/devserver/internal/terminal/console"
	"github.com/devserver/devserver/internal/terminal/humanlog"
	"github.com/devserver/devserver/internal/terminal/keys"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/session"
	"github.com/spf13/cobra"
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
	errColor, outColor := console.TakesColors(noColor, env.Environ, env.Stderr), console.TakesColors(noColor, env.Environ, env.Stdout)
	qr, _ := cmd.Flags().GetBool("qr")
	open, _ := cmd.Flags().GetBool("open")
	ctx, quit := context.WithCancel(cmd.Context()) // q quits as Ctrl+C does
	defer quit()
	cbreak, restore := keys.OnTerminal(env.Stdin)
	defer restore()
	kb := keys.New(env.Stdout, env.Environ, quit)
	go kb.Read(env.Stdin, cbreak)
	sopts := session.Options{
		Load:    opts,
		Restart: kb.Restarts(),
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
			kb.Serving(bn)
			if open {
				kb.Open(bn.URL())
			}
		},
	}
	if console.IsTerminal(env.Stdout) {
		sopts.Clear = kb.Clear
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
