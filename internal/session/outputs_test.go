package session

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/testkit"
)

// TestBuildOutputsAreToldFromSaves: a file written during a build that
// has ended is its output, named once, and never counts again, not even
// deleted; a file saved outside builds is a source from then on, even
// when saved during one; a file written during the build that runs counts
// (a save that starts a hung build over), and so does a deletion.
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
	check := func(paths, wantKept, wantFound []string) {
		t.Helper()
		kept, found := b.keep(cfg, paths, built)
		if !slices.Equal(kept, wantKept) || !slices.Equal(found, wantFound) {
			t.Errorf("keep(%q) = %q, found %q; want %q, found %q", paths, kept, found, wantKept, wantFound)
		}
	}
	touch("myapp", ended)
	touch("main.go", time.Now())
	touch("new.go", running)
	check([]string{"main.go", "myapp", "new.go"}, []string{"main.go", "new.go"}, []string{"myapp"})
	check([]string{"myapp"}, nil, nil)
	touch("myapp", running)
	touch("main.go", ended)
	check([]string{"main.go", "myapp"}, []string{"main.go"}, nil)
	if err := os.Remove(filepath.Join(root, "myapp")); err != nil {
		t.Fatal(err)
	}
	check([]string{"gone.go", "myapp"}, []string{"gone.go"}, nil)
}
