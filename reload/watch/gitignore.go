package watch

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/devserver/devserver/internal/textfile"
)

// ignoreFiles are the files whose patterns a directory's entries are left
// out by, as git (and ripgrep, for .ignore) reads them.
var ignoreFiles = []string{".gitignore", ".ignore"}

// rules are the patterns of one directory's ignore files.
type rules struct {
	list []rule
	stat [2]entry // of the files they came from, to see them change
}

// rule is one line of an ignore file.
type rule struct {
	pattern  string // a doublestar pattern, without ! and the trailing /
	negate   bool   // "!…": the path is not ignored after all
	dirOnly  bool   // "…/": directories only
	anchored bool   // has a / before its end: relative to the file's directory, not any name
	file     uint8  // which of ignoreFiles it is written in
	line     int32  // and on which line, for Explain (in the padding: no cost)
	name     string // a plain name (or anchored path): compared, not matched
	suffix   string // "*.log": the name's end compared, not matched
	prefix   string // a glob's literal start ("docs/" of "docs/**/*.md"): compared before matching
}

// matches reports whether the rule's pattern matches a name (or, anchored,
// a path relative to the ignore file's directory). Most lines of real
// ignore files are names or "*.ext", which cost a comparison; every entry
// of every scan is checked.
func (r *rule) matches(target string) bool {
	switch {
	case r.name != "":
		return target == r.name
	case r.suffix != "":
		return strings.HasSuffix(target, r.suffix)
	case !strings.HasPrefix(target, r.prefix):
		return false
	}
	ok, _ := doublestar.Match(r.pattern, target)
	return ok
}

