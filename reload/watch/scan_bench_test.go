package watch

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
)

// BenchmarkScan is one poll's walk of 2,000 files with the hook, as the
// poller does it every interval.
func BenchmarkScan(b *testing.B) {
	root := b.TempDir()
	for i := range 2000 {
		testkit.WriteFile(b, filepath.Join(root, fmt.Sprintf("d%02d/f%04d.go", i/100, i)), "x")
	}
	p, err := NewPoller(Options{Root: root, Paths: []string{"."}, Globs: []string{"**/*.go"},
		Ignore: []string{".git", "node_modules"}, Interval: tick})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Scan(); err != nil {
			b.Fatal(err)
		}
	}
}
