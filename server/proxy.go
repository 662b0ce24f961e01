package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Upstream is the app behind the proxy, as the server needs it: where it
// listens once it is ready. reload.Supervisor meets it.
type Upstream interface {
	// Ready waits until the app accepts connections and returns its
	// address and a release function, or returns why there is none. It
	// returns when ctx ends. The server calls release once the request is
	// answered, or as soon as the response turns into a stream or an
	// upgrade, so that a restart need not wait for those; release must
	// count only its first call, as the server may call it again.
	Ready(ctx context.Context) (addr string, release func(), err error)
}

// failure is what an Upstream's error may also be: a failed build or an app
// that exited, with something to show on an error page.
type failure interface {
	error
	Title() string
	Detail() string
}

type upstreamKey struct{}

// target is where one request goes, carried in its context.
type target struct {
	addr    string
	release func()
	ctx     context.Context    // the request's to the app
	cancel  context.CancelFunc // ends it, and the stream or upgrade it became
	stopper stopper            // says when the app at addr is being stopped; nil if it cannot
}

// stopper is what an Upstream may also be: it counts the streams and
// upgraded connections open to the app at an address and says when that
// app is being stopped, so that they end then. An app that waits for its
// connections to close before it exits (uvicorn, Express's server.close)
// would otherwise wait for connections the proxy itself holds open.
type stopper interface {
	Stream(addr string) (stopping <-chan struct{}, end func())
	// Stopping returns a channel closed once the app at addr is being
	// stopped, counting nothing.
	Stopping(addr string) <-chan struct{}
}

// endWithApp ends the request to the app, a stream or an upgrade by now,
// when that app is stopped.
func (t *target) endWithApp() {
	if t.stopper == nil {
		return
	}
	stopping, end := t.stopper.Stream(t.addr)
	go func() {
		defer end()
		select {
		case <-stopping:
			t.cancel()
		case <-t.ctx.Done():
		}
	}()
}

// proxy forwards requests to the app, holding each one until the app is
// ready (up to readyTimeout) rather than failing it.
type proxy struct {
	app          Upstream
	readyTimeout time.Duration
	dialer       *net.Dialer
	rp           *httputil.ReverseProxy
	// failure is the page of the app's failure, with what it may show
	// and offer (a code frame, the editor and restart buttons).
	failure func(r *http.Request, unit, title, detail string) page
	name    string // what serves it, on pages: "app" or a route's unit or URL
	unit    string // the unit that serves it: "app", a route's unit, "" for a URL

	transport *http.Transport
	closed    chan struct{} // closed by close: the watchers of apps exit
	closeOnce sync.Once
	mu        sync.Mutex
	open      map[string]*atomic.Int64 // connections open to each app being watched
}

// newProxy returns a proxy to app. With decode, page loads ask the app for
// gzip at most (Go's transport decodes it), so that live reload can add its
// script to the page.
func newProxy(app Upstream, readyTimeout time.Duration, decode bool) *proxy {
	p := &proxy{app: app, readyTimeout: readyTimeout, dialer: &net.Dialer{Timeout: 5 * time.Second},
		failure: func(_ *http.Request, _, title, detail string) page {
			return failurePage(title, detail, "")
		},
		closed: make(chan struct{}), open: map[string]*atomic.Int64{}, name: "app", unit: "app"}
	transport := &http.Transport{
		DialContext:           p.dial,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 0, // an app may take its time; the client decides
	}
	p.transport = transport
	p.rp = &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { rewrite(pr, decode) },
		Transport:      transport,
		BufferPool:     &bufferPool{},
		FlushInterval:  -1, // stream: SSE and chunked responses pass at once
		ModifyResponse: modifyResponse,
		ErrorHandler:   p.proxyError,
		// Its complaints (a stream cut when its app stops) are no one's
		// business: errors a client should see go through ErrorHandler.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return p
}

