package watch

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// BenchmarkScan is one scan of 2,000 files by each polling engine, as it
// runs every interval.
func BenchmarkScan(b *testing.B) {
	root := b.TempDir()
	for i := range 2000 {
		testkit.WriteFile(b, filepath.Join(root, fmt.Sprintf("d%02d/f%04d.go", i/100, i)), "x")
	}
	// A .gitignore as projects have them: names, extensions, a few paths.
	testkit.WriteFile(b, filepath.Join(root, ".gitignore"), "node_modules\n.env\n*.log\n*.tmp\ndist/\nbuild/\n/coverage\n"+
		"*.pyc\n__pycache__/\n.DS_Store\n*.swp\n.idea/\n.vscode/\n/bin\n*.exe\nvendor/\n!important.log\ndocs/**/*.html\n")
	for _, c := range []struct {
		mode      string
		gitignore bool
	}{{ModePoll, false}, {ModePoll, true}, {ModeRadovskyb, false}} {
		name := c.mode
		if c.gitignore {
			name += "+gitignore"
		}
		b.Run(name, func(b *testing.B) {
			w, err := New(Options{Root: root, Paths: []string{"."}, Globs: []string{"**/*.go"},
				Ignore: []string{".git", "node_modules"}, Interval: tick, Mode: c.mode, Gitignore: c.gitignore})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Scan(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
