package session

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/dotenv"
	"github.com/devserver/devserver/internal/textfile"
)

// envFiles are the app's dotenv files, as absolute paths.
func envFiles(cfg *config.Config) []string {
	out := make([]string, len(cfg.App.EnvFile))
	for i, f := range cfg.App.EnvFile {
		out[i] = cfg.Abs(f)
	}
	return out
}

// readEnvFiles reads the app's dotenv files, later files over earlier
// ones. What cannot be read is said in the log (a missing file only when
// it was named, not the default .env) and skipped.
func (s *session) readEnvFiles(l *config.Loaded) []dotenv.Var {
	lookup := func(name string) (string, bool) { return lookupEnv(s.opts.Load.Environ, name) }
	var vars []dotenv.Var
	for i, path := range envFiles(l.Config) {
		data, err := textfile.Read(path, textfile.MaxConfig)
		if err != nil {
			named := l.Config.App.EnvFile[i] != ".env"
			if named || !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("env_file not read", "file", l.Name(path), "err", err)
			}
			continue
		}
		read, errs := dotenv.Parse(data, lookup)
		for _, e := range errs {
			s.log.Warn("env_file: "+l.Name(path)+": "+e.Error()+"; line skipped", "file", l.Name(path))
		}
		vars = append(vars, read...)
	}
	return vars
}

func lookupEnv(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if n, v, ok := strings.Cut(environ[i], "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// envFileChanges lists the variables the dotenv files set differently, for
// the log and the diff; values stay out of the log, they may be secrets.
func envFileChanges(old, new []dotenv.Var) []config.Change {
	byName := func(vars []dotenv.Var) map[string]string {
		m := map[string]string{}
		for _, v := range vars {
			m[v.Name] = v.Value
		}
		return m
	}
	a, b := byName(old), byName(new)
	changes := config.DiffMap("app.env_file", a, b)
	for i, c := range changes {
		name := strings.TrimPrefix(c.Key, "app.env_file.")
		_, inA := a[name]
		_, inB := b[name]
		c.Key, c.Old, c.New, c.Effect = "app.env_file "+name, "(set)", "(changed)", config.EffectRestart
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

// contentFiles are the files watched by content, whose change loads the
// config again: the config file, its overlay, and the dotenv files.
func contentFiles(l *config.Loaded) []string {
	return append(l.WatchFiles(), envFiles(l.Config)...)
}
