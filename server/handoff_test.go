package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// app is an app that answers name, and on /slow only once release is
// closed, saying on arrived when such a request came.
func app(t *testing.T, name string, arrived chan<- struct{}, release <-chan struct{}) *Server {
	t.Helper()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived <- struct{}{}
			<-release
		}
		io.WriteString(w, name)
	}))
	t.Cleanup(a.Close)
	u, _ := url.Parse(a.URL)
	s, err := New(Options{App: URLUpstream(u, ""), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func answer(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestAHandoffLetsRequestsFinishWhereTheyBegan: a request under way when
// the server is replaced is answered by the one it began on, which is
// closed only after; new requests go to the new one; Close waits for what
// is under way (up to its limit) and then nothing is served.
func TestAHandoffLetsRequestsFinishWhereTheyBegan(t *testing.T) {
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	var h Handoff
	front := httptest.NewServer(&h)
	defer front.Close()
	h.Swap(app(t, "old", arrived, release))

	slow := make(chan string, 1)
	go func() { _, body := answer(t, front.URL+"/slow"); slow <- body }()
	<-arrived
	h.Swap(app(t, "new", arrived, release))
	if code, body := answer(t, front.URL+"/"); code != 200 || body != "new" {
		t.Errorf("after the swap: %d %q, want 200 new", code, body)
	}
	drained := make(chan struct{})
	go func() { h.drains.Wait(); close(drained) }()
	select {
	case <-drained:
		t.Error("the old server was closed with a request under way on it")
	default:
	}

	go func() { _, body := answer(t, front.URL+"/slow"); slow <- body }()
	<-arrived
	if h.Close(50 * time.Millisecond) {
		t.Error("Close said nothing was under way")
	}
	close(release)
	for range 2 {
		if body := <-slow; body != "old" && body != "new" {
			t.Errorf("a request under way got %q", body)
		}
	}
	<-drained
	if code, _ := answer(t, front.URL+"/"); code != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d, want 503", code)
	}
}
