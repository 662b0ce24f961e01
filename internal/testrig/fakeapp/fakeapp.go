// Package fakeapp is the app that devserver's tests run: a test binary
// re-executes itself with FAKEAPP set, as os/exec's tests do, and calls Main
// from TestMain.
package fakeapp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// Env is the variable that turns a test binary into the fake app; its value
// is the mode, a comma-separated list of:
//
//	ignore-term  ignore SIGTERM
//	child        start a sleeping child in the same group (it records its pid too)
//	escapee      start a sleeping child in a session of its own (setsid)
//	exit3        print "boom" and exit 3 at once
//	no-listen    never open the port: print "running, no port" (after
//	             starting the child, with child) and sleep
//	slow         sleep $DELAY before listening
//	sleeper      just sleep (what "child" starts)
//	wrong-port   listen on another port than $PORT
//	graceful     on SIGTERM, stop accepting and exit only once every open
//	             connection has closed, WebSockets included, as uvicorn
//	             and Express's server.close() do
//	drain        on SIGTERM, stop accepting and exit only once every
//	             connection has closed, idle keep-alive ones included, as
//	             Python's ThreadingHTTPServer and Node < 19's server.close()
//	             do: a client that keeps one open keeps the app alive
//	ignores-bodies  a keep-alive HTTP/1.1 server that never reads request
//	             bodies, as Python's http.server does on GET: what follows
//	             the headers is read as the next request; each answer
//	             ("path=PATH", HEAD included) but a connection's first
//	             comes after a 50ms pause, and its body 50ms after its
//	             headers
//
// The app records its pid in $PIDFILE, listens on $PORT (then prints $SAY,
// if set, on stderr) and answers "/" with
// "gen=$GEN pid=PID", "/echo" with the request body (also appended as a line
// to $REQLOG, so a test can tell that no body arrived twice), "/env?name=X" with $X,
// "/sse" with a stream of two events (the second after a request to
// "/next"), "/ws" with an upgrade that echoes a line, "/page" with the HTML
// of the file $PAGE as it was when the app started (and the header
// Content-Security-Policy: $CSP if set), "/health" with 503 while the file
// $HEALTHY (if set) does not exist, then 200 (a request to "/" meanwhile is
// noted in $REQLOG), and "/exit" by exiting with status 3. With $ORDERLOG
// set, it appends "start $GEN" to it once it listens and "stop $GEN" when
// SIGTERM ends it. With $ACCESSLOG set, it appends "METHOD PATH" to it
// for every request, as a request log in the project would.
const Env = "FAKEAPP"

// recordPid appends the app's pid to $PIDFILE, if set.
func recordPid() {
	if f := os.Getenv("PIDFILE"); f != "" {
		pf, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(pf, os.Getpid())
			pf.Close()
		}
	}
}

