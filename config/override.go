package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// envLayer reads the DEVSERVER_* variables that name keys; any other is
// ignored, with a warning when it looks like a typo of one.
func envLayer(env map[string]string, processes []string, e *errs) settings {
	out := settings{}
	byEnv := map[string]Key{}
	var names []string
	for _, k := range keysFor(processes) {
		byEnv[k.Env()] = k
		names = append(names, k.Env())
	}
	names = append(names, EnvConfig, EnvProfile, EnvLogFormat)
	for name, value := range env {
		if name == EnvConfig || name == EnvProfile || name == EnvLogFormat {
			continue
		}
		src := Source{Layer: LayerEnv, Env: name}
		k, ok := byEnv[name]
		if !ok {
			k, ok = envProcessKey(name, processes)
			if p, _, _ := processKey(k.Name); ok && processNameProblem(p) != "" {
				e.at(src, "", processNameProblem(p))
				continue
			}
		}
		if !ok {
			// Another tool's variable (DEVSERVER_BIN) must not stop devserver;
			// a typo of one of its own is worth a word.
			if s := suggest(name, names); s != "" {
				e.warn(src, fmt.Sprintf("unknown variable, ignored (did you mean %s?)", s))
			}
			continue
		}
		v, problem := decodeString(k, value)
		if problem != "" {
			e.at(src, k.Name, problem)
			continue
		}
		out[k.Name] = entriesFor(k, setting{value: v, src: src})
	}
	return out
}

// entriesFor gives a map value from env or flags one source for every entry.
func entriesFor(k Key, s setting) setting {
	if k.Kind == KindMap {
		s.entries = map[string]Source{}
		for name := range s.value.(map[string]string) {
			s.entries[name] = s.src
		}
	}
	return s
}

// flagLayer reads the override flags and the ADDRPORT argument.
func flagLayer(opts Options, e *errs) settings {
	out := settings{}
	for name, value := range opts.Flags {
		if name == "config" || name == "profile" {
			continue
		}
		src := Source{Layer: LayerFlag, Flag: name}
		f, ok := lookupFlag(name)
		if !ok {
			e.at(src, "", "not a devserver flag")
			continue
		}
		k, _ := LookupKey(f.Key)
		v, problem := decodeString(k, value)
		if problem != "" {
			e.at(src, k.Name, problem)
			continue
		}
		if f.Negated {
			v = !v.(bool)
		}
		if prev, dup := out[k.Name]; dup {
			e.at(src, k.Name, fmt.Sprintf("also set by %s; give it once", prev.src.flagName()))
			continue
		}
		out[k.Name] = entriesFor(k, setting{value: v, src: src})
	}
	if opts.AddrPort == "" {
		return out
	}
	src := Source{Layer: LayerFlag, Arg: opts.AddrPort}
	ap, err := ParseAddrPort(opts.AddrPort)
	if err != nil {
		e.at(src, "", err.Error())
		return out
	}
	set := func(key string, v any) {
		if prev, dup := out[key]; dup {
			e.at(src, key, fmt.Sprintf("also set by %s; give it once", prev.src.flagName()))
			return
		}
		out[key] = setting{value: v, src: src}
	}
	if ap.Addr != "" {
		set("addr", ap.Addr)
	}
	set("port", ap.Port)
	if ap.IPv6 {
		set("ipv6", true)
	}
	return out
}

// AddrPort is a parsed ADDRPORT argument.
type AddrPort struct {
	Addr string // "" when only a port was given
	Port int
	IPv6 bool // the address is an IPv6 literal
}

// ParseAddrPort parses ADDRPORT as Django's runserver does: "9000",
// "0.0.0.0:9000", "localhost:9000", "[::1]:9000", and "0:9000" for every
// interface; and as Go does, ":9000" for a port on the configured address.
func ParseAddrPort(s string) (AddrPort, error) {
	bad := fmt.Errorf("not a port or address:port (e.g. 9000, 0.0.0.0:9000, [::1]:9000)")
	portKey, _ := LookupKey("port")
	var ap AddrPort
	if strings.HasPrefix(s, "[") && !strings.Contains(s, "]:") {
		return ap, fmt.Errorf("%s has no port (an IPv6 address and a port: [::1]:9000)", s)
	}
	host, port := "", s
	if i := strings.LastIndex(s, ":"); i >= 0 {
		host, port = s[:i], s[i+1:]
		if host == "0" {
			host = "0.0.0.0" // runserver's shorthand
		}
	}
	p, problem := decodeString(portKey, port)
	if problem != "" || strings.TrimSpace(port) != port || port == "" {
		if host == "" {
			return ap, bad
		}
		return ap, fmt.Errorf("port %s", rangeProblem(portKey, fmt.Sprintf("%q", port)))
	}
	ap.Port = p.(int)
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() {
			return ap, fmt.Errorf("%q is not an IPv6 address", host)
		}
		ap.Addr, ap.IPv6 = a.String(), true
		return ap, nil
	}
	if host != "" {
		if problem := checkAddr(host); problem != "" {
			return ap, errors.New(problem)
		}
		ap.Addr = host
	}
	return ap, nil
}

func environMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(name, EnvPrefix) {
			m[name] = value
		}
	}
	return m
}
