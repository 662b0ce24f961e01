package session

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
)

// loopGuard stops a restart loop: an app (or its build) that writes into
// the tree it is restarted for restarts itself for ever. Two ways, each
// seen three times in a row for the same files, make a loop:
//   - written while it restarted (`go build -o myapp .` with the default
//     globs, a cache it fills as it starts);
//   - appended to right after it was ready (a request log, which the
//     reloaded page's request writes). A person saves a file rather than
//     appending to it, and not right after each start.
//
// The guard then stops restarting for those files and names them, with
// where to ignore them. The same guard stops page reloads that loop.
type loopGuard struct {
	key     string // the files of the last batch that came right after a start
	n       int    // batches in a row with those files
	blocked string // files no longer restarted for
	asked   time.Time
	marks   map[string]mark // the last batch's files as they were, to see an append
}

// mark is a file as a batch found it: its size and the hash of its start.
type mark struct {
	size int64
	head [sha256.Size]byte
}

const (
	// loopLimit is how many batches in a row of the same files, each
	// written right after a start, make a loop.
	loopLimit = 3
	// margin keeps a file written just after the app became ready (by a
	// test or a tool that waited for it) from counting as written by its
	// start.
	margin = 10 * time.Millisecond
	// afterReady is how soon after the app was ready an append counts as
	// the app's: a reloaded page's requests come within it.
	afterReady = 2 * time.Second
	// maxMarked bounds the files of a batch marked, and headBytes how much
	// of each is hashed: a log is one file, and its start does not move.
	maxMarked = 4
	headBytes = 64 << 10
)

// restarts reports whether a batch of paths should restart the unit called
// name (with name "", reload the pages), and notes the restart; the second result is
// the loop found, for the log. settled is when the unit last became ready
// or failed (for pages: when they were last reloaded).
func (g *loopGuard) restarts(cfg *config.Config, name string, paths []string, settled time.Time) (bool, string) {
	key := strings.Join(paths, "\n")
	if key == g.blocked {
		return false, ""
	}
	// Pages have no start: a file saved after a reload is no sign.
	written := g.byRun(cfg, paths, settled) || name != "" && g.byStart(cfg, paths, settled)
	if written && key == g.key {
		g.n++
	} else {
		g.key, g.n = key, 1
	}
	g.marks = marks(cfg, paths)
	if g.n >= loopLimit {
		g.blocked = key
		what := "restart loop: %s changed right after each of the last %d starts, so the %s (or its build) writes them; not restarting for them"
		if name == "" {
			what = "reload loop: %s changed right after each of the last %d page reloads, so an app writes them as it serves; not reloading for them"
		}
		return false, fmt.Sprintf(what+": add them to .gitignore (or .ignore, read the same way, to keep them in git) or to watch.ignore; devserver why %s says what watches it",
			strings.Join(paths, ", "), loopLimit, name, paths[0])
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

// byRun reports whether every path was appended to since the last batch,
// within afterReady of the ready that followed the last restart: by the
// app as it serves.
func (g *loopGuard) byRun(cfg *config.Config, paths []string, settled time.Time) bool {
	if g.asked.IsZero() || settled.Before(g.asked) || len(paths) > maxMarked {
		return false
	}
	for _, p := range paths {
		old, ok := g.marks[p]
		st, err := os.Lstat(cfg.Abs(p))
		if !ok || err != nil || !st.Mode().IsRegular() || st.Size() <= old.size ||
			st.ModTime().Before(settled.Add(-margin)) || st.ModTime().After(settled.Add(afterReady)) {
			return false
		}
		if h, ok := headHash(cfg.Abs(p), old.size); !ok || h != old.head {
			return false // rewritten, not appended to
		}
	}
	return true
}

// marks are the files of a batch as they are now; none for a batch too
// large to be a log.
func marks(cfg *config.Config, paths []string) map[string]mark {
	if len(paths) > maxMarked {
		return nil
	}
	out := map[string]mark{}
	for _, p := range paths {
		st, err := os.Lstat(cfg.Abs(p))
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if h, ok := headHash(cfg.Abs(p), st.Size()); ok {
			out[p] = mark{size: st.Size(), head: h}
		}
	}
	return out
}

// headHash hashes the first size bytes of path, headBytes at most.
func headHash(path string, size int64) ([sha256.Size]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, min(size, headBytes)))
	if err != nil || n != min(size, headBytes) {
		return [sha256.Size]byte{}, false
	}
	return [sha256.Size]byte(h.Sum(nil)), true
}
