package session

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/desktop/environ"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/textfile"
)

// envFiles are dotenv files named in the config, as absolute paths.
func envFiles(cfg *config.Config, names []string) []string {
	out := make([]string, len(names))
	for i, f := range names {
		out[i] = cfg.Abs(f)
	}
	return out
}

// readEnvFiles reads the dotenv files of names (the app's or a process's),
// later files over earlier ones. What cannot be read is said in the log (a
// missing file only when it was named, not the default .env) and skipped.
func (s *session) readEnvFiles(l *config.Loaded, names []string) []dotenv.Var {
	lookup := func(name string) (string, bool) { return environ.Lookup(s.opts.Load.Environ, name) }
	var vars []dotenv.Var
	for i, path := range envFiles(l.Config, names) {
		data, err := textfile.Read(path, textfile.MaxConfig)
		if err != nil {
			named := names[i] != ".env"
			if named || !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("env_file not read", "file", l.Name(path), "err", err)
			}
			continue
		}
		read, errs := dotenv.Parse(data, lookup)
		for _, e := range errs {
			at := fmt.Sprintf("%s:%d", l.Name(path), e.Line)
			s.log.Warn("env_file "+at+": "+e.Detail(), "file", at)
		}
		vars = append(vars, read...)
	}
	return vars
}

// envFileChanges lists the variables the dotenv files of what (app.env_file,
// processes.NAME.env_file) set differently, for the log and the diff;
// values stay out of the log, they may be secrets.
func envFileChanges(what string, effect config.Effect, old, new []dotenv.Var) []config.Change {
	byName := func(vars []dotenv.Var) map[string]string {
		m := map[string]string{}
		for _, v := range vars {
			m[v.Name] = v.Value
		}
		return m
	}
	a, b := byName(old), byName(new)
	changes := config.DiffMap(what, a, b)
	for i, c := range changes {
		name := strings.TrimPrefix(c.Key, what+".")
		_, inA := a[name]
		_, inB := b[name]
		c.Key, c.Old, c.New, c.Effect = what+" "+name, "(set)", "(changed)", effect
		switch {
		case !inA:
			c.Old, c.New = "(unset)", "(set)"
		case !inB:
			c.New = "(unset)"
		}
		changes[i] = c
	}
	return changes
}

// readUnitEnv reads the dotenv files of every unit of l.
func (s *session) readUnitEnv(l *config.Loaded) map[string][]dotenv.Var {
	out := map[string][]dotenv.Var{}
	for _, name := range l.Config.Units() {
		u, _ := l.Config.Unit(name)
		out[name] = s.readEnvFiles(l, u.EnvFile)
	}
	return out
}

// unitEnvChanges lists what the units' dotenv files set differently.
func unitEnvChanges(old, new map[string][]dotenv.Var) []config.Change {
	var out []config.Change
	for _, name := range slices.Sorted(maps.Keys(new)) {
		if prev, ok := old[name]; ok { // a new unit is a change of its own
			effect := config.EffectProcesses
			if name == config.RouteApp {
				effect = config.EffectRestart
			}
			out = append(out, envFileChanges(config.UnitKey(name, "env_file"), effect, prev, new[name])...)
		}
	}
	return out
}

// contentFiles are the files watched by content, whose change loads the
// config again: the config file, its overlay, and the dotenv files of the
// app and of every process.
func contentFiles(l *config.Loaded) []string {
	out := append(l.WatchFiles(), envFiles(l.Config, l.Config.App.EnvFile)...)
	for _, name := range l.Config.ProcessNames() {
		for _, f := range envFiles(l.Config, l.Config.Processes[name].EnvFile) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}
