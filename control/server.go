package control

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devserver/devserver/internal/recent"
)

// Bounds of a request: how long wait and restart may be asked to wait, and
// the default when not asked.
const (
	DefaultWait = 2 * time.Minute
	maxWait     = time.Hour
)

// BrowserSource is the source of the lines the browser reported.
const BrowserSource = "browser"

// Server is a session's channel, open.
type Server struct {
	root string
	ep   endpoint
	http *http.Server
	stop context.CancelFunc // ends the streams of logs -f
	done chan struct{}
}

// Listen opens the channel of the project at root and answers it for s
// until Close.
func Listen(root string, s Session, log *slog.Logger) (*Server, error) {
	ln, ep, err := listen(root)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	h := &handler{s: s, token: ep.Token, ctx: ctx}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("POST /v1/wait", h.wait)
	mux.HandleFunc("POST /v1/restart", h.restart)
	mux.HandleFunc("GET /v1/logs", h.logs)
	srv := &Server{root: root, ep: ep, stop: stop, done: make(chan struct{}),
		http: &http.Server{Handler: h.auth(mux), ReadHeaderTimeout: 5 * time.Second, MaxHeaderBytes: 16 << 10,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}}
	go func() {
		defer close(srv.done)
		srv.http.Serve(ln)
	}()
	return srv, nil
}

// Close stops answering, ends the streams, and removes the state file.
func (srv *Server) Close() error {
	srv.stop()
	err := srv.http.Close()
	<-srv.done
	unlink(srv.root, srv.ep)
	return err
}

type handler struct {
	s     Session
	token string
	ctx   context.Context // the server's: ends with Close
}

// auth answers only a request that carries the token of the state file.
func (h *handler) auth(next http.Handler) http.Handler {
	want := []byte("Bearer " + h.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			fail(w, http.StatusUnauthorized, "no token, or not this devserver's")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) status(w http.ResponseWriter, _ *http.Request) { reply(w, h.s.Status()) }

func (h *handler) wait(w http.ResponseWriter, r *http.Request) {
	h.settle(w, r, func(ctx context.Context) (Status, error) { return h.s.Settle(ctx, true) })
}

func (h *handler) restart(w http.ResponseWriter, r *http.Request) {
	units := r.URL.Query()["unit"]
	if bad := unknown(h.s.Units(), units); bad != "" {
		fail(w, http.StatusNotFound, bad)
		return
	}
	h.settle(w, r, func(ctx context.Context) (Status, error) { return h.s.Restart(ctx, units) })
}

// settle answers with the units once f has seen them settle, or with
// TimedOut after the request's timeout.
func (h *handler) settle(w http.ResponseWriter, r *http.Request, f func(context.Context) (Status, error)) {
	timeout := DefaultWait
	if v := r.URL.Query().Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxWait {
			fail(w, http.StatusBadRequest, "timeout: a duration from 1ms to 1h, like 30s")
			return
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	st, err := f(ctx)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		reply(w, Settled{Status: h.s.Status(), TimedOut: true})
	case err != nil:
		fail(w, http.StatusServiceUnavailable, err.Error())
	default:
		reply(w, Settled{Status: st})
	}
}

// logs sends the last n lines of a unit (or of all), one JSON object a
// line, and with follow those that come after, until the client goes.
func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	unit := q.Get("unit")
	if bad := unknown(h.s.Units(), []string{unit}); unit != "" && unit != BrowserSource && bad != "" {
		fail(w, http.StatusNotFound, bad)
		return
	}
	n := 100
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			fail(w, http.StatusBadRequest, "n: a number of lines, 0 or more")
			return
		}
	}
	var follow <-chan recent.Line
	if q.Get("follow") == "1" {
		lines, stop := h.s.Lines().Follow(unit)
		defer stop()
		follow = lines
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	var last time.Time
	for _, l := range h.s.Lines().Last(unit, n) {
		enc.Encode(l)
		last = l.Time
	}
	if follow == nil {
		return
	}
	flusher, _ := w.(http.Flusher)
	for {
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case l := <-follow:
			if l.Time.After(last) {
				enc.Encode(l)
			}
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		}
	}
}

// unknown says which of names is none of the units have, and which they
// are; "" when each is one. (Not Status: that reads failures' sources.)
func unknown(have, names []string) string {
	for _, n := range names {
		if !slices.Contains(have, n) {
			return "no unit " + strconv.Quote(n) + "; the units are " + strings.Join(have, ", ")
		}
	}
	return ""
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// dial connects to ep, briefly: a channel that does not answer at once is
// one whose devserver is gone.
func dial(ep endpoint) (net.Conn, error) {
	return net.DialTimeout(ep.Network, ep.Address, 2*time.Second)
}
