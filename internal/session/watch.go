package session

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload/watch"
)

// scan makes a poller for cfg and walks the tree once, so that the number
// of files is known before it runs; nil when watching is off or cannot
// start (said in the log: devserver serves on without it).
func (s *session) scan(cfg *config.Config) *watch.Poller {
	if !cfg.Watch.Enabled {
		return nil
	}
	p, err := watch.NewPoller(watch.Options{Root: cfg.Root, Paths: cfg.Watch.Paths, Globs: cfg.Watch.Globs,
		Ignore: cfg.Watch.Ignore, Interval: cfg.Watch.Interval, Debounce: cfg.Watch.Debounce, Logger: s.log})
	if err == nil {
		err = p.Scan()
	}
	if err != nil {
		s.log.Error("not watching files", "err", err)
		return nil
	}
	return p
}

// runPoller replaces the tree watcher with p (none if nil).
func (s *session) runPoller(ctx context.Context, p *watch.Poller) {
	s.poller.stop()
	s.poller, s.watched = nil, 0
	if p == nil {
		return
	}
	s.watched = p.Count()
	s.poller = start(ctx, s.log, "watching", func(ctx context.Context) error { return p.Run(ctx, s.changes) })
}

// watchConfig polls the files of l (the config file and the overlay names
// beside it) at its watch interval, in place of the previous config
// watcher.
func (s *session) watchConfig(ctx context.Context, l *config.Loaded) {
	s.cfgWatch.stop()
	files, every := l.WatchFiles(), l.Config.Watch.Interval
	s.cfgWatch = start(ctx, s.log, "config watch", func(ctx context.Context) error {
		watch.Files(ctx, files, every, s.configChanged)
		return nil
	})
}

// filesChanged restarts the app for a batch of changed files, or, when
// only files that devserver serves itself changed, just reloads the
// browsers' pages: a stylesheet-only change swaps stylesheets in place. The
// config files are left to the config watcher: a config change restarts
// the app only when app settings change.
func (s *session) filesChanged(b watch.Batch) {
	cfg := s.loaded.Config
	cfgFiles := s.loaded.WatchFiles()
	served := cfg.ServedDir()
	var paths []string
	appChanged, cssOnly := false, true
	for _, p := range b.Paths {
		abs := cfg.Abs(p)
		if slices.Contains(cfgFiles, abs) {
			continue
		}
		paths = append(paths, p)
		if served == "" || !within(served, abs) {
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
	s.log.Info("files changed", "files", strings.Join(shown, ", "))
	switch {
	case appChanged && s.app != nil:
		s.app.Restart() // browsers reload once the app is ready again (Settled)
	case cssOnly && !appChanged:
		s.live.ReloadCSS()
	default:
		s.live.Reload()
	}
}

// within reports whether path is dir or under it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// readCommands turns "rs" lines on stdin into manual restarts. It ends at
// end of input; it is the one goroutine the session does not stop, as a
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
