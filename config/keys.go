package config

import (
	"strings"
	"time"

	"github.com/devserver/devserver/internal/signals"
)

// Kind is the type of a configuration key's value.
type Kind int

// The kinds of values a key can hold.
const (
	KindString   Kind = iota // a string
	KindInt                  // a whole number within [Key.Min, Key.Max]
	KindBool                 // true or false
	KindDuration             // a Go duration with a unit, such as "500ms"
	KindList                 // a list of strings; comma-separated in env and flags
	KindMap                  // string keys to string values, merged key by key
	KindEnum                 // one of Key.Allowed
)

// String names the kind the way error messages and docs do.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindInt:
		return "integer"
	case KindBool:
		return "boolean"
	case KindDuration:
		return "duration"
	case KindList:
		return "list of strings"
	case KindMap:
		return "map of strings"
	case KindEnum:
		return "one of a fixed set"
	}
	return "unknown"
}

// Key describes one configuration key. The table of keys (Keys) is the single
// source of defaults, environment variable names, command-line flags,
// validation, did-you-mean suggestions, `config --explain` and the generated
// reference.
type Key struct {
	// Name is the dotted path of the key as a file spells it: "watch.interval".
	Name string
	// Kind is the type of the value.
	Kind Kind
	// Default is the built-in value, typed as the matching Config field.
	Default any
	// Doc is a one-line description for docs, `init` and help.
	Doc string
	// Allowed lists the values a KindEnum key accepts.
	Allowed []string
	// Min and Max bound a KindInt key; Noun names what the number is.
	Min, Max int
	Noun     string
	// Flag is the command-line flag that sets the key ("" for none). Short is
	// its one-letter form. Negated flags set a boolean key to false.
	Flag    string
	Short   string
	Negated bool
	// FlagAliases are further, hidden names of the flag.
	FlagAliases []string
	// OffFlag, for a boolean key, is a second flag that sets it to false
	// (--no-livereload beside --livereload).
	OffFlag string
	// Effect is what a running devserver does to apply a change of the key
	// live. The front server's handler is built anew for every change, so
	// keys it alone reads (allowed_hosts) need no effect.
	Effect Effect
	// check, when set, validates a decoded value and returns what is wrong with
	// it, or "".
	check func(v any) string
}

// Env is the environment variable that overrides the key:
// DEVSERVER_ + the path upper-cased with dots (and a process name's
// dashes) as underscores; a template's shows NAME for the process's name.
func (k Key) Env() string {
	name := strings.ReplaceAll(k.Name, "*", "NAME")
	return EnvPrefix + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(name))
}

// EnvPrefix starts every environment variable devserver reads.
const EnvPrefix = "DEVSERVER_"

// Environment variables that are not keys.
const (
	// EnvConfig names the config file, like --config.
	EnvConfig = "DEVSERVER_CONFIG"
	// EnvProfile chooses the profile, like --profile.
	EnvProfile = "DEVSERVER_PROFILE"
	// EnvLogFormat chooses the log's format, like --log-format.
	EnvLogFormat = "DEVSERVER_LOG_FORMAT"
)

// Effect is what applying a changed key to a running devserver takes. A
// change may need several; Effects joins them.
type Effect uint8

// The effects of a change, in the order a session applies them.
const (
	// EffectRebind opens a new listener (and certificate).
	EffectRebind Effect = 1 << iota
	// EffectQueue resizes the open listener's queue.
	EffectQueue
	// EffectRestart restarts the app with new settings.
	EffectRestart
	// EffectRewatch plans the file watcher anew.
	EffectRewatch
	// EffectReload reloads the open pages.
	EffectReload
	// EffectProcesses starts, stops or restarts the named processes whose
	// settings changed, and only those.
	EffectProcesses
)

// Has reports whether e includes all of x.
func (e Effect) Has(x Effect) bool { return e&x == x }

