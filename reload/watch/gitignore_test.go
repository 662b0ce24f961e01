package watch

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestIgnoreRules reads ignore files as git does.
func TestIgnoreRules(t *testing.T) {
	root := filepath.FromSlash("/p")
	st := ignoreStack{}.push(root, &rules{list: parseRules([]byte("# comment\n\n*.log\n!keep.log\n/build\ndist/\ndocs/*.md\n\\#hash\nlib/**/gen\n"), 0)})
	sub := st.push(filepath.Join(root, "sub"), &rules{list: parseRules([]byte("local.txt\n/only-here\n"), 0)})
	cases := []struct {
		stack ignoreStack
		path  string
		dir   bool
		want  bool
	}{
		{st, "a.log", false, true},
		{st, "deep/x/a.log", false, true},
		{st, "keep.log", false, false},
		{st, "build", true, true},
		{st, "x/build", true, false}, // anchored to the file's directory
		{st, "dist", true, true},
		{st, "dist", false, false}, // directories only
		{st, "docs/a.md", false, true},
		{st, "docs/x/a.md", false, false},
		{st, "#hash", false, true},
		{st, "lib/a/b/gen", true, true},
		{st, "main.go", false, false},
		{sub, "sub/local.txt", false, true},
		{sub, "sub/x/local.txt", false, true},
		{sub, "sub/only-here", false, true},
		{sub, "sub/x/only-here", false, false},
		{sub, "sub/a.log", false, true}, // the outer file still applies
		{st, "local.txt", false, false}, // the inner one does not reach up
	}
	for _, c := range cases {
		path := filepath.Join(root, filepath.FromSlash(c.path))
		if got := c.stack.ignores(path, filepath.Base(path), c.dir); got != c.want {
			t.Errorf("%s (dir %v): ignored %v, want %v", c.path, c.dir, got, c.want)
		}
	}
}

// TestGitignoreIsHonoured: with Gitignore on, the poll and events engines
// leave out what .gitignore files say, nested ones and one above the watch
// path included, and follow an edit of a .gitignore.
func TestGitignoreIsHonoured(t *testing.T) {
	for _, mode := range []string{ModePoll, ModeEvents} {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			testkit.WriteTree(t, root, map[string]string{
				".gitignore":            "*.log\n!keep.log\n/src/build/\n",
				"src/.gitignore":        "secret.txt\n",
				"src/main.go":           "package main",
				"src/app.log":           "x",
				"src/keep.log":          "x",
				"src/build/out":         "x",
				"src/deeper/secret.txt": "x",
			})
			pp := runWatcher(t, mode, Options{Root: root, Paths: []string{"src"}, Gitignore: true}, nil)
			if n := pp.w.Count(); n != 3 { // .gitignore, main.go, keep.log
				t.Errorf("watching %d files, want 3", n)
			}
			pp.waitCycles(t, 2)
			for _, f := range []string{"src/app.log", "src/build/out", "src/deeper/secret.txt"} {
				testkit.WriteFile(t, filepath.Join(root, f), "changed")
			}
			testkit.WriteFile(t, filepath.Join(root, "src", "keep.log"), "changed")
			if got := pp.waitBatch(t, 1); !slices.Equal(got[0].Paths, []string{"src/keep.log"}) {
				t.Fatalf("batches %v, want src/keep.log alone", got)
			}
			testkit.WriteFile(t, filepath.Join(root, "src", ".gitignore"), "secret.txt\nmain.go\n")
			pp.waitBatch(t, 2)
			testkit.WriteFile(t, filepath.Join(root, "src", "main.go"), "package main // ignored now")
			testkit.WriteFile(t, filepath.Join(root, "src", "keep.log"), "again")
			if got := pp.waitBatch(t, 3); !slices.Equal(got[2].Paths, []string{"src/keep.log"}) {
				t.Fatalf("batches %v, want src/keep.log alone after main.go was ignored", got)
			}
		})
	}
}

