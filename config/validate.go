package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Validate loads the config as Load does and then, unless opts chose a
// profile by flag, once more with each profile, so that a problem that
// only one profile shows is found too. It returns what Load returns, the
// profiles checked, and every problem found, each once, as an ErrorList.
func Validate(opts Options) (*Loaded, []string, error) {
	l, err := Load(opts)
	if err != nil {
		return nil, nil, err
	}
	if _, chosen := opts.Flags["profile"]; chosen {
		if l.Config.Profile == "" {
			return l, nil, nil
		}
		return l, []string{l.Config.Profile}, nil
	}
	var checked []string
	var problems ErrorList
	for _, p := range l.Profiles {
		popts := opts
		popts.Flags = maps.Clone(opts.Flags)
		if popts.Flags == nil {
			popts.Flags = map[string]string{}
		}
		popts.Flags["profile"] = p.Name
		_, err := Load(popts)
		var list ErrorList
		if errors.As(err, &list) {
			problems = appendNew(problems, list)
		} else if err != nil {
			return nil, nil, err
		}
		checked = append(checked, p.Name)
	}
	if len(problems) > 0 {
		return nil, nil, problems
	}
	return l, checked, nil
}

// appendNew adds the problems of list that are not in have yet.
func appendNew(have, list ErrorList) ErrorList {
	for _, e := range list {
		if !slices.ContainsFunc(have, func(h *Error) bool { return h.Error() == e.Error() }) {
			have = append(have, e)
		}
	}
	return have
}

// Verdict is validate's line for a load that passed: which files, which
// profiles were checked.
func (l *Loaded) Verdict(checked []string) string {
	name := "built-in defaults (no config file)"
	if l.File != "" {
		name = l.Name(l.File)
		if l.Overlay != "" {
			name += " + " + l.Name(l.Overlay)
		}
	}
	profiles := "no profiles"
	if len(checked) > 0 {
		profiles = fmt.Sprintf("profiles: %s", strings.Join(checked, ", "))
	}
	return fmt.Sprintf("%s: ok (%s)", name, profiles)
}
