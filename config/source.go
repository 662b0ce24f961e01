package config

import (
	"fmt"
	"strings"
)

// Layer is one level of the precedence order, lowest first.
type Layer int

// The layers, lowest precedence first.
const (
	LayerDefault Layer = iota // built-in default
	LayerFile                 // the config file: its base, then the profile chain
	LayerOverlay              // the local overlay: its base, then its profile sections
	LayerEnv                  // a DEVSERVER_* environment variable
	LayerFlag                 // a command-line flag or the ADDRPORT argument
)

// Source says where an effective value came from.
type Source struct {
	Layer     Layer
	File      string // file as the user would name it (file and overlay layers)
	Line, Col int
	Profile   string // profile section that set it, "" for a file's base
	Env       string // variable name (env layer)
	Flag      string // flag name without dashes, or "" for the ADDRPORT argument (flag layer)
	Arg       string // the ADDRPORT argument as given, when it set the value
}

// String describes the source for `config --explain`:
// "default", "devserver.yaml:22, profile lan", "env DEVSERVER_PORT", "flag --port".
func (s Source) String() string {
	switch s.Layer {
	case LayerDefault:
		return "default"
	case LayerFile, LayerOverlay:
		var b strings.Builder
		b.WriteString(s.File)
		if s.Line > 0 {
			fmt.Fprintf(&b, ":%d", s.Line)
		}
		if s.Profile != "" {
			b.WriteString(", profile " + s.Profile)
		}
		if s.Layer == LayerOverlay {
			b.WriteString(", local overlay")
		}
		return b.String()
	case LayerEnv:
		return "env " + s.Env
	case LayerFlag:
		return s.flagName()
	}
	return "unknown"
}

// flagName is how errors and --explain name a flag source.
func (s Source) flagName() string {
	switch {
	case s.Layer != LayerFlag:
		return ""
	case s.Flag != "":
		return "flag --" + s.Flag
	default:
		return fmt.Sprintf("argument %q", s.Arg)
	}
}
