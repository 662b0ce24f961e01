package session

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/reload/watch"
	"github.com/devserver/devserver/server"
)

// next is everything a config needs that can fail, made before anything is
// switched to it.
type next struct {
	loaded  *config.Loaded
	changes []config.Change
	effects config.Effect

	srv     *server.Server
	newApp  *reload.Supervisor // the app did not run before
	watcher *watch.Watcher     // with EffectRewatch
	ln      net.Listener       // with EffectRebind
	lc      server.ListenConfig
	certs   tlsFiles
	restart bool                    // the app restarts with new settings
	fileEnv []dotenv.Var            // what the app's dotenv files set
	procEnv map[string][]dotenv.Var // and each process's
}

// discard releases what prepare made, when the switch does not happen.
func (n *next) discard() {
	if n.ln != nil {
		n.ln.Close()
	}
	if n.srv != nil {
		_ = n.srv.Close()
	}
	if n.watcher != nil {
		_ = n.watcher.Close()
	}
}

// apply makes l the config in force: diff → effects → prepare → switch →
// stop the old. If preparing fails, nothing has changed and the error says
// why. force restarts the app even if nothing changed (rs). A session that
// lost its address (front.open) binds again on any apply.
func (s *session) apply(ctx context.Context, l *config.Loaded, force bool) error {
	var old *config.Config
	if s.loaded != nil {
		old = s.loaded.Config
	}
	fileEnv, procEnv := s.readEnvFiles(l, l.Config.App.EnvFile), s.readProcEnv(l)
	changes := append(config.Diff(old, l.Config), envFileChanges("app.env_file", config.EffectRestart, s.fileEnv, fileEnv)...)
	changes = append(changes, procEnvChanges(s.procEnv, procEnv)...)
	if len(changes) == 0 && !force && s.door.ln != nil {
		return nil
	}
	n := &next{loaded: l, changes: changes, effects: config.Effects(changes), fileEnv: fileEnv, procEnv: procEnv}
	if err := s.prepare(ctx, n); err != nil {
		n.discard()
		return err
	}
	s.switchTo(ctx, n, force)
	return nil
}

// prepare makes what n's config needs: the app's supervisor if it is new,
// the front server's handler, a scanned watcher and, last because moving to
// a new address on the same port stops serving on the old one, the
// listener.
func (s *session) prepare(ctx context.Context, n *next) error {
	cfg := n.loaded.Config
	if cfg.App.Run != "" && s.app == nil {
		sup, err := reload.NewSupervisor(s.appOptions(cfg, n.fileEnv))
		if err != nil {
			return err
		}
		n.newApp = sup
	}
	n.restart = cfg.App.Run != "" && s.app != nil && n.effects.Has(config.EffectRestart)
	upstream := s.app
	if n.newApp != nil {
		upstream = n.newApp
	}
	if cfg.App.Run == "" || !cfg.App.HTTP {
		upstream = nil // nothing to proxy to
	}
	srv, err := server.New(s.frontOptions(n.loaded, upstream))
	if err != nil {
		return err
	}
	n.srv = srv
	if s.loaded == nil || n.effects.Has(config.EffectRewatch) {
		n.watcher = s.newWatcher(n.loaded)
	}
	if s.door.ln != nil && !n.effects.Has(config.EffectRebind) {
		return nil
	}
	if cfg.TLS.HTTPS() {
		if n.certs, err = certificate(n.loaded, s.opts.Load.Environ, s.log); err != nil {
			return err
		}
	}
	n.lc = listenConfig(cfg)
	n.ln, err = s.door.open(ctx, n.lc)
	return err
}

