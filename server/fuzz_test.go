package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/testrig/fakeapp"
)

// FuzzProxyRequest sends arbitrary bytes as one client's request through
// the front server (Host check, static files, proxy) to an app that never
// reads request bodies, then asks as another client. Whatever the first
// client sent, the second gets the answer to its own request: no byte of
// one client ever becomes another's response. `make fuzz` runs it for a
// few seconds; `go test` runs the seeds.
func FuzzProxyRequest(f *testing.F) {
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for _, seed := range []string{
		"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + strconv.Itoa(len(smuggled)) + "\r\n\r\n" + smuggled,
		"POST /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(smuggled)), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n",
		"HEAD /a HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\nGET /b HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		"GET /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
		"GET /a HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET /__devserver/livereload HTTP/1.1\r\nHost: localhost\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	app, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer app.Close()
	go fakeapp.IgnoreBodies(app, 10*time.Millisecond)
	s, err := New(Options{App: readyAt(app.Addr().String())})
	if err != nil {
		f.Fatal(err)
	}
	front, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: time.Second}
	go srv.Serve(front)
	defer srv.Close()
	addr := front.Addr().String()

	f.Fuzz(func(t *testing.T, request []byte) {
		c, err := net.Dial("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(request)
		// A request the server would wait for the rest of ends here: its
		// end of the connection closes, and the server gives up at once
		// rather than at a deadline, so the fuzzer tries thousands of
		// inputs a minute instead of one every two seconds.
		if !complete(request) {
			_ = c.(*net.TCPConn).CloseWrite()
		}
		// The first answer, then at once another client: while the app's
		// answer to whatever the first left unread is still to come.
		_ = c.SetReadDeadline(time.Now().Add(250 * time.Millisecond)) // answers come in milliseconds; a request that gets none must not cost seconds
		method, _, _ := strings.Cut(string(request), " ")
		if res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method}); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		defer c.Close()
		status, body := raw(t, addr, "GET /control HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if status != http.StatusOK || body != "path=/control" {
			t.Fatalf("after %q, another client got %d %q", request, status, body)
		}
	})
}

// complete reports whether request is whole requests as Go reads them,
// with no byte left over that a server would wait to see the rest of.
func complete(request []byte) bool {
	r := bufio.NewReader(bytes.NewReader(request))
	for {
		req, err := http.ReadRequest(r)
		if err != nil {
			return false
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return false
		}
		if r.Buffered() == 0 {
			return true
		}
	}
}