// keys is the key table, in the order docs and output list them: top-level
// keys first (TOML needs them before any table), then each section.
var keys = []Key{
	{Name: "addr", Kind: KindString, Default: "127.0.0.1", Flag: "addr", FlagAliases: []string{"host"},
		Doc:   "address to listen on; ::1 when ipv6 is true and addr is not set; 0.0.0.0 or :: for every interface",
		check: checkAddr, Effect: EffectRebind},
	{Name: "port", Kind: KindInt, Default: 8000, Min: 0, Max: 65535, Noun: "a port number", Flag: "port",
		Doc: "port to listen on; 0 picks any free port and prints it", Effect: EffectRebind},
	{Name: "ipv6", Kind: KindBool, Default: false, Flag: "ipv6", Short: "6",
		Doc: "listen on IPv6 (::1 unless addr says otherwise)", Effect: EffectRebind},
	{Name: "strict_port", Kind: KindBool, Default: false, Flag: "strict-port", Effect: EffectRebind,
		Doc: "refuse to start when the port is in use, instead of serving on the next free one (up to 10 above it) and saying who holds the wanted one"},
	{Name: "queue_size", Kind: KindInt, Default: 128, Min: 1, Max: 65535, Noun: "a listen queue size", Flag: "queue-size",
		Doc: "listen(2) backlog: connections the kernel queues before devserver accepts them (128 holds a burst of 100; the system may cap it)", Effect: EffectQueue},
	{Name: "allowed_hosts", Kind: KindList, Default: []string{},
		Doc:   `extra Host names to accept (".example.test" matches subdomains, "*" allows all)`,
		check: checkHosts},
	{Name: "livereload", Kind: KindBool, Default: true, Flag: "livereload", OffFlag: "no-livereload",
		Doc: "reload open pages after each change, once the app is ready again (a small script added to HTML pages; stylesheet-only changes swap in place); on by default, --no-livereload or livereload: false turns it off", Effect: EffectReload},
	{Name: "livereload_errors", Kind: KindBool, Default: true, Effect: EffectReload,
		Doc: "with livereload, the pages' script also reports their uncaught errors and unhandled rejections (message, source, line, stack; bounded, rate-limited) to the log under browser, devserver logs browser and the agents' errors tool"},
	{Name: "routes", Kind: KindMap, Default: map[string]string{}, Effect: EffectReload,
		Doc: "URL path prefixes and what serves them: app, a process with http: true, or a URL (http://127.0.0.1:9000) of a server devserver does not run; the longest prefix wins, the path is kept, requests wait while their unit restarts, and what no route takes goes to the app (or static files)", check: checkRoutes},
	{Name: "app.build", Kind: KindString, Default: "", Flag: "build",
		Doc: "shell command run before each (re)start of the app; the files it writes (a binary, a bundle) are its output, never a change to restart for", Effect: EffectRestart},
	{Name: "app.run", Kind: KindString, Default: "", Flag: "run",
		Doc: "shell command that runs the app; it must listen on $PORT", Effect: EffectRestart},
	{Name: "app.http", Kind: KindBool, Default: true, Effect: EffectRestart | EffectReload,
		Doc: "the app serves HTTP on $PORT; false for a worker, a CLI or a test runner: nothing is proxied to it or waits for its port, it is up once started and restarts on changes"},
	{Name: "app.env", Kind: KindMap, Default: map[string]string{}, Effect: EffectRestart,
		Doc:   "extra environment for build and run (names keep their case)",
		check: checkEnvNames},
	{Name: "app.env_file", Kind: KindList, Default: []string{".env"}, Effect: EffectRestart,
		Doc: "dotenv files (NAME=value lines, quotes, export, ${VAR}) whose variables build and run get, below app.env and devserver's own environment; a missing file is skipped; a change restarts the app"},
	{Name: "app.ready_timeout", Kind: KindDuration, Default: 30 * time.Second,
		Doc: "how long to wait for the app's port to accept connections", check: checkPositive, Effect: EffectRestart},
	{Name: "app.ready_path", Kind: KindString, Default: "", Effect: EffectRestart, check: checkPathOrEmpty,
		Doc: "a path to GET on the app's port after it accepts connections (a health endpoint); requests are released once it answers with a status below 500"},
	{Name: "app.ready_log", Kind: KindString, Default: "", Effect: EffectRestart, check: checkRegexp,
		Doc: "a regular expression; the app is ready once a line of its output matches it (compiled successfully, Listening on)"},
	{Name: "app.ready_command", Kind: KindString, Default: "", Effect: EffectRestart,
		Doc: "a shell command run (with $PORT) until it exits 0; the app is ready then"},
	{Name: "app.depends_on", Kind: KindList, Default: []string{}, Effect: EffectRestart,
		Doc: "units (process names) the app starts after, once each is ready; it stops before them"},
	{Name: "app.restart", Kind: KindEnum, Default: "change", Allowed: restartPolicies, Effect: EffectRestart,
		Doc: "change: restart the app when a file of watch.globs changes (a crash waits for the next change, with its error page); never: not for changes either; on-failure: also restart it after an exit with a non-zero status, and always: after any exit, each after a wait that doubles from 0.5s to 30s (back to 0.5s once it stayed up 30s)"},
	{Name: "app.stop_signal", Kind: KindEnum, Default: "SIGTERM", Allowed: signals.Names(),
		Doc: "signal sent to the app's process group to stop it (Windows: CTRL_BREAK_EVENT for any but SIGKILL; no SIGUSR1 or SIGUSR2)", Effect: EffectRestart},
	{Name: "app.stop_timeout", Kind: KindDuration, Default: 5 * time.Second,
		Doc: "how long to wait after stop_signal before SIGKILL to the whole group", check: checkPositive, Effect: EffectRestart},
	{Name: "static.dir", Kind: KindString, Default: "", Flag: "static",
		Doc: `directory served under static.prefix (without app.run: defaults to "."); its changes reload the pages, whatever .gitignore and watch.globs say (watch.ignore still applies)`, Effect: EffectReload | EffectRewatch},
	{Name: "static.prefix", Kind: KindString, Default: "/",
		Doc: "URL path under which static.dir is served", check: checkPrefix, Effect: EffectReload},
	{Name: "watch.enabled", Kind: KindBool, Default: true, Flag: "noreload", Negated: true,
		Doc: "watch files and restart the app on changes", Effect: EffectRewatch},
	{Name: "watch.mode", Kind: KindEnum, Default: "poll", Allowed: []string{"poll", "events", "auto", "radovskyb"}, Flag: "watch-mode", Effect: EffectRewatch,
		Doc: "how changes are found: poll (scan every interval; works everywhere, network and VM shares included), events (the system's file events, with a slow safety scan), auto (events on local disks, polling on network and shared ones), radovskyb (the radovskyb/watcher library's polling)"},
	{Name: "watch.paths", Kind: KindList, Default: []string{"."}, Effect: EffectRewatch,
		Doc: "directories to watch, relative to the project root; symlinks inside them are not followed (list a linked directory here to watch it)"},
	{Name: "watch.globs", Kind: KindList, Default: []string{"**/*"}, Effect: EffectRewatch,
		Doc: "files whose changes count (doublestar globs, relative to the project root)", check: checkGlobs},
	{Name: "watch.reload", Kind: KindList, Default: []string{}, Effect: EffectRewatch,
		Doc: "files whose changes restart nothing and reload the open pages (stylesheets swapped in place when only .css changed): templates and assets an app reads from disk at each request (doublestar globs)", check: checkGlobs},
	{Name: "watch.ignore", Kind: KindList, Default: defaultIgnoreGlobs(), Effect: EffectRewatch,
		Doc: "globs of files and directories to ignore; ignored directories are never walked (editors' swap and backup files are always ignored); a glob that starts with / matches from the project root only; the default leaves out version control, dependencies and what apps write as they run (logs, caches, databases; docs/CONFIG.md says why each)", check: checkGlobs},
	{Name: "watch.gitignore", Kind: KindBool, Default: true, Effect: EffectRewatch,
		Doc: "also leave out what .gitignore and .ignore files ignore (nested ones and negations too, and those above a watch path up to the project root; not in watch.mode radovskyb)"},
	{Name: "watch.interval", Kind: KindDuration, Default: 500 * time.Millisecond, Flag: "poll-interval",
		FlagAliases: []string{"watch-interval"}, Effect: EffectRewatch,
		Doc: "how often the tree is polled for changes", check: checkInterval},
	{Name: "watch.clear_screen", Kind: KindBool, Default: false,
		Doc: "clear the terminal before each restart for changed files, so that what follows is the new run's alone"},
	{Name: "watch.debounce", Kind: KindDuration, Default: 50 * time.Millisecond,
		Doc: "quiet time that ends a burst of changes; a burst gives one restart", check: checkNonNegative, Effect: EffectRewatch},
	{Name: "tls.auto", Kind: KindBool, Default: false, Flag: "https",
		Doc: "serve HTTPS with a certificate devserver makes for localhost, loopback and this machine's addresses, from a local CA kept in .devserver/tls (tls.cert and tls.key win when set); the file may say just tls: auto (in TOML, tls = \"auto\")", Effect: EffectRebind},
	{Name: "tls.cert", Kind: KindString, Default: "",
		Doc: "PEM certificate file; serve HTTPS when set together with tls.key", Effect: EffectRebind},
	{Name: "tls.key", Kind: KindString, Default: "",
		Doc: "PEM private key file for tls.cert", Effect: EffectRebind},

	// A process's keys: "*" stands for its name (processes.NAME.run).
	{Name: "processes.*.run", Kind: KindString, Default: "", Effect: EffectProcesses,
		Doc: "shell command of a process that runs beside the app (a CSS or JS watcher, a worker, a queue consumer, a frontend's dev server with http: true); devserver starts it with the app, prefixes its output with its name and stops its whole tree with the app's"},
	{Name: "processes.*.build", Kind: KindString, Default: "", Effect: EffectProcesses,
		Doc: "shell command run before each (re)start of the process; what it writes never counts as a change"},
	{Name: "processes.*.env", Kind: KindMap, Default: map[string]string{}, Effect: EffectProcesses,
		Doc: "extra environment for the process's build and run (app.env is not given to it)", check: checkEnvNames},
	{Name: "processes.*.env_file", Kind: KindList, Default: []string{".env"}, Effect: EffectProcesses,
		Doc: "dotenv files whose variables the process gets, below its env and devserver's own environment; a change restarts it"},
	{Name: "processes.*.watch", Kind: KindList, Default: []string{"**/*"}, Effect: EffectProcesses | EffectRewatch,
		Doc: "files whose changes restart the process (doublestar globs, like watch.globs, which are the app's); watch.paths and watch.ignore apply to all", check: checkGlobs},
	{Name: "processes.*.reload", Kind: KindList, Default: []string{}, Effect: EffectRewatch,
		Doc: "files whose changes do not restart the process and reload the open pages (as watch.reload, which no unit restarts for)", check: checkGlobs},
	{Name: "processes.*.http", Kind: KindBool, Default: false, Effect: EffectProcesses | EffectReload,
		Doc: "the process serves HTTP on $PORT (a fresh port each start, as the app's): it can be the target of routes, and requests to it wait while it restarts"},
	{Name: "processes.*.port", Kind: KindInt, Default: 0, Min: 0, Max: 65535, Noun: "a port number", Effect: EffectProcesses | EffectReload,
		Doc: "a fixed port for a tool that must keep one (0: a fresh $PORT each start); its restart waits for the port to be free"},
	{Name: "processes.*.ready_path", Kind: KindString, Default: "", Effect: EffectProcesses, check: checkPathOrEmpty,
		Doc: "as app.ready_path, for a process with http: true"},
	{Name: "processes.*.ready_log", Kind: KindString, Default: "", Effect: EffectProcesses, check: checkRegexp,
		Doc: "as app.ready_log: the process is ready once a line of its output matches"},
	{Name: "processes.*.ready_command", Kind: KindString, Default: "", Effect: EffectProcesses,
		Doc: "as app.ready_command: the process is ready once this command exits 0"},
	{Name: "processes.*.depends_on", Kind: KindList, Default: []string{}, Effect: EffectProcesses,
		Doc: "units (app, other processes) the process starts after, once each is ready; it stops before them"},
	{Name: "processes.*.restart", Kind: KindEnum, Default: "change", Allowed: restartPolicies, Effect: EffectProcesses | EffectRewatch,
		Doc: "change: restart the process when a file of its watch globs changes; never: keep it running (a tool that watches files itself, such as tailwindcss --watch); on-failure and always: as change, and also after it exits with a non-zero status (on-failure) or at all (always), after a wait that doubles from 0.5s to 30s"},
}

