package session

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
)

// loopGuard stops a restart loop: an app (or its build) that writes into
// the tree it is restarted for (`go build -o myapp .` with the default
// globs, a log file, a cache) restarts itself for ever. When the same files
// change right after each of three starts in a row, the session stops
// restarting for them, names them and says how to ignore them.
type loopGuard struct {
	key     string // the files of the last batch that came right after a start
	n       int    // batches in a row with those files
	blocked string // files no longer restarted for
	asked   time.Time
}

// loopLimit is how many batches in a row of the same files, each written
// right after a start, make a loop.
const loopLimit = 3

// margin keeps a file written just after the app became ready (by a test
// or a tool that waited for it) from counting as written by its start.
const margin = 10 * time.Millisecond

// restarts reports whether a batch of paths should restart the app (or
// the process called name), and notes the restart. settled is when it
// last became ready or failed.
func (g *loopGuard) restarts(cfg *config.Config, name string, paths []string, settled time.Time) (bool, string) {
	key := strings.Join(paths, "\n")
	if key == g.blocked {
		return false, ""
	}
	if g.byStart(cfg, paths, settled) && key == g.key {
		g.n++
	} else {
		g.key, g.n = key, 1
	}
	if g.n >= loopLimit {
		g.blocked = key
		return false, fmt.Sprintf("restart loop: %s changed right after each of the last %d starts, so the %s (or its build) writes them; not restarting for them: add them to watch.ignore", strings.Join(paths, ", "), loopLimit, name)
	}
	g.asked = time.Now()
	return true, ""
}

// byStart reports whether every path was written while the app restarted:
// after the last restart was asked for and before the app was ready (or
// failed), so by its build or its start-up, not by a person looking at the
// result.
func (g *loopGuard) byStart(cfg *config.Config, paths []string, settled time.Time) bool {
	if g.asked.IsZero() {
		return false
	}
	end := time.Now()
	if settled.After(g.asked) {
		// Before the app was ready, with a margin: file times come from a
		// coarse clock, a few milliseconds behind.
		end = settled.Add(-margin)
	}
	for _, p := range paths {
		st, err := os.Lstat(cfg.Abs(p))
		if err != nil || st.ModTime().Before(g.asked) || st.ModTime().After(end) {
			return false
		}
	}
	return true
}
