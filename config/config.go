// Package config owns devserver's configuration: the schema (one typed
// Config and the key table behind it), defaults, discovery of the config file,
// YAML and TOML loading, the local overlay, profiles, DEVSERVER_* environment
// and flag overrides, validation with file:line:col positions, the provenance
// of every effective value, and the difference between two configs.
//
// It reads each file once, with its own parser: keys keep their case (app.env
// names) and every value its file:line:col, which viper's reading loses; the
// values are decoded by the libraries viper uses (yaml.v3, go-toml v2), and
// TestViperAgrees holds the layering to viper's own. It does not watch files, start
// processes or listen on sockets: it turns files, environment and flags into a
// Config, and callers load again when something changes.
package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"time"
)

// Config is the effective configuration of one run. Nobody mutates a Config;
// a reload builds a new one. Field tags name the keys of the key table.
type Config struct {
	// Root is the project root: the config file's directory, or the working
	// directory when there is no file. Relative paths resolve against it.
	Root string `key:"-"`
	// Profile is the chosen profile, "" for the base alone.
	Profile string `key:"-"`

	Addr         string   `key:"addr"`
	Port         int      `key:"port"`
	IPv6         bool     `key:"ipv6"`
	StrictPort   bool     `key:"strict_port"`
	QueueSize    int      `key:"queue_size"`
	AllowedHosts []string `key:"allowed_hosts"`
	App          App      `key:"app"`
	Static       Static   `key:"static"`
	Watch        Watch    `key:"watch"`
	LiveReload   bool     `key:"livereload"`
	// LiveReloadErrors has the pages' script report their errors.
	LiveReloadErrors bool `key:"livereload_errors"`
	TLS              TLS  `key:"tls"`
	// Routes map URL path prefixes to what serves them: "app", a process's
	// name or a URL.
	Routes map[string]string `key:"routes"`
	// Processes run beside the app, by name.
	Processes map[string]Process `key:"processes"`
}

// App is how the user's app is built and run.
type App struct {
	Build        string            `key:"build"`
	Run          string            `key:"run"`
	HTTP         bool              `key:"http"`
	Env          map[string]string `key:"env"`
	EnvFile      []string          `key:"env_file"`
	ReadyTimeout time.Duration     `key:"ready_timeout"`
	ReadyPath    string            `key:"ready_path"`
	ReadyLog     string            `key:"ready_log"`
	ReadyCommand string            `key:"ready_command"`
	DependsOn    []string          `key:"depends_on"`
	Restart      string            `key:"restart"`
	StopSignal   string            `key:"stop_signal"`
	StopTimeout  time.Duration     `key:"stop_timeout"`
}

// Static is the directory served as files.
type Static struct {
	Dir    string `key:"dir"`
	Prefix string `key:"prefix"`
}

// Watch is what the poller watches and how often.
type Watch struct {
	Enabled   bool          `key:"enabled"`
	Mode      string        `key:"mode"`
	Paths     []string      `key:"paths"`
	Globs     []string      `key:"globs"`
	Reload    []string      `key:"reload"`
	Ignore    []string      `key:"ignore"`
	Gitignore bool          `key:"gitignore"`
	Interval  time.Duration `key:"interval"`
	Debounce  time.Duration `key:"debounce"`
	// ClearScreen clears the terminal before each restart for changes.
	ClearScreen bool `key:"clear_screen"`
}

// TLS is the certificate to serve HTTPS with: Cert and Key, or else, with
// Auto, one that devserver makes itself.
type TLS struct {
	Auto bool   `key:"auto"`
	Cert string `key:"cert"`
	Key  string `key:"key"`
}

// HTTPS reports whether the server speaks HTTPS.
func (t TLS) HTTPS() bool { return t.Auto || t.Cert != "" }

// Abs resolves a path from the config against the project root.
func (c *Config) Abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(c.Root, path)
}

// ServedDir is the directory devserver serves files from itself, as an
// absolute path: static.dir, or the project root when there is no app
// serving HTTP and no route for /; ""
// when it serves none. The front server, the banner and the choice between
// restarting the app and reloading pages all ask it.
func (c *Config) ServedDir() string {
	switch {
	case c.Static.Dir != "":
		return c.Abs(c.Static.Dir)
	case c.App.Run == "" || !c.App.HTTP:
		for _, r := range c.RouteList() {
			if r.Prefix == "/" {
				return "" // a route takes what the project root would serve
			}
		}
		return c.Root
	}
	return ""
}

// Get returns the value of the key named name, typed as its Config field, or
// nil for a name that is not a key.
func (c *Config) Get(name string) any {
	if p, f, ok := processKey(name); ok {
		return c.processGet(p, f)
	}
	f := field(reflect.ValueOf(c).Elem(), name)
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

// set stores a decoded value in the field of the key; the key table and the
// struct tags agree (a test walks both).
func (c *Config) set(name string, v any) {
	if p, f, ok := processKey(name); ok {
		c.processSet(p, f, v)
		return
	}
	field(reflect.ValueOf(c).Elem(), name).Set(reflect.ValueOf(v))
}

// field finds the struct field for a dotted key path.
func field(v reflect.Value, name string) reflect.Value {
	for part := range strings.SplitSeq(name, ".") {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}
		}
		t, found := v.Type(), false
		for i := range t.NumField() {
			if t.Field(i).Tag.Get("key") == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			return reflect.Value{}
		}
	}
	return v
}
