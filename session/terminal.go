package session

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/internal/localnet"
	"github.com/devserver/devserver/internal/terminal/banner"
	"github.com/devserver/devserver/internal/terminal/console"
	"github.com/devserver/devserver/internal/terminal/humanlog"
	"github.com/devserver/devserver/internal/terminal/keys"
)

// Terminal is what a run on a person's terminal adds to a session: the
// keys read as they are pressed, the banner once it serves, the log in the
// format asked for. cmd fills it from the flags.
type Terminal struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Environ        []string
	NoColor        bool   // --no-color (NO_COLOR and a writer that is no terminal turn colour off too)
	LogFormat      string // one of LogFormats
	QR             bool   // draw a QR code of the network URL in the banner
	Open           bool   // open the browser once it serves
	Version        string // for the banner
	Begun          time.Time
	Stopping       func() // as Options.Stopping
}

// LogFormats are the log's formats: human (aligned, coloured lines for a
// person), text (logfmt) and json, for machines.
var LogFormats = []string{"human", "text", "json"}

// RunOnTerminal is Run as `devserver` runs on a terminal: the keys of
// internal/terminal/keys (q quits as Ctrl+C does), the banner once it
// serves, the control channel open. It returns when ctx ends or q is
// pressed.
func RunOnTerminal(ctx context.Context, l *config.Loaded, load config.Options, t Terminal) error {
	ctx, quit := context.WithCancel(ctx)
	defer quit()
	cbreak, restore := keys.OnTerminal(t.Stdin)
	defer restore()
	kb := keys.New(t.Stdout, t.Environ, quit)
	go kb.Read(t.Stdin, cbreak)
	outColor := console.TakesColors(t.NoColor, t.Environ, t.Stdout)
	opts := Options{
		Load:     load,
		Restart:  kb.Restarts(),
		Stdout:   t.Stdout,
		Stderr:   t.Stderr,
		Color:    console.TakesColors(t.NoColor, t.Environ, t.Stderr),
		Control:  true,
		Stopping: t.Stopping,
		Started: func(st Started) {
			bn := banner.Banner{Version: t.Version, Loaded: st.Loaded, Addr: st.Addr, ReadyIn: time.Since(t.Begun), Watched: st.Watched, WatchMode: st.WatchMode,
				QR: t.QR, Keys: cbreak, Moved: st.Moved, Environ: t.Environ, Color: outColor}
			if st.Addr.IP.IsUnspecified() {
				bn.LAN = localnet.LAN(st.Addr.IP.To4() == nil)
			}
			if t.LogFormat == "json" {
				banner.LogServing(t.Stdout, bn)
			} else {
				banner.Write(t.Stdout, bn)
			}
			kb.Serving(bn)
			if t.Open {
				kb.Open(bn.URL())
			}
		},
	}
	if console.IsTerminal(t.Stdout) {
		opts.Clear = kb.Clear
	}
	setLog(&opts, t.LogFormat)
	return Run(ctx, l, opts)
}

// setLog gives a session the logger of a log format: human lines (and the
// same columns for requests and the app's output), logfmt, or JSON with the
// requests as records. An unknown format is human's.
func setLog(opts *Options, format string) {
	switch format {
	case "text":
		opts.Logger = slog.New(slog.NewTextHandler(opts.Stderr, nil))
	case "json":
		opts.Logger = slog.New(slog.NewJSONHandler(opts.Stderr, nil))
		opts.Requests = opts.Logger
		opts.JSON = true
	default:
		opts.Human = true
		opts.Logger = slog.New(humanlog.New(opts.Stderr, opts.Color))
	}
}
