package watch

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/devserver/devserver/internal/testkit"
)

// BenchmarkScan is one scan of 2,000 files by each polling engine, as it
// runs every interval.
func BenchmarkScan(b *testing.B) {
	root := b.TempDir()
	for i := range 2000 {
		testkit.WriteFile(b, filepath.Join(root, fmt.Sprintf("d%02d/f%04d.go", i/100, i)), "x")
	}
	for _, mode := range []string{ModePoll, ModeRadovskyb} {
		b.Run(mode, func(b *testing.B) {
			w, err := New(Options{Root: root, Paths: []string{"."}, Globs: []string{"**/*.go"},
				Ignore: []string{".git", "node_modules"}, Interval: tick, Mode: mode})
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
