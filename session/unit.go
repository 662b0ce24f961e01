package session

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/signals"
	"github.com/devserver/devserver/internal/terminal/humanlog"
	"github.com/devserver/devserver/internal/terminal/prefixed"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/reload/watch"
)

// unit is one supervised process: the app (the unit named "app") or a
// named process. Each is a supervisor of its own, its output behind its
// name; the session treats them alike but where the app keeps its keys.
type unit struct {
	name    string
	sup     *reload.Supervisor
	task    *task          // nil until started
	started reload.Options // what it runs with, to see a change
	watchRule
	guard    loopGuard
	out, err *prefixed.Writer
}

// watchRule is which changed files restart a unit, derived from the config
// in one place for the session and for why.
type watchRule struct {
	globs    watch.Globs // files whose change restarts it
	reload   watch.Globs // but for these: they reload pages (its own reload globs and watch.reload)
	except   string      // a directory whose files alone never restart it: for the app, what devserver serves itself
	onChange bool        // restarted for changes: every policy but never
}

func watchRuleOf(cfg *config.Config, name string) watchRule {
	p, _ := cfg.Unit(name)
	r := watchRule{globs: watch.CompileGlobs(p.Watch), onChange: p.Restart != "never",
		reload: watch.CompileGlobs(append(slices.Clone(cfg.Watch.Reload), p.Reload...))}
	if name == config.RouteApp {
		r.except = cfg.ServedDir()
	}
	return r
}

// unitOptions translates unit name of cfg, with the variables of its
// dotenv files, into a supervisor's options. Every option is derived here,
// and a change of any of them (sameRun) restarts the unit.
func (s *session) unitOptions(cfg *config.Config, name string, fileEnv []dotenv.Var) reload.Options {
	p, _ := cfg.Unit(name)
	sig, _ := signals.ByName(cfg.App.StopSignal) // config validated it
	opts := reload.Options{
		Name:         name,
		Dir:          cfg.Root,
		Build:        p.Build,
		Run:          p.Run,
		Env:          childEnv(s.opts.Load.Environ, p.Env, cfg.Profile, fileEnv),
		ReadyTimeout: cfg.App.ReadyTimeout,
		NoHTTP:       !p.HTTP,
		Port:         p.Port,
		Restart:      p.Restart,
		Ready:        readiness(p.ReadyPath, p.ReadyLog, p.ReadyCommand),
		After:        p.DependsOn,
		Units:        s.registry.get,
		StopSignal:   sig,
		StopTimeout:  cfg.App.StopTimeout,
		Logger:       s.log,
	}
	// Open pages reload when a unit they may show is ready or failed: one
	// that serves HTTP, or the app, which may write what devserver serves.
	if p.HTTP || name == config.RouteApp {
		opts.Settled = func(error) { s.live.Reload() }
	}
	return opts
}

