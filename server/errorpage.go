package server

import (
	"html/template"
	"net/http"
	"strings"
)

// Error pages are devserver's own responses. They are never cached, never
// readable cross-site (CORP same-origin, no CORS header) and run no script.
func pageHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
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
h1{font-size:1.3rem;margin:0}
main{padding:1rem 2rem}
pre{background:#f6f6f6;border:1px solid #ddd;padding:1rem;overflow:auto;font:13px/1.4 ui-monospace,monospace}
footer{color:#666;padding:0 2rem 2rem}
</style></head>
<body><header><h1>{{.Title}}</h1></header>
<main><p>{{.Hint}}</p>{{if .Detail}}<pre>{{.Detail}}</pre>{{end}}</main>
<footer>devserver · this page goes away when the next change fixes it</footer></body></html>
`))

// page describes an error page.
type page struct {
	Status int
	Title  string // one line
	Hint   string // what to do
	Detail string // command output, shown preformatted
}

// writePage answers with an HTML page for browsers and plain text for
// everything else (curl, fetch from scripts, test clients).
func writePage(w http.ResponseWriter, r *http.Request, p page) {
	if !wantsHTML(r) {
		text := p.Title + "\n" + p.Hint + "\n"
		if p.Detail != "" {
			text += "\n" + p.Detail
		}
		writePlain(w, p.Status, text)
		return
	}
	pageHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	_ = pageTmpl.Execute(w, p)
}

func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
