package session

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/reload/watch"
)

// newWatcher makes the watcher of l, scanned: the tree when watching is
// on, and the config files always. When the tree cannot be watched (a
// watch path that does not exist), that is said and the config files are
// still watched; nil only if even they cannot be.
func (s *session) newWatcher(l *config.Loaded) *watch.Watcher {
	opts := watchOptions(l)
	opts.Logger, opts.Hold = s.log, s.registry.building
	w, err := watch.New(opts)
	if err == nil {
		err = w.Scan()
	}
	if err == nil {
		return w
	}
	s.log.Error("not watching files", "err", err)
	opts.Paths, opts.Own = nil, nil
	if w, err = watch.New(opts); err == nil {
		if err = w.Scan(); err == nil {
			return w
		}
	}
	s.log.Error("not watching the config file either", "err", err)
	return nil
}

// watchOptions are the watcher's options for l.
func watchOptions(l *config.Loaded) watch.Options {
	cfg := l.Config
	opts := watch.Options{Root: cfg.Root, Globs: watchGlobs(cfg), Ignore: cfg.Watch.Ignore, Gitignore: cfg.Watch.Gitignore, Files: contentFiles(l),
		Mode: cfg.Watch.Mode, Interval: cfg.Watch.Interval, Debounce: cfg.Watch.Debounce}
	if cfg.Watch.Enabled {
		opts.Paths = cfg.Watch.Paths
		if served := cfg.ServedDir(); served != "" {
			opts.Own = []string{served} // devserver's own: watched whatever .gitignore and the globs say
		}
	}
	return opts
}

// runWatcher replaces the watcher with w (none if nil).
func (s *session) runWatcher(ctx context.Context, w *watch.Watcher, cfg *config.Config) {
	s.watcher.stop()
	s.watcher, s.watched, s.watchMode = nil, 0, ""
	if w == nil {
		return
	}
	if cfg.Watch.Enabled {
		s.watched = w.Count()
		mode, why := w.Mode()
		s.watchMode = watch.Describe(mode, why)
	}
	s.watcher = start(ctx, s.log, "watching", func(ctx context.Context) error { return w.Run(ctx, s.changes) })
}

// changed takes a batch: the files for the app or the pages, then the
// config, loaded again and applied if one of its files changed.
func (s *session) changed(ctx context.Context, b watch.Batch) {
	s.filesChanged(b)
	if b.Config {
		s.reload(ctx, false)
	}
}

// filesChanged restarts the app for a batch of changed files, or, when
// only files that devserver serves itself changed, just reloads the
// browsers' pages: a stylesheet-only change swaps stylesheets in place. The
// config files are left to the config watcher: a config change restarts
// the app only when app settings change.
func (s *session) filesChanged(b watch.Batch) {
	cfg := s.loaded.Config
	cfgFiles := contentFiles(s.loaded)
	var paths []string
	for _, p := range b.Paths {
		if !slices.Contains(cfgFiles, cfg.Abs(p)) {
			paths = append(paths, p)
		}
	}
	if hasBuild(cfg) { // else nothing is a build's output: no file to look at
		var outputs, waiting []string
		paths, outputs, waiting = s.outputs.keep(cfg, paths, s.writtenByBuild)
		if len(outputs) > 0 {
			s.log.Info("not restarting for what a build wrote", "files", strings.Join(outputs, ", "))
		}
		s.wait(waiting)
	}
	s.pathsChanged(paths)
}

// pathsChanged takes changed files that are no build's output: it
// restarts the units they are for, or reloads the pages.
func (s *session) pathsChanged(paths []string) {
	cfg := s.loaded.Config
	if len(paths) == 0 {
		return
	}
	shown := paths
	if len(shown) > 3 {
		shown = append(slices.Clone(shown[:3]), fmt.Sprintf("and %d more", len(paths)-3))
	}
	if cfg.Watch.ClearScreen && s.opts.Clear != nil {
		s.opts.Clear()
	}
	s.log.Info("files changed", "files", strings.Join(shown, ", "))
	if s.unitsChanged(paths)[config.RouteApp] {
		return // open pages reload once the app is ready again
	}
	// What no unit took is for the pages: the app's files (a static site's),
	// the reload globs' and static.dir's. A stylesheet devserver serves, or one of the
	// reload globs, is swapped in place; anything else reloads them.
	appGlobs, reloads, served := watch.CompileGlobs(cfg.Watch.Globs), reloadGlobs(cfg), cfg.ServedDir()
	paths = slices.DeleteFunc(paths, func(p string) bool {
		return !appGlobs.Match(p) && !reloads.Match(p) && (served == "" || !within(served, cfg.Abs(p)))
	})
	if len(paths) == 0 {
		return // a process's files only
	}
	cssOnly := !slices.ContainsFunc(paths, func(p string) bool {
		inPlace := reloads.Match(p) || served != "" && within(served, cfg.Abs(p))
		return !inPlace || !strings.EqualFold(filepath.Ext(p), ".css")
	})
	reload, loop := s.pages.restarts(cfg, "", paths, s.pages.asked)
	switch {
	case loop != "":
		s.log.Error(loop)
	case !reload:
	case cssOnly:
		s.live.ReloadCSS()
	default:
		s.live.Reload()
	}
}

// writtenByBuild reports whether a file last written at t was written by
// a build that ran lately, or by one that runs.
func (s *session) writtenByBuild(t time.Time) (ended, running bool) {
	ask := func(sup *reload.Supervisor) {
		e, r := sup.WrittenByBuild(t)
		ended, running = ended || e, running || r
	}
	for _, u := range s.units {
		ask(u.sup)
	}
	return ended, running
}

// hasBuild reports whether a unit has a build command.
func hasBuild(cfg *config.Config) bool {
	return slices.ContainsFunc(cfg.Units(), func(name string) bool {
		u, _ := cfg.Unit(name)
		return u.Build != ""
	})
}

// within reports whether path is dir or under it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
