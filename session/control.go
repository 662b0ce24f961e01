package session

import (
	"context"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/internal/recent"
	"github.com/devserver/devserver/internal/terminal/banner"
	"github.com/devserver/devserver/reload/watch"
	"github.com/devserver/devserver/server"
)

// view is what the control channel shows of the config in force, set by
// the run loop after each switch for other goroutines to read.
type view struct {
	url, root, profile, watch string
	units                     []string // the app first, then the processes
	routes                    []control.Route
	watcher                   *watch.Watcher // nil when none runs
}

// shown is the session as the control channel sees it: what any goroutine
// may ask of it (control.Session).
type shown struct {
	s    *session
	view atomic.Pointer[view]
}

// publish makes what the channel shows the config in force.
func (s *session) publish(w *watch.Watcher) {
	cfg := s.loaded.Config
	v := &view{root: cfg.Root, profile: cfg.Profile, watch: "off", units: cfg.Units(), watcher: w}
	if s.door.ln != nil {
		v.url = banner.Banner{Loaded: s.loaded, Addr: s.door.ln.Addr()}.URL()
	}
	if s.watchMode != "" {
		v.watch = s.watchMode
	}
	for _, prefix := range slices.Sorted(maps.Keys(cfg.Routes)) {
		v.routes = append(v.routes, control.Route{Prefix: prefix, To: cfg.Routes[prefix]})
	}
	s.shown.view.Store(v)
}

// openControl opens the project's control channel, if the options ask
// for one; a channel that cannot be opened is said, and devserver serves
// without it.
func (s *session) openControl() {
	if !s.opts.Control {
		return
	}
	dir, err := config.ProjectDir(s.opts.Load) // the config file's, whatever root says
	if err != nil {
		s.log.Warn("no control channel", "err", err)
		return
	}
	srv, err := control.Listen(dir, &s.shown, s.log)
	if err != nil {
		s.log.Warn("no control channel: devserver status, wait and mcp will not reach this devserver", "err", err)
		return
	}
	s.control = srv
}

// Units are the units' names, the app first.
func (c *shown) Units() []string {
	if v := c.view.Load(); v != nil {
		return v.units
	}
	return nil
}

// Status is the session's state now.
func (c *shown) Status() control.Status {
	v := c.view.Load()
	if v == nil {
		return control.Status{PID: os.Getpid()}
	}
	st := control.Status{URL: v.url, PID: os.Getpid(), Root: v.root, Profile: v.profile, Watch: v.watch, Routes: v.routes}
	for _, name := range v.units {
		u := control.Unit{Name: name, State: "starting", Busy: true}
		if sup := c.s.registry.get(name); sup != nil {
			rs := sup.Status()
			u = control.Unit{Name: name, State: rs.State, PID: rs.PID, Port: rs.Port, Since: rs.Since,
				Restarts: rs.Restarts, Busy: rs.Busy, Failure: control.FailureOf(rs.Failure, v.root)}
		}
		st.Units = append(st.Units, u)
	}
	for _, l := range c.s.lines.Last(control.BrowserSource, -1) {
		if !strings.HasPrefix(l.Text, " ") { // a stack's lines are indented
			st.Browser = append(st.Browser, l.Text)
		}
	}
	st.Browser = st.Browser[max(len(st.Browser)-browserShown, 0):]
	return st
}

// browserShown is how many of the pages' latest errors status shows.
const browserShown = 5

// Settle waits until every unit has settled: none on trial, none busy.
// With flush, the watcher first looks for what was written until now, and
// the loop takes its batch, so that an edit made just before counts.
func (c *shown) Settle(ctx context.Context, flush bool) (control.Status, error) {
	if v := c.view.Load(); flush && v != nil && v.watcher != nil {
		if err := v.watcher.Flush(ctx); err != nil {
			return control.Status{}, err
		}
	}
	for {
		busy := true
		err := c.s.ask(ctx, func(context.Context) {
			busy = len(c.s.pending) > 0 || len(c.s.waiting) > 0 || slices.ContainsFunc(slices.Collect(maps.Values(c.s.units)), func(u *unit) bool { return u.sup.Status().Busy })
		})
		if err != nil {
			return control.Status{}, err
		}
		if !busy {
			return c.Status(), nil
		}
		select {
		case <-ctx.Done():
			return control.Status{}, ctx.Err()
		case <-time.After(settlePoll):
		}
	}
}

// settlePoll is how often Settle looks at the units.
const settlePoll = 10 * time.Millisecond

// Restart restarts the units named (every one, with the config loaded
// again, as rs does, when none is) and waits until they have settled.
func (c *shown) Restart(ctx context.Context, units []string) (control.Status, error) {
	err := c.s.ask(ctx, func(loop context.Context) {
		if len(units) == 0 {
			c.s.log.Info("restarting every unit (devserver restart)")
			c.s.reload(loop, true)
			return
		}
		for _, name := range units {
			c.s.restartUnit(name, "devserver restart")
		}
	})
	if err != nil {
		return control.Status{}, err
	}
	return c.Settle(ctx, false)
}

// Lines is the units' recent output.
func (c *shown) Lines() *recent.Log { return &c.s.lines }

// ask runs f in the run loop, between two of the things it does, with the
// loop's context, and returns once f has run, or with ctx's error if ctx
// ends first.
func (s *session) ask(ctx context.Context, f func(loop context.Context)) error {
	done := make(chan struct{})
	select {
	case s.asks <- func(loop context.Context) { f(loop); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ control.Session = (*shown)(nil)

// takeBrowserErrors has the pages report their errors when cfg asks for
// it: each is a warning of the log's browser source, and lines of
// `devserver logs browser`.
func (s *session) takeBrowserErrors(cfg *config.Config) {
	if !cfg.LiveReload || !cfg.LiveReloadErrors {
		s.live.OnBrowserErrors(nil)
		return
	}
	log := s.log.With("component", control.BrowserSource)
	s.live.OnBrowserErrors(func(e server.BrowserError) {
		where := e.Source
		if e.Line > 0 {
			where += ":" + strconv.Itoa(e.Line)
			if e.Column > 0 {
				where += ":" + strconv.Itoa(e.Column)
			}
		}
		log.Warn("the page threw", "error", e.Message, "at", where, "page", e.Page)
		now := time.Now()
		s.lines.Add(recent.Line{Time: now, Source: control.BrowserSource, Stream: "error", Text: e.Message + " at " + where + " (page " + e.Page + ")"})
		for i, l := range e.Stack { // a nanosecond apart: in order wherever lines are merged by time
			s.lines.Add(recent.Line{Time: now.Add(time.Duration(i + 1)), Source: control.BrowserSource, Stream: "error", Text: "    " + l})
		}
	})
}
