// Package session is devserver's run loop. It owns start-up, a config
// change and `rs` as one path: diff the new config against the one in
// force, take the effects of the changed keys (config.Effect), prepare
// everything new, switch, stop the old. Every supervised process is a unit
// (the app is the unit named "app"), with one derived settings value, so a
// change restarts exactly the units it touches; when a unit fails with its
// new settings, the previous config is put back whole and the log says so.
// The long-running pieces (serving, the units, the watchers) are tasks it
// starts and stops, each with one goroutine.
//
// On a terminal (RunOnTerminal) it also reads the keys, prints the banner
// once it serves and logs in the format asked for. It does not parse flags
// (cmd does), load or validate configs (config), answer HTTP (server), run
// processes (reload) or walk trees (reload/watch): it translates the config
// into each one's options.
package session

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/control"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/recent"
	"github.com/devserver/devserver/reload/watch"
	"github.com/devserver/devserver/server"
)

// Options configure a session.
type Options struct {
	// Load is how the config is loaded again, on a save and on rs.
	Load config.Options
	// Restart asks for a restart by hand (rs, the r key) of every unit,
	// with the config loaded again. If nil, none comes.
	Restart <-chan struct{}
	// Clear, if set, clears the screen; with watch.clear_screen, the
	// session calls it before each restart for changed files.
	Clear func()
	// Stdout and Stderr receive the app's output; Stderr also the request
	// log.
	Stdout, Stderr io.Writer
	// Color colours the request log by status, and the human log's
	// columns.
	Color bool
	// Human makes every line of the app's and the processes' output, and
	// of the request log, start as the human log's lines do: the time and
	// the source's column (internal/terminal/humanlog).
	Human bool
	// Requests, if set, receives the request log as records instead of
	// lines on Stderr: for a log in JSON.
	Requests *slog.Logger
	// JSON makes every line of the app's and the processes' output a JSON
	// record on Stdout or Stderr, with its source and stream.
	JSON bool
	// Logger receives what happens. If nil, nothing is logged.
	Logger *slog.Logger
	// Listen opens the front server's listener. If nil, server.Listen.
	Listen func(context.Context, server.ListenConfig) (net.Listener, error)
	// Started, if set, is called once, when devserver serves: cmd prints
	// the banner from it.
	Started func(Started)
	// Control opens the project's control channel (package control) once
	// devserver serves: devserver status, restart, logs, wait and mcp.
	Control bool
	// Stopping, if set, is called once when the session's context ends,
	// before anything is stopped or said: cmd gives the signals back their
	// default action there, so that a second Ctrl+C ends devserver at once.
	Stopping func()
}

// Started is what a session reports once it serves.
type Started struct {
	Loaded    *config.Loaded
	Addr      *net.TCPAddr // the listener's
	Watched   int          // files watched
	WatchMode string       // how: "polling", "native events", "polling: /src is on nfs"
	Moved     string       // when the port asked for was taken: by whom ("port 8000 on 127.0.0.1 is already in use by pid 42 (python3)")
}

// session is the run loop's state. Only the goroutine running run touches
// it, but for what its fields say otherwise.
type session struct {
	opts Options
	log  *slog.Logger
	live *server.LiveReload // browsers' pages; outlives front servers
	door *front

	loaded  *config.Loaded          // in force
	env     map[string][]dotenv.Var // what each unit's dotenv files set
	good    *config.Loaded          // the last config every unit was ready with
	goodEnv map[string][]dotenv.Var // and what their dotenv files set
	trials  int                     // applies so far: each numbers the settings it puts on trial
	pending map[string]int          // units on trial: the apply whose settings each is to be ready with

	units     map[string]*unit // the app and the processes, by name
	registry  registry         // their supervisors, for routes and depends_on
	records   [2]*slog.Logger  // with JSON: where output lines go as records, on Stdout and Stderr
	outputs   buildOutputs
	waiting   waitingFiles     // found while a build ran: wait for it to end
	recheck   <-chan time.Time // when to look at them again; nil when none wait
	pages     loopGuard        // against pages reloaded for what an app writes as it serves
	watcher   *task
	watched   int    // files, 0 when watching is off
	watchMode string // how, for the log
	moved     string // why the start serves on another port than asked: who holds that one

	changes chan watch.Batch
	results chan unitResult            // from the supervisors' goroutines
	buttons chan string                // the error page's restart button: the unit it restarts
	asks    chan func(context.Context) // the control channel's: run in the loop

	shown   shown           // the session as the control channel sees it
	control *control.Server // nil without one
	lines   recent.Log      // the units' recent output, for devserver logs
}

