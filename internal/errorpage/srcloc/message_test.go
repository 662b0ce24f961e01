package srcloc

import "testing"

// TestMessageIsWhatAPersonReadsFirst: for the usual stacks' failures, the
// message, not the exit status nor the first line of a traceback.
func TestMessageIsWhatAPersonReadsFirst(t *testing.T) {
	for _, c := range []struct{ name, output, want string }{
		{"go build", "# example.com/app\n./main.go:12:5: undefined: thing\n./main.go:13:2: x declared and not used\n", "undefined: thing"},
		{"go panic", "listening\npanic: runtime error: index out of range [3] with length 2\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x1d\nexit status 2\n", "panic: runtime error: index out of range [3] with length 2"},
		{"python traceback", "Traceback (most recent call last):\n  File \"/app/app.py\", line 9, in <module>\n    main()\n  File \"/app/app.py\", line 5, in main\n    return d['x']\nKeyError: 'x'\n", "KeyError: 'x'"},
		{"python syntax error", "  File \"/app/views.py\", line 7\n    return HttpResponse(\n                       ^\nSyntaxError: '(' was never closed\n", "SyntaxError: '(' was never closed"},
		{"django", "Watching for file changes\nException in thread django-main-thread:\nTraceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/django/apps/config.py\", line 3\n" +
			"django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.\n", "django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty."},
		{"node thrown", "/app/server.js:5\n    throw new Error(\"boom\");\n    ^\n\nError: boom\n    at Object.<anonymous> (/app/server.js:5:11)\n    at node:internal/main:1:1\n\nNode.js v20.0.0\n", "Error: boom"},
		{"node module", "node:internal/modules/cjs/loader:1080\n  throw err;\n  ^\n\nError [ERR_MODULE_NOT_FOUND]: Cannot find module 'expres'\n    at f (node:internal:1:1)\n", "Error [ERR_MODULE_NOT_FOUND]: Cannot find module 'expres'"},
		{"node type error", "TypeError: app.lisen is not a function\n    at Object.<anonymous> (/app/server.js:14:5)\n", "TypeError: app.lisen is not a function"},
		{"tsc", "src/app.ts(12,5): error TS2304: Cannot find name 'x'.\n", "error TS2304: Cannot find name 'x'."},
		{"esbuild", "✘ [ERROR] Could not resolve \"./missing\"\n\n    src/app.ts:3:8:\n", "Could not resolve \"./missing\""},
		{"ruby", "app.rb:5:in 'block in <main>': undefined local variable or method 'thing' for main (NameError)\n\tfrom config.ru:1\n", "undefined local variable or method 'thing' for main (NameError)"},
		{"ruby syntax", "app.rb:5: syntax error, unexpected end-of-input\n", "syntax error, unexpected end-of-input"},
		{"nothing known", "make: *** [all] Error 2\n", ""},
	} {
		if got := Message(c.output); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestColumnFromTheCaret: Python's and Node's caret under the printed code
// line gives the column in the file's own line, whatever either indents.
func TestColumnFromTheCaret(t *testing.T) {
	python := "  File \"/app/views.py\", line 7\n    return HttpResponse(\n                       ^\nSyntaxError: '(' was never closed\n"
	if got := Column(python, "        return HttpResponse("); got != 28 {
		t.Errorf("python: column %d, want 28", got)
	}
	node := "/app/server.js:5\n    throw new Error(\"boom\");\n    ^\n\nError: boom\n"
	if got := Column(node, "    throw new Error(\"boom\");"); got != 5 {
		t.Errorf("node: column %d, want 5", got)
	}
	if got := Column("no caret here\n", "x := 1"); got != 0 {
		t.Errorf("no caret: column %d", got)
	}
}
