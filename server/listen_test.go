package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/devserver/devserver/internal/procstat"
)

func listen(t *testing.T, lc ListenConfig) net.Listener {
	t.Helper()
	ln, err := Listen(context.Background(), lc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// TestPlan: tests bind loopback only, so the wildcard cases are checked at
// the decision: 0.0.0.0 is IPv4 only (Go's "tcp" would make it dual-stack).
func TestPlan(t *testing.T) {
	tests := []struct {
		lc            ListenConfig
		network, host string
	}{
		{ListenConfig{Port: 8000}, "tcp4", "127.0.0.1:8000"},
		{ListenConfig{IPv6: true, Port: 8000}, "tcp6", "[::1]:8000"},
		{ListenConfig{Addr: "0.0.0.0", Port: 9000}, "tcp4", "0.0.0.0:9000"},
		{ListenConfig{Addr: "::", IPv6: true}, "tcp6", "[::]:0"},
		{ListenConfig{Addr: "localhost", Port: 1}, "tcp4", "localhost:1"},
		{ListenConfig{Addr: "localhost", IPv6: true, Port: 1}, "tcp6", "localhost:1"},
	}
	for _, tt := range tests {
		network, host, _ := plan(tt.lc)
		if network != tt.network || host != tt.host {
			t.Errorf("plan(%+v) = %s %s, want %s %s", tt.lc, network, host, tt.network, tt.host)
		}
	}
}

func TestPortInUseIsOneClearLine(t *testing.T) {
	busy := listen(t, ListenConfig{Addr: "127.0.0.1"})
	_, err := Listen(context.Background(), ListenConfig{Addr: "127.0.0.1", Port: port(busy)})
	if err == nil {
		t.Fatal("a second listener on a busy port")
	}
	msg := err.Error()
	want := fmt.Sprintf("port %d on 127.0.0.1 is already in use by pid %d (", port(busy), os.Getpid())
	if !procstat.Available() { // no /proc to name the holder
		want = fmt.Sprintf("port %d on 127.0.0.1 is already in use (", port(busy))
	}
	if !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") || !strings.Contains(msg, "--port") {
		t.Errorf("error = %q, want it to start %q", msg, want)
	}
}

// TestSlowHeadersAreCut: a client that trickles its headers is disconnected
// after ReadHeaderTimeout, and others are served meanwhile.
func TestSlowHeadersAreCut(t *testing.T) {
	s, err := New(Options{StaticDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveOn(t, s, ServeOptions{ReadHeaderTimeout: 200 * time.Millisecond})
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprint(slow, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a normal request while a slow one waits: %v", err)
	}
	res.Body.Close()
	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := slow.Read(make([]byte, 512))
	if err == nil && n > 0 {
		// Go answers 408 before closing; then the connection ends.
		_, err = slow.Read(make([]byte, 512))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the slow client was not disconnected")
	}
}
