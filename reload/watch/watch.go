package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Watcher.
type Options struct {
	// Root is the project root; globs and ignores match paths relative to it.
	Root string
	// Paths are the directories to watch, relative to Root or absolute.
	// None: only Files are watched.
	Paths []string
	// Globs say which files count as changes; Ignore which files and
	// directories to leave out (an ignored directory is never walked). A
	// pattern without "/" matches a name at any depth, as in .gitignore.
	Globs, Ignore []string
	// Own are directories watched whatever Globs and the .gitignore files
	// say (only Ignore leaves out of them): devserver's static.dir, which
	// is often a build's output that git ignores. Each is watched even if
	// no path holds it.
	Own []string
	// Gitignore leaves out what .gitignore and .ignore files in the tree
	// (and above a watch path, up to Root) ignore, as git reads them. The
	// radovskyb engine does not read them.
	Gitignore bool
	// Files are watched by content, wherever they are, whether they exist
	// or not: the config file and its overlay. A change sets Batch.Config.
	Files []string
	// Mode chooses the engine: ModePoll (if empty), ModeEvents, ModeAuto or
	// ModeRadovskyb.
	Mode string
	// Interval is the pause between two scans of a polling engine, and
	// between the safety scans of the events engine (times safetyFactor).
	Interval time.Duration
	// Debounce is the least quiet time after the last change before a batch
	// is reported; a polling engine looks again after it.
	Debounce time.Duration
	// Hold, if set, says that a look's changes must wait for the debounce
	// however long ago their files were written: a build runs, and what it
	// moves into place (`go build -o app`, with an older time) is told from
	// a save only once it has ended.
	Hold func() bool
	// Logger receives warnings (unreadable directories, a vanished root).
	// If nil, nothing is logged.
	Logger *slog.Logger
}

// The watch modes.
const (
	ModePoll      = "poll"      // devserver's own scanner: works everywhere, shares included
	ModeEvents    = "events"    // the system's file events, with a slow safety scan
	ModeAuto      = "auto"      // events on local disks, polling on network and shared ones
	ModeRadovskyb = "radovskyb" // radovskyb/watcher polling, as devserver did before its own scanner
)

// Batch is one burst of changes.
type Batch struct {
	// Paths are the files that changed, relative to the project root,
	// sorted.
	Paths []string
	// Config says that one of Options.Files changed.
	Config bool
}

// Watcher reports bursts of changes under a tree, and of a few files by
// content, as batches, over one engine. A burst gives one batch: a look
// that finds changes is followed by another after the debounce, and the
// batch goes out at the first quiet look at least Debounce after the last
// change (or after maxWait of changes that never pause).
type Watcher struct {
	engine   Engine
	mode     string // the engine's mode
	why      string // why auto chose it, or ""
	log      *slog.Logger
	debounce time.Duration
	root     string // what the paths of a batch are relative to
	dated    bool   // a look's files are as its scan found them just now: their times say how quiet they are
	hold     func() bool
	files    *contents
	looks    atomic.Int64 // tests: looks so far

	// Only the engine's goroutine touches these.
	pending map[string]bool
	config  bool
	firstAt time.Time
	lastAt  time.Time // when the pending changes were last written, as far as is known

	mu    sync.Mutex
	ready Batch
	kick  chan struct{} // capacity 1: ready holds a batch
	flushing
}

// maxWait bounds how long a never-ending stream of changes delays a batch.
const maxWait = 5 * time.Second

// New checks the options and chooses the engine. It does not walk
// anything yet.
func New(opts Options) (*Watcher, error) {
	if opts.Interval <= 0 {
		return nil, errors.New("watch interval must be positive")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "watch")
	w := &Watcher{log: log, debounce: opts.Debounce, root: opts.Root, hold: opts.Hold, files: newContents(opts.Files),
		pending: map[string]bool{}, kick: make(chan struct{}, 1)}
	w.flush, w.ran, w.interval = make(chan chan struct{}), make(chan struct{}), opts.Interval
	t, err := newTree(opts)
	if err != nil {
		return nil, err
	}
	w.mode, w.why = opts.Mode, ""
	if w.mode == "" {
		w.mode = ModePoll
	}
	if w.mode == ModeAuto {
		w.mode, w.why = chooseMode(t.roots)
	}
	// The radovskyb library reports what a walk found a while ago, and the
	// rest of a burst on its next walk: only a fresh look's times count.
	w.dated = w.mode != ModeRadovskyb
	e, ok := engineFor(w.mode)
	if !ok {
		return nil, fmt.Errorf("watch mode %q: not one of %v", opts.Mode, Modes())
	}
	w.engine = e.make(w, t, log, opts)
	return w, nil
}

