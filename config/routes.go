package config

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// RouteApp is the target of a route to the app.
const RouteApp = "app"

// Route is one entry of routes: requests whose path is Prefix or under it
// go to Unit (the app or a process), or to URL (a server devserver does not
// run).
type Route struct {
	Prefix string
	Unit   string   // "app" or a process's name; "" for a URL
	URL    *url.URL // http://host:port; nil for a unit
}

// RouteList returns the routes, longest prefix first: the order in which a
// request's path is matched against them. Targets were checked by Load.
func (c *Config) RouteList() []Route {
	prefixes := slices.Collect(maps.Keys(c.Routes))
	slices.SortFunc(prefixes, func(a, b string) int {
		if d := len(b) - len(a); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	out := make([]Route, 0, len(prefixes))
	for _, p := range prefixes {
		r := Route{Prefix: strings.TrimSuffix(p, "/")}
		if r.Prefix == "" {
			r.Prefix = "/"
		}
		if u, ok := routeURL(c.Routes[p]); ok {
			r.URL = u
		} else {
			r.Unit = c.Routes[p]
		}
		out = append(out, r)
	}
	return out
}

// routeURL reads a route's target as a URL, when it is one.
func routeURL(target string) (*url.URL, bool) {
	if !strings.Contains(target, "://") {
		return nil, false
	}
	u, err := url.Parse(target)
	return u, err == nil
}

// checkRoutes validates routes on their own: each prefix a path, no two
// the same once a trailing / is dropped, each target a name or an
// http:// URL with a host.
func checkRoutes(v any) string {
	seen := map[string]string{}
	for _, prefix := range slices.Sorted(maps.Keys(v.(map[string]string))) {
		target := v.(map[string]string)[prefix]
		if !strings.HasPrefix(prefix, "/") {
			return fmt.Sprintf("%q must start with / (a URL path prefix)", prefix)
		}
		norm := strings.TrimSuffix(prefix, "/")
		if other, dup := seen[norm]; dup {
			return fmt.Sprintf("%q and %q are the same prefix", other, prefix)
		}
		seen[norm] = prefix
		if target == "" {
			return fmt.Sprintf("%s: no target (app, a process with http: true, or a URL)", prefix)
		}
		if u, ok := routeURL(target); ok && (u.Scheme != "http" || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "") {
			return fmt.Sprintf("%s: %q is not a server's address (http://host:port)", prefix, target)
		} else if !ok && strings.ContainsAny(target, ":/") {
			return fmt.Sprintf("%s: %q is not a server's address (http://host:port)", prefix, target)
		}
	}
	return ""
}

// checkRouteTargets validates what routes name against the rest: a unit
// must exist and serve HTTP.
func checkRouteTargets(cfg *Config, origins map[string]Source, e *errs) {
	units := []string{}
	if cfg.App.Run != "" && cfg.App.HTTP {
		units = append(units, RouteApp)
	}
	for _, name := range cfg.ProcessNames() {
		if cfg.Processes[name].HTTP {
			units = append(units, name)
		}
	}
	for _, r := range cfg.RouteList() {
		if r.Unit == "" || slices.Contains(units, r.Unit) {
			continue
		}
		key := "routes." + cfg.routeKey(r.Prefix)
		switch p, ok := cfg.Processes[r.Unit]; {
		case ok && !p.HTTP:
			e.at(origins[key], key, fmt.Sprintf("process %q serves no HTTP: set processes.%s.http: true, or route to another unit", r.Unit, r.Unit))
		case r.Unit == RouteApp:
			e.at(origins[key], key, "the app serves no HTTP here (app.run is not set, or app.http is false)")
		default:
			msg := fmt.Sprintf("unknown unit %q (units that serve HTTP: %s)", r.Unit, strings.Join(units, ", "))
			if s := suggest(r.Unit, units); s != "" {
				msg = fmt.Sprintf("unknown unit %q (did you mean %s?)", r.Unit, s)
			}
			if len(units) == 0 {
				msg = fmt.Sprintf("unknown unit %q (none serves HTTP: set app.run, or a process's http: true)", r.Unit)
			}
			e.at(origins[key], key, msg)
		}
	}
}

// routeKey is the key routes has for prefix as the file wrote it.
func (c *Config) routeKey(prefix string) string {
	if _, ok := c.Routes[prefix]; ok {
		return prefix
	}
	return prefix + "/"
}
