package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/devserver/devserver/internal/textfile"
)

// Explain says why a change of the file at path (relative to opts.Root,
// or absolute) would not be reported, or "" when it would be: outside
// every watched path, an editor's temporary file, a pattern of
// opts.Ignore ("watch.ignore: *.log"), a line of an ignore file
// (".gitignore:3: *.log"), or no glob. It reads the ignore files along the
// path as a scan does, and needs no watcher running.
func Explain(opts Options, path string) (string, error) {
	t, err := newTree(opts)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(opts.Root, path)
	}
	abs := resolveParent(path)
	rel := t.rel(abs)
	if editorTemp(filepath.Base(abs)) {
		return "an editor's temporary file, never a change of its own", nil
	}
	if rel == StateDir || strings.HasPrefix(rel, StateDir+"/") {
		return "devserver's own state (the local CA, the control channel), never watched", nil
	}
	root := ""
	for _, r := range t.roots {
		if abs == r || under(r, abs) {
			root = r
		}
	}
	if root == "" {
		return "outside the watched paths (watch.paths)", nil
	}
	if why := t.explainWalk(opts, root, abs); why != "" {
		return why, nil
	}
	if !t.globs.match(rel) && !t.owns(abs) {
		return "matches none of the watch globs", nil
	}
	return "", nil
}

// explainWalk goes from root down to abs, each directory and then the
// file, as a scan enters them, and returns the first rule that leaves one
// out.
func (t *tree) explainWalk(opts Options, root, abs string) string {
	var stack ignoreStack
	if opts.Gitignore {
		stack = outerRules(t.root, root, func(string, error) {})
	}
	rest, _ := filepath.Rel(root, abs)
	dir := root
	for _, part := range strings.Split(rest, string(filepath.Separator)) {
		p := filepath.Join(dir, part)
		isDir := p != abs
		if pat := t.ignore.which(t.rel(p)); pat != "" {
			if isDir {
				return fmt.Sprintf("watch.ignore: %s (its directory %s is never walked)", pat, t.rel(p))
			}
			return "watch.ignore: " + pat
		}
		if opts.Gitignore && !t.owns(p) {
			if list, err := os.ReadDir(dir); err == nil {
				stack = stack.push(dir, readRules(dir, list, nil, func(string, error) {}))
			}
			if in, r, ignored := stack.decides(p, part, isDir); ignored {
				file := filepath.Join(strings.TrimSuffix(in, string(filepath.Separator)), ignoreFiles[r.file])
				what := fmt.Sprintf("%s:%d: %s", t.rel(file), r.line, ruleLine(file, int(r.line)))
				if isDir {
					what += fmt.Sprintf(" (its directory %s is never walked)", t.rel(p))
				}
				return what
			}
		}
		dir = p
	}
	return ""
}

// ruleLine is line n of an ignore file, as written.
func ruleLine(file string, n int) string {
	data, err := textfile.Read(file, textfile.MaxConfig)
	if err != nil {
		return "?"
	}
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return "?"
	}
	return strings.TrimSpace(lines[n-1])
}

// resolveParent is path with the links of its directory resolved, as the
// tree's roots are (the file itself may not exist).
func resolveParent(path string) string {
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		return filepath.Join(dir, filepath.Base(path))
	}
	return path
}