// rewrite addresses the request to the app that Ready named. With decode,
// page loads ask for gzip at most.
func rewrite(pr *httputil.ProxyRequest, decode bool) {
	// The proxy's ServeHTTP puts the target in every request's context
	// before the ReverseProxy sees it, and the ReverseProxy is reached
	// through nothing else: the assertion cannot fail.
	t := pr.In.Context().Value(upstreamKey{}).(*target)
	pr.SetURL(&url.URL{Scheme: "http", Host: t.addr})
	// The ReverseProxy re-encodes the whole query before Rewrite when any
	// part of it does not parse (cleanQueryParams: a ";" or a bad escape),
	// dropping that part; the app gets it exactly as sent.
	pr.Out.URL.RawQuery = pr.In.URL.RawQuery
	pr.Out.Host = pr.In.Host // the app builds its URLs for the public host
	pr.SetXForwarded()
	// One client's bytes must never become another client's answer: an app
	// may leave a body unread (many do on GET, HEAD or DELETE, and on any
	// request they answer early), and then reads it as a request of its
	// own, whose answer would wait on the connection for the next request
	// from anyone. So a connection that carried a body is used for nothing
	// after it; nor is one after HEAD, whose answer an app may wrongly give
	// a body.
	if carriesBody(pr.In) || pr.In.Method == http.MethodHead {
		pr.Out.Close = true
	}
	if decode && pageLoad(pr.In) {
		pr.Out.Header.Del("Accept-Encoding")
	}
}

// modifyResponse refuses a protocol the client did not ask for, lets a
// restart go ahead of streams and upgrades, points redirects to the app's
// own address back at devserver, and makes responses without caching
// headers revalidate.
func modifyResponse(res *http.Response) error {
	t, _ := res.Request.Context().Value(upstreamKey{}).(*target)
	if t == nil {
		return nil
	}
	// A response that says nothing of caching is revalidated (ETag and
	// Last-Modified still save the bytes): a reload after an edit then
	// always shows it. One that sets its own caching is left alone.
	if res.Header.Get("Cache-Control") == "" && res.Header.Get("Expires") == "" {
		res.Header.Set("Cache-Control", "no-cache")
	}
	// An app that switches to another protocol than the client asked for
	// gets 502 from ReverseProxy, which then leaves the app's connection
	// open for good (go1.26 handleUpgradeResponse never closes it); refused
	// here, the body is closed.
	if res.StatusCode == http.StatusSwitchingProtocols {
		asked, got := upgradeType(res.Request.Header), upgradeType(res.Header)
		if !strings.EqualFold(asked, got) {
			return fmt.Errorf("the app switched to protocol %q when the client asked for %q", got, asked)
		}
	}
	// A stream or an upgrade may last for hours: a restart need not wait
	// for it (browsers reconnect).
	if res.StatusCode == http.StatusSwitchingProtocols || strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.release()
		t.endWithApp()
	}
	// A redirect the app built from its internal address points the browser
	// back at devserver.
	if loc := res.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil && u.Host == t.addr {
			u.Scheme, u.Host = "", ""
			res.Header.Set("Location", u.String())
		}
	}
	return nil
}

// subject names what the proxy sends to, to start a sentence: "The app",
// or a route's unit.
func (p *proxy) subject() string {
	if p.name == "app" {
		return "The app"
	}
	return p.name
}

// proxyError answers a request the proxy could not get an answer for.
func (p *proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	var f failure
	if r.Context().Err() != nil {
		return // the client went away
	}
	if errors.As(err, &f) {
		p.unavailable(w, r, f) // the app exited while the request waited for it
		return
	}
	writePage(w, r, page{Status: http.StatusBadGateway, Title: p.subject() + " did not answer",
		Hint: "devserver could not get an answer from " + p.name + ": " + err.Error()})
}

// bufferPool lends the proxy its copy buffers: without one, ReverseProxy
// allocates 32 KiB for every response it copies.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if p, ok := b.pool.Get().(*[]byte); ok {
		return *p
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }

// carriesBody reports whether a request came with a body: a Content-Length
// above zero, or a chunked one.
func carriesBody(r *http.Request) bool {
	return r.ContentLength > 0 || (r.Body != nil && r.Body != http.NoBody)
}

// upgradeType is the protocol an Upgrade header names, if Connection says
// to upgrade.
func upgradeType(h http.Header) string {
	for _, v := range h.Values("Connection") {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return h.Get("Upgrade")
			}
		}
	}
	return ""
}

