package config

import (
	"fmt"
	"slices"
	"strings"
)

// StartOrder returns the units in an order each starts after its
// dependencies (names sorted among equals); its reverse is the order to
// stop them. Load refuses cycles, so every unit is in it.
func (c *Config) StartOrder() []string {
	var out []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(u string) {
		if done[u] {
			return
		}
		done[u] = true
		for _, d := range c.DependsOn(u) {
			visit(d)
		}
		out = append(out, u)
	}
	for _, u := range c.Units() {
		visit(u)
	}
	return out
}

// checkDependsOn validates depends_on: each name a unit, not the unit
// itself, and no cycle (named whole: "app → web → app").
func checkDependsOn(cfg *Config, origins map[string]Source, e *errs) {
	units := cfg.Units()
	key := func(u string) string { return UnitKey(u, "depends_on") }
	bad := false
	for _, u := range units {
		for _, d := range cfg.DependsOn(u) {
			switch {
			case d == u:
				e.at(origins[key(u)], key(u), fmt.Sprintf("%q is the unit itself", d))
				bad = true
			case !slices.Contains(units, d):
				msg := fmt.Sprintf("unknown unit %q (units: %s)", d, strings.Join(units, ", "))
				if s := suggest(d, units); s != "" {
					msg = fmt.Sprintf("unknown unit %q (did you mean %s?)", d, s)
				}
				e.at(origins[key(u)], key(u), msg)
				bad = true
			}
		}
	}
	if bad {
		return
	}
	if cycle := findCycle(cfg, units); cycle != nil {
		e.at(origins[key(cycle[0])], key(cycle[0]), "a cycle: "+strings.Join(cycle, " → ")+" (a unit cannot start after itself)")
	}
}

// findCycle returns a cycle of depends_on, its first unit again at its end,
// or nil.
func findCycle(cfg *Config, units []string) []string {
	const (
		unseen = iota
		open
		closed
	)
	mark := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(u string) []string {
		switch mark[u] {
		case open:
			i := slices.Index(path, u)
			return append(slices.Clone(path[i:]), u)
		case closed:
			return nil
		}
		mark[u] = open
		path = append(path, u)
		for _, d := range cfg.DependsOn(u) {
			if c := visit(d); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		mark[u] = closed
		return nil
	}
	for _, u := range units {
		if c := visit(u); c != nil {
			return c
		}
	}
	return nil
}