// switchTo puts n in force and stops what it replaces. Only the app's new
// settings can still fail: they are on trial until the app is ready with
// them (settled).
func (s *session) switchTo(ctx context.Context, n *next, force bool) {
	first := s.loaded == nil
	if !first && len(n.changes) > 0 {
		s.log.Info("config applied", "changes", len(n.changes))
		for _, c := range n.changes {
			s.log.Info("  " + c.String())
		}
	}
	s.loaded, s.fileEnv, s.procEnv = n.loaded, n.fileEnv, n.procEnv
	s.door.swap(n.srv)
	s.switchApp(ctx, n, force)
	s.switchProcs(ctx, n.loaded, n.procEnv, force)
	if s.trial == 0 {
		s.good, s.goodEnv = n.loaded, n.fileEnv
	}
	if !first && !n.restart && n.effects.Has(config.EffectReload) {
		s.live.Reload() // what pages show moved; an app restart reloads them when ready
	}
	switch {
	case n.ln != nil:
		s.door.serve(n.ln, n.lc, n.certs)
		if !first {
			s.log.Info("listening on a new address", "addr", n.ln.Addr().String())
		}
	case n.effects.Has(config.EffectQueue):
		if err := server.SetQueueSize(s.door.ln, n.loaded.Config.QueueSize); err != nil {
			s.log.Warn("queue_size not changed", "err", err)
		}
	}
	if first || n.effects.Has(config.EffectRewatch) {
		s.runWatcher(ctx, n.watcher, n.loaded.Config)
		if w := n.loaded.Config.Watch; !first && w.Enabled {
			s.log.Info("watching", "files", s.watched, "paths", strings.Join(w.Paths, ", "), "every", w.Interval, "how", s.watchMode)
		}
	}
}

// switchApp starts, stops or reconfigures the app for n. New settings for a
// running app go on trial; rs without a change just restarts it.
func (s *session) switchApp(ctx context.Context, n *next, force bool) {
	switch {
	case n.newApp != nil:
		s.app = n.newApp
		s.units.set(config.RouteApp, s.app)
		s.appTask = start(unitContext(ctx), s.log, "app supervisor", s.app.Run)
		s.trial = 0
	case n.loaded.Config.App.Run == "" && s.app != nil:
		s.units.set(config.RouteApp, nil)
		s.appTask.stop()
		s.app, s.appTask, s.trial = nil, nil, 0
	case n.restart:
		s.trials++
		trial := s.trials
		err := s.app.Reconfigure(s.appOptions(n.loaded.Config, n.fileEnv), func(err error) { s.report(appResult{trial, err}) })
		if err != nil {
			s.log.Error("app not restarted", "err", err)
			return
		}
		s.trial = trial
	case force && s.app != nil:
		s.app.Restart()
	}
}

// report hands the loop a trial's result without blocking the supervisor
// (which the loop may be stopping): a result not taken yet is of an older
// trial, as a superseded trial reports nothing, and gives way.
func (s *session) report(r appResult) {
	for {
		select {
		case s.appResults <- r:
			return
		default:
		}
		select {
		case <-s.appResults:
		default:
		}
	}
}

// settled ends a trial. Ready with the new settings, the config in force is
// the good one; failed, the supervisor is back on the good settings and the
// rest of the good config is put back too.
func (s *session) settled(ctx context.Context, r appResult) {
	if r.trial != s.trial {
		return // a newer config's trial is under way
	}
	s.trial = 0
	if r.err == nil {
		s.good, s.goodEnv = s.loaded, s.fileEnv
		return
	}
	what := r.err.Error()
	var f *reload.Failure
	if errors.As(r.err, &f) {
		what = f.Title()
	}
	s.log.Error("config not applied: the app failed with it; back to the last good config (save the file again to retry)",
		"failure", what, "file", s.loaded.Name(s.loaded.File))
	good := s.good
	n := &next{loaded: good, changes: config.Diff(s.loaded.Config, good.Config), fileEnv: s.goodEnv, procEnv: s.readProcEnv(good)}
	n.effects = config.Effects(n.changes) &^ config.EffectRestart // the supervisor went back itself
	if err := s.prepare(ctx, n); err != nil {
		n.discard()
		s.log.Error("the last good config could not be put back whole", "err", err)
		return
	}
	s.switchTo(ctx, n, false)
}
