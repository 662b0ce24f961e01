package config

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Process is a named process that runs beside the app: a CSS or JS
// watcher, a worker, a queue consumer, or with HTTP a second server that
// routes send requests to (a frontend's dev server).
type Process struct {
	Run     string            `key:"run"`
	Build   string            `key:"build"`
	Env     map[string]string `key:"env"`
	EnvFile []string          `key:"env_file"`
	Watch   []string          `key:"watch"`
	Reload  []string          `key:"reload"`
	HTTP    bool              `key:"http"`
	Port    int               `key:"port"`
	// ReadyPath, ReadyLog and ReadyCommand are as the app's.
	ReadyPath    string   `key:"ready_path"`
	ReadyLog     string   `key:"ready_log"`
	ReadyCommand string   `key:"ready_command"`
	DependsOn    []string `key:"depends_on"`
	Restart      string   `key:"restart"`
}

// processTemplate starts the names of a process's keys in the key table.
const processTemplate = "processes.*."

// processNameRE is what a process may be called: it names environment
// variables (DEVSERVER_PROCESSES_NAME_RUN) and prefixes output lines.
var processNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,23}$`)

// reservedNames are the log's own sources, which a process cannot take.
var reservedNames = []string{"app", "devserver", "http"}

// processNameProblem says what is wrong with a process's name, or "".
func processNameProblem(name string) string {
	switch {
	case !processNameRE.MatchString(name):
		return fmt.Sprintf("%q is not a process name (a lowercase letter, then up to 23 lowercase letters, digits, - and _)", name)
	case slices.Contains(reservedNames, name):
		return fmt.Sprintf("%q is taken by devserver's own log (call the process something else; the web app is app)", name)
	}
	return ""
}

// processKey splits "processes.NAME.FIELD" into NAME and FIELD.
func processKey(path string) (name, field string, ok bool) {
	rest, ok := strings.CutPrefix(path, "processes.")
	if !ok {
		return "", "", false
	}
	name, field, ok = strings.Cut(rest, ".")
	if !ok || name == "" || name == "*" || strings.Contains(field, ".") {
		return "", "", false
	}
	return name, field, true
}

// processSection returns NAME of the path "processes.NAME": a process's
// section.
func processSection(path string) (name string, ok bool) {
	name, ok = strings.CutPrefix(path, "processes.")
	return name, ok && name != "" && !strings.Contains(name, ".")
}

// template reports whether k stands for a key of every process.
func (k Key) template() bool { return strings.HasPrefix(k.Name, processTemplate) }

// templates are the keys of every process, in table order.
var templates = slices.DeleteFunc(slices.Clone(keys), func(k Key) bool { return !k.template() })

// instance is template k for the process named name.
func (k Key) instance(name string) Key {
	k.Name = strings.Replace(k.Name, "*", name, 1)
	return k
}

// keysFor is the key table with the templates made the keys of the named
// processes, each process's after the one before (names sorted).
func keysFor(names []string) []Key {
	out := slices.DeleteFunc(slices.Clone(keys), Key.template)
	for _, n := range slices.Sorted(slices.Values(names)) {
		for _, k := range templates {
			out = append(out, k.instance(n))
		}
	}
	return out
}

// keys is the key table for c: its processes' keys included.
func (c *Config) keys() []Key { return keysFor(c.ProcessNames()) }

// ProcessNames returns the processes' names, sorted.
func (c *Config) ProcessNames() []string { return slices.Sorted(maps.Keys(c.Processes)) }

// processGet is Get for a process's key: nil when there is no such process.
func (c *Config) processGet(name, fieldName string) any {
	p, ok := c.Processes[name]
	if !ok {
		return nil
	}
	f := field(reflect.ValueOf(&p).Elem(), fieldName)
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

// processSet is set for a process's key.
func (c *Config) processSet(name, fieldName string, v any) {
	if c.Processes == nil {
		c.Processes = map[string]Process{}
	}
	p := c.Processes[name]
	field(reflect.ValueOf(&p).Elem(), fieldName).Set(reflect.ValueOf(v))
	c.Processes[name] = p
}

// processNames lists the processes that settings give keys to.
func (s settings) processNames() []string {
	seen := map[string]bool{}
	for k := range s {
		if name, _, ok := processKey(k); ok {
			seen[name] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// envProcessKey finds the key of a process variable,
// DEVSERVER_PROCESSES_NAME_FIELD: the process is one of declared (its name
// with dashes as underscores) or, if none matches, NAME lowercased.
func envProcessKey(variable string, declared []string) (Key, bool) {
	rest, ok := strings.CutPrefix(variable, EnvPrefix+"PROCESSES_")
	if !ok {
		return Key{}, false
	}
	for _, k := range templates {
		// No field's name ends another's with an underscore before it, so
		// one suffix at most matches.
		envName, ok := strings.CutSuffix(rest, "_"+strings.ToUpper(strings.TrimPrefix(k.Name, processTemplate)))
		if !ok || envName == "" {
			continue
		}
		name := strings.ToLower(envName)
		for _, d := range declared {
			if strings.ToUpper(strings.ReplaceAll(d, "-", "_")) == envName {
				name = d
			}
		}
		return k.instance(name), true
	}
	return Key{}, false
}

// checkProcesses validates what no single key of a process can: that it
// has a command, and that no two names make one environment variable.
func checkProcesses(cfg *Config, origins map[string]Source, e *errs) {
	byEnv := map[string]string{}
	for _, name := range cfg.ProcessNames() {
		run := "processes." + name + ".run"
		if strings.TrimSpace(cfg.Processes[name].Run) == "" {
			e.at(firstSet(cfg, name, origins), run, "is not set: a process needs a command to run")
		}
		env := strings.ReplaceAll(name, "-", "_")
		if other, dup := byEnv[env]; dup {
			e.at(firstSet(cfg, name, origins), "processes."+name,
				fmt.Sprintf("differs from process %q only in - and _, so both would be DEVSERVER_PROCESSES_%s_* (rename one)", other, strings.ToUpper(env)))
		}
		byEnv[env] = name
	}
}

// firstSet is where a process's keys were set, for a message about the
// process as a whole: the origin of the first key not at its default.
func firstSet(cfg *Config, name string, origins map[string]Source) Source {
	for _, k := range templates {
		if src := origins[k.instance(name).Name]; src.Layer != LayerDefault {
			return src
		}
	}
	return Source{}
}
