package server

import (
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
)

// static serves the files of one directory. It never leaves the directory
// (os.Root refuses "..", and symlinks that point out, at the kernel's
// level), never serves or lists secrets (denied), and answers only GET and
// HEAD.
type static struct {
	given    string                   // the directory as configured
	open     atomic.Pointer[openRoot] // nil until the directory exists (a build may make it)
	prefix   string                   // URL path prefix, ending in "/"
	hidden   []string                 // files never served, whatever their names
	listings bool
}

// newStatic serves dir under prefix. hidden are files never served, by
// identity, whatever names lead to them: devserver's own config files.
func newStatic(dir, prefix string, hidden []string, listings bool) (*static, error) {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	s := &static{given: dir, prefix: prefix, hidden: hidden, listings: listings}
	if _, err := s.opened(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("static.dir %s: %w", dir, err)
	}
	return s, nil
}

// openRoot is the served directory, open.
type openRoot struct {
	root *os.Root
	dir  string // the directory, its links resolved
}

// opened returns the directory, opening it the first time it exists: a
// static.dir that a build makes (Hugo's public/) is served once it is.
func (s *static) opened() (*openRoot, error) {
	if o := s.open.Load(); o != nil {
		return o, nil
	}
	root, err := os.OpenRoot(s.given)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(s.given)
	if err != nil {
		_ = root.Close()
		return nil, err
	}
	o := &openRoot{root: root, dir: real}
	if !s.open.CompareAndSwap(nil, o) {
		_ = root.Close()
		return s.open.Load(), nil
	}
	return o, nil
}

func (s *static) Close() error {
	if o := s.open.Load(); o != nil {
		return o.root.Close()
	}
	return nil
}

// deniedNames are file and directory names never served or listed, at any
// depth, compared without regard to case. Patterns use path.Match.
var deniedNames = []string{
	".git", ".hg", ".svn", ".env", ".env.*", ".envrc", ".npmrc", ".yarnrc", ".yarnrc.yml", ".pypirc",
	".netrc", ".htpasswd", ".ssh", ".aws", ".docker", ".kube", ".gnupg", ".devserver",
	"id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks",
	"devserver.yaml", "devserver.yml", "devserver.toml", "devserver.local.*",
}

func denied(name string) bool {
	// Compared as case-insensitive filesystems (macOS, Windows) and Windows
	// itself read a name: without case, without a stream suffix
	// (".env::$DATA"), without trailing dots and spaces (".env. ").
	name = strings.ToLower(name)
	if i := strings.IndexByte(name, ':'); i > 0 {
		name = name[:i]
	}
	name = strings.TrimRight(name, ". ")
	return slices.ContainsFunc(deniedNames, func(p string) bool {
		ok, _ := path.Match(p, name)
		return ok
	})
}

// relPath turns a URL path under the prefix into a cleaned path relative to
// the root, the one path that is both checked and opened. ok is false for
// anything outside the prefix or denied.
func (s *static) relPath(urlPath string) (string, bool) {
	rest, ok := strings.CutPrefix(urlPath, s.prefix)
	if !ok && urlPath+"/" == s.prefix {
		rest, ok = "", true
	}
	if !ok || strings.ContainsAny(rest, "\x00\\") {
		return "", false
	}
	clean := strings.TrimPrefix(path.Clean("/"+rest), "/")
	if clean == "" {
		clean = "."
	}
	for part := range strings.SplitSeq(clean, "/") {
		if part == ".." || denied(part) {
			return "", false
		}
	}
	return clean, true
}

// serve answers r if the file exists; it returns false (and writes
// nothing) when there is no such file, so the caller can pass the request on.
func (s *static) serve(w http.ResponseWriter, r *http.Request) bool {
	rel, ok := s.relPath(r.URL.Path)
	if !ok {
		return false
	}
	o, err := s.opened()
	if err != nil {
		return false // not there yet: nothing to serve
	}
	f, err := o.root.Open(rel)
	if err != nil {
		// Not found, permission, or a symlink out of the root: all 404.
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !s.allowed(rel, st) {
		return false
	}
	if crossSite(r) {
		writePlain(w, http.StatusForbidden, "Cross-site request blocked: devserver serves its files to its own pages only.\n")
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writePlain(w, http.StatusMethodNotAllowed, "Method not allowed: static files answer GET and HEAD.\n")
		return true
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	// Revalidate every time (Last-Modified still saves the bytes): without
	// it a browser's reload reuses a stylesheet by heuristic freshness, and
	// an edit does not show.
	w.Header().Set("Cache-Control", "no-cache")
	if st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
			return true
		}
		index, err := o.root.Open(path.Join(rel, "index.html"))
		if err == nil {
			defer index.Close()
			if ist, err := index.Stat(); err == nil && ist.Mode().IsRegular() && s.allowed(path.Join(rel, "index.html"), ist) {
				http.ServeContent(w, r, "index.html", ist.ModTime(), index)
				return true
			}
		}
		if !s.listings {
			return false
		}
		s.list(w, r, f, rel)
		return true
	}
	if !st.Mode().IsRegular() {
		return false
	}
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
	return true
}

// allowed applies the deny list to what rel resolves to, not only to the
// names in the request: public/settings.txt may be a link to ../.env, and
// public/repo one to ../.git. Nor is a file served that is one of the
// hidden files under any name (st is the opened file).
func (s *static) allowed(rel string, st fs.FileInfo) bool {
	dir := s.open.Load().dir // serve opened it
	real, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return false
	}
	within, err := filepath.Rel(dir, real)
	if err != nil || (within != "." && !filepath.IsLocal(within)) {
		return false
	}
	for part := range strings.SplitSeq(filepath.ToSlash(within), "/") {
		if denied(part) {
			return false
		}
	}
	for _, h := range s.hidden {
		if hst, err := os.Stat(h); err == nil && os.SameFile(st, hst) {
			return false
		}
	}
	return true
}

// crossSite reports a request another site's page made for a resource (a
// <script src>, an <img>, a fetch): browsers say so in Sec-Fetch-Site. Such a
// page could run the project's scripts and read what they leave behind
// (webpack-dev-server CVE-2025-30359). Following a link from another site
// (a navigation) is fine; pages on other ports of localhost are same-site.
func crossSite(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Site") == "cross-site" && r.Header.Get("Sec-Fetch-Mode") != "navigate"
}

// list writes a listing of the directory rel without denied names (or
// links to what is denied), every name escaped.
func (s *static) list(w http.ResponseWriter, r *http.Request, dir *os.File, rel string) {
	entries, err := dir.ReadDir(-1)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		writePlain(w, http.StatusInternalServerError, "cannot list the directory\n")
		return
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	var b strings.Builder
	title := html.EscapeString(r.URL.Path)
	fmt.Fprintf(&b, "<!doctype html><meta charset=utf-8><title>%s</title><h1>%s</h1><ul>\n", title, title)
	if r.URL.Path != s.prefix {
		b.WriteString("<li><a href=\"../\">../</a>\n")
	}
	for _, e := range entries {
		if denied(e.Name()) {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 { // listed only if it may be followed
			st, err := s.open.Load().root.Stat(path.Join(rel, e.Name()))
			if err != nil || !s.allowed(path.Join(rel, e.Name()), st) {
				continue
			}
		}
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		href := (&url.URL{Path: name}).String()
		if strings.Contains(name, ":") {
			href = "./" + href
		}
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a>\n", html.EscapeString(href), html.EscapeString(name))
	}
	b.WriteString("</ul>\n")
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	_, _ = w.Write([]byte(b.String()))
}