// Mode is the engine in use ("poll", "events" or "radovskyb") and, when
// auto chose it, why ("/src is on nfs").
func (w *Watcher) Mode() (mode, why string) { return w.mode, w.why }

// Scan walks the tree once, so that Count is known before Run.
func (w *Watcher) Scan() error { return w.engine.Scan() }

// Close releases what Scan took (the events engine's watches) when Run
// will not be called; Run releases it itself.
func (w *Watcher) Close() error {
	if c, ok := w.engine.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Count is how many files are watched.
func (w *Watcher) Count() int { return w.engine.Count() }

// Run watches until ctx ends and sends each batch on out. It never blocks
// the engine on a slow receiver: batches wait, merged, until taken. It
// returns once the engine has stopped.
func (w *Watcher) Run(ctx context.Context, out chan<- Batch) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer close(w.ran)
	errc := make(chan error, 1)
	go func() { errc <- w.engine.Run(ctx, w.look) }()
	var batch Batch
	var send chan<- Batch
	var upto int64 // the batches of look merged into batch
	for {
		select {
		case <-w.kick:
			w.mu.Lock()
			batch = merge(batch, w.ready)
			w.ready = Batch{}
			upto = w.made
			w.mu.Unlock()
			send = out
		case send <- batch:
			batch, send = Batch{}, nil
			w.sent.Store(upto)
		case err := <-errc:
			return err
		}
	}
}

// look takes what one look of the engine found, and the config files'
// contents as they are now; it reports whether to look again soon.
func (w *Watcher) look(paths []string) bool {
	w.looks.Add(1)
	now := time.Now()
	cfg := w.files.changed()
	if len(paths) > 0 || cfg {
		if len(w.pending) == 0 && !w.config {
			w.firstAt = now
		}
		for _, p := range paths {
			w.pending[p] = true
		}
		w.config = w.config || cfg
		w.held.Store(1)
		w.lastAt = w.writtenAt(paths, cfg, now)
		if now.Sub(w.firstAt) < maxWait && now.Sub(w.lastAt) < w.debounce {
			return true
		}
	} else if len(w.pending) == 0 && !w.config {
		return false
	} else if now.Sub(w.lastAt) < w.debounce {
		return true
	}
	b := Batch{Paths: make([]string, 0, len(w.pending)), Config: w.config}
	for p := range w.pending {
		b.Paths = append(b.Paths, p)
	}
	slices.Sort(b.Paths)
	clear(w.pending)
	w.config = false
	w.held.Store(0)
	w.mu.Lock()
	w.ready = merge(w.ready, b)
	w.made++
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	return false
}

// writtenAt is when the changes of a look were last written, as far as
// their files say: files a poll found long after they were saved (at an
// interval of 500 ms, most are) were quiet for the debounce already, and
// need no second look. A file gone or empty, a config file, a time ahead
// of now (another machine's clock on a share), or any file while Hold says
// so count as written now; it is never before lastAt.
func (w *Watcher) writtenAt(paths []string, cfg bool, now time.Time) time.Time {
	if cfg || !w.dated || len(paths) > maxDated || w.hold != nil && w.hold() {
		return now
	}
	at := w.lastAt
	for _, p := range paths {
		path := filepath.FromSlash(p)
		if !filepath.IsAbs(path) {
			path = filepath.Join(w.root, path)
		}
		st, err := os.Lstat(path)
		// An empty file may be one a writer truncated and has yet to
		// fill (os.WriteFile, an editor writing in place, on a loaded
		// machine): it waits for the debounce, as before.
		if err != nil || st.ModTime().After(now) || st.Size() == 0 {
			return now
		}
		if st.ModTime().After(at) {
			at = st.ModTime()
		}
	}
	return at
}

// maxDated bounds the files of one look whose times are read: a look that
// finds more is a burst, and waits for the debounce.
const maxDated = 64

func merge(a, b Batch) Batch {
	paths := append(slices.Clone(a.Paths), b.Paths...)
	slices.Sort(paths)
	return Batch{Paths: slices.Compact(paths), Config: a.Config || b.Config}
}
