package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/signals"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/server"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// runServe is `devserver [ADDRPORT]`: load the config, listen, run the app
// behind the proxy, watch the tree and the config, until Ctrl+C.
func runServe(cmd *cobra.Command, env runEnv, addrPort string) error {
	opts := loadOptions(cmd, env, addrPort)
	l, err := config.Load(opts)
	if err != nil {
		return err
	}
	noColor, _ := cmd.Flags().GetBool("no-color")
	qr, _ := cmd.Flags().GetBool("qr")
	r := &runner{
		env:    env,
		opts:   opts,
		color:  !noColor && !hasEnv(env.Environ, "NO_COLOR") && isTerminal(env.Stderr),
		log:    slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		live:   server.NewLiveReload(),
		qr:     qr,
		listen: server.Listen,
	}
	return r.run(cmd.Context(), l)
}

// runner is the run loop: it owns the listener, the front server's
// handler, the app supervisor and the watchers, and applies every new
// config through one path (apply) at start-up, on a config save and on `rs`.
// Its fields are only touched from the goroutine running run.
type runner struct {
	env   runEnv
	opts  config.Options
	color bool
	qr    bool // draw a QR code in the banner
	log   *slog.Logger

	loaded  *config.Loaded
	front   atomic.Pointer[server.Server] // the handler every listener serves
	live    *server.LiveReload            // browsers' pages; outlives front servers
	ln      net.Listener
	certs   tlsFiles // what ln serves HTTPS with
	serving func()   // stops serving on ln and waits
	listen  func(context.Context, server.ListenConfig) (net.Listener, error)

	sup     *reload.Supervisor
	supStop func()

	pollStop func()
	watched  int // files the poller watches
	changes  chan reload.Batch

	cfgStop       func()
	configChanged chan struct{}
}

