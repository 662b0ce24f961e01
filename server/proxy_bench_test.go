package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkProxy is one keep-alive request through the front server to a
// no-op app, client and both servers in this process: for comparing the
// request path's CPU and allocations between changes (go test -bench Proxy
// -benchmem ./server). make bench measures the real thing, as ratios.
func BenchmarkProxy(b *testing.B) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer app.Close()
	s, err := New(Options{App: readyAt(app.Listener.Addr().String()), Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(s.Handler())
	defer front.Close()
	client := front.Client()
	b.ReportAllocs()
	for b.Loop() {
		res, err := client.Get(front.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
}
