// Package console sets a terminal to read keys as they are pressed, as
// devserver's shortcuts (h r o u c q) need, and puts it back; and says
// whether a writer is a terminal, and one that takes colours.
package console

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/devserver/devserver/internal/desktop/environ"
)

// Cbreak puts the terminal f reads from into cbreak mode: each key is
// read as it is pressed and is not echoed, while Ctrl+C still interrupts
// and output is written as before (unlike raw mode, which would turn both
// off). restore puts the terminal back as it was; call it on every way out.
func Cbreak(f *os.File) (restore func() error, err error) { return cbreak(f) }

// Colors reports whether f, a terminal, shows ANSI colours, turning on
// their processing where the system needs it (a Windows console).
func Colors(f *os.File) bool { return colors(f) }

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// TakesColors reports whether w takes colours: a terminal that shows
// them, unless noColor (--no-color) or NO_COLOR in env says otherwise.
func TakesColors(noColor bool, env []string, w io.Writer) bool {
	f, ok := w.(*os.File)
	return !noColor && environ.Get(env, "NO_COLOR") == "" && ok && IsTerminal(f) && Colors(f)
}
