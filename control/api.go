// Package control is the private channel to a running devserver, for
// another terminal, scripts and coding agents: the session listens on it,
// and `devserver status|restart|logs|wait` and `devserver mcp` ask it.
//
// The channel is not the public listener: on Unix it is a socket in the
// project's .devserver/ (mode 0600), on Windows a loopback TCP port; on
// both a request must carry the token the state file
// .devserver/control.json holds, which only the user who runs devserver
// can read (state.go). The requests and answers are JSON over HTTP
// (server.go, client.go); print.go says them to a person.
package control

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/errorpage/srcloc"
	"github.com/devserver/devserver/internal/recent"
	"github.com/devserver/devserver/reload"
)

// Status is what a running devserver says of itself.
type Status struct {
	URL     string  `json:"url"`
	PID     int     `json:"pid"`
	Root    string  `json:"root"`
	Profile string  `json:"profile,omitempty"`
	Watch   string  `json:"watch"` // how changes are found ("polling", "native events"), or "off"
	Units   []Unit  `json:"units"`
	Routes  []Route `json:"routes,omitempty"`
	// Browser are the latest errors the project's pages threw, each
	// "message at source:line:col (page /path)", the latest last.
	Browser []string `json:"browser_errors,omitempty"`
}

// Unit is one supervised process: the app, or a named process.
type Unit struct {
	Name     string    `json:"name"`
	State    string    `json:"state"` // building, starting, ready, failed, stopped
	PID      int       `json:"pid,omitempty"`
	Port     int       `json:"port,omitempty"`
	Since    time.Time `json:"since"`
	Restarts int       `json:"restarts"`
	Busy     bool      `json:"busy,omitempty"` // a restart is under way: State may change soon
	Failure  *Failure  `json:"failure,omitempty"`
}

// Route is a path prefix and what serves it.
type Route struct {
	Prefix string `json:"prefix"`
	To     string `json:"to"` // a unit, or a URL
}

// Failure says why a unit failed: the line a person reads first, where in
// the project it points, and the command's last output lines.
type Failure struct {
	What    string   `json:"what"`              // "build failed", "app exited"
	Status  string   `json:"status"`            // "exit status 2"
	Message string   `json:"message,omitempty"` // the error's own message, as the error page's title
	File    string   `json:"file,omitempty"`    // relative to the project root, with slashes
	Line    int      `json:"line,omitempty"`
	Column  int      `json:"column,omitempty"`
	Frame   []string `json:"frame,omitempty"`  // the lines around Line, each "  12 | text" (">" marks Line)
	Command string   `json:"command"`          // what ran
	Output  []string `json:"output,omitempty"` // its last lines, without colours
}

// Where is "file:line" (or "file:line:col"), or "".
func (f *Failure) Where() string {
	if f == nil || f.File == "" {
		return ""
	}
	w := f.File + ":" + strconv.Itoa(f.Line)
	if f.Column > 0 {
		w += ":" + strconv.Itoa(f.Column)
	}
	return w
}

// Headline is the failure in one line: its message if one was found,
// else what failed and how.
func (f *Failure) Headline() string {
	if f.Message != "" {
		return f.Message
	}
	return f.What + " (" + f.Status + ")"
}

// FailureOf describes f, its output searched for a place in the project
// at root.
func FailureOf(f *reload.Failure, root string) *Failure {
	if f == nil {
		return nil
	}
	plain := ansi.Strip(f.Output)
	out := &Failure{What: f.What, Status: f.Status, Command: f.Command, Message: srcloc.Message(plain)}
	for l := range strings.SplitSeq(strings.TrimRight(plain, "\n"), "\n") {
		if l != "" || len(out.Output) > 0 {
			out.Output = append(out.Output, l)
		}
	}
	if loc, ok := srcloc.Find(plain, root); ok {
		out.File, out.Line, out.Column = loc.Rel, loc.Line, loc.Col
		for _, l := range srcloc.Frame(root, loc, 3) {
			mark := " "
			if l.Here {
				mark = ">"
				if out.Column == 0 {
					out.Column = srcloc.Column(plain, l.Text)
				}
			}
			out.Frame = append(out.Frame, fmt.Sprintf("%s%5d | %s", mark, l.N, l.Text))
		}
	}
	return out
}

// Settled is the answer of wait and restart: every unit, once none is
// busy, or when the wait timed out.
type Settled struct {
	Status
	TimedOut bool `json:"timed_out,omitempty"`
}

// Ready reports whether every unit is ready (a stopped one counts: it was
// asked to stop).
func (s Settled) Ready() bool {
	if s.TimedOut {
		return false
	}
	for _, u := range s.Units {
		if u.State != reload.StateReady && u.State != reload.StateStopped {
			return false
		}
	}
	return true
}

// Session is what the channel asks of a running session.
type Session interface {
	// Status is the session's state now.
	Status() Status
	// Units are the units' names, the app first.
	Units() []string
	// Settle waits until every unit has settled after the changes made
	// until now (flush: the watcher looks for them first), or ctx ends.
	Settle(ctx context.Context, flush bool) (Status, error)
	// Restart restarts the named units (every one when none is named)
	// and waits as Settle does.
	Restart(ctx context.Context, units []string) (Status, error)
	// Lines is the units' recent output.
	Lines() *recent.Log
}