// TestALongGitignoreCostsOneParse: 60,000 rules (0.9 MB) over 100 files.
// The first scan matches each entry once; a scan of the unchanged tree
// matches none, a new file is matched alone, and an edit of the .gitignore
// is matched anew and followed. A .gitignore over the size cap is said,
// naming the file, and applies nothing.
func TestALongGitignoreCostsOneParse(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var rules strings.Builder
	for i := range 60_000 {
		fmt.Fprintf(&rules, "gen%05d-*.tmp\n", i)
	}
	rules.WriteString("*.log\n")
	testkit.WriteFile(t, filepath.Join(root, ".gitignore"), rules.String())
	for i := range 100 {
		testkit.WriteFile(t, filepath.Join(root, fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%03d.go", i)), "x")
	}
	testkit.WriteFile(t, filepath.Join(root, "d0", "skip.log"), "x")
	w := newWatcher(t, ModePoll, Options{Root: root, Gitignore: true}, nil)
	var matched atomic.Int64
	w.engine.(*pollEngine).s.t.matched = func(string) { matched.Add(1) }
	scan := func() int64 {
		t.Helper()
		matched.Store(0)
		if err := w.Scan(); err != nil {
			t.Fatal(err)
		}
		return matched.Load()
	}
	if n := scan(); n < 100 {
		t.Fatalf("the first scan matched %d entries, want every one", n)
	}
	if n := scan(); n != 0 {
		t.Errorf("a scan of the unchanged tree matched %d entries, want none", n)
	}
	testkit.WriteFile(t, filepath.Join(root, "d3", "new.go"), "x")
	if n := scan(); n != 1 {
		t.Errorf("a scan after one new file matched %d entries, want 1", n)
	}
	if got := w.Count(); got != 102 { // .gitignore and 101 .go files; skip.log is ignored
		t.Errorf("%d files watched, want 102", got)
	}
	testkit.WriteFile(t, filepath.Join(root, ".gitignore"), "*.log\nd1/\n")
	if n := scan(); n < 10 {
		t.Errorf("after the .gitignore changed, %d entries matched; its verdicts must be made anew", n)
	}
	if got := w.Count(); got != 92 {
		t.Errorf("%d files watched after ignoring d1/, want 92", got)
	}

	big := strings.Repeat("# a comment line of the kind that pads a file\n", 25_000) // over 1 MiB
	var log strings.Builder
	other := t.TempDir()
	testkit.WriteFile(t, filepath.Join(other, ".gitignore"), big)
	w2 := newWatcher(t, ModePoll, Options{Root: other, Gitignore: true, Logger: slog.New(slog.NewTextHandler(&log, nil))}, nil)
	w2.Scan()
	w2.Scan()
	if got := strings.Count(log.String(), "ignore file not read"); got != 1 || !strings.Contains(log.String(), ".gitignore: file too large") {
		t.Errorf("a .gitignore over the cap is said %d times, want once naming it:\n%s", got, log.String())
	}
}

// TestOwnDirectoriesAreWatchedWhatever: a static.dir that .gitignore lists
// and the globs miss (Hugo's public/) is watched all the same, but for what
// Ignore leaves out; one a build makes only after the start is too.
func TestOwnDirectoriesAreWatchedWhatever(t *testing.T) {
	for _, mode := range engines {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			testkit.WriteTree(t, root, map[string]string{
				".gitignore": "public/\ndist/\n", "content/a.md": "x", "public/index.html": "x", "public/skip.tmp": "x",
			})
			pp := runWatcher(t, mode, Options{Root: root, Paths: []string{"."}, Globs: []string{"content/**"}, Ignore: []string{"*.tmp"},
				Gitignore: true, Own: []string{filepath.Join(root, "public"), filepath.Join(root, "dist")}}, nil)
			pp.waitCycles(t, 2)
			testkit.WriteFile(t, filepath.Join(root, "public", "skip.tmp"), "changed")
			testkit.WriteFile(t, filepath.Join(root, "public", "index.html"), "changed")
			if got := pp.waitBatch(t, 1); !slices.Equal(got[0].Paths, []string{"public/index.html"}) {
				t.Fatalf("batches %v, want public/index.html alone", got)
			}
			testkit.WriteFile(t, filepath.Join(root, "dist", "app.js"), "built")
			if got := pp.waitBatch(t, 2); !slices.Equal(got[1].Paths, []string{"dist/app.js"}) {
				t.Fatalf("batches %v, want dist/app.js, in a directory made after the start", got)
			}
		})
	}
}

// TestAChangeFoundQuietIsReportedAtOnce: a poll that finds a file last
// written longer than the debounce ago reports it from that look, with no
// second look to see it quiet; one written just now waits for the
// debounce, and so does any while a build runs (Hold).
func TestAChangeFoundQuietIsReportedAtOnce(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{"old.txt": "a", "new.txt": "a"})
	pp := runWatcher(t, ModePoll, Options{Root: root, Paths: []string{"."}, Interval: 20 * time.Millisecond, Debounce: time.Hour}, nil)
	pp.waitCycles(t, 2)
	testkit.WriteFile(t, filepath.Join(root, "old.txt"), "changed")
	long := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(root, "old.txt"), long, long); err != nil {
		t.Fatal(err)
	}
	if got := pp.waitBatch(t, 1); !slices.Equal(got[0].Paths, []string{"old.txt"}) {
		t.Fatalf("batches %v, want old.txt alone", got)
	}
	// A look that finds a file written just now asks for another, after
	// the debounce, and reports nothing yet.
	w, err := New(Options{Root: root, Paths: []string{"."}, Interval: time.Second, Debounce: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, filepath.Join(root, "new.txt"), "changed again")
	if again := w.look([]string{"new.txt"}); !again || len(w.ready.Paths) != 0 {
		t.Errorf("a file written just now: look again %v, reported %v", again, w.ready.Paths)
	}
	// An empty file may be one a writer truncated and has yet to fill.
	testkit.WriteFile(t, filepath.Join(root, "empty.txt"), "")
	if err := os.Chtimes(filepath.Join(root, "empty.txt"), long, long); err != nil {
		t.Fatal(err)
	}
	fresh, err := New(Options{Root: root, Paths: []string{"."}, Interval: time.Second, Debounce: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if again := fresh.look([]string{"empty.txt"}); !again || len(fresh.ready.Paths) != 0 {
		t.Errorf("an empty file written long ago: look again %v, reported %v", again, fresh.ready.Paths)
	}
	// While Hold says a build runs, even a file written long ago waits: it
	// may be what the build moved into place.
	held, err := New(Options{Root: root, Paths: []string{"."}, Interval: time.Second, Debounce: time.Hour, Hold: func() bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	if again := held.look([]string{"old.txt"}); !again || len(held.ready.Paths) != 0 {
		t.Errorf("a file written long ago during a build: look again %v, reported %v", again, held.ready.Paths)
	}
}
