package session

import (
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/editor"
	"github.com/devserver/devserver/internal/environ"
	"github.com/devserver/devserver/internal/humanlog"
	"github.com/devserver/devserver/internal/signals"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/server"
)

// appOptions translates cfg, with the variables of its dotenv files, into
// the supervisor's options.
func (s *session) appOptions(cfg *config.Config, fileEnv []dotenv.Var) reload.Options {
	sig, _ := signals.ByName(cfg.App.StopSignal) // config validated it
	return reload.Options{
		Dir:          cfg.Root,
		Build:        cfg.App.Build,
		Run:          cfg.App.Run,
		Env:          appEnv(s.opts.Load.Environ, cfg, fileEnv),
		ReadyTimeout: cfg.App.ReadyTimeout,
		NoHTTP:       !cfg.App.HTTP,
		Restart:      cfg.App.Restart,
		Ready:        readiness(cfg.App.ReadyPath, cfg.App.ReadyLog, cfg.App.ReadyCommand),
		After:        cfg.App.DependsOn,
		Units:        s.units.get,
		StopSignal:   sig,
		StopTimeout:  cfg.App.StopTimeout,
		Stdout:       s.appTerm[0],
		Stderr:       s.appTerm[1],
		Logger:       s.log,
		Settled:      func(error) { s.live.Reload() },
	}
}

// appEnv is the environment of the app's build and run, with app.env
// (PORT is added per start).
func appEnv(env []string, cfg *config.Config, fileEnv []dotenv.Var) []string {
	return childEnv(env, cfg.App.Env, cfg.Profile, fileEnv)
}

// childEnv is the environment of a child: the dotenv files' variables that
// own (devserver's environment) does not set, own, extra (app.env or a
// process's env), and DEVSERVER_PROFILE.
func childEnv(own []string, extra map[string]string, profile string, fileEnv []dotenv.Var) []string {
	var out []string
	for _, v := range fileEnv {
		if _, set := environ.Lookup(own, v.Name); !set {
			out = append(out, v.Name+"="+v.Value)
		}
	}
	out = append(out, own...)
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		out = append(out, name+"="+extra[name])
	}
	return append(out, "DEVSERVER_PROFILE="+profile)
}

// frontOptions translates l into the front server's options.
// app, if not nil, is the app to proxy to.
func (s *session) frontOptions(l *config.Loaded, app *reload.Supervisor) server.Options {
	cfg := l.Config
	opts := server.Options{
		BindAddr:     cfg.Addr,
		AllowedHosts: cfg.AllowedHosts,
		StaticDir:    cfg.ServedDir(),
		StaticPrefix: cfg.Static.Prefix,
		ReadyTimeout: cfg.App.ReadyTimeout,
		ConfigName:   "devserver.yaml",
		Hidden:       l.WatchFiles(),
		Log:          s.opts.Stderr,
		Color:        s.opts.Color,
		Records:      s.opts.Requests,
		Logger:       s.log.With("component", "http"),
		Root:         cfg.Root,
		Edit: func(path string, line, col int) error {
			s.log.Info("opening in the editor", "file", l.Name(path), "line", line)
			return editor.Open(path, line, col, s.opts.Load.Environ)
		},
		Restart: func(unit string) {
			select {
			case s.buttons <- unit:
			default: // one is asked for already
			}
		},
	}
	if s.opts.Human {
		opts.Stamp = func(t time.Time) string { return humanlog.Stamp(t, "http", s.opts.Color) }
	}
	if l.File != "" {
		opts.ConfigName = l.Name(l.File)
	}
	if app != nil { // a nil *Supervisor in the interface would not be nil
		opts.App = app
	}
	opts.Routes = s.routes(cfg, app)
	if cfg.LiveReload {
		opts.LiveReload = s.live
	}
	return opts
}

// routes translates cfg's routes for the front server: to app, to a
// process by name (whichever supervisor runs it when a request comes), or
// to a URL.
func (s *session) routes(cfg *config.Config, app *reload.Supervisor) []server.Route {
	var out []server.Route
	for _, r := range cfg.RouteList() {
		rt := server.Route{Prefix: r.Prefix, Name: r.Unit, Unit: r.Unit, ReadyTimeout: cfg.App.ReadyTimeout}
		switch {
		case r.URL != nil:
			rt.Name, rt.Upstream = r.URL.String(), server.URLUpstream(r.URL, r.Prefix)
		case r.Unit != config.RouteApp:
			rt.Upstream = unitUpstream{units: &s.units, name: r.Unit}
		case app != nil:
			rt.Upstream = app
		default:
			continue // validated: a route to the app has one
		}
		out = append(out, rt)
	}
	return out
}

// readiness translates a unit's ready_path, ready_log and ready_command
// (config checked that ready_log compiles).
func readiness(path, log, command string) reload.Readiness {
	r := reload.Readiness{Path: path, Command: command}
	if log != "" {
		r.Log, _ = regexp.Compile(log)
	}
	return r
}
