package watch

import (
	"bytes"

	"github.com/devserver/devserver/internal/textfile"
)

// contents watches a few files by content (following symlinks, so a
// Kubernetes-style link swap counts): the config file and its overlay. A
// file may be missing, appear and vanish; atomic saves (write a temporary
// file, rename it over) are seen like any other change. The Watcher
// compares them at every look, and a batch goes out only after a look
// that found them unchanged, so a save written in several steps is never
// reported half-done.
//
// Config files are small (config refuses more than 1 MiB), so comparing
// their bytes is both cheap and exact: no mtime resolution to outwit. A file
// that is not a regular file, or is larger than that, counts as missing.
type contents struct {
	files []string
	last  [][]byte
}

func newContents(files []string) *contents {
	c := &contents{files: files}
	c.last = c.read()
	return c
}

func (c *contents) read() [][]byte {
	out := make([][]byte, len(c.files))
	for i, f := range c.files {
		// Bounded: a config swapped for a pipe or a link to /dev/zero must
		// not hang or fill the watcher; loading it says what is wrong.
		data, err := textfile.Read(f, textfile.MaxConfig)
		if err != nil {
			data = nil // missing, unreadable or not a file: one state
		}
		out[i] = data
	}
	return out
}

// changed reads the files and reports whether any differs from the last
// read.
func (c *contents) changed() bool {
	now := c.read()
	same := true
	for i := range now {
		if (now[i] == nil) != (c.last[i] == nil) || !bytes.Equal(now[i], c.last[i]) {
			same = false
		}
	}
	c.last = now
	return !same
}