func (r *runner) run(ctx context.Context, l *config.Loaded) error {
	r.changes = make(chan reload.Batch)
	if l.File == "" {
		r.log.Info("no devserver.yaml found: serving the working directory as static files; run `devserver init` to create one", "dir", l.Config.Root)
	}
	if err := r.apply(ctx, l, true); err != nil {
		r.stopAll()
		return err
	}
	defer r.stopAll()
	bn := banner{loaded: l, addr: r.ln.Addr(), watched: r.watched, qr: r.qr}
	if ip := r.ln.Addr().(*net.TCPAddr).IP; ip.IsUnspecified() {
		bn.lan = lanAddrs(ip.To4() == nil)
	}
	writeBanner(r.env.Stdout, bn)

	r.configChanged = make(chan struct{})
	r.watchConfig(ctx)
	manual := make(chan struct{})
	go readCommands(r.env.Stdin, manual)

	// The first Ctrl+C stops everything gracefully; from then on the
	// signal's default action applies, so a second one ends devserver at
	// once (the guard still takes the app down with it).
	go func() {
		<-ctx.Done()
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	for {
		select {
		case <-ctx.Done():
			r.log.Info("shutting down; Ctrl+C again to quit at once")
			return nil
		case b := <-r.changes:
			r.filesChanged(b)
		case <-r.configChanged:
			r.reload(ctx, false)
		case <-manual:
			r.log.Info("restarting (rs)")
			r.reload(ctx, true)
		}
	}
}

// reload loads the config again and applies it; a config with errors is
// reported and the last good one keeps running.
func (r *runner) reload(ctx context.Context, force bool) {
	l, err := config.Load(r.opts)
	if err == nil && r.loaded.File != "" && l.File != r.loaded.File {
		// The file is gone (deleted, or mid-checkout): discovery would fall
		// back to the defaults and turn the project into a static site.
		r.log.Warn("config file is gone; still running with the last good config until it is back", "file", r.loaded.Name(r.loaded.File))
		return
	}
	if err != nil {
		r.log.Warn("config has errors; still running with the last good one")
		for line := range strings.SplitSeq(err.Error(), "\n") {
			r.log.Warn("config error: " + line)
		}
		return
	}
	if err := r.apply(ctx, l, force); err != nil {
		r.log.Error("config not applied; still running with the last good one", "err", err)
	}
}

// filesChanged restarts the app for a batch of changed files, or, when
// only files that devserver serves itself changed (static.dir), just
// reloads the browsers' pages: a stylesheet-only change swaps stylesheets
// in place. The config files are left to the config watcher: a config
// change restarts the app only when app settings change.
func (r *runner) filesChanged(b reload.Batch) {
	cfg := r.loaded.Config
	cfgFiles := r.loaded.WatchFiles()
	staticDir := servedDir(cfg)
	var paths []string
	appChanged, cssOnly := false, true
	for _, p := range b.Paths {
		abs := cfg.Abs(p)
		if slices.Contains(cfgFiles, abs) {
			continue
		}
		paths = append(paths, p)
		if staticDir == "" || !within(staticDir, abs) {
			appChanged = true
		} else if !strings.EqualFold(filepath.Ext(p), ".css") {
			cssOnly = false
		}
	}
	if len(paths) == 0 {
		return
	}
	shown := paths
	if len(shown) > 3 {
		shown = append(slices.Clone(shown[:3]), fmt.Sprintf("and %d more", len(paths)-3))
	}
	r.log.Info("files changed", "files", strings.Join(shown, ", "))
	switch {
	case appChanged && r.sup != nil:
		r.sup.Restart() // browsers reload once the app is ready again (Settled)
	case cssOnly && !appChanged:
		r.live.ReloadCSS()
	default:
		r.live.Reload()
	}
}

// servedDir is the directory devserver serves files from itself: static.dir,
// or the project root when there is no app; "" when there is none.
func servedDir(cfg *config.Config) string {
	switch {
	case cfg.Static.Dir != "":
		return cfg.Abs(cfg.Static.Dir)
	case cfg.App.Run == "":
		return cfg.Root
	}
	return ""
}

// within reports whether path is dir or under it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// apply makes l the running config. Everything that can fail (a new
// listener, the static directory) is prepared first; only when all of it
// worked is anything switched, so a failure leaves the old config running.
// first is the start-up; force restarts the app even if nothing changed.
func (r *runner) apply(ctx context.Context, l *config.Loaded, force bool) error {
	cfg := l.Config
	var old *config.Config
	if r.loaded != nil {
		old = r.loaded.Config
	}
	changes := config.Diff(old, cfg)
	if len(changes) == 0 && !force {
		return nil
	}
	changed := func(prefixes ...string) bool {
		return slices.ContainsFunc(changes, func(c config.Change) bool {
			return slices.ContainsFunc(prefixes, func(p string) bool { return c.Key == p || strings.HasPrefix(c.Key, p+".") })
		})
	}

	// Prepare.
	var newLn net.Listener
	rebind := changed("addr", "port", "ipv6", "tls") || r.ln == nil
	var certs tlsFiles
	if rebind && cfg.TLS.HTTPS() {
		// Fail here, with the last good config still serving, rather than
		// in the server's goroutine.
		var err error
		if certs, err = r.certificate(l); err != nil {
			return err
		}
	}
	if rebind {
		ln, err := r.listen(ctx, listenConfig(cfg))
		if err != nil && errors.Is(err, syscall.EADDRINUSE) && old != nil && r.ln != nil && cfg.Port == old.Port && cfg.Port != 0 {
			ln, err = r.rebindInPlace(ctx, cfg, old)
		}
		if err != nil {
			return err
		}
		newLn = ln
	}
	var upstream server.Upstream
	newSup := cfg.App.Run != "" && r.sup == nil
	if newSup {
		sup, err := reload.NewSupervisor(r.supOptions(cfg))
		if err != nil {
			closeIf(newLn)
			return err
		}
		upstream = sup
	} else if cfg.App.Run != "" {
		upstream = r.sup
	}
	var live *server.LiveReload
	if cfg.LiveReload {
		live = r.live
	}
	front, err := server.New(server.Options{Config: cfg, ConfigName: configName(l), Hidden: l.WatchFiles(), App: upstream,
		Log: r.env.Stderr, Color: r.color, LiveReload: live})
	if err != nil {
		closeIf(newLn)
		return err
	}

	// Switch.
	if old != nil {
		r.log.Info("config applied", "changes", len(changes))
		for _, c := range changes {
			r.log.Info("  " + c.String())
		}
	}
	r.loaded = l
	if prev := r.front.Swap(front); prev != nil {
		time.AfterFunc(5*time.Second, func() { _ = prev.Close() }) // after requests under way
	}
	restarting := false
	switch {
	case newSup:
		r.startSupervisor(ctx, upstream.(*reload.Supervisor))
		restarting = true
	case cfg.App.Run == "" && r.sup != nil:
		r.supStop()
		r.sup, r.supStop = nil, nil
	case r.sup != nil && (changed("app", "profile", "root") || force):
		if err := r.sup.Reconfigure(r.supOptions(cfg)); err != nil {
			r.log.Error("app not restarted", "err", err)
		}
		restarting = true
	}
	if old != nil && !restarting && changed("static") {
		r.live.Reload() // the files pages show changed place; an app restart reloads them when ready
	}
	if rebind {
		oldServing := r.serving
		r.serve(newLn, certs)
		if oldServing != nil {
			oldServing()
		}
		if old != nil {
			r.log.Info("listening on a new address", "addr", newLn.Addr().String())
		}
	} else if changed("queue_size") {
		if err := server.SetQueueSize(r.ln, cfg.QueueSize); err != nil {
			r.log.Warn("queue_size not changed", "err", err)
		}
	}
	if r.pollStop == nil || changed("watch", "root") {
		r.startPoller(ctx, cfg)
	}
	if r.cfgStop != nil && changed("watch.interval") {
		r.watchConfig(ctx) // the config is polled at the watch interval too
	}
	return nil
}

func closeIf(ln net.Listener) {
	if ln != nil {
		ln.Close()
	}
}

func configName(l *config.Loaded) string {
	if l.File == "" {
		return "devserver.yaml"
	}
	return l.Name(l.File)
}

func listenConfig(cfg *config.Config) server.ListenConfig {
	return server.ListenConfig{Addr: cfg.Addr, Port: cfg.Port, IPv6: cfg.IPv6, QueueSize: cfg.QueueSize}
}

// rebindInPlace moves to a new address on the same port that the old
// listener itself stands in the way of (127.0.0.1:8000 → 0.0.0.0:8000 on
// Linux): it stops serving on the old address, binds the new one, and if
// that fails after all (another process took the port in the gap), binds
// the old address again and serves it as before, so the last good config
// keeps serving and the error is reported.
func (r *runner) rebindInPlace(ctx context.Context, cfg, old *config.Config) (net.Listener, error) {
	r.serving()
	r.serving, r.ln = nil, nil
	ln, err := r.listen(ctx, listenConfig(cfg))
	if err == nil {
		return ln, nil
	}
	back, berr := r.listen(ctx, listenConfig(old))
	if berr != nil {
		return nil, fmt.Errorf("%w; the old address is lost too: %w (a config change will try again)", err, berr)
	}
	r.serve(back, r.certs)
	return nil, err
}

// serve starts answering on ln with whatever front server is current.
func (r *runner) serve(ln net.Listener, certs tlsFiles) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { r.front.Load().Handler().ServeHTTP(w, req) })
	go func() {
		defer close(done)
		opts := server.ServeOptions{Logger: r.log, CertFile: certs.cert, KeyFile: certs.key}
		if err := server.Serve(ctx, ln, h, opts); err != nil && !errors.Is(err, net.ErrClosed) {
			r.log.Error("serving stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	r.ln, r.certs = ln, certs
	r.serving = func() { cancel(); <-done }
}

func (r *runner) supOptions(cfg *config.Config) reload.Options {
	sig, _ := signals.ByName(cfg.App.StopSignal) // config validated it
	return reload.Options{
		Dir:          cfg.Root,
		Build:        cfg.App.Build,
		Run:          cfg.App.Run,
		Env:          appEnv(r.env.Environ, cfg),
		ReadyTimeout: cfg.App.ReadyTimeout,
		StopSignal:   sig,
		StopTimeout:  cfg.App.StopTimeout,
		Stdout:       r.env.Stdout,
		Stderr:       r.env.Stderr,
		Logger:       r.log,
		Settled:      func(error) { r.live.Reload() },
	}
}

func (r *runner) startSupervisor(ctx context.Context, sup *reload.Supervisor) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := sup.Run(ctx); err != nil {
			r.log.Error("app supervisor stopped", "err", err)
		}
	}()
	r.sup = sup
	r.supStop = func() { cancel(); <-done }
}

