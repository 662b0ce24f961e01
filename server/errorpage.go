package server

import (
	"fmt"
	"html/template"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devserver/devserver/internal/errorpage/ansi"
	"github.com/devserver/devserver/internal/errorpage/srcloc"
)

// Error pages are devserver's own responses. They are never cached, never
// readable cross-site (CORP same-origin, no CORS header) and run no script;
// their two buttons are forms that post to devserver's own prefix.
func pageHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
}

func writePlain(w http.ResponseWriter, status int, msg string) {
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · devserver</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#fff;color:#222}
header{background:#b00020;color:#fff;padding:1rem 2rem}
h1{font-size:1.3rem;margin:0;font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-word}
.sub{margin:.3rem 0 0;opacity:.85}
.frame .mark{color:#b00020;font-weight:bold}
h2{font-size:1rem;margin:1.5rem 0 .5rem;font-family:ui-monospace,monospace}
main{padding:1rem 2rem}
pre{background:#f6f6f6;border:1px solid #ddd;padding:1rem;overflow:auto;font:13px/1.4 ui-monospace,monospace;margin:.5rem 0}
.frame .here{background:#fde2e4;display:inline-block;min-width:100%}
summary{cursor:pointer;color:#555}
form{display:inline-block;margin:.5rem 1rem .5rem 0}
button{font:inherit;padding:.3rem .8rem;border:1px solid #888;border-radius:4px;background:#fff;cursor:pointer}
footer{color:#666;padding:0 2rem 2rem}
</style></head>
<body><header><h1>{{.Title}}</h1>{{with .Subtitle}}<p class="sub">{{.}}</p>{{end}}</header>
<main><p>{{.Hint}}</p>
{{- with .Frame}}
<section class="frame"><h2>{{$.Loc.Rel}}:{{$.Loc.Line}}{{if $.Loc.Col}}:{{$.Loc.Col}}{{end}}</h2>
<pre>{{range .}}{{if .Here}}<span class="here">{{printf "%5d" .N}} | {{.Text}}</span>{{with $.Marker}}
<span class="mark">      | {{.}}</span>{{end}}{{else}}{{printf "%5d" .N}} | {{.Text}}{{end}}
{{end}}</pre></section>
{{- end}}
{{- with .Buttons}}
<p>{{range .}}<form method="post" action="{{.Path}}"><input type="hidden" name="token" value="{{$.Token}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}<button>{{.Label}}</button></form>{{end}}</p>
{{- end}}
{{- if .Earlier}}
<details><summary>{{.Omitted}} earlier lines</summary><pre>{{.Earlier}}</pre></details>
{{- end}}
{{- if .Last}}
<pre>{{.Last}}</pre>
{{- end}}
</main>
<footer>devserver · this page goes away when the next change fixes it</footer></body></html>
`))

// page describes an error page.
type page struct {
	Status   int
	Title    string // one line: the error's message when it is known
	Subtitle string // what failed and its exit status, under a message
	Hint     string // what to do
	Detail   string // command output, shown preformatted; ANSI colours are rendered
	// A failure's page also points at the source and offers its buttons.
	Loc     srcloc.Loc
	Frame   []srcloc.Line
	Marker  string          // under the frame's line: a caret at its column, and the message
	offered map[string]bool // the actions this page's request may press, by path (Buttons)
	Unit    string          // what the restart button restarts: "app" or a route's unit
	Token   string          // the session's, in each button's form
	// Set by writePage from Detail.
	Last, Earlier template.HTML
	Omitted       int
}

// The paths of the error page's buttons.
const (
	EditPath    = reservedPrefix + "open"
	RestartPath = reservedPrefix + "restart"
)

// shownLines is how many of the output's last lines an error page shows at
// once; the earlier ones are one click away.
const shownLines = 40

// failurePage is the page of a failure: its message as the title (the
// line a person reads first: Go's first error, Python's exception), what
// failed below it, its output, and, when the output points at a file of
// the project under root, that place with the lines around it and the
// message under its column.
func failurePage(title, detail, root string) page {
	p := page{Status: http.StatusBadGateway, Title: title, Detail: detail,
		Hint: "Fix the problem and save: devserver restarts the app on the next change."}
	plain := ansi.Strip(detail)
	msg := srcloc.Message(plain)
	if msg != "" {
		p.Title, p.Subtitle = msg, title
	}
	if root == "" {
		return p
	}
	if loc, ok := srcloc.Find(plain, root); ok {
		p.Loc, p.Frame = loc, srcloc.Frame(root, loc, 3)
		for _, l := range p.Frame {
			if l.Here && p.Loc.Col == 0 {
				p.Loc.Col = srcloc.Column(plain, l.Text)
			}
			if l.Here && (p.Loc.Col > 0 || msg != "") {
				p.Marker = marker(l.Text, p.Loc.Col, msg)
			}
		}
	}
	return p
}

// marker is the line under a frame's line: a caret under column col
// (tabs kept, so it lines up) and the message; without a column, the
// message alone.
func marker(text string, col int, msg string) string {
	if col < 1 || col > len(text)+1 {
		return "^ " + msg
	}
	pad := []byte(text[:col-1])
	for i, c := range pad {
		if c != '\t' {
			pad[i] = ' '
		}
	}
	return strings.TrimRight(string(pad)+"^ "+msg, " ")
}

// writePage answers with an HTML page for browsers and plain text for
// everything else (curl, fetch from scripts, test clients).
func writePage(w http.ResponseWriter, r *http.Request, p page) {
	if !wantsHTML(r) {
		writePlain(w, p.Status, p.text())
		return
	}
	lines := strings.SplitAfter(strings.TrimSuffix(p.Detail, "\n"), "\n")
	if cut := len(lines) - shownLines; cut > 0 {
		p.Omitted = cut
		p.Earlier = template.HTML(ansi.HTML(strings.Join(lines[:cut], "")))
		lines = lines[cut:]
	}
	if p.Detail != "" {
		p.Last = template.HTML(ansi.HTML(strings.Join(lines, ""))) // escaped by ansi.HTML
	}
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	_ = pageTmpl.Execute(w, p)
}

// text is the page in plain text: the output whole, without colours, and
// the code frame.
func (p page) text() string {
	var b strings.Builder
	b.WriteString(p.Title + "\n")
	if p.Subtitle != "" {
		b.WriteString(p.Subtitle + "\n")
	}
	b.WriteString(p.Hint + "\n")
	if len(p.Frame) > 0 {
		fmt.Fprintf(&b, "\n%s:%d\n", p.Loc.Rel, p.Loc.Line)
		for _, l := range p.Frame {
			mark := " "
			if l.Here {
				mark = ">"
			}
			fmt.Fprintf(&b, "%s%5d | %s\n", mark, l.N, l.Text)
			if l.Here && p.Marker != "" {
				fmt.Fprintf(&b, "       | %s\n", p.Marker)
			}
		}
	}
	if p.Detail != "" {
		b.WriteString("\n" + ansi.Strip(p.Detail))
	}
	return b.String()
}

func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// edit opens the posted file at its line in the editor.
func (s *Server) edit(w http.ResponseWriter, r *http.Request) {
	file := filepath.FromSlash(r.PostFormValue("file"))
	line, err := strconv.Atoi(r.PostFormValue("line"))
	col, _ := strconv.Atoi(r.PostFormValue("col"))
	path := filepath.Join(s.opts.Root, file)
	_, inside := srcloc.Within(s.opts.Root, path)
	switch {
	case err != nil || line < 1 || col < 0:
		writePlain(w, http.StatusBadRequest, "a file, a line and a column\n")
	case !filepath.IsLocal(file) || !inside:
		writePlain(w, http.StatusForbidden, "only files of the project open\n")
	default:
		if err := s.opts.Edit(path, line, col); err != nil {
			writePlain(w, http.StatusInternalServerError, err.Error()+"\n")
			return
		}
		w.WriteHeader(http.StatusNoContent) // the page stays
	}
}
