package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/internal/session"
	"github.com/devserver/devserver/reload"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// runServe is `devserver [ADDRPORT]`: load the config and run a session
// until Ctrl+C, printing the banner once it serves.
func runServe(cmd *cobra.Command, env runEnv, addrPort string) error {
	opts := loadOptions(cmd, env, addrPort)
	l, err := load(cmd, opts)
	if err != nil {
		return err
	}
	noColor, _ := cmd.Flags().GetBool("no-color")
	qr, _ := cmd.Flags().GetBool("qr")
	ctx := cmd.Context()
	// The first Ctrl+C stops everything gracefully; from then on the
	// signal's default action applies, so a second one ends devserver at
	// once (the guard still takes the app down with it).
	go func() {
		<-ctx.Done()
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	return session.Run(ctx, l, session.Options{
		Load:   opts,
		Stdin:  env.Stdin,
		Stdout: env.Stdout,
		Stderr: env.Stderr,
		Color:  !noColor && !hasEnv(env.Environ, "NO_COLOR") && isTerminal(env.Stderr),
		Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Started: func(st session.Started) {
			bn := banner{loaded: st.Loaded, addr: st.Addr, watched: st.Watched, watchMode: st.WatchMode, qr: qr}
			if st.Addr.IP.IsUnspecified() {
				bn.lan = localnet.LAN(st.Addr.IP.To4() == nil)
			}
			writeBanner(env.Stdout, bn)
		},
	})
}

func hasEnv(environ []string, name string) bool {
	for _, kv := range environ {
		if n, v, ok := strings.Cut(kv, "="); ok && n == name && v != "" {
			return true
		}
	}
	return false
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
