// Package srcloc finds where an error is in a command's output — the
// file:line[:col] that Go, Python, Node, TypeScript and Ruby print — and
// reads the lines of source around it, for the error page's code frame.
// Only files inside the project count: a frame in the standard library or
// node_modules says nothing the developer can fix.
package srcloc

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Loc is a place in a source file of the project.
type Loc struct {
	Rel       string // slash path relative to the project root
	Line, Col int    // 1-based; Col 0 when not known
}

// patterns find file:line[:col] in output lines, most specific first.
var patterns = []*regexp.Regexp{
	// Python: File "/srv/app/views.py", line 12, in index
	regexp.MustCompile(`File "([^"]+)", line (\d+)()`),
	// tsc: src/app.ts(12,5): error TS2304
	regexp.MustCompile(`([\w./\\@~+-]+\.(?:ts|tsx|mts|cts))\((\d+),(\d+)\)`),
	// Go, esbuild, Vite, Ruby, Node stacks, and most others:
	// ./main.go:12:5: undefined: x · at f (/srv/app/server.js:3:9) · app.rb:7:in 'x'
	regexp.MustCompile(`(?:file://)?((?:[A-Za-z]:)?[\w./\\@~+-]*\.[A-Za-z]{1,6}):(\d+)(?::(\d+))?`),
}

// skipDirs are parts of a path that are nobody's source.
var skipDirs = []string{"node_modules", ".venv", "site-packages", "vendor", ".devserver"}

// Find returns the place output points at in the project at root: the
// first file inside the project that exists, or for a Python traceback
// (whose deepest frame comes last) the last one.
func Find(output, root string) (Loc, bool) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return Loc{}, false
	}
	var found []Loc
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() && len(found) < 200 {
		for _, re := range patterns {
			ms := re.FindAllStringSubmatch(sc.Text(), 4)
			// The first place in the line inside the project: Ruby names
			// its own require before the project's file that failed.
			for _, m := range ms {
				if loc, ok := resolve(root, realRoot, m[1], m[2], m[3]); ok {
					found = append(found, loc)
					break
				}
			}
			if ms != nil {
				break
			}
		}
	}
	if len(found) == 0 {
		return Loc{}, false
	}
	if strings.Contains(output, "Traceback (most recent call last)") {
		return found[len(found)-1], true
	}
	return found[0], true
}

// resolve makes a found path a Loc of a regular file inside root (which
// is realRoot with its links resolved).
func resolve(root, realRoot, path, line, col string) (Loc, bool) {
	l, err := strconv.Atoi(line)
	if err != nil || l < 1 || l > 10_000_000 {
		return Loc{}, false
	}
	c, _ := strconv.Atoi(col)
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(root, path)
	}
	rel, ok := within(realRoot, abs)
	if !ok {
		return Loc{}, false
	}
	for _, d := range skipDirs {
		if strings.Contains("/"+rel+"/", "/"+d+"/") {
			return Loc{}, false
		}
	}
	return Loc{Rel: rel, Line: l, Col: c}, true
}

// Within returns path relative to root (with forward slashes) if, with
// every symbolic link resolved, it is a regular file inside root.
func Within(root, path string) (string, bool) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", false
	}
	return within(realRoot, path)
}

// within is Within for a root whose links are resolved already.
func within(realRoot, path string) (string, bool) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// Line is one line of a code frame.
type Line struct {
	N    int
	Text string
	Here bool // the line the error is on
}

// maxSource bounds the file a frame is read from.
const maxSource = 4 << 20

// Frame returns the lines of loc's file around its line, context lines
// either side; nil if the file cannot be read or is shorter.
func Frame(root string, loc Loc, context int) []Line {
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(loc.Rel)))
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxSource))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []Line
	for n := 1; sc.Scan() && n <= loc.Line+context; n++ {
		if n >= loc.Line-context {
			text := strings.TrimRight(sc.Text(), "\r")
			if len(text) > 300 {
				text = text[:300] + " …"
			}
			out = append(out, Line{N: n, Text: text, Here: n == loc.Line})
		}
	}
	if len(out) == 0 || out[len(out)-1].N < loc.Line {
		return nil
	}
	return out
}
