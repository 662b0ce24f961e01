package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devserver/devserver/internal/errorpage/ansi"
)

// requestLog writes one line per request in the format of Django's
// runserver:
//
//	[21/Nov/2026 10:04:05] "GET /path HTTP/1.1" 200 512 3ms
//
// Control characters are escaped before they reach the terminal, so a
// request cannot forge log lines or send terminal escapes.
type requestLog struct {
	mu      sync.Mutex
	w       io.Writer
	color   bool
	stamp   func(time.Time) string // what starts a line; nil for Django's
	records *slog.Logger           // instead of lines, when set
	now     func() time.Time
}

// maxLogged bounds how much of a request target one log line shows.
const maxLogged = 2000

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := l.now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			// The proxy ends an answer the client stopped reading with
			// http.ErrAbortHandler: say so in the log, then let it go on
			// to the server, which closes the connection.
			p := recover()
			if p == http.ErrAbortHandler {
				rec.cut = true
			}
			l.done(start, r, rec)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// done logs the request rec answered: an abandoned one as such, not as
// "200 0", and one whose answer was cut short with a note.
func (l *requestLog) done(start time.Time, r *http.Request, rec *recorder) {
	if r.URL.Path == liveReloadPath && rec.status == http.StatusOK {
		return // a page's live-reload stream, ended: not news
	}
	status, note := rec.status, ""
	switch {
	case !rec.wroteHeader && r.Context().Err() != nil:
		status, note = statusClientGone, "client went away before the answer"
	case rec.cut && rec.status != http.StatusSwitchingProtocols:
		note = "cut short: the client went away"
	}
	l.line(start, r, status, rec.bytes, l.now().Sub(start), note)
}

// statusClientGone is what the log says of a request the client abandoned
// before it was answered (nginx's 499): no status was ever sent.
const statusClientGone = 499

func (l *requestLog) line(start time.Time, r *http.Request, status int, size int64, took time.Duration, note string) {
	target := r.RequestURI
	if len(target) > maxLogged {
		target = target[:maxLogged] + "…(" + strconv.Itoa(len(r.RequestURI)) + " bytes)"
	}
	if l.records != nil {
		attrs := []slog.Attr{slog.String("component", "http"),
			slog.String("method", r.Method), slog.String("target", target), slog.String("proto", r.Proto),
			slog.Int("status", status), slog.Int64("bytes", size), slog.Duration("took", took)}
		if note != "" {
			attrs = append(attrs, slog.String("note", note))
		}
		l.records.LogAttrs(context.WithoutCancel(r.Context()), slog.LevelInfo, "request", attrs...)
		return
	}
	text := fmt.Sprintf("\"%s %s %s\" %d %d %s", escape(r.Method), escape(target), escape(r.Proto), status, size, took.Round(time.Microsecond))
	if note != "" {
		text += " (" + note + ")"
	}
	stamp := ""
	if l.stamp != nil {
		stamp = l.stamp(start) // coloured as its column is; the status colours the rest
	} else {
		text = "[" + start.Format("02/Jan/2006 15:04:05") + "] " + text // Django colours all of it
	}
	if l.color {
		text = statusColor(status) + text + "\x1b[0m"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, stamp+text)
}

// statusColor follows Django's palette: success plain, redirects green,
// not-modified cyan, not-found yellow, other client errors red, server
// errors bold magenta.
func statusColor(status int) string {
	switch {
	case status == http.StatusNotModified:
		return "\x1b[36m"
	case status == http.StatusNotFound:
		return "\x1b[33m"
	case status >= 500:
		return "\x1b[1;35m"
	case status >= 400:
		return "\x1b[31;1m"
	case status >= 300:
		return "\x1b[32m"
	}
	return "\x1b[0m"
}

// escape writes control characters, invalid UTF-8 and quotes as Go escapes
// (\x1b, \r, \n, \"): a request line is quoted in the log.
func escape(s string) string {
	return ansi.Escape(quoteEscaper.Replace(s))
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// recorder notes the status and size of a response. It unwraps to the
// writer it wraps, so Flush and Hijack (SSE, WebSocket) reach the real one.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	cut         bool // a write failed: the client went away mid-answer
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader && code >= 200 {
		r.status, r.wroteHeader = code, true
	}
	if code == http.StatusSwitchingProtocols {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	if err != nil {
		r.cut = true
	}
	return n, err
}

// Hijack hands the connection over (the proxy does, for an upgrade) and
// logs the request as 101 Switching Protocols.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
