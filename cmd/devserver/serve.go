package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/server"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

// runServe is `devserver [ADDRPORT]`: load the config, listen, start the app
// behind the proxy, and serve until Ctrl+C.
func runServe(cmd *cobra.Command, env runEnv, addrPort string) error {
	l, err := config.Load(loadOptions(cmd, env, addrPort))
	if err != nil {
		return err
	}
	cfg := l.Config
	noColor, _ := cmd.Flags().GetBool("no-color")
	color := !noColor && !hasEnv(env.Environ, "NO_COLOR") && isTerminal(env.Stderr)
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if l.File == "" {
		logger.Info("no devserver.yaml found: serving the working directory as static files; run `devserver init` to create one", "dir", cfg.Root)
	}

	ctx := cmd.Context()
	ln, err := server.Listen(ctx, server.ListenConfig{Addr: cfg.Addr, Port: cfg.Port, IPv6: cfg.IPv6, QueueSize: cfg.QueueSize})
	if err != nil {
		return err
	}
	defer ln.Close()

	var sup *reload.Supervisor
	var upstream server.Upstream
	if cfg.App.Run != "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find devserver's own binary for the guard: %w", err)
		}
		sig, _ := reload.SignalByName(cfg.App.StopSignal) // validated by config
		sup, err = reload.NewSupervisor(reload.Options{
			Dir:          cfg.Root,
			Build:        cfg.App.Build,
			Run:          cfg.App.Run,
			Env:          appEnv(env.Environ, cfg),
			ReadyTimeout: cfg.App.ReadyTimeout,
			StopSignal:   sig,
			StopTimeout:  cfg.App.StopTimeout,
			Guard:        []string{self, reload.GuardCommand},
			Stdout:       env.Stdout,
			Stderr:       env.Stderr,
			Logger:       logger,
		})
		if err != nil {
			return err
		}
		upstream = sup
	}
	configName := "devserver.yaml"
	if l.File != "" {
		configName = l.Name(l.File)
	}
	srv, err := server.New(server.Options{Config: cfg, ConfigName: configName, App: upstream, Log: env.Stderr, Color: color, Logger: logger})
	if err != nil {
		return exitError{exitFailure, err}
	}
	writeBanner(env.Stdout, l, ln.Addr())

	// The first Ctrl+C stops everything gracefully; from then on the
	// signal's default action applies, so a second one ends devserver at
	// once (the guard still takes the app down with it).
	go func() {
		<-ctx.Done()
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		logger.Info("shutting down; Ctrl+C again to quit at once")
	}()
	var wg sync.WaitGroup
	var supErr error
	if sup != nil {
		wg.Go(func() { supErr = sup.Run(ctx) })
	}
	serveErr := srv.Serve(ctx, ln)
	wg.Wait()
	if err := errors.Join(serveErr, supErr); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// appEnv is the environment of build and run: devserver's own, app.env, and
// DEVSERVER_PROFILE (PORT is added per start).
func appEnv(environ []string, cfg *config.Config) []string {
	out := append([]string(nil), environ...)
	for name, value := range cfg.App.Env {
		out = append(out, name+"="+value)
	}
	return append(out, "DEVSERVER_PROFILE="+cfg.Profile)
}

func writeBanner(w io.Writer, l *config.Loaded, addr net.Addr) {
	cfg := l.Config
	tcp := addr.(*net.TCPAddr)
	ip, _ := netip.AddrFromSlice(tcp.IP)
	ip = ip.Unmap()
	var b strings.Builder
	fmt.Fprintf(&b, "devserver %s", versionString())
	if cfg.Profile != "" {
		fmt.Fprintf(&b, ", profile %q", cfg.Profile)
	}
	if l.File != "" {
		fmt.Fprintf(&b, ", using %s", l.Name(l.File))
		if l.Overlay != "" {
			fmt.Fprintf(&b, " + %s", l.Name(l.Overlay))
		}
	}
	b.WriteString("\n")
	if cfg.App.Run != "" {
		fmt.Fprintf(&b, "App: %s", cfg.App.Run)
		if cfg.App.Build != "" {
			fmt.Fprintf(&b, " (built with: %s)", cfg.App.Build)
		}
		b.WriteString("\n")
	}
	if cfg.Static.Dir != "" || cfg.App.Run == "" {
		dir := cfg.Static.Dir
		if dir == "" {
			dir = "."
		}
		fmt.Fprintf(&b, "Static files: %s at %s\n", cfg.Abs(dir), cfg.Static.Prefix)
	}
	port := strconv.Itoa(tcp.Port)
	host := ip.String()
	if ip.IsUnspecified() {
		host = "localhost"
		if ip.Is6() {
			host = "[::1]"
		}
	} else if ip.Is6() {
		host = "[" + host + "]"
	}
	fmt.Fprintf(&b, "Starting development server at http://%s:%s/\n", host, port)
	if ip.IsUnspecified() {
		for _, a := range lanAddrs(ip.Is6()) {
			fmt.Fprintf(&b, "  on your network: http://%s/\n", net.JoinHostPort(a, port))
		}
	}
	if !ip.IsLoopback() {
		b.WriteString("WARNING: this is a development server, reachable from the network. Do not use it in production.\n")
	}
	b.WriteString("Quit the server with CONTROL-C.\n")
	_, _ = io.WriteString(w, b.String())
}

// lanAddrs lists this machine's non-loopback addresses of one family.
func lanAddrs(v6 bool) []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil || p.Addr().IsLoopback() || p.Addr().IsLinkLocalUnicast() || p.Addr().Is6() != v6 {
			continue
		}
		out = append(out, p.Addr().String())
	}
	return out
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
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
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
