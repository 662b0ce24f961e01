package session

import (
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/devserver/devserver/config"
)

// buildOutputs tells what a build wrote (`go build -o myapp .` under the
// default globs, a bundle, generated code) from what a person saved, so
// that a build's output never restarts what it was built for. A file last
// written while a build ran, found once that build has ended, is its
// output from then on, unless the same path changed outside every build
// before: it is a source, and still counts when saved during a build. A
// file found while the build that wrote it still runs waits (waiting) until
// that build ends, for the build's output appears just before its end
// (`go build` writes it, then exits); if the build is still running a
// while later, it was a save that is to start a hung build over
// (session.recheck).
type buildOutputs struct {
	sources map[string]bool // paths seen changing outside any build
	outputs map[string]bool // paths builds wrote; each is named in the log once
}

// maxKnown bounds each set; past it, a set starts over.
const maxKnown = 10_000

// keep returns the paths that are no build's output, the outputs found for
// the first time, and the paths that wait for the running build to end.
// built tells whether a file written at a time was written by a build
// that ended or by the one running.
func (b *buildOutputs) keep(cfg *config.Config, paths []string, built func(time.Time) (ended, running bool)) (kept, found, waiting []string) {
	if b.sources == nil || len(b.sources) > maxKnown {
		b.sources = map[string]bool{}
	}
	if b.outputs == nil || len(b.outputs) > maxKnown {
		b.outputs = map[string]bool{}
	}
	for _, p := range paths {
		if b.sources[p] {
			kept = append(kept, p)
			continue
		}
		st, err := os.Lstat(cfg.Abs(p))
		if err != nil { // a deletion: of an output, by the build that writes it again
			if !b.outputs[p] {
				kept = append(kept, p)
			}
			continue
		}
		ended, running := built(st.ModTime())
		switch {
		case b.outputs[p]:
		case ended && !running:
			b.outputs[p] = true
			found = append(found, p)
		case running:
			waiting = append(waiting, p)
		default:
			b.sources[p] = true
			kept = append(kept, p)
		}
	}
	return kept, found, waiting
}

// outputGrace is how long a file found while a build runs waits for that
// build to end before it counts as a save: `go build` exits within
// milliseconds of writing its output, even on a loaded machine, while a
// save that is to start a hung build over is not held up for long.
const outputGrace = time.Second

// waitingFiles are files found while a build ran, by when they were found.
type waitingFiles map[string]time.Time

// wait holds files found while a build runs until it ends (recheck).
func (s *session) wait(paths []string) {
	if len(paths) == 0 {
		return
	}
	if s.waiting == nil {
		s.waiting = waitingFiles{}
	}
	now := time.Now()
	for _, p := range paths {
		if _, ok := s.waiting[p]; !ok {
			s.waiting[p] = now
		}
	}
	if s.recheck == nil {
		s.recheck = time.After(recheckEvery)
	}
}

// recheckEvery is how often files that wait for a build are looked at.
const recheckEvery = 20 * time.Millisecond

// rechecked looks at the waiting files again: those whose build has ended
// are its output or a source as keep says; those still found written by a
// running build after outputGrace count as saves.
func (s *session) rechecked() {
	s.recheck = nil
	cfg := s.loaded.Config
	paths := slices.Sorted(maps.Keys(s.waiting))
	kept, outputs, still := s.outputs.keep(cfg, paths, s.writtenByBuild)
	if len(outputs) > 0 {
		s.log.Info("not restarting for what a build wrote", "files", strings.Join(outputs, ", "))
	}
	now := time.Now()
	waiting := waitingFiles{}
	for _, p := range still {
		if now.Sub(s.waiting[p]) >= outputGrace {
			kept = append(kept, p) // the build runs on: a save, to start it over
		} else {
			waiting[p] = s.waiting[p]
		}
	}
	s.waiting = nil
	if len(waiting) > 0 {
		s.waiting, s.recheck = waiting, time.After(recheckEvery)
	}
	slices.Sort(kept)
	s.pathsChanged(kept)
}
