package watch

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// patterns match paths as .gitignore does: a pattern without "/" matches
// the name at any depth, one with "/" the path from the root ("/log" is
// the root's log alone, not internal/log). The hook
// matches every walked entry, so plain names are looked up in a set and
// "**/*" (or "*") matches without a call.
type patterns struct {
	all    bool
	names  map[string]bool // patterns without "/" or wildcards
	rooted []string        // patterns that start with "/", without it: matched from the root
	globs  []string        // the rest, for doublestar
}

func compile(list []string) patterns {
	ps := patterns{names: map[string]bool{}}
	for _, p := range list {
		switch {
		case p == "**/*" || p == "*" || p == "**":
			ps.all = true
		case !strings.ContainsAny(p, "/*?[{\\"):
			ps.names[p] = true
		case strings.HasPrefix(p, "/"):
			ps.rooted = append(ps.rooted, p[1:])
		default:
			ps.globs = append(ps.globs, p)
		}
	}
	return ps
}

// editorTemp matches the files editors write around a save (vim's swap
// files, its "4913" write test and "~" backups; Emacs's lock and autosave
// files; JetBrains' safe-write files). They are never changes of their own,
// whatever watch.ignore says: the save itself changes the real file.
func editorTemp(name string) bool {
	switch {
	case name == "4913", strings.HasSuffix(name, "~"),
		strings.HasPrefix(name, ".") && (strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swx") || strings.HasSuffix(name, ".swo")),
		strings.HasPrefix(name, ".#"), strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"),
		strings.HasSuffix(name, "___jb_tmp___"), strings.HasSuffix(name, "___jb_old___"):
		return true
	}
	return false
}

func (ps patterns) match(rel string) bool { return ps.which(rel) != "" }

// which returns the pattern that matches rel, or "".
func (ps patterns) which(rel string) string {
	if ps.all {
		return "**/*"
	}
	name := rel[strings.LastIndexByte(rel, '/')+1:]
	if ps.names[name] {
		return name
	}
	for _, pat := range ps.globs {
		target := rel
		if !strings.Contains(pat, "/") {
			target = name
		}
		if ok, _ := doublestar.Match(pat, target); ok {
			return pat
		}
	}
	for _, pat := range ps.rooted {
		if ok, _ := doublestar.Match(pat, rel); ok {
			return "/" + pat
		}
	}
	return ""
}

// Globs are watch globs compiled, matched as the watcher matches them: a
// glob without "/" matches a name at any depth.
type Globs struct{ ps patterns }

// CompileGlobs compiles list; the config checked that each glob is valid.
func CompileGlobs(list []string) Globs { return Globs{compile(list)} }

// Match reports whether a path as a Batch gives it (relative to the
// project root, with forward slashes) matches one of the globs.
func (g Globs) Match(path string) bool { return g.ps.match(path) }

// Which returns the glob that path matches, or "".
func (g Globs) Which(path string) string { return g.ps.which(path) }