// startPoller replaces the tree watcher with one for cfg (none when watching
// is off).
func (r *runner) startPoller(ctx context.Context, cfg *config.Config) {
	restarting := r.pollStop != nil // at start-up the banner says what is watched
	if r.pollStop != nil {
		r.pollStop()
		r.pollStop = nil
	}
	r.watched = 0
	if !cfg.Watch.Enabled {
		r.pollStop = func() {}
		return
	}
	p, err := reload.NewPoller(reload.WatchOptions{Root: cfg.Root, Paths: cfg.Watch.Paths, Globs: cfg.Watch.Globs,
		Ignore: cfg.Watch.Ignore, Interval: cfg.Watch.Interval, Debounce: cfg.Watch.Debounce, Logger: r.log})
	if err == nil {
		err = p.Scan()
	}
	if err != nil {
		r.log.Error("not watching files", "err", err)
		r.pollStop = func() {}
		return
	}
	r.watched = p.Count()
	if restarting {
		r.log.Info("watching", "files", r.watched, "paths", strings.Join(cfg.Watch.Paths, ", "), "every", cfg.Watch.Interval)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx, r.changes); err != nil {
			r.log.Error("watching stopped", "err", err)
		}
	}()
	r.pollStop = func() { cancel(); <-done }
}

// watchConfig polls the config file and the overlay names beside it, at the
// watch interval; it replaces a previous config watcher.
func (r *runner) watchConfig(ctx context.Context) {
	if r.cfgStop != nil {
		r.cfgStop()
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		reload.WatchFiles(ctx, r.loaded.WatchFiles(), r.loaded.Config.Watch.Interval, r.configChanged)
	}()
	r.cfgStop = func() { cancel(); <-done }
}

// stopAll stops watching, serving and the app, each waiting for its
// goroutines.
func (r *runner) stopAll() {
	for _, stop := range []func(){r.cfgStop, r.pollStop, r.serving, r.supStop} {
		if stop != nil {
			stop()
		}
	}
	if f := r.front.Load(); f != nil {
		_ = f.Close()
	}
	r.live.Close()
	r.log.Info("stopped")
}

// readCommands turns "rs" lines on stdin into manual restarts. It ends at
// end of input; it is the one goroutine not stopped by the run loop, as a
// read from a terminal cannot be interrupted.
func readCommands(in io.Reader, manual chan<- struct{}) {
	if in == nil {
		return
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "rs" {
			manual <- struct{}{}
		}
	}
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