// Main runs the fake app and returns its exit code.
func Main(mode string) int {
	has := func(m string) bool { return strings.Contains(","+mode+",", ","+m+",") }
	recordPid()
	if has("ignore-term") {
		signal.Ignore(syscall.SIGTERM)
	}
	if has("exit3") {
		fmt.Println("boom")
		return 3
	}
	if has("sleeper") {
		time.Sleep(time.Hour)
		return 0
	}
	if has("child") || has("escapee") {
		self, _ := os.Executable()
		c := exec.Command(self)
		c.Env = append(os.Environ(), Env+"=sleeper")
		if has("escapee") {
			leaveGroup(c)
		}
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if has("no-listen") {
		fmt.Println("running, no port")
		time.Sleep(time.Hour)
		return 0
	}
	if has("slow") {
		d, _ := time.ParseDuration(os.Getenv("DELAY"))
		time.Sleep(d)
	}
	port := os.Getenv("PORT")
	if has("wrong-port") {
		port = "0"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("fake app listening")
	if say := os.Getenv("SAY"); say != "" {
		fmt.Fprint(os.Stderr, say+"\n")
	}
	if has("ignores-bodies") {
		IgnoreBodies(ln, 50*time.Millisecond)
		return 0
	}
	if has("drain") {
		return drain(ln)
	}
	return serve(ln, has("graceful"))
}

// drain serves on ln; on SIGTERM it closes ln and exits once the last
// connection, idle or not, has closed.
func drain(ln net.Listener) int {
	var mu sync.Mutex
	open := 0
	closed := make(chan struct{}, 1)
	srv := &http.Server{Handler: handler(&sync.WaitGroup{}), ConnState: func(_ net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch st {
		case http.StateNew:
			open++
		case http.StateClosed, http.StateHijacked:
			open--
			select {
			case closed <- struct{}{}:
			default:
			}
		}
	}}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	go func() {
		<-term
		ln.Close()
		for {
			mu.Lock()
			n := open
			mu.Unlock()
			if n == 0 {
				fmt.Println("all connections closed")
				os.Exit(0)
			}
			fmt.Printf("draining: %d connections open\n", n)
			<-closed
		}
	}()
	_ = srv.Serve(ln)
	select {} // the exit comes from above
}

// serve answers on ln; graceful, it exits on SIGTERM only once every open
// connection, WebSockets included, has closed.
func serve(ln net.Listener, graceful bool) int {
	var upgraded sync.WaitGroup // open WebSockets
	srv := &http.Server{Handler: handler(&upgraded)}
	if order := os.Getenv("ORDERLOG"); order != "" && !graceful {
		appendLine(order, "start "+os.Getenv("GEN"))
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		go func() {
			<-term
			appendLine(order, "stop "+os.Getenv("GEN"))
			os.Exit(0)
		}()
	}
	if graceful {
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		go func() {
			<-term
			fmt.Println("shutting down: waiting for open connections")
			_ = srv.Shutdown(context.Background())
			upgraded.Wait()
			fmt.Println("all connections closed")
			os.Exit(0)
		}()
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return 0
	}
	select {} // Shutdown ends Serve at once; the exit comes from above
}

// sick reports whether the app is not healthy yet: $HEALTHY names a file
// that does not exist (yet).
func sick() bool {
	f := os.Getenv("HEALTHY")
	if f == "" {
		return false
	}
	_, err := os.Stat(f)
	return err != nil
}

// appendLine appends line to the file, if named, in one short write.
func appendLine(file, line string) {
	if file == "" {
		return
	}
	if f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		_, _ = f.WriteString(line + "\n")
		f.Close()
	}
}

// handleRoot answers "/" with the app's generation and pid, and "/health"
// with its health.
func handleRoot(mux *http.ServeMux) {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if sick() {
			appendLine(os.Getenv("REQLOG"), "served while sick: "+r.URL.Path)
		}
		fmt.Fprintf(w, "gen=%s pid=%d", os.Getenv("GEN"), os.Getpid())
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if sick() {
			fmt.Println("health: 503")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "healthy")
	})
}

// handler is the app's routes behind its request log, if $ACCESSLOG
// names one: a line per request, as Express's morgan writes one into the
// project.
func handler(upgraded *sync.WaitGroup) http.Handler {
	mux, f := routes(upgraded), os.Getenv("ACCESSLOG")
	if f == "" {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		appendLine(f, r.Method+" "+r.URL.Path)
		mux.ServeHTTP(w, r)
	})
}

// routes are the fake app's answers (see Env); upgraded counts the open
// WebSockets.
func routes(upgraded *sync.WaitGroup) *http.ServeMux {
	next := make(chan struct{})
	page, _ := os.ReadFile(os.Getenv("PAGE")) // read once: a change shows after a restart
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		if csp := os.Getenv("CSP"); csp != "" {
			w.Header().Set("Content-Security-Policy", csp)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("exiting on request")
		os.Exit(3)
	})
	handleRoot(mux)
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if f := os.Getenv("REQLOG"); f != "" {
			// One short O_APPEND write per request: lines never mix.
			if rl, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
				_, _ = rl.Write(append(body, '\n'))
				rl.Close()
			}
		}
		_, _ = w.Write(body)
	})
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, os.Getenv(r.URL.Query().Get("name")))
	})
	mux.HandleFunc("/sse", func(w http.ResponseWriter, r *http.Request) {
		// One event now, one after the client has read it (it asks /next).
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 2 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			_ = http.NewResponseController(w).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	})
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		// Wait for the stream to take it: it may still be flushing.
		select {
		case next <- struct{}{}:
		case <-time.After(10 * time.Second):
			http.Error(w, "no stream is waiting", http.StatusConflict)
		}
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		upgraded.Add(1)
		defer upgraded.Done()
		testkit.EchoUpgrade(w, r)
	})
	return mux
}

// IgnoreBodies serves ln as an app that never reads request bodies: each
// request on a connection is answered with its path ("path=PATH", HEAD
// included), whatever follows a request's headers taken as the next
// request. The first answer on a connection starts at once, every later one
// after pause; each body comes pause after its headers, as a streaming app
// writes it. It returns when ln is closed.
func IgnoreBodies(ln net.Listener, pause time.Duration) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			br := bufio.NewReader(c)
			for n := 0; ; n++ {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				for { // the headers, unread but for their end
					h, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if h == "\r\n" || h == "\n" {
						break
					}
				}
				fields := strings.Fields(line)
				if len(fields) < 2 {
					return
				}
				if n > 0 {
					time.Sleep(pause)
				}
				body := "path=" + fields[1]
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", len(body))
				time.Sleep(pause)
				_, _ = io.WriteString(c, body)
			}
		}()
	}
}
