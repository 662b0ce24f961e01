package server

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// liveReloadScript is what an HTML page gets when live reload is on. It
// connects to the event stream, reloads on "reload" (and on connecting, if
// it missed a change or devserver restarted), and on "css" loads each of
// the page's own stylesheets again, removing the old one once the new one
// has loaded, so the page neither flashes nor loses its state. The guard
// keeps a fragment that is injected twice (a framework that runs the
// scripts of HTML it inserts) from connecting twice. With a key (browser
// errors are taken: OnBrowserErrors), it also reports the page's uncaught
// errors and unhandled rejections, bounded, at most 50 a page.
const liveReloadScript = `(function(){
if (window.__devserverLiveReload) return;
window.__devserverLiveReload = true;
var boot = %q, gen = %d;
function swapCSS() {
  var links = document.querySelectorAll('link[rel~="stylesheet"][href]');
  links.forEach(function(old) {
    var u = new URL(old.href, location.href);
    if (u.origin !== location.origin) return;
    u.searchParams.set("devserver", Date.now());
    var next = old.cloneNode(false);
    next.href = u.href;
    next.onload = next.onerror = function() { old.remove(); };
    old.after(next);
  });
}
var es = new EventSource(%q);
es.addEventListener("hello", function(e) {
  var m = JSON.parse(e.data);
  if (m.boot !== boot || m.gen > gen) { es.close(); location.reload(); }
});
es.addEventListener("reload", function() { es.close(); location.reload(); });
es.addEventListener("css", function(e) { gen = JSON.parse(e.data).gen; swapCSS(); });
var key = %q, sent = 0;
var early = window.__devserverErrors;
function report(r) {
  if (!key || sent >= 50) return;
  sent++;
  var s = function(v, n) { return String(v == null ? "" : v).slice(0, n); };
  try {
    fetch(%q, {method: "POST", headers: {"Content-Type": "application/json"}, keepalive: true,
      body: JSON.stringify({key: key, page: s(location.pathname, 500), message: s(r.message, 1000),
        source: s(r.source, 500), line: r.line | 0, column: r.column | 0, stack: s(r.stack, 4000)})}).catch(function() {});
  } catch (_) {}
}
if (early) { early.forEach(report); early.push = report; } // what the page threw before this script ran, and from now on
})();`

// earlyErrors catches what a page throws before the live-reload script at
// its end runs (a bundle that fails as it loads): it goes first in the
// document, and queues the page's uncaught errors and unhandled rejections
// for that script to report.
const earlyErrors = `(function(){
if (window.__devserverErrors) return;
var q = window.__devserverErrors = [];
addEventListener("error", function(e) {
  if (e.target && e.target !== window) return; // a failed <img> or <script> load, not a throw
  q.push({message: e.message, source: e.filename, line: e.lineno, column: e.colno, stack: e.error && e.error.stack});
});
addEventListener("unhandledrejection", function(e) {
  var r = e.reason;
  q.push({message: "Unhandled rejection: " + (r && r.message ? r.message : String(r)), stack: r && r.stack});
});
})();`

// injectTag is the script element for one response.
// key is the pages' report key, "" when their errors are not taken.
func (lr *LiveReload) injectTag(gen uint64, nonce, key string) []byte {
	script := fmt.Sprintf(liveReloadScript, lr.boot, gen, liveReloadPath, key, browserErrorsPath)
	if key != "" {
		script = earlyErrors + "\n" + script // in case the early tag could not go first
	}
	return fmt.Appendf(nil, "\n<script nonce=\"%s\">%s</script>\n", nonce, script)
}

// earlyTag is the script element that goes first in a page whose errors
// are reported (key is set), or nil when they are not.
func earlyTag(nonce, key string) []byte {
	if key == "" {
		return nil
	}
	return fmt.Appendf(nil, "<script nonce=\"%s\">%s</script>", nonce, earlyErrors)
}