// newUnit makes unit name's supervisor with opts, not started yet.
func (s *session) newUnit(name string, opts reload.Options) (*unit, error) {
	u := &unit{name: name, started: opts, out: prefixed.New(s.opts.Stdout, ""), err: prefixed.New(s.opts.Stderr, "")}
	opts.Stdout = ansi.NewFilter(tee{u.out, s.lines.Writer(name, "stdout")})
	opts.Stderr = ansi.NewFilter(tee{u.err, s.lines.Writer(name, "stderr")})
	sup, err := reload.NewSupervisor(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	u.sup = sup
	return u, nil
}

// tee is a unit's output stream, filtered: to the terminal, and to the
// recent lines (devserver logs).
type tee struct {
	term  *prefixed.Writer
	lines io.Writer
}

func (t tee) Write(p []byte) (int, error) {
	_, _ = t.lines.Write(p) // never fails
	return t.term.Write(p)
}

// EndLine ends a partial last line in both (ansi.Filter.EndLine).
func (t tee) EndLine() {
	t.term.EndLine()
	if e, ok := t.lines.(interface{ EndLine() }); ok {
		e.EndLine()
	}
}

// switchUnits makes the units those of n: removed ones stop, new ones
// (made by prepare) start, and those whose settings changed restart with
// them, on trial (reconfigure), once the old tree is gone (a dev server on
// a fixed port needs it free); with force (rs) every one restarts. It
// reports whether a unit restarts for the new settings.
func (s *session) switchUnits(ctx context.Context, n *next, force bool) bool {
	cfg := n.loaded.Config
	var gone []*task
	for name, u := range s.units {
		if _, keep := cfg.Unit(name); !keep {
			s.registry.set(name, nil)
			gone = append(gone, u.task)
			delete(s.units, name)
			delete(s.pending, name)
		}
	}
	stopTogether(gone)
	restarts := false
	for _, name := range cfg.Units() {
		opts := s.unitOptions(cfg, name, n.env[name])
		u := s.units[name]
		switch {
		case u == nil:
			u = n.newUnits[name]
			s.units[name] = u
			s.registry.set(name, u.sup)
			u.task = start(unitContext(ctx), s.log, name+" supervisor", u.sup.Run)
		case !sameRun(u.started, opts):
			restarts = s.reconfigure(ctx, u, opts, n.trial) || restarts
		case force:
			u.sup.Restart()
		}
		u.watchRule = watchRuleOf(cfg, name)
	}
	s.setPrefixes(cfg)
	return restarts
}

// setPrefixes names the source of every output line: in the human log
// always, by the time and the source's column; else once there are
// processes beside the app, the app's too, by names padded to one width
// and, on a terminal, each in a colour of its own.
func (s *session) setPrefixes(cfg *config.Config) {
	names := cfg.ProcessNames()
	width := len(config.RouteApp)
	for _, n := range names {
		width = max(width, len(n))
	}
	for name, u := range s.units {
		var f func() string
		switch {
		case s.opts.Human:
			f = humanlog.OutputPrefix(name, s.opts.Color)
		case len(names) > 0:
			p := fmt.Sprintf("%-*s | ", width, name)
			if s.opts.Color {
				p = "\x1b[" + humanlog.Color(name) + "m" + p + "\x1b[0m"
			}
			f = func() string { return p }
		}
		u.out.SetPrefixFunc(f)
		u.err.SetPrefixFunc(f)
		if s.opts.JSON {
			u.out.SetRecords(s.records[0], name, "stdout")
			u.err.SetRecords(s.records[1], name, "stderr")
		}
	}
}

// unitsChanged restarts each unit whose watch globs match a batch of
// changed paths (but for its reload globs), and that restarts on a change (the app not for files
// devserver serves itself alone), each guarded against a loop of its own.
// It returns the units the batch was for, restarted or not.
func (s *session) unitsChanged(paths []string) map[string]bool {
	cfg := s.loaded.Config
	took := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(s.units)) {
		u := s.units[name]
		mine := slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return !u.globs.Match(p) || u.reload.Match(p) })
		outside := slices.ContainsFunc(mine, func(p string) bool { return u.except == "" || !within(u.except, cfg.Abs(p)) })
		if !u.onChange || !outside {
			continue
		}
		took[name] = true
		restart, loop := u.guard.restarts(cfg, name, mine, u.sup.SettledAt())
		if loop != "" {
			s.log.Error(loop)
		}
		if restart {
			u.sup.Restart() // open pages reload once it is ready again (Settled)
		}
	}
	return took
}

// watchGlobs are the globs the watcher watches: the app's, those of every
// process that restarts on a change, and every reload glob.
func watchGlobs(cfg *config.Config) []string {
	out := slices.Clone(cfg.Watch.Globs)
	add := func(globs []string) {
		for _, g := range globs {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	add(cfg.Watch.Reload)
	for _, name := range cfg.ProcessNames() {
		p := cfg.Processes[name]
		if p.Restart != "never" {
			add(p.Watch)
		}
		add(p.Reload)
	}
	return out
}

// reloadGlobs are the globs whose changes reload pages without a restart:
// watch.reload and every process's reload.
func reloadGlobs(cfg *config.Config) watch.Globs {
	out := slices.Clone(cfg.Watch.Reload)
	for _, name := range cfg.ProcessNames() {
		out = append(out, cfg.Processes[name].Reload...)
	}
	return watch.CompileGlobs(out)
}
