// Package watch finds out which files changed under a project, and
// reports them as batches of paths relative to the project root.
//
// The Watcher (watch.go: batching and the debounce; flush.go: a look on
// demand, for `devserver wait`) runs over one Engine (engine.go): poll, our
// own scanner (scan.go over the tree of tree.go, with globs and ignores in
// patterns.go and .gitignore files in gitignore.go); events, the system's
// file events with rescans (events.go); or radovskyb, the library
// configured and guarded against its failure modes (radovskyb.go,
// radovskyb_plan.go). mode.go chooses between poll and events for auto
// (per OS: mode_*.go), configwatch.go watches the few config files by
// content, and explain.go says why a path is or is not watched
// (`devserver why`).
//
// It does not decide what a change means (the session does), restart
// anything or read what a file says. It is the only package that imports
// radovskyb/watcher.
package watch
