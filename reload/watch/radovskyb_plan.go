package watch

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// plan chooses what the library walks. The library's walk stops at the
// first directory it cannot read (filepath.Walk reads a directory before
// any hook may skip it), and everything after it goes unseen. So around
// each unreadable directory the plan lists its ancestors flat and walks
// their other subdirectories recursively.
func (p *radovskyb) plan() (recursive []string, flat map[string]bool) {
	p.mu.Lock()
	blocked := make([]string, 0, len(p.unreadable))
	for d := range p.unreadable {
		blocked = append(blocked, d)
	}
	p.mu.Unlock()
	flat = map[string]bool{}
	var split func(dir string)
	split = func(dir string) {
		flat[dir] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			child := filepath.Join(dir, e.Name())
			if !e.IsDir() || slices.Contains(blocked, child) || p.ignore.match(p.rel(child)) {
				continue
			}
			if containsAny(child, blocked) {
				split(child)
			} else {
				recursive = append(recursive, child)
			}
		}
	}
	for _, r := range p.roots {
		if containsAny(r, blocked) {
			split(r)
		} else {
			recursive = append(recursive, r)
		}
	}
	return recursive, flat
}

// containsAny reports whether one of paths lies under dir.
func containsAny(dir string, paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) })
}

// unreadableDir tells whether a walk error is a directory this process may
// not read.
func unreadableDir(err error) (string, bool) {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrPermission) {
		return pe.Path, true
	}
	return "", false
}

func (p *radovskyb) takeReplan() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.replan
	p.replan = false
	return r
}

// readableAgain forgets the directories that can be read again and reports
// whether there were any.
func (p *radovskyb) readableAgain() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	again := false
	for d := range p.unreadable {
		if f, err := os.Open(d); err == nil {
			_, err = f.Readdirnames(1)
			f.Close()
			if err == nil || errors.Is(err, io.EOF) {
				delete(p.unreadable, d)
				p.log.Info("directory readable again", "dir", p.rel(d))
				again = true
			}
		}
	}
	return again
}
