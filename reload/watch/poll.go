package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/radovskyb/watcher"
)

// Options configure a Poller.
type Options struct {
	// Root is the project root; globs and ignores match paths relative to it.
	Root string
	// Paths are the directories to watch, relative to Root or absolute.
	Paths []string
	// Globs say which files count as changes; Ignore which files and
	// directories to leave out (an ignored directory is never walked). A
	// pattern without "/" matches a name at any depth, as in .gitignore.
	Globs, Ignore []string
	// Interval is the pause between two polls of the tree.
	Interval time.Duration
	// Debounce is the least quiet time after the last change before a batch
	// is reported.
	Debounce time.Duration
	// Logger receives warnings (unreadable directories, a vanished root).
	// If nil, nothing is logged.
	Logger *slog.Logger
}

// Batch is one burst of changes: the files that changed, relative to the
// project root, sorted.
type Batch struct {
	Paths []string
}

// Poller watches a tree by polling, over radovskyb/watcher, and reports
// bursts of changes as batches. It covers the library's failure modes (see
// ../shared/notes/dependencies.md §3): it configures each library watcher
// fully before starting it and makes a fresh one whenever a watched root
// comes back, always drains its channels and closes it from another
// goroutine, prunes ignored directories from the walk, drops the false
// removes of a walk cut short by a file that vanished mid-scan, walks around
// directories it cannot read (which would stop the library's walk), sees writes
// that keep the mtime but change the size, and resolves symlinked roots.
//
// A burst gives one batch: changes are reported at the start of the first
// poll that follows a poll without any change, and at least Debounce after
// the last one. A stream of changes that never pauses is reported every
// maxWait.
type Poller struct {
	opts          Options
	log           *slog.Logger
	globs, ignore patterns
	root          string               // Root with symlinks resolved
	rootSlash     string               // root + "/", for rel on every walked entry
	roots         []string             // watched directories, symlinks resolved
	aliases       []alias              // roots that are links out of the project
	errSaid       map[string]time.Time // when each watch error was last logged (Run's goroutine only)

	mu         sync.Mutex
	files      map[string]*fileState // by absolute path
	cycle      int                   // walks begun
	seenRoots  map[string]bool       // roots walked in this cycle
	pending    map[string]bool       // changed paths, relative
	firstAt    time.Time             // first pending change
	lastAt     time.Time             // last change
	lastCycle  int                   // cycle of the last change
	unreadable map[string]bool       // directories skipped, reported once
	ready      []string              // a batch waiting to be taken
	kick       chan struct{}         // capacity 1: a batch is ready

	flat     map[string]bool   // directories listed without recursion (around unreadable ones)
	replan   bool              // a directory appeared beside a flat-listed one
	scanned0 bool              // the first walk is done
	scanned  *watcher.Watcher  // walked by Scan, not started yet; owned by Run
	visit    func(path string) // tests: called for every entry walked
}

type fileState struct {
	cur, prev stat
	cycle     int // the walk that set cur
	born      int // the walk that first saw it
}

type stat struct {
	size  int64
	mtime time.Time
	ino   uint64
}

// maxWait bounds how long a never-ending stream of changes delays a batch.
const maxWait = 5 * time.Second

// NewPoller checks the options and resolves the roots. It does not walk
// anything yet.
func NewPoller(opts Options) (*Poller, error) {
	if opts.Interval <= 0 {
		return nil, errors.New("watch interval must be positive")
	}
	for _, g := range append(slices.Clone(opts.Globs), opts.Ignore...) {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("invalid glob %q", g)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	root, err := filepath.EvalSymlinks(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("project root: %w", err)
	}
	p := &Poller{opts: opts, log: log.With("component", "watch"), root: root, rootSlash: root + string(filepath.Separator),
		globs: compile(opts.Globs), ignore: compile(opts.Ignore),
		files: map[string]*fileState{}, seenRoots: map[string]bool{}, pending: map[string]bool{},
		unreadable: map[string]bool{}, flat: map[string]bool{}, kick: make(chan struct{}, 1), errSaid: map[string]time.Time{}}
	for _, path := range opts.Paths {
		if !filepath.IsAbs(path) {
			path = filepath.Join(opts.Root, path)
		}
		r, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("watch path %s: %w", path, err)
		}
		p.roots = append(p.roots, r)
		// A linked directory listed by its name in the project is reported
		// under that name, not where the link points.
		if rel, err := filepath.Rel(opts.Root, path); err == nil && filepath.IsLocal(rel) && p.rel(r) != filepath.ToSlash(rel) {
			p.aliases = append(p.aliases, alias{resolved: r, shown: filepath.ToSlash(rel)})
		}
	}
	return p, nil
}

