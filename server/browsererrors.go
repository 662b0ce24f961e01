package server

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
)

// browserErrorsPath is where the live-reload script reports the page's
// uncaught errors and unhandled rejections.
const browserErrorsPath = reservedPrefix + "errors"

// BrowserError is an error a page of the project threw, as its script
// reported it. Every field came from the page: it is bounded and stripped
// of control characters, but still the page's to say.
type BrowserError struct {
	Page    string // the page's path
	Message string
	Source  string // the script's URL
	Line    int
	Column  int
	Stack   []string // its lines, at most maxStackLines
}

// Bounds of a report: the body, each field, the stack's lines, and how
// many reports a second are taken (with a burst), the rest dropped.
const (
	maxReportBody   = 16 << 10
	maxReportField  = 1000
	maxStackLines   = 20
	reportsPerSec   = 5
	reportsBurst    = 20
	maxReportColumn = 1 << 24
)

// reporting is a LiveReload's taker of browser errors.
type reporting struct {
	key string // in the script of this devserver's pages only

	mu     sync.Mutex
	take   func(BrowserError) // nil: the script does not report
	tokens float64
	last   time.Time
}

// OnBrowserErrors makes the pages' script report their uncaught errors
// and unhandled rejections to take (called from a request's goroutine,
// never more than a few times a second); nil turns reporting off. Pages
// served from then on carry the script that reports.
func (lr *LiveReload) OnBrowserErrors(take func(BrowserError)) {
	lr.reports.mu.Lock()
	defer lr.reports.mu.Unlock()
	lr.reports.take = take
}

// reportKey is the key pages report with, or "" when reporting is off.
func (lr *LiveReload) reportKey() string {
	lr.reports.mu.Lock()
	defer lr.reports.mu.Unlock()
	if lr.reports.take == nil {
		return ""
	}
	return lr.reports.key
}

// serveErrors takes a page's report: a POST from a page of this origin
// that carries the key only devserver's pages were given. Anything else is
// refused, and nothing in a report reaches the log but as the fields of a
// BrowserError.
func (lr *LiveReload) serveErrors(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writePlain(w, http.StatusMethodNotAllowed, "POST only\n")
		return
	}
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" && (r.Header.Get("Sec-Fetch-Site") != "" || !sameOrigin(r)) {
		writePlain(w, http.StatusForbidden, "reports come from this origin's pages only\n")
		return
	}
	var in struct {
		Key, Page, Message, Source, Stack string
		Line, Column                      int
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReportBody)).Decode(&in); err != nil {
		writePlain(w, http.StatusBadRequest, "not a report\n")
		return
	}
	take, key := lr.admit()
	if take == nil || subtle.ConstantTimeCompare([]byte(in.Key), []byte(key)) != 1 {
		writePlain(w, http.StatusForbidden, "not a page of this devserver's\n")
		return
	}
	w.WriteHeader(http.StatusNoContent)
	if !lr.reports.allow(time.Now()) {
		return
	}
	e := BrowserError{Page: field(in.Page), Message: field(in.Message), Source: field(in.Source),
		Line: min(max(in.Line, 0), maxReportColumn), Column: min(max(in.Column, 0), maxReportColumn)}
	for l := range strings.SplitSeq(in.Stack, "\n") {
		if l = field(l); l != "" && len(e.Stack) < maxStackLines {
			e.Stack = append(e.Stack, l)
		}
	}
	take(e)
}

// admit is the taker and the key, read together.
func (lr *LiveReload) admit() (func(BrowserError), string) {
	lr.reports.mu.Lock()
	defer lr.reports.mu.Unlock()
	return lr.reports.take, lr.reports.key
}

// allow takes a token of the bucket: reportsPerSec, reportsBurst at once.
func (rp *reporting) allow(now time.Time) bool {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.last.IsZero() {
		rp.tokens = reportsBurst
	}
	rp.tokens = min(reportsBurst, rp.tokens+now.Sub(rp.last).Seconds()*reportsPerSec)
	rp.last = now
	if rp.tokens < 1 {
		return false
	}
	rp.tokens--
	return true
}

// field is a page's string as it may be said: no control characters (a
// newline could pose as a line of devserver's own), trimmed, and bounded
// on a whole rune.
func field(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.TrimSpace(s)
	if len(s) > maxReportField {
		s = strings.ToValidUTF8(s[:maxReportField], "") + "…"
	}
	return s
}
