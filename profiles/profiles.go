// Package profiles resolves devserver's named profiles: which one is chosen,
// the chain of profiles it extends, and the errors for unknown names and
// cycles.
//
// It works on names only. It does not read files, merge settings or know
// positions: the config package attaches file:line:col to the errors returned
// here and merges the settings in the order Chain gives.
package profiles

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Profile is a named profile as a config file declares it.
type Profile struct {
	Name        string
	Extends     string // "" when the profile starts from the base
	Description string
}

// Set is the profiles a config declares, by name.
type Set map[string]Profile

// Names returns the profile names, sorted.
func (s Set) Names() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// UnknownError reports a profile name that the config does not declare.
type UnknownError struct {
	Name       string
	Known      []string // sorted
	Suggestion string   // the known name Name is likely a typo of, or ""
}

func (e *UnknownError) Error() string {
	switch {
	case len(e.Known) == 0:
		return fmt.Sprintf("unknown profile %q (no profiles are defined)", e.Name)
	case e.Suggestion != "":
		return fmt.Sprintf("unknown profile %q (did you mean %s? profiles: %s)", e.Name, e.Suggestion, strings.Join(e.Known, ", "))
	}
	return fmt.Sprintf("unknown profile %q (profiles: %s)", e.Name, strings.Join(e.Known, ", "))
}

// CycleError reports profiles that extend each other in a loop.
type CycleError struct {
	Path []string // the loop, first name repeated last: a -> b -> a
}

func (e *CycleError) Error() string {
	return "extends cycle " + strings.Join(e.Path, " -> ")
}

// ExtendsError wraps a problem found while following From's extends.
type ExtendsError struct {
	From string // the profile whose extends is wrong
	Err  error  // *UnknownError or *CycleError
}

func (e *ExtendsError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying *UnknownError or *CycleError.
func (e *ExtendsError) Unwrap() error { return e.Err }

// Chain returns the profiles to apply for name, oldest ancestor first and
// name last. An empty name is the base alone: an empty chain.
//
// An unknown name is an *UnknownError; a broken extends somewhere along the
// chain is an *ExtendsError naming the profile that holds it.
func (s Set) Chain(name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	if _, ok := s[name]; !ok {
		return nil, &UnknownError{Name: name, Known: s.Names()}
	}
	var chain []string
	for cur := name; cur != ""; cur = s[cur].Extends {
		if i := slices.Index(chain, cur); i >= 0 {
			loop := append(slices.Clone(chain[i:]), cur)
			return nil, &ExtendsError{From: chain[len(chain)-1], Err: &CycleError{Path: loop}}
		}
		chain = append(chain, cur)
		next := s[cur].Extends
		if _, ok := s[next]; next != "" && !ok {
			return nil, &ExtendsError{From: cur, Err: &UnknownError{Name: next, Known: s.Names()}}
		}
	}
	slices.Reverse(chain)
	return chain, nil
}

// Check follows every profile's chain and returns each broken extends once
// (a cycle once, not once per member), sorted by the name of the profile that
// holds it.
func (s Set) Check() []*ExtendsError {
	seen := map[string]bool{}
	var out []*ExtendsError
	for _, name := range s.Names() {
		_, err := s.Chain(name)
		var ee *ExtendsError
		if !errors.As(err, &ee) {
			continue
		}
		// A cycle is found from each of its members; report it once.
		key := "from " + ee.From
		var ce *CycleError
		if errors.As(ee, &ce) {
			members := slices.Clone(ce.Path[1:])
			slices.Sort(members)
			key = "cycle " + strings.Join(members, " ")
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, ee)
		}
	}
	slices.SortFunc(out, func(a, b *ExtendsError) int { return strings.Compare(a.From, b.From) })
	return out
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// ValidName reports what is wrong with a profile name, or "" if it is fine.
// Names are letters, digits, '-' and '_', so that they work on the command
// line, in DEVSERVER_PROFILE and as a key in YAML and TOML alike.
func ValidName(name string) string {
	if !nameRE.MatchString(name) {
		return fmt.Sprintf("%q is not a profile name (letters, digits, - and _; starting with a letter or digit)", name)
	}
	return ""
}

// Source says where the choice of profile came from.
type Source int

// Where a profile choice can come from, lowest precedence first.
const (
	FromNone    Source = iota // no profile: the base alone
	FromFile                  // the config file's profile key
	FromOverlay               // the local overlay's profile key
	FromEnv                   // DEVSERVER_PROFILE
	FromFlag                  // --profile
)

// Choice is one candidate for the profile to use: the name, and whether that
// layer set one at all (an empty name set explicitly means the base alone).
type Choice struct {
	Name string
	Set  bool
}

// Select picks the profile: --profile, then DEVSERVER_PROFILE, then the
// overlay's and the file's profile key, else none.
func Select(flag, env, overlay, file Choice) (string, Source) {
	for _, c := range []struct {
		Choice
		src Source
	}{{flag, FromFlag}, {env, FromEnv}, {overlay, FromOverlay}, {file, FromFile}} {
		if c.Set {
			return c.Name, c.src
		}
	}
	return "", FromNone
}