// restartPolicies are what an exit or a change does to a unit (app.restart,
// processes.NAME.restart).
var restartPolicies = []string{"change", "never", "on-failure", "always"}

// Keys returns the key table, in the order docs and output list keys. A
// process's keys are templates: "*" in their names stands for its name.
func Keys() []Key {
	return append([]Key(nil), keys...)
}

// LookupKey returns the key named name; a process's key, such as
// "processes.web.run", comes with its name filled in.
func LookupKey(name string) (Key, bool) {
	want, process := name, ""
	if p, field, ok := processKey(name); ok {
		want, process = processTemplate+field, p
	}
	for _, k := range keys {
		if k.Name == want {
			return k.instance(process), true
		}
	}
	return Key{}, false
}

// Flag describes a command-line flag that overrides a key.
type Flag struct {
	Name    string // long name, without dashes
	Short   string // one-letter form, or ""
	Key     string // the key it sets
	Bool    bool   // takes no value
	Negated bool   // sets a boolean key to false
	Hidden  bool   // an alias, left out of help
	Usage   string
}

// Flags returns the override flags, derived from the key table.
func Flags() []Flag {
	var fs []Flag
	for _, k := range keys {
		if k.Flag == "" {
			continue
		}
		usage := k.Doc
		if k.Negated {
			usage = "turn off: " + usage
		}
		f := Flag{Name: k.Flag, Short: k.Short, Key: k.Name, Bool: k.Kind == KindBool, Negated: k.Negated, Usage: usage}
		fs = append(fs, f)
		for _, a := range k.FlagAliases {
			alias := f
			alias.Name, alias.Short, alias.Hidden = a, "", true
			fs = append(fs, alias)
		}
		if k.OffFlag != "" {
			fs = append(fs, Flag{Name: k.OffFlag, Key: k.Name, Bool: true, Negated: true, Usage: "turn off: " + k.Doc})
		}
	}
	return fs
}

// lookupFlag returns the flag named name.
func lookupFlag(name string) (Flag, bool) {
	for _, f := range Flags() {
		if f.Name == name {
			return f, true
		}
	}
	return Flag{}, false
}

// sections are the key paths that hold other keys.
// shorthands are scalar values a section accepts for one of its keys:
// "tls: auto" is "tls: {auto: true}".
var shorthands = map[string]struct{ value, key string }{
	"tls": {"auto", "tls.auto"},
}

func isSection(path string) bool {
	if _, ok := processSection(path); ok {
		return true
	}
	prefix := path + "."
	for _, k := range keys {
		if strings.HasPrefix(k.Name, prefix) {
			return true
		}
	}
	return false
}
