// Package console sets a terminal to read keys as they are pressed, as
// devserver's shortcuts (h r o u c q) need, and puts it back.
package console

import "os"

// Cbreak puts the terminal f reads from into cbreak mode: each key is
// read as it is pressed and is not echoed, while Ctrl+C still interrupts
// and output is written as before (unlike raw mode, which would turn both
// off). restore puts the terminal back as it was; call it on every way out.
func Cbreak(f *os.File) (restore func() error, err error) { return cbreak(f) }

// Colors reports whether f, a terminal, shows ANSI colours, turning on
// their processing where the system needs it (a Windows console).
func Colors(f *os.File) bool { return colors(f) }
