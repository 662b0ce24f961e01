// Package keys is what a run does for the keys typed on its terminal, as
// Vite's: r restarts, o opens the browser, u shows the URLs, c clears the
// screen, q quits, h helps; rs and Enter still restart where the terminal
// cannot give keys one by one.
package keys

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/devserver/devserver/internal/desktop/openurl"
	"github.com/devserver/devserver/internal/terminal/banner"
	"github.com/devserver/devserver/internal/terminal/console"
)

// shortcuts are the keys of a run on a terminal, as Vite's, and what each
// does; rs and Enter still restarts.
var shortcuts = []struct {
	key  rune
	what string
}{
	{'r', "restart the app and every process"},
	{'o', "open it in the browser"},
	{'u', "show the URLs"},
	{'c', "clear the screen"},
	{'q', "quit (or CONTROL-C)"},
	{'h', "show this help"},
}

// Keyboard is what a run does for the keys typed on its terminal: it
// reads them (as they are pressed on a terminal, else a line at a time:
// "rs" or a key and Enter) and acts on them.
type Keyboard struct {
	out     io.Writer
	environ []string
	restart chan struct{} // to the session
	quit    func()

	mu    sync.Mutex
	shown *banner.Banner // once serving
}

// New returns the keyboard of a run that writes to out (the help, the
// URLs), opens the browser as environ says, and quits with quit.
func New(out io.Writer, environ []string, quit func()) *Keyboard {
	return &Keyboard{out: out, environ: environ, restart: make(chan struct{}, 1), quit: quit}
}

// Restarts are the restarts asked for by hand (r, rs), for the session.
func (k *Keyboard) Restarts() <-chan struct{} { return k.restart }

// OnTerminal puts in into cbreak mode when it is a terminal, and returns
// how to put it back (a no-op when it is not).
func OnTerminal(in io.Reader) (cbreak bool, restore func()) {
	f, ok := in.(*os.File)
	if !ok || !console.IsTerminal(f) {
		return false, func() {}
	}
	undo, err := console.Cbreak(f)
	if err != nil {
		return false, func() {}
	}
	return true, func() { _ = undo() }
}

// Read takes keys from in until it ends; cbreak says each byte is a key.
// It is the one goroutine a run does not stop: a read from a terminal
// cannot be interrupted.
func (k *Keyboard) Read(in io.Reader, cbreak bool) {
	if in == nil {
		return
	}
	if cbreak {
		r := bufio.NewReader(in)
		for {
			b, err := r.ReadByte()
			if err != nil {
				return
			}
			k.press(rune(b))
		}
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch line := strings.TrimSpace(sc.Text()); {
		case line == "rs":
			k.press('r')
		case len(line) == 1:
			k.press(rune(line[0]))
		}
	}
}

// press does what key asks.
func (k *Keyboard) press(key rune) {
	switch key {
	case 'r':
		select {
		case k.restart <- struct{}{}:
		default: // one is asked for already
		}
	case 'q':
		k.quit()
	case 'c':
		k.Clear()
	case 'h', '?':
		var b strings.Builder
		b.WriteString("\n  Shortcuts\n")
		for _, s := range shortcuts {
			fmt.Fprintf(&b, "  press %c to %s\n", s.key, s.what)
		}
		fmt.Fprint(k.out, b.String())
	case 'u', 'o':
		k.mu.Lock()
		bn := k.shown
		k.mu.Unlock()
		if bn == nil {
			fmt.Fprintln(k.out, "  not serving yet")
			return
		}
		if key == 'o' {
			k.Open(bn.URL())
			return
		}
		var b strings.Builder
		bn.WriteWhere(&b)
		fmt.Fprint(k.out, b.String())
	}
}

// Clear clears the screen and its scrollback (c, watch.clear_screen).
func (k *Keyboard) Clear() { fmt.Fprint(k.out, "\x1b[H\x1b[2J\x1b[3J") }

// Open opens url in the browser, or says why it cannot.
func (k *Keyboard) Open(url string) {
	if err := openurl.Open(url, k.environ); err != nil {
		fmt.Fprintf(k.out, "  could not open a browser (%v); open %s yourself\n", err, url)
	}
}

// Serving notes the banner, for u and o.
func (k *Keyboard) Serving(bn banner.Banner) {
	k.mu.Lock()
	k.shown = &bn
	k.mu.Unlock()
}
