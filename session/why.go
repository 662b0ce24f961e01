package session

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devserver/devserver/config"
	"github.com/devserver/devserver/reload/watch"
)

// Why says what a change to path does under the config of l, as the
// session would take it, a sentence a line: the config loaded again, or
// left out and by which rule (".gitignore:3: *.log", "watch.ignore:
// *.log"), or which units restart and whether open pages reload, each with
// the glob and the key that say so.
func Why(l *config.Loaded, path string) ([]string, error) {
	cfg := l.Config
	abs := cfg.Abs(path)
	if slices.Contains(contentFiles(l), abs) {
		return []string{"a config file (or a dotenv file it names): a save loads the config again and applies what changed"}, nil
	}
	if !cfg.Watch.Enabled {
		return []string{"nothing: watching is off (watch.enabled: false)"}, nil
	}
	left, err := watch.Explain(watchOptions(l), abs)
	if err != nil {
		return nil, err
	}
	if rest, ok := strings.CutPrefix(left, "watch.ignore:"); ok {
		left = "watch.ignore (" + l.Origins["watch.ignore"].String() + "):" + rest
	}
	if left != "" {
		return []string{"left out: " + left}, nil
	}
	rel := filepath.ToSlash(abs)
	if r, err := filepath.Rel(cfg.Root, abs); err == nil && filepath.IsLocal(r) {
		rel = filepath.ToSlash(r)
	}
	out, appRestarts := unitsFor(l, rel, abs)
	if appRestarts {
		return append(out, "open pages reload once the app is ready again"), nil
	}
	return append(out, pagesFor(cfg, rel, abs)...), nil
}

// unitsFor says which units a change of rel restarts, by which glob, and
// whether the app is one of them.
func unitsFor(l *config.Loaded, rel, abs string) ([]string, bool) {
	cfg := l.Config
	var out []string
	app := false
	for _, name := range cfg.Units() {
		u, _ := cfg.Unit(name)
		watchKey, reloadKey := config.UnitKey(name, "watch"), config.UnitKey(name, "reload")
		if name == config.RouteApp {
			watchKey, reloadKey = "watch.globs", "watch.reload"
		}
		watchKey += ", " + l.Origins[watchKey].String()
		rule := watchRuleOf(cfg, name)
		glob := rule.globs.Which(rel)
		reload := watch.CompileGlobs(cfg.Watch.Reload).Which(rel) // which key said so, for the sentence
		if own := watch.CompileGlobs(u.Reload).Which(rel); reload == "" && own != "" {
			reload = own + " (" + reloadKey + ")"
		} else if reload != "" {
			reload += " (watch.reload)"
		}
		switch {
		case glob == "":
		case reload != "":
			out = append(out, fmt.Sprintf("does not restart %s: it matches %s (%s), but also %s", name, glob, watchKey, reload))
		case !rule.onChange:
			out = append(out, fmt.Sprintf("does not restart %s: it matches %s (%s), but %s has restart: never", name, glob, watchKey, name))
		case rule.except != "" && within(rule.except, abs):
		default:
			out = append(out, fmt.Sprintf("restarts %s: it matches %s (%s)", name, glob, watchKey))
			app = app || name == config.RouteApp
		}
	}
	return out, app
}

// pagesFor says whether a change of rel that restarts no app reloads the
// open pages, and how.
func pagesFor(cfg *config.Config, rel, abs string) []string {
	served := cfg.ServedDir()
	inServed := served != "" && within(served, abs)
	reload := reloadGlobs(cfg).Which(rel)
	var by string
	switch {
	case reload != "":
		by = reload + " (watch.reload or a process's reload)"
	case inServed:
		by = "static.dir, which devserver serves"
	case watch.CompileGlobs(cfg.Watch.Globs).Match(rel):
		by = "watch.globs"
	default:
		return []string{"nothing else: no page shows it"}
	}
	verb, what := "reload", "the open pages"
	if strings.EqualFold(filepath.Ext(rel), ".css") && (reload != "" || inServed) {
		verb, what = "swap", "the open pages' stylesheets in place"
	}
	if !cfg.LiveReload {
		return []string{fmt.Sprintf("would %s %s (%s), but live reload is off (livereload: true turns it on)", verb, what, by)}
	}
	how := verb + "s " + what
	return []string{fmt.Sprintf("%s: it is under %s", how, by)}
}
