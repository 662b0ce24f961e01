package srcloc

import (
	"path/filepath"
	"testing"

	"github.com/devserver/devserver/internal/testrig/testkit"
)

// TestFindsWhereTheErrorIs: the outputs of the usual stacks point at a
// project file; frames outside the project (the standard library,
// node_modules, another tree) are passed over.
func TestFindsWhereTheErrorIs(t *testing.T) {
	root := t.TempDir()
	testkit.WriteTree(t, root, map[string]string{
		"main.go": "package main\n", "polls/views.py": "x\n", "server.js": "x\n", "src/app.ts": "x\n",
		"app.rb": "x\n", "config.ru": "x\n", "node_modules/lib/index.js": "x\n", "styles/site.css": "x\n",
	})
	abs := func(rel string) string { return filepath.Join(root, filepath.FromSlash(rel)) }
	for _, c := range []struct {
		name, output string
		want         Loc
	}{
		{"go build", "# example.com/app\n./main.go:12:5: undefined: x\n", Loc{"main.go", 12, 5}},
		{"python traceback", "Traceback (most recent call last):\n  File \"" + abs("polls/views.py") + "\", line 3, in <module>\n" +
			"  File \"/usr/lib/python3/dist-packages/django/urls.py\", line 9, in x\n  File \"" + abs("polls/views.py") + "\", line 7\n" +
			"    return HttpResponse(\n           ^\nSyntaxError: '(' was never closed\n", Loc{"polls/views.py", 7, 0}},
		{"node stack", "TypeError: x is not a function\n    at f (" + abs("node_modules/lib/index.js") + ":3:9)\n    at Object.<anonymous> (" + abs("server.js") + ":14:3)\n", Loc{"server.js", 14, 3}},
		{"node file url", "Error\n    at file://" + abs("server.js") + ":2:7\n", Loc{"server.js", 2, 7}},
		{"tsc", "src/app.ts(12,5): error TS2304: Cannot find name 'x'.\n", Loc{"src/app.ts", 12, 5}},
		{"esbuild", "✘ [ERROR] Expected \";\" but found \"x\"\n\n    src/app.ts:3:8:\n", Loc{"src/app.ts", 3, 8}},
		{"ruby", "app.rb:7:in 'block in <main>': undefined method (NoMethodError)\n", Loc{"app.rb", 7, 0}},
		{"ruby syntax under rackup", "/usr/lib/ruby/3.1.0/rubygems/core_ext/kernel_require.rb:85:in 'require_relative': " + abs("app.rb") + ":5: syntax error, unexpected end-of-input (SyntaxError)\n\tfrom config.ru:1:in 'block in <main>'\n", Loc{"app.rb", 5, 0}},
		{"css", "styles/site.css:4:2: unknown word\n", Loc{"styles/site.css", 4, 2}},
		{"stdlib only", "/usr/lib/go/src/net/http/server.go:3285:3: listen tcp\n", Loc{}},
	} {
		got, ok := Find(c.output, root)
		if ok != (c.want != Loc{}) || got != c.want {
			t.Errorf("%s: Find = %+v, %v; want %+v", c.name, got, ok, c.want)
		}
	}
}

// TestFrameShowsTheLinesAround: the frame is the error's line with the
// context either side, cut at the file's ends.
func TestFrameShowsTheLinesAround(t *testing.T) {
	root := t.TempDir()
	testkit.WriteFile(t, filepath.Join(root, "a.go"), "1\n2\n3\n4\n5\n6\n7\n")
	got := Frame(root, Loc{Rel: "a.go", Line: 2}, 3)
	if len(got) != 5 || got[0].N != 1 || got[4].N != 5 || !got[1].Here || got[1].Text != "2" {
		t.Errorf("frame %+v", got)
	}
	if Frame(root, Loc{Rel: "a.go", Line: 9}, 3) != nil {
		t.Error("a frame past the end of the file")
	}
}
