package watch

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// tree is what every engine watches: the roots, symlinks resolved, and
// which of the entries under them count.
type tree struct {
	root          string // Root with symlinks resolved
	rootSlash     string // root + separator, for rel on every entry
	roots         []string
	own           []string // Options.Own, resolved: every file in them counts but for ignore
	aliases       []alias  // roots that are links out of the project
	globs, ignore patterns
	gitignore     bool              // honour .gitignore and .ignore files
	visit         func(path string) // tests: called for every entry walked
	matched       func(path string) // tests: called for every entry matched against ignore rules
}

// alias maps a watch path that is a symlink out of the project back to the
// name it has in the project.
type alias struct{ resolved, shown string }

func newTree(opts Options) (*tree, error) {
	for _, g := range append(slices.Clone(opts.Globs), opts.Ignore...) {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("invalid glob %q", g)
		}
	}
	root, err := filepath.EvalSymlinks(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("project root: %w", err)
	}
	t := &tree{root: root, rootSlash: strings.TrimSuffix(root, string(filepath.Separator)) + string(filepath.Separator), // "/" stays "/"
		globs: compile(opts.Globs), ignore: compile(opts.Ignore), gitignore: opts.Gitignore}
	var ownRoots []string
	for _, path := range opts.Own {
		if r, err := filepath.EvalSymlinks(path); err == nil {
			t.own, ownRoots = append(t.own, r), append(ownRoots, r)
		} else if rel, err := filepath.Rel(opts.Root, path); err == nil && filepath.IsLocal(rel) {
			// Not there yet (a build makes it): its own once a walk of
			// the project finds it.
			t.own = append(t.own, filepath.Join(root, rel))
		}
	}
	for _, path := range append(slices.Clone(opts.Paths), ownRoots...) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(opts.Root, path)
		}
		r, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("watch path %s: %w", path, err)
		}
		if slices.Contains(t.roots, r) {
			continue
		}
		t.roots = append(t.roots, r)
		// A linked directory listed by its name in the project is reported
		// under that name, not where the link points.
		if rel, err := filepath.Rel(opts.Root, path); err == nil && filepath.IsLocal(rel) && t.rel(r) != filepath.ToSlash(rel) {
			t.aliases = append(t.aliases, alias{resolved: r, shown: filepath.ToSlash(rel)})
		}
	}
	// A root inside another is walked with it.
	t.roots = slices.DeleteFunc(slices.Clone(t.roots), func(r string) bool {
		return slices.ContainsFunc(t.roots, func(o string) bool { return o != r && under(o, r) })
	})
	return t, nil
}

// under reports whether path lies strictly below dir.
func under(dir, path string) bool {
	return strings.HasPrefix(path, dir+string(filepath.Separator)) || (strings.HasSuffix(dir, string(filepath.Separator)) && strings.HasPrefix(path, dir) && path != dir)
}

// rel is path relative to the project root, with forward slashes; paths
// outside the root (a watch path elsewhere) stay absolute.
func (t *tree) rel(path string) string {
	if filepath.Separator == '/' {
		if r, ok := strings.CutPrefix(path, t.rootSlash); ok {
			return r
		}
		if path != t.root { // the walk's paths are clean: this one is outside the root
			return t.outside(path)
		}
	}
	r, err := filepath.Rel(t.root, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return t.outside(path)
	}
	return filepath.ToSlash(r)
}

// outside is how a path outside the root is shown: under the name of the
// watch path that leads to it through a link, or absolute. It asks no
// filepath.Rel: it runs on every entry of a tree watched outside the root.
func (t *tree) outside(path string) string {
	for _, a := range t.aliases {
		if rest, ok := strings.CutPrefix(path, a.resolved+string(filepath.Separator)); ok {
			return a.shown + "/" + filepath.ToSlash(rest)
		}
	}
	return filepath.ToSlash(path)
}

// StateDir is devserver's own state under the project root (the local
// CA, the control channel's files): never walked, whatever watch.ignore
// says, as nothing there is anyone's source.
const StateDir = ".devserver"

// enters reports whether the directory at path is walked: it is not
// devserver's state and not ignored.
func (t *tree) enters(path string) bool {
	rel := t.rel(path)
	return rel != StateDir && !t.ignore.match(rel)
}

// counts reports whether a change of the file at path counts: it matches
// the globs or lies in an own directory, is not ignored, and is not an
// editor's temporary file.
func (t *tree) counts(path, name string) bool {
	rel := t.rel(path)
	if editorTemp(name) || rel == StateDir || strings.HasPrefix(rel, StateDir+"/") {
		return false
	}
	return (t.globs.match(rel) || t.owns(path)) && !t.ignore.match(rel)
}

// owns reports whether path is an own directory or lies in one: the
// .gitignore files have no say there.
func (t *tree) owns(path string) bool {
	for _, o := range t.own {
		if path == o || under(o, path) {
			return true
		}
	}
	return false
}
