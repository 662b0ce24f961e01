package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// action is one of the error page's buttons, whole: where its form posts,
// what it says and carries, when a page shows it, and what a press does.
// A new button is a row of actions; the page's template ranges over them,
// and serveButton answers them after the checks every press needs.
type action struct {
	path  string
	can   func(s *Server, unit string) bool // the server can do it, for a page about unit
	shown func(p page) bool                 // this page has what it needs
	label func(p page) string
	form  func(p page) []formField // the hidden fields beside the token
	press func(s *Server, w http.ResponseWriter, r *http.Request)
}

// formField is a hidden input of a button's form.
type formField struct{ Name, Value string }

// button is an action as one page shows it.
type button struct {
	Path, Label string
	Fields      []formField
}

var actions = []action{
	{
		path:  EditPath,
		can:   func(s *Server, _ string) bool { return s.opts.canEdit() },
		shown: func(p page) bool { return p.Loc.Rel != "" },
		label: func(p page) string { return "Open " + p.Loc.Rel + ":" + strconv.Itoa(p.Loc.Line) + " in the editor" },
		form: func(p page) []formField {
			return []formField{{"file", p.Loc.Rel}, {"line", strconv.Itoa(p.Loc.Line)}, {"col", strconv.Itoa(p.Loc.Col)}}
		},
		press: (*Server).edit,
	},
	{
		path:  RestartPath,
		can:   func(s *Server, unit string) bool { return s.opts.Restart != nil && unit != "" },
		shown: func(page) bool { return true },
		label: func(p page) string {
			if p.Unit == "app" {
				return "Restart the app"
			}
			return "Restart " + p.Unit
		},
		form:  func(p page) []formField { return []formField{{"unit", p.Unit}} },
		press: (*Server).restart,
	},
}

// Buttons are the page's buttons, in the table's order: those its server
// can act on for the page's request (offered) and whose page has what
// they need.
func (p page) Buttons() []button {
	var out []button
	for _, a := range actions {
		if p.offered[a.path] && a.shown(p) {
			out = append(out, button{Path: a.path, Label: a.label(p), Fields: a.form(p)})
		}
	}
	return out
}

// offer marks on p the actions s can do for the page of unit.
func (s *Server) offer(p *page, unit string) {
	p.offered = map[string]bool{}
	for _, a := range actions {
		p.offered[a.path] = a.can(s, unit)
	}
}

// actionAt is the action whose form posts to path, if s can do it.
func (s *Server) actionAt(path string) (action, bool) {
	for _, a := range actions {
		if a.path == path && a.can(s, "app") {
			return a, true
		}
	}
	return action{}, false
}

// restart restarts the unit a page is about and sends the browser back to
// the page it came from, which the restarted unit answers.
func (s *Server) restart(w http.ResponseWriter, r *http.Request) {
	unit := r.PostFormValue("unit")
	if unit == "" {
		unit = "app"
	}
	s.opts.Restart(unit)
	back := "/"
	if u, err := url.Parse(r.Referer()); err == nil && u.Host == r.Host && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(u.Path, "//") {
		back = u.RequestURI()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
