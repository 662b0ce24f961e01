package session

import (
	"maps"
	"regexp"
	"slices"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/cloudide"
	"github.com/devserver/devserver/internal/desktop/editor"
	"github.com/devserver/devserver/internal/desktop/environ"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/terminal/humanlog"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/server"
)

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
func (s *session) frontOptions(l *config.Loaded) server.Options {
	cfg := l.Config
	opts := server.Options{
		BindAddr:     cfg.Addr,
		AllowedHosts: allowedHosts(cfg, s.opts.Load.Environ),
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
	if cfg.App.Run != "" && cfg.App.HTTP {
		opts.App = unitUpstream{units: &s.registry, name: config.RouteApp}
	}
	opts.Routes = s.routes(cfg)
	if cfg.LiveReload {
		opts.LiveReload = s.live
	}
	return opts
}

// routes translates cfg's routes for the front server: to a unit by name
// (whichever supervisor runs it when a request comes), or to a URL.
func (s *session) routes(cfg *config.Config) []server.Route {
	var out []server.Route
	for _, r := range cfg.RouteList() {
		rt := server.Route{Prefix: r.Prefix, Name: r.Unit, Unit: r.Unit, ReadyTimeout: cfg.App.ReadyTimeout}
		if r.URL != nil {
			rt.Name, rt.Upstream = r.URL.String(), server.URLUpstream(r.URL, r.Prefix)
		} else {
			rt.Upstream = unitUpstream{units: &s.registry, name: r.Unit}
		}
		out = append(out, rt)
	}
	return out
}

// allowedHosts are allowed_hosts and, in a cloud development environment
// (Codespaces, Gitpod), the host it forwards devserver's port under: its
// own proxy's name, which no page elsewhere can make resolve here. For
// the port asked for and those a start may move to when it is taken.
func allowedHosts(cfg *config.Config, env []string) []string {
	f, ok := cloudide.Detect(env)
	if !ok || cfg.Port == 0 {
		return cfg.AllowedHosts
	}
	out := slices.Clone(cfg.AllowedHosts)
	for p := cfg.Port; p <= min(cfg.Port+portTries, 65535); p++ {
		out = append(out, f.Host(p))
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
