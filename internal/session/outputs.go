package session

import (
	"os"
	"time"

	"github.com/devserver/devserver/config"
)

// buildOutputs tells what a build wrote (`go build -o myapp .` under the
// default globs, a bundle, generated code) from what a person saved, so
// that a build's output never restarts what it was built for. A file last
// written while a build ran, found once that build has ended, is its
// output from then on, unless the same path changed outside every build
// before: it is a source, and still counts when saved during a build. A
// file found while the build that wrote it still runs counts (it may be a
// save that is to start a hung build over), unless it was an output before.
type buildOutputs struct {
	sources map[string]bool // paths seen changing outside any build
	outputs map[string]bool // paths builds wrote; each is named in the log once
}

// maxKnown bounds each set; past it, a set starts over.
const maxKnown = 10_000

// keep returns the paths that are no build's output, and the outputs found
// for the first time. built tells whether a file written at a time was
// written by a build that ended or by the one running.
func (b *buildOutputs) keep(cfg *config.Config, paths []string, built func(time.Time) (ended, running bool)) (kept, found []string) {
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
			kept = append(kept, p)
		default:
			b.sources[p] = true
			kept = append(kept, p)
		}
	}
	return kept, found
}
