package watch

import "log/slog"

// engineInfo is one watch mode: what it is called, how the banner and
// the log say it, and how its engine is made (nil for auto, which chooses
// another). The watch modes are this table and nothing else: Modes,
// Describe and New read it, config's allowed values are checked against
// it (TestWatchModesHaveOneOwner), and every engine's behaviour is tested
// from it.
type engineInfo struct {
	mode  string
	words string // "polling", "native events"
	make  func(w *Watcher, t *tree, log *slog.Logger, opts Options) Engine
}

var engineTable = []engineInfo{
	{ModePoll, "polling", func(w *Watcher, t *tree, log *slog.Logger, opts Options) Engine {
		return &pollEngine{s: newScanner(t, log), interval: opts.Interval, debounce: opts.Debounce, now: w.flush}
	}},
	{ModeEvents, "native events", func(w *Watcher, t *tree, log *slog.Logger, opts Options) Engine {
		return newEventsEngine(t, log, opts, w.flush)
	}},
	{ModeAuto, "events on local disks, polling on shares", nil},
	{ModeRadovskyb, "polling with radovskyb/watcher", func(_ *Watcher, t *tree, log *slog.Logger, opts Options) Engine {
		return newRadovskyb(t, log, opts)
	}},
}

// Modes lists the watch modes, for validation and docs.
func Modes() []string {
	out := make([]string, len(engineTable))
	for i, e := range engineTable {
		out[i] = e.mode
	}
	return out
}

// Describe says how changes are found, for the banner and the log:
// "polling", "native events", "polling: /src is on nfs" (why auto chose
// polling).
func Describe(mode, why string) string {
	for _, e := range engineTable {
		if e.mode != mode {
			continue
		}
		if why != "" && mode == ModePoll {
			return e.words + ": " + why
		}
		return e.words
	}
	return mode
}

// engineFor is the table's entry of a mode that has an engine.
func engineFor(mode string) (engineInfo, bool) {
	for _, e := range engineTable {
		if e.mode == mode && e.make != nil {
			return e, true
		}
	}
	return engineInfo{}, false
}