// alias maps a watch path that is a symlink out of the project back to the
// name it has in the project.
type alias struct{ resolved, shown string }

// Count returns how many files are watched, as of the last walk.
func (p *Poller) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.files)
}

// rel is path relative to the project root, with forward slashes; paths
// outside the root (a watch path elsewhere) stay absolute.
func (p *Poller) rel(path string) string {
	if r, ok := strings.CutPrefix(path, p.rootSlash); ok && filepath.Separator == '/' {
		return r
	}
	r, err := filepath.Rel(p.root, path)
	if err != nil || strings.HasPrefix(r, "..") {
		for _, a := range p.aliases {
			if rest, ok := strings.CutPrefix(path, a.resolved+string(filepath.Separator)); ok {
				return a.shown + "/" + filepath.ToSlash(rest)
			}
		}
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// hook runs for every entry of every walk, inside the library's walk and
// under its lock: it must be quick and must not call the watcher.
func (p *Poller) hook(info os.FileInfo, path string) error {
	if p.visit != nil {
		p.visit(path)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.flat) == 0 && slices.Contains(p.roots, path) {
		p.walkStarts(path)
		return nil
	}
	// In a flat listing the library treats SkipDir as an error: skip the
	// entry instead (it is not descended into anyway). The plan is empty but
	// around unreadable directories, so the usual walk pays nothing here.
	inFlat := len(p.flat) > 0 && p.flat[filepath.Dir(path)]
	skipDir := filepath.SkipDir
	if inFlat {
		skipDir = watcher.ErrSkip
	}
	rel := p.rel(path)
	if p.ignore.match(rel) {
		if info.IsDir() {
			return skipDir // pruned: never entered
		}
		return watcher.ErrSkip
	}
	if info.IsDir() {
		if inFlat && p.unreadable[path] {
			return watcher.ErrSkip
		}
		return nil
	}
	if !p.globs.match(rel) || editorTemp(info.Name()) {
		return watcher.ErrSkip
	}
	st := statOf(info)
	f := p.files[path]
	if f == nil {
		f = &fileState{cur: st, prev: st, cycle: p.cycle, born: p.cycle}
		p.files[path] = f
		if p.scanned0 {
			// New since the first scan. The library reports it too, except
			// in the first walk of a rebuilt watcher, which takes it in.
			p.changed(rel)
		}
		return nil
	}
	if f.cycle != p.cycle {
		f.prev, f.cur, f.cycle = f.cur, st, p.cycle
		// The library compares mtimes only: a rewrite within the mtime's
		// resolution (FAT, some SMB, tools that keep mtimes) shows only in
		// the size or the inode.
		if f.prev.mtime.Equal(st.mtime) && !f.prev.same(st) {
			p.changed(rel)
		}
	}
	return nil
}

// walkStarts notes the start of a root's walk; the first root seen twice
// starts a new cycle. All events of the previous cycle have been delivered
// by now (the library sends them before it sleeps and walks again), so this
// is where a quiet cycle is recognised.
func (p *Poller) walkStarts(root string) {
	if !p.seenRoots[root] && p.cycle > 0 {
		p.seenRoots[root] = true // another root of the same cycle
		return
	}
	clear(p.seenRoots)
	p.seenRoots[root] = true
	p.newCycle()
}

// newCycle counts a poll and reports the pending changes if the previous
// poll brought none; the caller holds p.mu.
func (p *Poller) newCycle() {
	p.cycle++
	if len(p.pending) == 0 {
		return
	}
	now := time.Now()
	quiet := p.lastCycle < p.cycle-1 && now.Sub(p.lastAt) >= p.opts.Debounce
	if quiet || now.Sub(p.firstAt) >= maxWait {
		p.ready = append(p.ready, sortedKeys(p.pending)...)
		clear(p.pending)
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// changed records a change; the caller holds p.mu.
func (p *Poller) changed(rel string) {
	now := time.Now()
	if len(p.pending) == 0 {
		p.firstAt = now
	}
	p.pending[rel] = true
	p.lastAt, p.lastCycle = now, p.cycle
}

// event takes one event from the library.
func (p *Poller) event(ev watcher.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ev.IsDir() {
		// A directory's mtime moves with every save inside it: no change
		// of its own. But a new directory beside a flat-listed one must be
		// walked: plan again.
		if ev.Op == watcher.Create && p.flat[filepath.Dir(ev.Path)] {
			p.replan = true
		}
		return
	}
	if ev.Op == watcher.Chmod {
		return
	}
	switch ev.Op {
	case watcher.Remove:
		// A walk cut short (a file that vanished mid-scan, a directory that
		// became unreadable under the walk) reports every later file as
		// removed: believe a remove only when the file is known to be gone.
		if _, err := os.Lstat(ev.Path); !errors.Is(err, fs.ErrNotExist) {
			return
		}
		if p.underUnreadable(ev.Path) {
			return
		}
		delete(p.files, ev.Path)
	case watcher.Create:
		// ... and then as created again on the next walk, unchanged.
		if f := p.files[ev.Path]; f != nil && f.born < p.cycle && f.prev.same(f.cur) {
			return
		}
	case watcher.Rename, watcher.Move:
		p.changed(p.rel(ev.OldPath))
		delete(p.files, ev.OldPath)
	}
	if !p.globs.match(p.rel(ev.Path)) {
		return
	}
	p.changed(p.rel(ev.Path))
}

func (p *Poller) underUnreadable(path string) bool {
	for dir := range p.unreadable {
		if strings.HasPrefix(path, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// newWatcher makes a library watcher, configured completely before it
// starts, and walks the roots once.
func (p *Poller) newWatcher() (*watcher.Watcher, error) {
	recursive, flat := p.plan()
	p.mu.Lock()
	p.flat = flat
	p.mu.Unlock()
	w := watcher.New()
	w.AddFilterHook(p.hook)
	for _, r := range recursive {
		if err := w.AddRecursive(r); err != nil {
			return nil, fmt.Errorf("watch %s: %w", r, err)
		}
	}
	for r := range flat {
		if err := w.Add(r); err != nil {
			return nil, fmt.Errorf("watch %s: %w", r, err)
		}
	}
	p.mu.Lock()
	p.scanned0 = true
	p.mu.Unlock()
	return w, nil
}

// Scan walks the tree once, so that Count is known before Run; Run starts
// from this walk.
func (p *Poller) Scan() error {
	w, err := p.newWatcher()
	if err != nil {
		return err
	}
	p.scanned = w
	return nil
}

// Run polls until ctx ends and sends each batch on changes. It never blocks
// the library on a slow receiver: batches wait, merged, until taken. It
// returns after the library's goroutine has exited.
func (p *Poller) Run(ctx context.Context, changes chan<- Batch) error {
	for {
		rebuild, err := p.runOnce(ctx, changes)
		if err != nil || !rebuild {
			return err
		}
	}
}

// runOnce runs one library watcher. It returns rebuild when a watched root
// vanished and came back: the library dropped it for good, so a fresh
// watcher is needed.
func (p *Poller) runOnce(ctx context.Context, changes chan<- Batch) (rebuild bool, err error) {
	w := p.scanned
	p.scanned = nil
	if w == nil {
		if w, err = p.waitForRoots(ctx); w == nil {
			return false, err
		}
	}
	r := &round{p: p, w: w, startErr: make(chan error, 1)}
	go func() { r.startErr <- w.Start(p.opts.Interval) }()
	defer r.stop()
	p.mu.Lock()
	r.degraded = len(p.flat) > 0
	p.mu.Unlock()
	if r.degraded {
		r.recheck = time.After(p.opts.Interval)
	}
	var out chan<- Batch
	var batch Batch
	for {
		select {
		case ev := <-w.Event:
			p.event(ev)
		case e := <-w.Error:
			r.onError(e)
		case <-r.recheck:
			r.onRecheck()
		case <-p.kick:
			p.mu.Lock()
			batch.Paths = mergeSorted(batch.Paths, p.ready)
			p.ready = nil
			p.mu.Unlock()
			out = changes
		case out <- batch:
			batch, out = Batch{}, nil
		case <-w.Closed:
			<-r.startErr
			return p.ended(ctx, batch, r.rootGone || r.rebuild), nil
		case err := <-r.startErr:
			if err != nil {
				return false, fmt.Errorf("start watcher: %w", err)
			}
			// Start returns nil once the watcher is closed, as Closed is
			// closed: the same end, whichever select saw first.
			<-w.Closed
			return p.ended(ctx, batch, r.rootGone || r.rebuild), nil
		case <-ctx.Done():
			r.drain()
			return false, nil
		}
	}
}

// round is what one library watcher's run keeps between its events.
type round struct {
	p        *Poller
	w        *watcher.Watcher
	startErr chan error
	closing  bool // Close was called
	rootGone bool // a watched root vanished
	rebuild  bool // a fresh watcher is needed
	degraded bool // the plan lists some directories flat
	recheck  <-chan time.Time
}

// stop closes the library watcher once. Close waits for the poll loop, so
// it runs in its own goroutine while the caller keeps draining.
func (r *round) stop() {
	if !r.closing {
		r.closing = true
		go r.w.Close()
	}
}

// drain stops the watcher and takes what it still sends until its loop
// has ended.
func (r *round) drain() {
	r.stop()
	for {
		select {
		case <-r.w.Event:
		case <-r.w.Error:
		case <-r.w.Closed:
			<-r.startErr
			return
		}
	}
}

// onError handles an error of the library: a vanished root, a directory
// it cannot read, or anything else (said once a minute at most).
func (r *round) onError(e error) {
	p := r.p
	if errors.Is(e, watcher.ErrWatchedFileDeleted) {
		r.rootGone = true
		p.rootsVanished()
		p.log.Warn("a watched directory was removed; watching for it to come back")
		r.recheck = time.After(p.opts.Interval)
		return
	}
	if dir, ok := unreadableDir(e); ok {
		p.mu.Lock()
		known := p.unreadable[dir]
		p.unreadable[dir] = true
		p.mu.Unlock()
		if !known {
			p.log.Warn("cannot read directory; watching around it until it can be read", "dir", p.rel(dir))
			r.stop()
			r.rebuild = true
		}
		return
	}
	if msg := e.Error(); time.Since(p.errSaid[msg]) > time.Minute {
		// The same error every poll (out of file descriptors, a flaky
		// share) is said once a minute, not at every poll.
		p.errSaid[msg] = time.Now()
		p.log.Warn("watch error", "err", e)
	}
}

// onRecheck counts a poll where no walk of the roots marks it (one
// vanished, or the plan lists some flat), and rebuilds when the roots are
// back or the plan changed.
func (r *round) onRecheck() {
	p := r.p
	p.mu.Lock()
	p.newCycle()
	p.mu.Unlock()
	switch {
	case r.rootGone && p.rootsExist(), r.degraded && (p.readableAgain() || p.takeReplan()):
		r.stop()
		r.rebuild = true
	default:
		r.recheck = time.After(p.opts.Interval)
	}
}

// ended finishes a watcher that closed: a batch not yet taken goes back to
// be delivered by the next one. It returns whether to rebuild.
func (p *Poller) ended(ctx context.Context, batch Batch, rebuild bool) bool {
	if ctx.Err() != nil {
		return false
	}
	if len(batch.Paths) > 0 {
		p.mu.Lock()
		p.ready = mergeSorted(p.ready, batch.Paths)
		p.mu.Unlock()
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	return rebuild
}

// waitForRoots makes a watcher once every root exists, polling for them.
func (p *Poller) waitForRoots(ctx context.Context) (*watcher.Watcher, error) {
	for {
		if p.rootsExist() {
			w, err := p.newWatcher()
			if err == nil || !errors.Is(err, os.ErrNotExist) {
				return w, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(p.opts.Interval):
		}
	}
}

// rootsVanished counts every file under a root that no longer exists as
// removed: the library drops such a root and its files without a word.
func (p *Poller) rootsVanished() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.roots {
		if _, err := os.Stat(r); err == nil {
			continue
		}
		for path := range p.files {
			if strings.HasPrefix(path, r+string(filepath.Separator)) {
				delete(p.files, path)
				p.changed(p.rel(path))
			}
		}
	}
}

func (p *Poller) rootsExist() bool {
	for _, r := range p.roots {
		if st, err := os.Stat(r); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

func mergeSorted(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

func (a stat) same(b stat) bool {
	return a.size == b.size && a.ino == b.ino && a.mtime.Equal(b.mtime)
}

func statOf(info os.FileInfo) stat {
	return stat{size: info.Size(), mtime: info.ModTime(), ino: fileID(info)}
}
