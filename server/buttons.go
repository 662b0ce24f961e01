package server

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strings"
)

// buttons decides who may press the error page's buttons, which act on the
// developer's machine (open a file in the editor, restart the app): only a
// browser on this machine, on a page devserver rendered for it. The page
// shows them, with the session's token, only where they would be accepted.
type buttons struct {
	token string // carried by each rendered form, never by any other answer
	off   string // why the buttons are off for every request, or ""
}

func newButtons(allowedHosts []string) buttons {
	b := buttons{token: rand.Text()}
	for _, h := range allowedHosts {
		if !localOnly(h) {
			b.off = "allowed_hosts lets in " + h + ", which need not be this machine"
			break
		}
	}
	return b
}

// forwarded are the headers a proxy or tunnel in front of devserver adds:
// a request that carries one came from elsewhere through loopback.
var forwarded = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip"}

// refuse says why r may not press a button (or see one), "" when it may.
func (b buttons) refuse(r *http.Request) string {
	if b.off != "" {
		return b.off
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !peer.Addr().Unmap().IsLoopback() {
		return "not from this machine"
	}
	for _, h := range forwarded {
		if r.Header.Get(h) != "" {
			return "through a proxy (" + h + ")"
		}
	}
	return ""
}

// pressed reports whether r is a press of a button of a page this server
// rendered: sent by a page of its own origin (Sec-Fetch-Site: same-origin,
// or an equal Origin from a browser that sends no Sec-Fetch-Site; "none",
// a URL typed or bookmarked, is no page) with the session's token.
func (b buttons) pressed(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	fromPage := site == "same-origin" || site == "" && r.Header.Get("Origin") != "" && sameOrigin(r)
	return fromPage && subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(b.token)) == 1
}

// localOnly reports whether an allowed_hosts entry names only this machine
// or its network: a loopback or private address, or a name under a
// suffix no public site can have. "*" and public names are not.
func localOnly(entry string) bool {
	host := strings.ToLower(strings.Trim(strings.TrimPrefix(entry, "."), "[]"))
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
	}
	host = strings.TrimSuffix(host, ".")
	for _, s := range []string{"localhost", "test", "local", "internal", "home.arpa", "invalid", "example"} {
		if host == s || strings.HasSuffix(host, "."+s) {
			return true
		}
	}
	return false
}

// serveButton answers the error page's buttons (actions): a POST, pressed
// on a page this server rendered, by a browser on this machine.
func (s *Server) serveButton(w http.ResponseWriter, r *http.Request) bool {
	a, ok := s.actionAt(r.URL.Path)
	if !ok {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if r.Method != http.MethodPost {
		writePlain(w, http.StatusMethodNotAllowed, "POST only\n")
		return true
	}
	if why := s.buttons.refuse(r); why != "" {
		s.opts.logger().Warn("error page button refused: "+why, "peer", r.RemoteAddr, "path", r.URL.Path)
		writePlain(w, http.StatusForbidden, "the error page's buttons work only for a browser on this machine ("+why+")\n")
		return true
	}
	if !s.buttons.pressed(r) {
		writePlain(w, http.StatusForbidden, "only devserver's own pages may ask this\n")
		return true
	}
	a.press(s, w, r)
	return true
}
