package watch

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/fsnotify/fsnotify"
)

// eventsEngine is watch.mode: events. The system's file events (inotify,
// ReadDirectoryChangesW, kqueue) say which directories changed; the same
// scanner as polling then rescans just those, so what is reported is
// exactly what polling would report. A full scan follows an overflow of
// the event queue, and runs every safety period anyway, for what events
// never say (a share mounted over a watched directory, a watch the system
// dropped). Where watches cannot be had (the inotify limit), it polls.
type eventsEngine struct {
	s        *scanner
	log      *slog.Logger
	files    []string // config files: their directories are watched too
	interval time.Duration
	debounce time.Duration
	safety   time.Duration // between full scans

	fw      *fsnotify.Watcher
	watched map[string]bool // directories with a watch
	polling bool            // no watches could be had: poll instead
	errSaid map[string]time.Time
}

// safetyFactor times the interval is the period of the events engine's
// full scans.
const safetyFactor = 60

func newEventsEngine(t *tree, log *slog.Logger, opts Options) *eventsEngine {
	return &eventsEngine{s: newScanner(t, log), log: log, files: opts.Files, interval: opts.Interval,
		debounce: opts.Debounce, safety: safetyFactor * opts.Interval, watched: map[string]bool{}, errSaid: map[string]time.Time{}}
}

func (e *eventsEngine) Scan() error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		e.log.Warn("native file events unavailable; polling instead", "err", err)
		e.polling = true
		e.s.full()
		return nil
	}
	e.fw = fw
	e.s.full()
	for added := e.sync(); len(added) > 0; added = e.sync() {
		e.s.partial(added) // what came between the scan and the watch
	}
	e.s.count()
	return nil
}

// Close lets go of the watches when Run is not called.
func (e *eventsEngine) Close() error {
	if e.fw == nil || e.polling {
		return nil
	}
	return e.fw.Close()
}

func (e *eventsEngine) Count() int { return int(e.s.files.Load()) }

// sync watches the directories the scanner knows and the config files'
// directories, and lets go of those that are gone. It returns the
// directories it began to watch.
func (e *eventsEngine) sync() (added []string) {
	if e.polling {
		return nil
	}
	want := map[string]bool{}
	for _, d := range e.s.watchedDirs() {
		want[d] = true
	}
	for _, f := range e.files {
		want[filepath.Dir(f)] = true
	}
	for d := range want {
		if e.watched[d] {
			continue
		}
		if err := e.fw.Add(d); err != nil {
			if tooMany(err) {
				e.log.Warn("the system allows no more file watches; polling instead (raise fs.inotify.max_user_watches, or set watch.mode: poll)", "err", err)
				e.polling = true
				_ = e.fw.Close()
				return nil
			}
			continue // gone since the scan, or not there yet (an overlay's directory)
		}
		e.watched[d] = true
		added = append(added, d)
	}
	for d := range e.watched {
		if !want[d] {
			_ = e.fw.Remove(d)
			delete(e.watched, d)
		}
	}
	return added
}

func (e *eventsEngine) Run(ctx context.Context, found func([]string) bool) error {
	if e.polling {
		return (&pollEngine{s: e.s, interval: e.interval, debounce: e.debounce}).Run(ctx, found)
	}
	defer func() { _ = e.fw.Close() }()
	safety := time.NewTicker(e.safety)
	defer safety.Stop()
	l := &looker{}
	defer l.stop()
	dirty := map[string]bool{}
	full := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-e.fw.Events:
			if !ok {
				return nil
			}
			dirty[filepath.Dir(ev.Name)] = true
			l.arm(settle)
		case err, ok := <-e.fw.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				full = true // events were lost: look at everything
				l.arm(settle)
			} else if time.Since(e.errSaid[err.Error()]) > time.Minute {
				e.errSaid[err.Error()] = time.Now()
				e.log.Warn("file events", "err", err)
			}
		case <-l.c:
			l.c = nil
			var changed []string
			if full {
				changed, full = e.s.full(), false
			} else {
				changed = e.s.partial(slices.Collect(maps.Keys(dirty)))
			}
			clear(dirty)
			e.look(found, changed, l)
		case <-safety.C:
			clear(dirty)
			full = false
			e.look(found, e.s.full(), l)
		}
		if e.polling {
			return (&pollEngine{s: e.s, interval: e.interval, debounce: e.debounce}).Run(ctx, found)
		}
	}
}

// look hands a look's changes to found, and asks for another after the
// debounce if found wants one soon.
func (e *eventsEngine) look(found func([]string) bool, changed []string, l *looker) {
	// A directory is read before its watch exists: read the new ones
	// again, for what came in between.
	for added := e.sync(); len(added) > 0; added = e.sync() {
		changed = append(changed, e.s.partial(added)...)
	}
	e.s.count()
	if found(changed) {
		l.arm(max(e.debounce, minLook))
	}
}

// settle is how long the events engine waits after an event before it
// looks: a save is several calls (write, close, rename).
const settle = 10 * time.Millisecond

// looker is the one timer of the next look.
type looker struct {
	t *time.Timer
	c <-chan time.Time // nil when no look is due
}

// arm makes a look due after d, unless one is due already.
func (l *looker) arm(d time.Duration) {
	if l.c != nil {
		return
	}
	if l.t == nil {
		l.t = time.NewTimer(d)
	} else {
		l.t.Reset(d)
	}
	l.c = l.t.C
}

func (l *looker) stop() {
	if l.t != nil {
		l.t.Stop()
	}
}
