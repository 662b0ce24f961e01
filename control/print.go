package control

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/devserver/devserver/internal/recent"
)

// outputShown is how many of a failure's last output lines a person is
// shown; the agents' tools and --json give them all.
const outputShown = 15

// PrintStatus says st to a person: the server, then a line per unit, then
// each failure.
func PrintStatus(w io.Writer, st Status) {
	fmt.Fprintf(w, "devserver (pid %d) serves %s · watch: %s\n", st.PID, st.URL, st.Watch)
	fmt.Fprintf(w, "root %s", st.Root)
	if st.Profile != "" {
		fmt.Fprintf(w, " · profile %s", st.Profile)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UNIT\tSTATE\tPID\tPORT\tSINCE\tRESTARTS")
	for _, u := range st.Units {
		state := u.State
		if u.Busy && u.State == "ready" {
			state += " (restarting)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", u.Name, state, blank(u.PID), blank(u.Port), u.Since.Local().Format(time.TimeOnly), u.Restarts)
	}
	tw.Flush()
	if len(st.Routes) > 0 {
		var rs []string
		for _, r := range st.Routes {
			rs = append(rs, r.Prefix+" → "+r.To)
		}
		fmt.Fprintf(w, "routes: %s\n", strings.Join(rs, ", "))
	}
	for _, u := range st.Units {
		if u.Failure != nil {
			fmt.Fprintln(w)
			printFailure(w, u.Name, u.Failure, 0)
		}
	}
	if len(st.Browser) > 0 {
		fmt.Fprintf(w, "\nthe pages' latest errors (devserver logs browser):\n")
		for _, e := range st.Browser {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// PrintSettled says the outcome of wait or restart: which units are ready,
// and each failure whole enough to act on.
func PrintSettled(w io.Writer, s Settled) {
	var ready, other []string
	for _, u := range s.Units {
		switch {
		case s.TimedOut && u.Busy:
			other = append(other, u.Name+" ("+u.State+", still busy)")
		case u.State == "ready" || u.State == "stopped":
			ready = append(ready, u.Name)
		case u.Failure == nil:
			other = append(other, u.Name+" ("+u.State+")")
		}
	}
	if s.TimedOut {
		fmt.Fprintf(w, "timed out waiting: %s\n", strings.Join(other, ", "))
	} else if len(other) > 0 {
		fmt.Fprintf(w, "not ready: %s\n", strings.Join(other, ", "))
	}
	if len(ready) > 0 {
		fmt.Fprintf(w, "ready: %s\n", strings.Join(ready, ", "))
	}
	for _, u := range s.Units {
		if u.Failure != nil {
			printFailure(w, u.Name, u.Failure, outputShown)
		}
	}
}

// printFailure says a unit's failure: its headline and place, the code
// around it, and its last output lines (shown of them; 0: none).
func printFailure(w io.Writer, unit string, f *Failure, shown int) {
	fmt.Fprintf(w, "%s failed: %s\n", unit, f.Headline())
	if where := f.Where(); where != "" {
		fmt.Fprintf(w, "  at %s\n", where)
	}
	if f.Message != "" {
		fmt.Fprintf(w, "  %s (%s): %s\n", f.What, f.Status, f.Command)
	} else {
		fmt.Fprintf(w, "  $ %s\n", f.Command)
	}
	for _, l := range f.Frame {
		fmt.Fprintf(w, "  %s\n", l)
	}
	if shown > 0 && len(f.Output) > 0 {
		out := f.Output[max(len(f.Output)-shown, 0):]
		fmt.Fprintf(w, "  last %d lines of output:\n", len(out))
		for _, l := range out {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// PrintLine says one output line as the human log does: time, source,
// text.
func PrintLine(w io.Writer, l recent.Line) {
	fmt.Fprintf(w, "%s %-8s %s\n", l.Time.Local().Format("15:04:05.000"), l.Source, l.Text)
}

func blank(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// errorsShown is how many output lines each failure shows in PrintErrors:
// more than a person's terminal gets, as an agent reads them all.
const errorsShown = 40

// PrintErrors says every current failure whole, then the latest errors
// the project's pages threw in the browser; "no failures" when all is well.
func PrintErrors(w io.Writer, st Status, browser []recent.Line) {
	n := 0
	for _, u := range st.Units {
		if u.Failure != nil {
			if n > 0 {
				fmt.Fprintln(w)
			}
			printFailure(w, u.Name, u.Failure, errorsShown)
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "no failures: every unit is ready or starting")
	}
	if len(browser) > 0 {
		fmt.Fprintf(w, "\nthe browser's latest errors:\n")
		for _, l := range browser {
			PrintLine(w, l)
		}
	}
}

// Print writes v as indented JSON, or as human says it to a person.
func Print(w io.Writer, asJSON bool, v any, human func(io.Writer)) error {
	if !asJSON {
		human(w)
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
