// Package watch finds out which files changed: the poller over a project
// tree (poll.go, plan.go: radovskyb/watcher configured and guarded against
// its failure modes, with globs and ignores in patterns.go) and the exact,
// content-compared watch of the few config files (configwatch.go). It
// reports batches of paths relative to the project root.
//
// It does not decide what a change means (the session does), restart
// anything or read what a file says. It is the only package that imports
// radovskyb/watcher.
package watch
