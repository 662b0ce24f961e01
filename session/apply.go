package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/reload/watch"
	"github.com/devserver/devserver/server"
)

// next is everything a config needs that can fail, made before anything is
// switched to it.
type next struct {
	loaded  *config.Loaded
	changes []config.Change
	effects config.Effect

	srv      *server.Server
	newUnits map[string]*unit // units that did not run before, not started
	watcher  *watch.Watcher   // with EffectRewatch
	ln       net.Listener     // with EffectRebind
	lc       server.ListenConfig
	certs    tlsFiles
	env      map[string][]dotenv.Var // what each unit's dotenv files set
	trial    int                     // the number its units' new settings are on trial with; 0 for none
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
// why. force restarts every unit even if nothing changed (rs). A session
// that lost its address (front.open) binds again on any apply.
func (s *session) apply(ctx context.Context, l *config.Loaded, force bool) error {
	var old *config.Config
	if s.loaded != nil {
		old = s.loaded.Config
	}
	env := s.readUnitEnv(l)
	changes := append(config.Diff(old, l.Config), unitEnvChanges(s.env, env)...)
	if len(changes) == 0 && !force && s.door.ln != nil {
		return nil
	}
	s.trials++
	n := &next{loaded: l, changes: changes, effects: config.Effects(changes), env: env, trial: s.trials}
	if err := s.prepare(ctx, n); err != nil {
		n.discard()
		return err
	}
	s.switchTo(ctx, n, force)
	return nil
}

// prepare makes what n's config needs: the supervisors of units that did
// not run before, the front server's handler, a scanned watcher and, last
// because moving to a new address on the same port stops serving on the
// old one, the listener.
func (s *session) prepare(ctx context.Context, n *next) error {
	cfg := n.loaded.Config
	n.newUnits = map[string]*unit{}
	for _, name := range cfg.Units() {
		if s.units[name] == nil {
			u, err := s.newUnit(name, s.unitOptions(cfg, name, n.env[name]))
			if err != nil {
				return err
			}
			n.newUnits[name] = u
		}
	}
	srv, err := server.New(s.frontOptions(n.loaded))
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
	if err != nil && s.loaded == nil && !cfg.StrictPort && cfg.Port != 0 && errors.Is(err, syscall.EADDRINUSE) {
		return s.nextPort(ctx, n, err)
	}
	return err
}

// portTries is how many ports above a busy one a start tries.
const portTries = 10

// nextPort serves a start whose port is taken on the next free one above
// it, as Vite does without strictPort, and keeps why for the banner.
func (s *session) nextPort(ctx context.Context, n *next, busy error) error {
	for p := n.lc.Port + 1; p <= min(n.lc.Port+portTries, 65535); p++ {
		lc := n.lc
		lc.Port = p
		ln, err := s.door.open(ctx, lc)
		if err == nil {
			n.ln, n.lc = ln, lc
			s.moved = strings.TrimSuffix(strings.SplitN(busy.Error(), " (choose", 2)[0], ":")
			s.log.Warn(s.moved+"; serving on port "+strconv.Itoa(p)+" (strict_port: true refuses instead)", "port", p)
			return nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
	}
	return fmt.Errorf("%w; and the %d ports above it too", busy, portTries)
}

// switchTo puts n in force and stops what it replaces. Only the units'
// new settings can still fail: they are on trial until each unit is ready
// with them (settled).
func (s *session) switchTo(ctx context.Context, n *next, force bool) {
	first := s.loaded == nil
	if !first && len(n.changes) > 0 {
		s.log.Info("config applied", "changes", len(n.changes))
		for _, c := range n.changes {
			s.log.Info("  " + c.String())
		}
	}
	s.loaded, s.env = n.loaded, n.env
	s.door.handoff.Swap(n.srv)
	s.takeBrowserErrors(n.loaded.Config)
	restarts := s.switchUnits(ctx, n, force)
	if len(s.pending) == 0 {
		s.good, s.goodEnv = n.loaded, n.env
	}
	if !first && !restarts && n.effects.Has(config.EffectReload) {
		s.live.Reload() // what pages show moved; a unit's restart reloads them when ready
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
		s.publish(n.watcher)
		return
	}
	s.publish(s.shown.view.Load().watcher)
}
