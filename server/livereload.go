package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// reservedPrefix is the URL path prefix devserver keeps for itself: requests
// under it are never passed to the app.
const reservedPrefix = "/__devserver/"

// liveReloadPath is the event stream browsers listen on.
const liveReloadPath = reservedPrefix + "livereload"

// LiveReload tells open browser pages to reload, or to swap their
// stylesheets, over a server-sent event stream that its pages connect to
// (the script the server injects into HTML does). It outlives the front
// servers that use it, so pages stay connected through a config change.
//
// Every change has a number (its generation), and each injected page knows
// the generation it was served at: a page that connects after a change it
// missed (it was still loading) reloads at once, so no change falls
// between a page's load and its connection. A LiveReload never blocks the
// caller of Reload or ReloadCSS: a slow page gets the latest state when it
// reads again, never a queue.
type LiveReload struct {
	boot string // differs per devserver process: a page from a previous one reloads

	mu       sync.Mutex
	gen      uint64 // the latest change
	reloadAt uint64 // the latest change that needs a full reload
	clients  map[chan struct{}]struct{}
	closed   bool
	done     chan struct{}
	reports  reporting // the pages' errors
}

// NewLiveReload returns a LiveReload with no pages connected.
func NewLiveReload() *LiveReload {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var key [16]byte
	_, _ = rand.Read(key[:])
	return &LiveReload{boot: hex.EncodeToString(b[:]), clients: map[chan struct{}]struct{}{}, done: make(chan struct{}),
		reports: reporting{key: hex.EncodeToString(key[:])}}
}

// Reload tells every connected page to reload.
func (lr *LiveReload) Reload() { lr.change(true) }

// ReloadCSS tells every connected page to fetch its stylesheets again
// without reloading: the page keeps its state.
func (lr *LiveReload) ReloadCSS() { lr.change(false) }

func (lr *LiveReload) change(full bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	lr.gen++
	if full {
		lr.reloadAt = lr.gen
	}
	for c := range lr.clients {
		select {
		case c <- struct{}{}:
		default: // already woken; it reads the latest state
		}
	}
}

// Clients returns how many pages are connected.
func (lr *LiveReload) Clients() int {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return len(lr.clients)
}

// Close ends every page's stream; pages reconnect when devserver is back.
func (lr *LiveReload) Close() {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if !lr.closed {
		lr.closed = true
		close(lr.done)
	}
}

// state returns the latest change's number and that of the latest full
// reload.
func (lr *LiveReload) state() (gen, reloadAt uint64) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.gen, lr.reloadAt
}

func (lr *LiveReload) subscribe() (chan struct{}, bool) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.closed {
		return nil, false
	}
	c := make(chan struct{}, 1)
	lr.clients[c] = struct{}{}
	return c, true
}

func (lr *LiveReload) unsubscribe(c chan struct{}) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	delete(lr.clients, c)
}

// keepAlive is how often an idle stream gets a comment, so that a page that
// went away is noticed.
const keepAlive = 25 * time.Second

// ServeHTTP is the event stream. It answers only pages of this server's
// own origin: another site's page (a DNS-rebinding or cross-site attacker,
// CVE-2018-14732's class) gets 403, and no response carries CORS headers.
//
// Events: "hello" at once, with the server's boot id and generation; then
// "reload" or "css" with the new generation, each as JSON.
func (lr *LiveReload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writePlain(w, http.StatusMethodNotAllowed, "Method not allowed: the live-reload stream answers GET.\n")
		return
	}
	if !sameOrigin(r) {
		writePlain(w, http.StatusForbidden, "Cross-origin request blocked: the live-reload stream is for devserver's own pages.\n")
		return
	}
	c, ok := lr.subscribe()
	if !ok {
		writePlain(w, http.StatusServiceUnavailable, "devserver is shutting down\n")
		return
	}
	defer lr.unsubscribe(c)
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	gen, _ := lr.state()
	if lr.send(w, rc, "retry: 1000\n\n"+event("hello", lr.hello(gen))) != nil {
		return
	}
	sent := gen
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	closing := serverClosing(r.Context())
	for {
		var msg string
		select {
		case <-c:
			gen, reloadAt := lr.state()
			switch {
			case reloadAt > sent:
				msg = event("reload", genJSON(gen))
			case gen > sent:
				msg = event("css", genJSON(gen))
			default:
				continue
			}
			sent = gen
		case <-tick.C:
			msg = ": still here\n\n"
		case <-r.Context().Done():
			return
		case <-closing:
			return
		case <-lr.done:
			return
		}
		if lr.send(w, rc, msg) != nil {
			return
		}
	}
}

func (lr *LiveReload) send(w http.ResponseWriter, rc *http.ResponseController, msg string) error {
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return rc.Flush()
}

func event(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

func genJSON(gen uint64) string { return fmt.Sprintf(`{"gen":%d}`, gen) }

func (lr *LiveReload) hello(gen uint64) string {
	b, _ := json.Marshal(struct {
		Boot string `json:"boot"`
		Gen  uint64 `json:"gen"`
	}{lr.boot, gen})
	return string(b)
}

// sameOrigin reports whether a browser made r from a page of the server's
// own origin. Browsers say where a request comes from in Sec-Fetch-Site, or
// failing that in Origin; a request with neither is not from a page (curl,
// a test client) and is allowed, as the Host check has passed.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return origin == scheme+r.Host
}

type closingKey struct{}

// serverClosing returns a channel that is closed when the server that took
// the request starts shutting down (nil, never closed, outside Serve). Long
// streams end then instead of holding the shutdown up.
func serverClosing(ctx context.Context) <-chan struct{} {
	c, _ := ctx.Value(closingKey{}).(chan struct{})
	return c
}
