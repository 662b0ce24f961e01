package reload

import (
	"fmt"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/errorpage/srcloc"
)

// Failure says why there is no app to send requests to: a failed build, an
// app that exited, or one that never listened. It is what Ready returns
// until the next restart.
type Failure struct {
	What    string // "build failed", "app exited", "app did not start"
	Command string
	Status  string // "exit status 2", "killed by SIGKILL", or a reason
	Output  string // the last lines the command printed
	exit    *exit  // how the app ended, when it ended by itself
	stolen  bool   // another process held the app's $PORT: a race, not the app's fault
}

func (f *Failure) Error() string { return fmt.Sprintf("%s: %s: %s", f.What, f.Command, f.Status) }

// Title is a one-line summary for an error page.
func (f *Failure) Title() string { return f.What + " (" + f.Status + ")" }

// failureAttrs are a failure's log attributes: its status, the error's
// message its output holds (the line a person reads first, as the error
// page's title), and more.
func failureAttrs(status, output string, more ...any) []any {
	attrs := []any{"status", status}
	if msg := srcloc.Message(ansi.Strip(output)); msg != "" {
		attrs = append(attrs, "error", msg)
	}
	return append(attrs, more...)
}

// Detail is the command and its last output lines, for an error page.
func (f *Failure) Detail() string { return "$ " + f.Command + "\n" + f.Output }

// exitIfAny is how the app ended by itself, if f says it did.
func (f *Failure) exitIfAny() *exit {
	if f == nil {
		return nil
	}
	return f.exit
}