// Run serves l: it binds, starts the app and the watchers, calls Started,
// and from then on applies file changes, config saves and rs until ctx
// ends. It returns an error only when start-up fails; it returns after
// everything it started has stopped.
func Run(ctx context.Context, l *config.Loaded, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Listen == nil {
		opts.Listen = server.Listen
	}
	s := &session{
		opts:    opts,
		log:     log,
		live:    server.NewLiveReload(),
		door:    &front{log: log, listen: opts.Listen},
		changes: make(chan watch.Batch),
		results: make(chan unitResult),
		buttons: make(chan string, 1),
		asks:    make(chan func(context.Context)),
		units:   map[string]*unit{},
		pending: map[string]int{},
	}
	if opts.JSON {
		s.records = [2]*slog.Logger{slog.New(slog.NewJSONHandler(opts.Stdout, nil)), slog.New(slog.NewJSONHandler(opts.Stderr, nil))}
	}
	defer s.stopAll()
	switch {
	case l.File != "":
	case l.Config.App.Run == "":
		log.Info("no devserver.yaml found: serving the working directory as static files; run `devserver init` to create one", "dir", l.Config.Root)
	default:
		log.Info("no devserver.yaml found: running the app with the built-in defaults; run `devserver init` to create one", "dir", l.Config.Root)
	}
	s.shown.s = s
	if err := s.apply(ctx, l, false); err != nil {
		return err
	}
	s.openControl()
	if opts.Started != nil {
		opts.Started(Started{Loaded: l, Addr: s.door.ln.Addr().(*net.TCPAddr), Watched: s.watched, WatchMode: s.watchMode, Moved: s.moved})
	}
	return s.loop(ctx)
}

func (s *session) loop(ctx context.Context) error {
	manual := s.opts.Restart
	for {
		select {
		case <-ctx.Done():
			if s.opts.Stopping != nil {
				s.opts.Stopping()
			}
			s.log.Info("shutting down; Ctrl+C again to quit at once")
			return nil
		case b := <-s.changes:
			s.changed(ctx, b)
		case <-manual:
			s.log.Info("restarting by hand")
			s.reload(ctx, true)
		case unit := <-s.buttons:
			s.restartUnit(unit, "the error page's button")
		case f := <-s.asks:
			f(ctx)
		case r := <-s.results:
			s.settled(ctx, r)
		case <-s.recheck:
			s.rechecked()
		}
	}
}

// reload loads the config again and applies it; a config with errors is
// reported and the last good one keeps running. force restarts every
// unit even if nothing changed (rs).
func (s *session) reload(ctx context.Context, force bool) {
	l, err := config.Load(s.opts.Load)
	if err == nil && s.loaded.File != "" && l.File != s.loaded.File {
		// The file is gone (deleted, or mid-checkout): discovery would fall
		// back to the defaults and turn the project into a static site.
		s.log.Warn("config file is gone; still running with the last good config until it is back", "file", s.loaded.Name(s.loaded.File))
		return
	}
	if err != nil {
		s.log.Warn("config has errors; still running with the last good one")
		for line := range strings.SplitSeq(err.Error(), "\n") {
			s.log.Warn("config error: " + line)
		}
		return
	}
	if err := s.apply(ctx, l, force); err != nil {
		s.log.Error("config not applied; still running with the last good one", "err", err)
	}
}

// stopAll stops watching and serving, then the units, each waiting for
// its goroutines and its process tree.
func (s *session) stopAll() {
	if s.control != nil {
		s.control.Close()
	}
	s.watcher.stop()
	s.door.serving.stop()
	s.stopUnits()
	s.door.close()
	s.live.Close()
	if s.loaded != nil { // a start-up that failed started nothing to stop
		s.log.Info("stopped")
	}
}
