package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// scanner is devserver's own polling scanner: os.ReadDir and one lstat per
// entry, ignored directories pruned, and per directory a compact record of
// its entries (sorted by name, as ReadDir gives them) that each scan diffs
// and updates in place. No map is rebuilt per scan and no os.FileInfo is
// kept. Symbolic links inside the roots are recorded as links, never
// followed.
//
// It is not safe for concurrent use: its engine calls it from one
// goroutine.
type scanner struct {
	t       *tree
	log     *slog.Logger
	dirs    map[string]*dirState   // by absolute path
	n       int                    // scans done
	files   atomic.Int64           // files recorded, as of the last full scan
	gone    map[string]bool        // roots found missing, said once
	outer   map[string]ignoreStack // per root, the ignore files above it in the project
	errSaid said
}

// dirState is what the last scan saw in one directory.
type dirState struct {
	entries    []entry     // sorted by name: counted files and walked directories
	files      int         // of its entries, those that are files
	rules      *rules      // of its own .gitignore and .ignore, if any
	stack      ignoreStack // the rules for its entries: its own and its ancestors'
	skipped    []skip      // sorted by name: the entries the last scan's stack ignored
	seen       int         // the scan that last read it
	unreadable bool        // said once; its entries are kept as they were
}

// entry is one file or directory, in 40-odd bytes.
type entry struct {
	name  string
	size  int64
	mtime int64 // Unix nanoseconds
	ino   uint64
	mode  fs.FileMode
}

func (e entry) isDir() bool { return e.mode.IsDir() }

// skip is an entry the ignore rules left out.
type skip struct {
	name string
	dir  bool
}

// same reports whether a file looks unchanged: a rewrite within the mtime's
// resolution (FAT, some SMB, tools that keep mtimes) shows in the size or
// the inode, and an mtime that moves backwards is a change too.
func (e entry) same(o entry) bool {
	return e.size == o.size && e.mtime == o.mtime && e.ino == o.ino && e.mode == o.mode
}

func entryOf(name string, info fs.FileInfo) entry {
	return entry{name: name, size: info.Size(), mtime: info.ModTime().UnixNano(), ino: fileID(info), mode: info.Mode()}
}

func newScanner(t *tree, log *slog.Logger) *scanner {
	return &scanner{t: t, log: log, dirs: map[string]*dirState{}, gone: map[string]bool{}, errSaid: said{},
		outer: map[string]ignoreStack{}}
}

// full scans every root and returns the files (relative, as tree.rel)
// created, changed or removed since the previous scan; the first scan only
// records.
func (s *scanner) full() []string {
	s.n++
	var changed []string
	for _, r := range s.t.roots {
		s.root(r, &changed)
	}
	s.sweep(&changed)
	s.count()
	return changed
}

// root scans one root, and says when it vanishes and comes back.
func (s *scanner) root(r string, changed *[]string) {
	st, err := os.Stat(r)
	if err != nil || !st.IsDir() {
		if !s.gone[r] {
			s.gone[r] = true
			if s.n > 1 {
				s.log.Warn("a watched directory was removed; watching for it to come back", "dir", s.t.rel(r))
			}
		}
		return
	}
	if s.gone[r] {
		delete(s.gone, r)
		if s.n > 1 {
			s.log.Info("watched directory is back", "dir", s.t.rel(r))
		}
	}
	outer, ok := s.outer[r]
	if !ok && s.t.gitignore {
		outer = outerRules(s.t.root, r, s.ignoreUnread)
		s.outer[r] = outer
	}
	s.dir(r, true, outer, changed)
}

// partial rescans the directories at paths (their new subdirectories
// included) and returns what changed in them; an event said they changed.
// Nothing is swept: a removed directory shows in its parent's entries.
func (s *scanner) partial(paths []string) []string {
	s.n++
	var changed []string
	for _, p := range paths {
		if d := s.dirs[p]; d != nil && d.seen != s.n {
			s.dir(p, false, s.parentStack(p), &changed)
		}
	}
	return changed
}

// dir reads the directory at path and diffs it against its record. With
// deep it walks every subdirectory too; without, only the new ones.
func (s *scanner) dir(path string, deep bool, parent ignoreStack, changed *[]string) {
	d := s.dirs[path]
	if d == nil {
		d = &dirState{}
		s.dirs[path] = d
	}
	scanned := d.seen > 0
	d.seen = s.n
	list, err := os.ReadDir(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		return // gone: its parent's diff or the sweep reports its files
	case errors.Is(err, fs.ErrPermission):
		if !d.unreadable {
			d.unreadable = true
			s.log.Warn("cannot read directory; watching around it until it can be read", "dir", s.t.rel(path))
		}
		s.keep(path)
		return
	default:
		// Out of file descriptors, a flaky share: what was known stays.
		s.errSaid.warn(s.log, "watch error", err)
		s.keep(path)
		return
	}
	if d.unreadable {
		d.unreadable = false
		s.log.Info("directory readable again", "dir", s.t.rel(path))
	}
	last := d.stack
	d.stack = parent
	if s.t.gitignore {
		d.rules = readRules(path, list, d.rules, s.ignoreUnread)
		d.stack = parent.push(path, d.rules)
	}
	v := verdicts{stack: d.stack, known: scanned && last.same(d.stack), kept: d.entries, skipped: d.skipped}
	d.entries, d.files, d.skipped = s.diff(path, d.entries, list, v, changed)
	for _, e := range d.entries {
		if !e.isDir() {
			continue
		}
		sub := path + string(filepath.Separator) + e.name
		if sd := s.dirs[sub]; (deep || sd == nil) && (sd == nil || sd.seen != s.n) {
			s.dir(sub, deep, d.stack, changed)
		}
	}
}