// inject wraps next so that the HTML documents it answers to page loads get
// the live-reload script. The script goes at the very end of the response,
// so a streamed page still streams and nothing needs buffering; browsers
// run a script after </html> as part of the body.
func (lr *LiveReload) inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !pageLoad(r) {
			next.ServeHTTP(w, r)
			return
		}
		gen, _ := lr.state()
		in := &injector{ResponseWriter: w, lr: lr, gen: gen, head: r.Method == http.MethodHead}
		next.ServeHTTP(in, r)
		if in.tag != nil && !in.head {
			if in.early != nil { // not written: the body was empty, or its doctype split
				_, _ = in.ResponseWriter.Write(in.early)
			}
			_, _ = in.ResponseWriter.Write(in.tag)
		}
	})
}

// pageLoad reports whether r loads a page into a window or frame, as
// opposed to a fetch, an htmx swap or an image: browsers say so in
// Sec-Fetch-Dest, and older clients in Accept.
func pageLoad(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.Header.Get("HX-Request") != "" {
		return false // htmx says so itself, for browsers that send no Sec-Fetch-Dest
	}
	switch r.Header.Get("Sec-Fetch-Dest") {
	case "document", "iframe", "frame":
		return true
	case "":
		return strings.Contains(r.Header.Get("Accept"), "text/html")
	}
	return false
}

// injector decides, when the status is written, whether the response is an
// HTML document to add the script to: a 200, or an error page (the app's own
// 500 page, or devserver's build-error page, which reload by themselves once
// the next change fixes them); never a partial, an empty or a compressed
// body.
type injector struct {
	http.ResponseWriter
	lr      *LiveReload
	gen     uint64 // the generation when the request came in
	head    bool
	decided bool
	tag     []byte // non-nil: append it
	early   []byte // non-nil: insert it at the start, after a doctype
	looked  bool   // the first write was looked at for where early goes
}

func (in *injector) WriteHeader(code int) {
	if !in.decided && (code >= 200 || code == http.StatusSwitchingProtocols) {
		in.decided = true
		in.decide(code)
	}
	in.ResponseWriter.WriteHeader(code)
}

func (in *injector) Write(p []byte) (int, error) {
	if !in.decided {
		if in.Header().Get("Content-Type") == "" {
			in.Header().Set("Content-Type", http.DetectContentType(p)) // as net/http would
		}
		in.WriteHeader(http.StatusOK)
	}
	if in.early == nil || in.looked || in.head || len(p) == 0 {
		return in.ResponseWriter.Write(p)
	}
	in.looked = true
	at, ok := afterDoctype(p)
	if !ok {
		return in.ResponseWriter.Write(p) // early goes at the end, with tag
	}
	if n, err := in.ResponseWriter.Write(p[:at]); err != nil {
		return n, err
	}
	if _, err := in.ResponseWriter.Write(in.early); err != nil {
		return at, err
	}
	in.early = nil
	n, err := in.ResponseWriter.Write(p[at:])
	return at + n, err
}

