package session

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/ansi"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/humanlog"
	"github.com/devserver/devserver/internal/prefixed"
	"github.com/devserver/devserver/internal/signals"
	"github.com/devserver/devserver/reload"
	"github.com/devserver/devserver/reload/watch"
)

// proc is one named process beside the app (config.Process): a supervisor
// of its own with no HTTP, its output behind its name.
type proc struct {
	sup      *reload.Supervisor
	task     *task
	started  reload.Options // what it runs with, to see a change
	globs    watch.Globs    // files whose change restarts it
	onChange bool           // restarted for changes: every policy but never
	guard    loopGuard
	out, err *prefixed.Writer
}

// procOptions translates process name of l, with the variables of its
// dotenv files, into a supervisor's options.
func (s *session) procOptions(l *config.Loaded, name string, fileEnv []dotenv.Var) reload.Options {
	cfg, p := l.Config, l.Config.Processes[name]
	sig, _ := signals.ByName(cfg.App.StopSignal) // config validated it
	return reload.Options{
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
		Units:        s.units.get,
		StopSignal:   sig,
		StopTimeout:  cfg.App.StopTimeout,
		Logger:       s.log,
		Settled:      s.settledUnit(p.HTTP),
	}
}

// settledUnit is what a process's supervisor calls when it is ready or
// failed: one that serves HTTP reloads the open pages then, as the app does.
func (s *session) settledUnit(http bool) func(error) {
	if !http {
		return nil
	}
	return func(error) { s.live.Reload() }
}

// switchProcs makes the processes those of l: new ones start, removed
// ones stop, and those whose commands, environment (dotenv files included)
// or stop settings changed start anew, once the old one's tree is gone (a
// dev server on a fixed port needs it free); with force (rs) every one
// restarts. Stopping waits for the whole trees, all at once.
func (s *session) switchProcs(ctx context.Context, l *config.Loaded, fileEnv map[string][]dotenv.Var, force bool) {
	cfg := l.Config
	var stopping []*proc
	for name, p := range s.procs {
		if _, keep := cfg.Processes[name]; !keep || !sameRun(p.started, s.procOptions(l, name, fileEnv[name])) {
			stopping = append(stopping, p)
			delete(s.procs, name)
			s.units.set(name, nil)
		}
	}
	stopTasks(stopping)
	for _, name := range cfg.ProcessNames() {
		p := s.procs[name]
		switch {
		case p == nil:
			if p = s.startProc(ctx, s.procOptions(l, name, fileEnv[name])); p == nil {
				continue
			}
			s.procs[name] = p
			s.units.set(name, p.sup)
		case force:
			p.sup.Restart()
		}
		p.globs = watch.CompileGlobs(cfg.Processes[name].Watch)
		p.onChange = cfg.Processes[name].Restart != "never"
	}
	s.setPrefixes(cfg)
}

// startProc starts a process with opts; nil if it cannot be (said in the
// log).
func (s *session) startProc(ctx context.Context, opts reload.Options) *proc {
	p := &proc{started: opts, out: prefixed.New(s.opts.Stdout, ""), err: prefixed.New(s.opts.Stderr, "")}
	opts.Stdout, opts.Stderr = ansi.NewFilter(p.out), ansi.NewFilter(p.err)
	sup, err := reload.NewSupervisor(opts)
	if err != nil {
		s.log.Error("process not started", "process", opts.Name, "err", err)
		return nil
	}
	p.sup = sup
	p.task = start(unitContext(ctx), s.log, opts.Name+" supervisor", sup.Run)
	return p
}

// stopTasks stops the processes' tasks together and waits for all.
func stopTasks(ps []*proc) {
	ts := make([]*task, len(ps))
	for i, p := range ps {
		ts[i] = p.task
	}
	stopTogether(ts)
}

// setPrefixes names the source of every output line: in the human log
// always, by the time and the source's column; else once there are
// processes beside the app, the app's too, by names padded to one width
// and, on a terminal, each in a colour of its own.
func (s *session) setPrefixes(cfg *config.Config) {
	names := cfg.ProcessNames()
	set := func(out, err *prefixed.Writer, name string, f func() string) {
		if s.opts.Human {
			f = humanlog.OutputPrefix(name, s.opts.Color)
		}
		out.SetPrefixFunc(f)
		err.SetPrefixFunc(f)
		if s.opts.JSON {
			out.SetRecords(s.records[0], name, "stdout")
			err.SetRecords(s.records[1], name, "stderr")
		}
	}
	width := len("app")
	for _, n := range names {
		width = max(width, len(n))
	}
	prefix := func(name string) func() string {
		if len(names) == 0 {
			return nil
		}
		p := fmt.Sprintf("%-*s | ", width, name)
		if s.opts.Color {
			p = "\x1b[" + humanlog.Color(name) + "m" + p + "\x1b[0m"
		}
		return func() string { return p }
	}
	set(s.appOut, s.appErr, "app", prefix("app"))
	for _, n := range names {
		if p := s.procs[n]; p != nil { // nil if it could not start
			set(p.out, p.err, n, prefix(n))
		}
	}
}

// procsChanged restarts the processes whose watch globs match a batch of
// changed paths (and that restart on a change), each guarded against a
// loop of its own.
func (s *session) procsChanged(paths []string) {
	for _, name := range slices.Sorted(maps.Keys(s.procs)) {
		p := s.procs[name]
		if !p.onChange {
			continue
		}
		mine := slices.DeleteFunc(slices.Clone(paths), func(path string) bool { return !p.globs.Match(path) })
		if len(mine) == 0 {
			continue
		}
		restart, loop := p.guard.restarts(s.loaded.Config, name, mine, p.sup.SettledAt())
		if loop != "" {
			s.log.Error(loop)
		}
		if restart {
			p.sup.Restart()
		}
	}
}

// procGlobs are the globs of every process that restarts on a change, for
// the watcher, which watches for the app's and theirs together.
func procGlobs(cfg *config.Config) []string {
	var out []string
	for _, name := range cfg.ProcessNames() {
		if p := cfg.Processes[name]; p.Restart != "never" {
			for _, g := range p.Watch {
				if !slices.Contains(out, g) {
					out = append(out, g)
				}
			}
		}
	}
	return out
}