// diff compares a directory's new listing with its old entries, reports
// what was created, changed or removed (not in the first scan), and
// returns the new entries (old's own array, updated in place, unless
// something was created), how many of them are files, and the entries the
// ignore rules left out.
func (s *scanner) diff(dir string, old []entry, list []fs.DirEntry, v verdicts, changed *[]string) ([]entry, int, []skip) {
	report := s.n > 1
	files := 0
	var skipped []skip
	out := old[:0] // written behind k while nothing is created
	k := 0
	copied := false
	for _, de := range list {
		name := de.Name()
		path := dir + string(filepath.Separator) + name
		if s.t.visit != nil {
			s.t.visit(path)
		}
		if de.IsDir() && !s.t.enters(path) || !de.IsDir() && !s.t.counts(path, name) {
			continue
		}
		if v.ignores(path, name, de.IsDir(), s.t.matched) && !s.t.owns(path) {
			skipped = append(skipped, skip{name, de.IsDir()})
			continue
		}
		cur := entry{name: name, mode: fs.ModeDir} // a directory's own times are never compared
		if !de.IsDir() {
			info, err := de.Info() // lstat: a link is recorded, not followed
			if err != nil {
				continue // vanished since the listing: as if not listed
			}
			cur = entryOf(name, info)
			files++
		}
		for k < len(old) && old[k].name < name {
			s.removed(dir, old[k], report, changed)
			k++
		}
		if k < len(old) && old[k].name == name {
			prev := old[k]
			k++
			if prev.isDir() != cur.isDir() {
				s.removed(dir, prev, report, changed)
				s.created(path, cur, report, changed)
			} else if !cur.isDir() && !prev.same(cur) && report {
				*changed = append(*changed, s.t.rel(path))
			}
			cur.name = prev.name // keep the old string; the new one is garbage
			out = append(out, cur)
			continue
		}
		s.created(path, cur, report, changed)
		if !copied { // out would overtake old[k]: go on in a new array
			out = append(make([]entry, 0, len(list)), out...)
			copied = true
		}
		out = append(out, cur)
	}
	for ; k < len(old); k++ {
		s.removed(dir, old[k], report, changed)
	}
	return out, files, skipped
}

func (s *scanner) created(path string, e entry, report bool, changed *[]string) {
	if report && !e.isDir() {
		*changed = append(*changed, s.t.rel(path))
	} // a new directory's files are reported as its own scan finds them
}

// removed reports a file that is gone, or every file under a directory
// that is gone, and forgets them.
func (s *scanner) removed(dir string, e entry, report bool, changed *[]string) {
	path := dir + string(filepath.Separator) + e.name
	if !e.isDir() {
		if report {
			*changed = append(*changed, s.t.rel(path))
		}
		return
	}
	s.forget(path, report, changed)
}

// forget drops the directory at path and every one under it, reporting
// their files as removed.
func (s *scanner) forget(path string, report bool, changed *[]string) {
	prefix := path + string(filepath.Separator)
	for p, d := range s.dirs {
		if p != path && !strings.HasPrefix(p, prefix) {
			continue
		}
		if report {
			for _, e := range d.entries {
				if !e.isDir() {
					*changed = append(*changed, s.t.rel(p+string(filepath.Separator)+e.name))
				}
			}
		}
		delete(s.dirs, p)
	}
}

// keep marks every directory under path as seen: an unreadable directory
// keeps what was known of it.
func (s *scanner) keep(path string) {
	prefix := path + string(filepath.Separator)
	for p, d := range s.dirs {
		if strings.HasPrefix(p, prefix) {
			d.seen = s.n
		}
	}
}

// sweep forgets the directories a full scan did not reach: a root that
// vanished, and reports their files as removed.
func (s *scanner) sweep(changed *[]string) {
	for p, d := range s.dirs {
		if d.seen != s.n {
			s.forget(p, s.n > 1, changed)
		}
	}
}

// ignoreUnread says once per file and error that an ignore file could not be
// read (over its size cap, say): its rules count for nothing meanwhile.
func (s *scanner) ignoreUnread(path string, err error) {
	s.errSaid.warn(s.log, "ignore file not read; its rules are not applied", fmt.Errorf("%s: %w", s.t.rel(path), err))
}

// parentStack is the ignore rules in force in path's parent: the parent's
// own stack, or for a root the ignore files above it.
func (s *scanner) parentStack(path string) ignoreStack {
	if d := s.dirs[filepath.Dir(path)]; d != nil {
		return d.stack
	}
	return s.outer[path]
}

// count counts the files recorded, from each directory's count.
func (s *scanner) count() {
	n := 0
	for _, d := range s.dirs {
		n += d.files
	}
	s.files.Store(int64(n))
}
