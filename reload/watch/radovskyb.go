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

	"github.com/radovskyb/watcher"
)

// radovskyb is the engine over radovskyb/watcher (watch.mode: radovskyb),
// as devserver polled before it had its own scanner. It covers the library's failure modes (see
// ../shared/notes/dependencies.md §3): it configures each library watcher
// fully before starting it and makes a fresh one whenever a watched root
// comes back, always drains its channels and closes it from another
// goroutine, prunes ignored directories from the walk, drops the false
// removes of a walk cut short by a file that vanished mid-scan, walks around
// directories it cannot read (which would stop the library's walk), sees writes
// that keep the mtime but change the size, and resolves symlinked roots.
//
// Its looks are the library's polls: each walk's start ends the previous
// poll, whose changes go to found.
type radovskyb struct {
	*tree
	opts    Options
	log     *slog.Logger
	errSaid said // Run's goroutine only

	mu         sync.Mutex
	files      map[string]*fileState // by absolute path
	cycle      int                   // walks begun
	seenRoots  map[string]bool       // roots walked in this cycle
	cycleSet   map[string]bool       // changed paths of this poll, relative
	unreadable map[string]bool       // directories skipped, reported once
	looks      [][]string            // ended polls' changes, waiting for Run
	kick       chan struct{}         // capacity 1: looks holds some

	flat     map[string]bool  // directories listed without recursion (around unreadable ones)
	replan   bool             // a directory appeared beside a flat-listed one
	scanned0 bool             // the first walk is done
	scanned  *watcher.Watcher // walked by Scan, not started yet; owned by Run
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

func newRadovskyb(t *tree, log *slog.Logger, opts Options) *radovskyb {
	return &radovskyb{tree: t, opts: opts, log: log,
		files: map[string]*fileState{}, seenRoots: map[string]bool{}, cycleSet: map[string]bool{},
		unreadable: map[string]bool{}, flat: map[string]bool{}, kick: make(chan struct{}, 1), errSaid: said{}}
}

// Count returns how many files are watched, as of the last walk.
func (p *radovskyb) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.files)
}

// hook runs for every entry of every walk, inside the library's walk and
// under its lock: it must be quick and must not call the watcher.
func (p *radovskyb) hook(info os.FileInfo, path string) error {
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
	if info.IsDir() {
		switch {
		case !p.enters(path):
			return skipDir // pruned: never entered
		case inFlat && p.unreadable[path]:
			return watcher.ErrSkip
		}
		return nil
	}
	if !p.counts(path, info.Name()) {
		return watcher.ErrSkip
	}
	rel := p.rel(path)
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
func (p *radovskyb) walkStarts(root string) {
	if !p.seenRoots[root] && p.cycle > 0 {
		p.seenRoots[root] = true // another root of the same cycle
		return
	}
	clear(p.seenRoots)
	p.seenRoots[root] = true
	p.newCycle()
}

// newCycle counts a poll and hands the changes of the poll that ended to
// Run; the caller holds p.mu. All events of that poll have been delivered
// by now (the library sends them before it sleeps and walks again).
func (p *radovskyb) newCycle() {
	p.cycle++
	p.looks = append(p.looks, sortedKeys(p.cycleSet))
	clear(p.cycleSet)
	select {
	case p.kick <- struct{}{}:
	default:
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
func (p *radovskyb) changed(rel string) { p.cycleSet[rel] = true }

// event takes one event from the library.
func (p *radovskyb) event(ev watcher.Event) {
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
	if !p.globs.match(p.rel(ev.Path)) && !p.owns(ev.Path) {
		return
	}
	p.changed(p.rel(ev.Path))
}

func (p *radovskyb) underUnreadable(path string) bool {
	for dir := range p.unreadable {
		if strings.HasPrefix(path, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// newWatcher makes a library watcher, configured completely before it
// starts, and walks the roots once.
func (p *radovskyb) newWatcher() (*watcher.Watcher, error) {
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
func (p *radovskyb) Scan() error {
	w, err := p.newWatcher()
	if err != nil {
		return err
	}
	p.scanned = w
	return nil
}

// Run polls until ctx ends and hands each poll's changes to found, from
// this goroutine, never the library's. It returns after the library's
// goroutine has exited.
func (p *radovskyb) Run(ctx context.Context, found func([]string) bool) error {
	for {
		rebuild, err := p.runOnce(ctx, found)
		if err != nil || !rebuild {
			return err
		}
	}
}

// runOnce runs one library watcher. It returns rebuild when a watched root
// vanished and came back: the library dropped it for good, so a fresh
// watcher is needed.
func (p *radovskyb) runOnce(ctx context.Context, found func([]string) bool) (rebuild bool, err error) {
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
			looks := p.looks
			p.looks = nil
			p.mu.Unlock()
			for _, l := range looks {
				found(l)
			}
		case <-w.Closed:
			<-r.startErr
			return p.ended(ctx, r.rootGone || r.rebuild), nil
		case err := <-r.startErr:
			if err != nil {
				return false, fmt.Errorf("start watcher: %w", err)
			}
			// Start returns nil once the watcher is closed, as Closed is
			// closed: the same end, whichever select saw first.
			<-w.Closed
			return p.ended(ctx, r.rootGone || r.rebuild), nil
		case <-ctx.Done():
			r.drain()
			return false, nil
		}
	}
}

// round is what one library watcher's run keeps between its events.
type round struct {
	p        *radovskyb
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
	p.errSaid.warn(p.log, "watch error", e)
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

// ended finishes a watcher that closed: it returns whether to rebuild.
// Changes of a poll cut short stay recorded for the next watcher's first.
func (p *radovskyb) ended(ctx context.Context, rebuild bool) bool {
	return rebuild && ctx.Err() == nil
}

// waitForRoots makes a watcher once every root exists, polling for them.
func (p *radovskyb) waitForRoots(ctx context.Context) (*watcher.Watcher, error) {
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
func (p *radovskyb) rootsVanished() {
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

func (p *radovskyb) rootsExist() bool {
	for _, r := range p.roots {
		if st, err := os.Stat(r); err != nil || !st.IsDir() {
			return false
		}
	}
	return true
}

func (a stat) same(b stat) bool {
	return a.size == b.size && a.ino == b.ino && a.mtime.Equal(b.mtime)
}

func statOf(info os.FileInfo) stat {
	return stat{size: info.Size(), mtime: info.ModTime(), ino: fileID(info)}
}