// dial connects to the app. A connection refused means the app went away
// after Ready said yes: it exited by itself, or it was stopped before the
// request got to it (the transport retrying a request whose kept-alive
// connection the app closed). Ready says which: while the app is back at
// addr, dial again; if it failed, that failure is the answer. Nothing has
// been sent yet, so no request body can be sent twice.
func (p *proxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, p.readyTimeout)
	defer cancel()
	for {
		c, err := p.dialer.DialContext(ctx, network, addr)
		if err == nil {
			return p.counted(c, addr), nil
		}
		if !errors.Is(err, errConnRefused) {
			return nil, err
		}
		if r, ok := p.app.(refuser); ok {
			return nil, r.refused()
		}
		now, release, rerr := p.app.Ready(ctx)
		if rerr != nil {
			return nil, rerr
		}
		release()
		if now != addr {
			return nil, fmt.Errorf("the app restarted while the request was on its way (now at %s): %w", now, err)
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), p.readyTimeout)
	addr, release, err := p.app.Ready(ctx)
	cancel()
	if err != nil {
		p.unavailable(w, r, err)
		return
	}
	ctx, cancelApp := context.WithCancel(r.Context())
	defer cancelApp()
	t := &target{addr: addr, release: release, ctx: ctx, cancel: cancelApp}
	t.stopper, _ = p.app.(stopper) // asked only if the answer turns into a stream
	defer t.release()
	if carriesBody(r) {
		// An app may answer before it has read the body (a 413, a
		// redirect, an app that ignores bodies). Without full duplex,
		// net/http swallows what is left of the body itself once the
		// answer's headers go out (server.go, chunkWriter.writeHeader),
		// racing the transport's copy of it to the app; when net/http
		// wins, the copy fails, the transport closes the connection and
		// the answer is cut short. HTTP/2 is full duplex already.
		_ = http.NewResponseController(w).EnableFullDuplex()
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(ctx, upstreamKey{}, t)))
}

func (p *proxy) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	var f failure
	switch {
	case r.Context().Err() != nil:
		return // the client gave up waiting
	case errors.As(err, &f):
		writePage(w, r, p.failure(r, p.unit, f.Title(), f.Detail()))
	case errors.Is(err, context.DeadlineExceeded):
		w.Header().Set("Retry-After", "1")
		writePage(w, r, page{Status: http.StatusServiceUnavailable, Title: p.subject() + " is not ready",
			Hint: fmt.Sprintf("%s did not become ready within its ready_timeout (%s).", p.subject(), p.readyTimeout)})
	default:
		writePage(w, r, page{Status: http.StatusServiceUnavailable, Title: p.subject() + " is not available",
			Hint: strings.TrimSpace(err.Error())})
	}
}

// counted counts c among the connections open to the app at addr, and
// watches that app, the first time, so that none of the proxy's idle
// keep-alive connections is left open to it once it is being stopped: an
// app that exits only when every connection has closed (Python's
// ThreadingHTTPServer, Node < 19's server.close()) would otherwise wait out
// its stop_timeout for the proxy's own. A connection busy with a request
// when the stop begins goes idle after its answer; it is closed then.
func (p *proxy) counted(c net.Conn, addr string) net.Conn {
	s, ok := p.app.(stopper)
	if !ok {
		return c
	}
	p.mu.Lock()
	n := p.open[addr]
	if n == nil {
		n = &atomic.Int64{}
		p.open[addr] = n
		go p.closeIdleWhenStopped(s.Stopping(addr), addr, n)
	}
	n.Add(1)
	p.mu.Unlock()
	return &countedConn{Conn: c, n: n}
}

// closeIdleWhenStopped waits for the app at addr to be stopped, then
// closes the idle connections until none to it is open, or the proxy is
// closed.
func (p *proxy) closeIdleWhenStopped(stopping <-chan struct{}, addr string, n *atomic.Int64) {
	defer func() {
		p.mu.Lock()
		delete(p.open, addr)
		p.mu.Unlock()
	}()
	select {
	case <-stopping:
	case <-p.closed:
		return
	}
	for {
		p.transport.CloseIdleConnections()
		if n.Load() <= 0 {
			return
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-p.closed:
			return
		}
	}
}

// close ends the watchers of apps and closes the idle connections.
func (p *proxy) close() {
	p.closeOnce.Do(func() { close(p.closed) })
	p.transport.CloseIdleConnections()
}

// countedConn is a connection to an app that counts itself out when closed.
type countedConn struct {
	net.Conn
	n    *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.n.Add(-1) })
	return c.Conn.Close()
}