// afterDoctype is where in the start of a document a script may go first:
// after its doctype (a script before it would put the page in quirks
// mode), or, without one, after a byte-order mark and white space. It
// fails when the doctype does not end within b.
func afterDoctype(b []byte) (int, bool) {
	i := len(b) - len(bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n"))
	const doctype = "<!doctype"
	rest := b[i:]
	if len(rest) < len(doctype) {
		return 0, false
	}
	if !bytes.EqualFold(rest[:len(doctype)], []byte(doctype)) {
		return i, true
	}
	end := bytes.IndexByte(rest, '>')
	if end < 0 {
		return 0, false
	}
	return i + end + 1, true
}

// Unwrap returns the wrapped writer, for http.ResponseController (Flush,
// Hijack).
func (in *injector) Unwrap() http.ResponseWriter { return in.ResponseWriter }

func (in *injector) decide(code int) {
	h := in.Header()
	if code != http.StatusOK && (code < 400 || code > 599) || h.Get("Content-Range") != "" {
		return
	}
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || mt != "text/html" {
		return
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return
	}
	nonce := newNonce()
	key := in.lr.reportKey() // once a page: it takes a lock
	tag, early := in.lr.injectTag(in.gen, nonce, key), earlyTag(nonce, key)
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.ParseInt(cl, 10, 64)
		if err != nil {
			return
		}
		h.Set("Content-Length", strconv.FormatInt(n+int64(len(tag)+len(early)), 10))
	}
	// The page now depends on the generation it was served at: never let a
	// cache answer for it with an older one.
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-cache")
	// The report-only policy too, or it would report the script to the
	// app's endpoint on every page load.
	for _, name := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		if csp := h.Values(name); len(csp) > 0 {
			patched := make([]string, len(csp))
			for i, v := range csp {
				patched[i] = allowLiveReload(v, nonce)
			}
			h[name] = patched
		}
	}
	in.tag, in.early = tag, early
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// allowLiveReload changes a Content-Security-Policy header value as little
// as it can so that the injected script may run and connect to the event
// stream, and nothing else is allowed that was not:
//
//   - where the script directive (script-src-elem, script-src or
//     default-src, the first present) would refuse an inline script, the
//     response's nonce is added to it; a directive that allows inline
//     scripts is left alone, since a nonce would switch 'unsafe-inline' off
//     for the page's own scripts;
//   - where connect-src (or default-src) does not allow 'self', 'self' is
//     added.
//
// A directive that is only inherited from default-src gets a directive of
// its own instead, so default-src keeps governing everything else. A value
// may hold several policies, separated by commas; each is changed.
func allowLiveReload(value, nonce string) string {
	policies := strings.Split(value, ",")
	for i, p := range policies {
		policies[i] = allowInPolicy(p, nonce)
	}
	return strings.Join(policies, ", ")
}

type directive struct {
	name    string
	sources []string
}

func allowInPolicy(policy, nonce string) string {
	var ds []directive
	for d := range strings.SplitSeq(policy, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		ds = append(ds, directive{strings.ToLower(f[0]), f[1:]})
	}
	find := func(names ...string) int {
		for _, n := range names {
			if i := slices.IndexFunc(ds, func(d directive) bool { return d.name == n }); i >= 0 {
				return i
			}
		}
		return -1
	}
	grant := func(i int, own, source string) {
		if ds[i].name == "default-src" {
			ds = append(ds, directive{own, slices.Clone(ds[i].sources)})
			i = len(ds) - 1
		}
		ds[i].sources = append(slices.DeleteFunc(ds[i].sources, func(s string) bool { return strings.EqualFold(s, "'none'") }), source)
	}
	if i := find("script-src-elem", "script-src", "default-src"); i >= 0 && !allowsInline(ds[i].sources) {
		grant(i, "script-src", "'nonce-"+nonce+"'")
	}
	if i := find("connect-src", "default-src"); i >= 0 && !slices.ContainsFunc(ds[i].sources, func(s string) bool {
		return s == "*" || strings.EqualFold(s, "'self'")
	}) {
		grant(i, "connect-src", "'self'")
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strings.Join(append([]string{d.name}, d.sources...), " ")
	}
	return strings.Join(parts, "; ")
}

// allowsInline reports whether sources let any inline script run: they
// hold 'unsafe-inline', and no nonce, hash or 'strict-dynamic' (any of which
// makes browsers ignore it).
func allowsInline(sources []string) bool {
	inline := false
	for _, s := range sources {
		s = strings.ToLower(s)
		switch {
		case s == "'unsafe-inline'":
			inline = true
		case s == "'strict-dynamic'", strings.HasPrefix(s, "'nonce-"), strings.HasPrefix(s, "'sha"):
			return false
		}
	}
	return inline
}
