package session

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestBuildOutputsAreToldFromSaves: a file written during a build that
// has ended is its output, named once, and never counts again, not even
// deleted; a file saved outside builds is a source from then on, even
// when saved during one; a file written during the build that runs waits
// for it to end (its output comes just before), and a deletion counts.
func TestBuildOutputsAreToldFromSaves(t *testing.T) {
	root := t.TempDir()
	cfg := &config.Config{Root: root}
	ended, running := time.Now().Add(time.Hour), time.Now().Add(2*time.Hour) // when builds wrote
	touch := func(name string, at time.Time) {
		testkit.WriteFile(t, filepath.Join(root, name), "x")
		if err := os.Chtimes(filepath.Join(root, name), at, at); err != nil {
			t.Fatal(err)
		}
	}
	built := func(at time.Time) (bool, bool) { return at.Equal(ended), at.Equal(running) }
	var b buildOutputs
	check := func(paths, wantKept, wantFound, wantWaiting []string) {
		t.Helper()
		kept, found, waiting := b.keep(cfg, paths, built)
		if !slices.Equal(kept, wantKept) || !slices.Equal(found, wantFound) || !slices.Equal(waiting, wantWaiting) {
			t.Errorf("keep(%q) = %q, found %q, waiting %q; want %q, found %q, waiting %q", paths, kept, found, waiting, wantKept, wantFound, wantWaiting)
		}
	}
	touch("myapp", ended)
	touch("main.go", time.Now())
	touch("new.go", running)
	check([]string{"main.go", "myapp", "new.go"}, []string{"main.go"}, []string{"myapp"}, []string{"new.go"})
	check([]string{"myapp"}, nil, nil, nil)
	touch("myapp", running)
	touch("main.go", ended)
	check([]string{"main.go", "myapp"}, []string{"main.go"}, nil, nil)
	if err := os.Remove(filepath.Join(root, "myapp")); err != nil {
		t.Fatal(err)
	}
	check([]string{"gone.go", "myapp"}, []string{"gone.go"}, nil, nil)
}
