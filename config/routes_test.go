package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const twoServers = `app:
  run: ./api
processes:
  web: {run: npx vite --port $PORT, http: true}
  worker: python worker.py
`

// TestRoutes: routes are matched longest prefix first, a trailing / is the
// same prefix, and the environment's form is /prefix=target pairs.
func TestRoutes(t *testing.T) {
	dir := write(t, map[string]string{"devserver.yaml": twoServers + "routes:\n  /api/: app\n  /: web\n  /legacy: http://127.0.0.1:9000\n"})
	l := mustLoad(t, Options{Dir: dir})
	var got []string
	for _, r := range l.Config.RouteList() {
		target := r.Unit
		if r.URL != nil {
			target = r.URL.String()
		}
		got = append(got, r.Prefix+" "+target)
	}
	if diff := cmp.Diff([]string{"/legacy http://127.0.0.1:9000", "/api app", "/ web"}, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	l = mustLoad(t, Options{Dir: write(t, map[string]string{"devserver.yaml": twoServers}), Environ: []string{"DEVSERVER_ROUTES=/api=app,/=web"}})
	if diff := cmp.Diff(map[string]string{"/api": "app", "/": "web"}, l.Config.Routes); diff != "" {
		t.Errorf("routes from the environment (-want +got):\n%s", diff)
	}
}

// TestRouteMistakes: each mistake is named at its line, with what is
// allowed or meant.
func TestRouteMistakes(t *testing.T) {
	for _, c := range []struct{ routes, want string }{
		{"  /api: wbe\n", `devserver.yaml:7:3: routes./api: unknown unit "wbe" (did you mean web?)`},
		{"  /jobs: worker\n", `devserver.yaml:7:3: routes./jobs: process "worker" serves no HTTP: set processes.worker.http: true`},
		{"  api: app\n", `routes: "api" must start with / (a URL path prefix)`},
		{"  /api: app\n  /api/: web\n", `routes: "/api" and "/api/" are the same prefix`},
		{"  /x: ftp://127.0.0.1:21\n", `routes: /x: "ftp://127.0.0.1:21" is not a server's address (http://host:port)`},
		{"  /x: 127.0.0.1:9000\n", `routes: /x: "127.0.0.1:9000" is not a server's address (http://host:port)`},
	} {
		dir := write(t, map[string]string{"devserver.yaml": twoServers + "routes:\n" + c.routes})
		_, err := Load(Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("routes:\n%s: err %v\nwant %s", c.routes, err, c.want)
		}
	}
	dir := write(t, map[string]string{"devserver.yaml": "routes:\n  /: app\n"})
	if _, err := Load(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "the app serves no HTTP here") {
		t.Errorf("a route to an app that is not there: %v", err)
	}
}
