package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDependsOn: units start after what they depend on; a cycle is refused,
// named whole, and so is a name that is no unit.
func TestDependsOn(t *testing.T) {
	base := "app:\n  run: ./api\n  depends_on: [db]\nprocesses:\n  db: {run: ./db}\n  web: {run: ./web, depends_on: [app]}\n  css: ./css\n"
	l := mustLoad(t, Options{Dir: write(t, map[string]string{"devserver.yaml": base})})
	if diff := cmp.Diff([]string{"db", "app", "css", "web"}, l.Config.StartOrder()); diff != "" {
		t.Errorf("start order (-want +got):\n%s", diff)
	}
	for _, c := range []struct{ file, want string }{
		{strings.Replace(base, "db: {run: ./db}", "db: {run: ./db, depends_on: [web]}", 1),
			`app.depends_on: a cycle: app → db → web → app`},
		{strings.Replace(base, "depends_on: [db]", "depends_on: [dbb]", 1), `app.depends_on: unknown unit "dbb" (did you mean db?)`},
		{strings.Replace(base, "depends_on: [db]", "depends_on: [app]", 1), `app.depends_on: "app" is the unit itself`},
	} {
		_, err := Load(Options{Dir: write(t, map[string]string{"devserver.yaml": c.file})})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err %v\nwant %s", err, c.want)
		}
	}
}
