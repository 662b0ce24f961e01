package config

import (
	"fmt"
	"maps"
	"strings"

	"github.com/devserver/devserver/profiles"
)

func (l *fileLayer) readProfileKey(n *node, src Source, e *errs) {
	at := withPos(src, n.val)
	s, ok := n.value.(string)
	switch {
	case n.isMap() || (!ok && n.value != nil):
		e.at(at, "profile", fmt.Sprintf("%s is not a profile name", show(n.plain())))
		return
	case s != "":
		if p := profiles.ValidName(s); p != "" {
			e.at(at, "profile", p)
			return
		}
	}
	l.profile, l.profileAt = profiles.Choice{Name: s, Set: true}, at
}

func (l *fileLayer) readProfiles(n *node, src Source, e *errs) {
	if !n.isMap() {
		if n.value != nil {
			e.at(withPos(src, n.val), "profiles", "must be "+tableWord(src)+" of profiles (profiles: {lan: {addr: 0.0.0.0}})")
		}
		return
	}
	lower := map[string]string{}
	for _, name := range n.order {
		kid := n.kids[name]
		path := "profiles." + name
		if p := profiles.ValidName(name); p != "" {
			e.at(withPos(src, kid.key), path, p)
			continue
		}
		if other, dup := lower[strings.ToLower(name)]; dup {
			e.at(withPos(src, kid.key), path, fmt.Sprintf("profile name differs from %q only in case", other))
			continue
		}
		lower[strings.ToLower(name)] = name
		psrc := src
		psrc.Profile = name
		decl := profileDecl{info: ProfileInfo{Name: name, Declared: withPos(psrc, kid.key)}}
		sec := settings{}
		if !kid.isMap() {
			if kid.value != nil {
				e.at(withPos(src, kid.val), path, "must be "+tableWord(src)+" of keys")
			}
			l.decls[name], l.sections[name] = decl, sec
			continue
		}
		var rest []string
		for _, k := range kid.order {
			v := kid.kids[k]
			switch k {
			case "extends", "description":
				s, ok := v.value.(string)
				if !ok || v.isMap() {
					e.at(withPos(src, v.val), path+"."+k, fmt.Sprintf("%s is not a string", show(v.plain())))
					continue
				}
				if k == "extends" {
					decl.info.Extends, decl.extendsAt = s, withPos(psrc, v.val)
				} else {
					decl.info.Description = s
				}
			case "profile", "profiles":
				e.at(withPos(src, v.key), path+"."+k, "only allowed at the top level of the file")
			default:
				rest = append(rest, k)
			}
		}
		readSettings(kid, rest, "", path+".", psrc, sec, []string{"extends", "description"}, e)
		l.decls[name], l.sections[name] = decl, sec
	}
}

// decls is every declared profile, file and overlay together.
type decls map[string]profileDecl

func (d decls) set() profiles.Set {
	s := profiles.Set{}
	for n, p := range d {
		s[n] = profiles.Profile{Name: n, Extends: p.info.Extends, Description: p.info.Description}
	}
	return s
}

func (d decls) list() []ProfileInfo {
	s := d.set()
	out := make([]ProfileInfo, 0, len(d))
	for _, n := range s.Names() {
		info := d[n].info
		info.Chain, _ = s.Chain(n)
		out = append(out, info)
	}
	return out
}

// declaredProfiles merges the profiles of the file and the overlay and checks
// every extends chain. The overlay may add personal profiles and describe
// existing ones, but a profile's extends belongs to the file that defines it.
func declaredProfiles(file, overlay *fileLayer, e *errs) decls {
	out := decls{}
	if file != nil {
		maps.Copy(out, file.decls)
	}
	if overlay != nil {
		for n, d := range overlay.decls {
			base, inFile := out[n]
			if !inFile {
				out[n] = d
				continue
			}
			if d.info.Extends != "" {
				e.at(d.extendsAt, "profiles."+n+".extends", fmt.Sprintf("set extends in %s, where profile %s is defined", file.name, n))
			}
			if d.info.Description != "" {
				base.info.Description = d.info.Description
			}
			out[n] = base
		}
	}
	for _, ee := range out.set().Check() {
		e.at(out[ee.From].extendsAt, "profiles."+ee.From+".extends", ee.Err.Error())
	}
	return out
}

// chooseProfile picks the profile (--profile, DEVSERVER_PROFILE, the overlay's
// and the file's profile key) and checks that it exists. It returns the name
// and where the choice came from.
func chooseProfile(flags, env map[string]string, file, overlay *fileLayer, d decls, e *errs) (string, string) {
	var flag, fromEnv, ov, fi profiles.Choice
	if v, ok := flags["profile"]; ok {
		flag = profiles.Choice{Name: v, Set: true}
	}
	if v, ok := env[EnvProfile]; ok {
		fromEnv = profiles.Choice{Name: v, Set: true}
	}
	if overlay != nil {
		ov = overlay.profile
	}
	if file != nil {
		fi = file.profile
	}
	name, from := profiles.Select(flag, fromEnv, ov, fi)
	var src Source
	key := ""
	switch from {
	case profiles.FromNone:
		return "", ""
	case profiles.FromFlag:
		src = Source{Layer: LayerFlag, Flag: "profile"}
	case profiles.FromEnv:
		src = Source{Layer: LayerEnv, Env: EnvProfile}
	case profiles.FromOverlay:
		src, key = overlay.profileAt, "profile"
	case profiles.FromFile:
		src, key = file.profileAt, "profile"
	}
	if name == "" {
		return "", src.String()
	}
	if _, ok := d[name]; !ok {
		known := d.set().Names()
		e.at(src, key, (&profiles.UnknownError{Name: name, Known: known, Suggestion: suggest(name, known)}).Error())
	}
	return name, src.String()
}