// parseRules reads the lines of an ignore file as git does: comments,
// blank lines, negation, a trailing / for directories, and a / elsewhere
// anchoring the pattern to the file's directory.
func parseRules(data []byte, file uint8) []rule {
	var out []rule
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := int32(1); sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := rule{file: file, line: n}
		if strings.HasPrefix(line, "!") {
			r.negate, line = true, line[1:]
		} else if strings.HasPrefix(line, `\`) {
			line = line[1:] // \# and \! stand for themselves
		}
		if strings.HasSuffix(line, "/") {
			r.dirOnly, line = true, strings.TrimRight(line, "/")
		}
		if strings.Contains(line, "/") {
			r.anchored, line = true, strings.TrimPrefix(line, "/")
		}
		if line == "" || !doublestar.ValidatePattern(line) {
			continue
		}
		r.pattern = line
		const meta = "*?[{\\"
		rest, star := strings.CutPrefix(line, "*")
		switch {
		case !strings.ContainsAny(line, meta):
			r.name = line
		case !r.anchored && star && rest != "" && !strings.ContainsAny(rest, meta):
			r.suffix = rest
		default: // the name or path must start with the pattern's literal part
			r.prefix = line[:strings.IndexAny(line, meta)]
		}
		out = append(out, r)
	}
	return out
}

// ignoreStack is the rules that apply in one directory: its own and its
// ancestors', outermost first, each with the directory it came from.
type ignoreStack []scoped

type scoped struct {
	dir   string // with a separator at its end
	rules *rules
}

// push returns the stack with dir's rules on top (the same stack when it
// has none).
func (st ignoreStack) push(dir string, r *rules) ignoreStack {
	if r == nil || len(r.list) == 0 {
		return st
	}
	return append(st[:len(st):len(st)], scoped{dir + string(filepath.Separator), r})
}

// same reports whether two stacks hold the same rules: a directory's
// verdicts of the last scan still hold.
func (st ignoreStack) same(o ignoreStack) bool {
	if len(st) != len(o) {
		return false
	}
	for i := range st {
		if st[i].rules != o[i].rules {
			return false
		}
	}
	return true
}

// verdicts are what the ignore rules said of one directory's entries in its
// last scan. While the rules in force are the same, an entry listed then
// keeps its verdict and costs a lookup, not a match against every rule: an
// unchanged directory costs no matching, however long its .gitignore.
type verdicts struct {
	stack   ignoreStack
	known   bool    // the last scan's verdicts were made with stack
	kept    []entry // sorted by name: those not ignored
	skipped []skip  // sorted by name: those ignored
}

// ignores reports whether the entry is left out. matched, if set, is told
// of each entry the rules are matched against (tests).
func (v verdicts) ignores(path, name string, dir bool, matched func(string)) bool {
	if len(v.stack) == 0 {
		return false
	}
	if v.known {
		if i, ok := slices.BinarySearchFunc(v.kept, name, func(e entry, n string) int { return strings.Compare(e.name, n) }); ok && v.kept[i].isDir() == dir {
			return false
		}
		if i, ok := slices.BinarySearchFunc(v.skipped, name, func(e skip, n string) int { return strings.Compare(e.name, n) }); ok && v.skipped[i].dir == dir {
			return true
		}
	}
	if matched != nil {
		matched(path)
	}
	return v.stack.ignores(path, name, dir)
}

// ignores reports whether the entry at path (a directory or not) is left
// out: the last pattern that matches it decides, as in git.
func (st ignoreStack) ignores(path, name string, dir bool) bool {
	_, _, ignored := st.decides(path, name, dir)
	return ignored
}

// decides returns the rule that decides whether the entry at path is left
// out and the directory of its file (nil and "" when none matches), and
// whether it is.
func (st ignoreStack) decides(path, name string, dir bool) (string, *rule, bool) {
	var (
		byDir string
		by    *rule
	)
	ignored := false
	for _, s := range st {
		var rel string
		for i := range s.rules.list {
			r := &s.rules.list[i] // rules are read-only; a copy per entry would cost more than the match
			if r.dirOnly && !dir || r.negate != ignored {
				continue // cannot match, or would change nothing
			}
			target := name
			if r.anchored {
				if rel == "" {
					rel = filepath.ToSlash(strings.TrimPrefix(path, s.dir))
				}
				target = rel
			}
			if r.matches(target) {
				ignored, by, byDir = !r.negate, r, s.dir
			}
		}
	}
	return byDir, by, ignored
}

// readRules reads dir's ignore files, or returns have when their stats are
// unchanged. list is dir's listing, sorted by name. A file that cannot be
// read is told to unread (once per change of it) and counts as empty.
func readRules(dir string, list []fs.DirEntry, have *rules, unread func(path string, err error)) *rules {
	var stat [2]entry
	found := false
	for i, name := range ignoreFiles {
		if de := lookup(list, name); de != nil {
			if info, err := de.Info(); err == nil && info.Mode().IsRegular() {
				stat[i], found = entryOf(name, info), true
			}
		}
	}
	if !found {
		return nil
	}
	if have != nil && have.stat == stat {
		return have
	}
	r := &rules{stat: stat}
	for i, name := range ignoreFiles {
		if stat[i].name == "" {
			continue
		}
		data, err := textfile.Read(filepath.Join(dir, name), textfile.MaxConfig)
		if err != nil {
			unread(filepath.Join(dir, name), err)
			continue
		}
		r.list = append(r.list, parseRules(data, uint8(i))...)
	}
	return r
}

// lookup finds name in a sorted listing.
func lookup(list []fs.DirEntry, name string) fs.DirEntry {
	lo, hi := 0, len(list)
	for lo < hi {
		m := (lo + hi) / 2
		if list[m].Name() < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(list) && list[lo].Name() == name {
		return list[lo]
	}
	return nil
}

// outerRules is the stack of the directories from the project root down
// to root, root excluded: a .gitignore at the top applies to a watch path
// below it.
func outerRules(project, root string, unread func(string, error)) ignoreStack {
	var st ignoreStack
	rel, err := filepath.Rel(project, root)
	if err != nil || !filepath.IsLocal(rel) {
		return nil
	}
	dir := project
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		list, err := os.ReadDir(dir)
		if err == nil {
			st = st.push(dir, readRules(dir, list, nil, unread))
		}
		dir = filepath.Join(dir, part)
	}
	return st
}
