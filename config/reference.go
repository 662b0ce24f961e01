package config

import (
	"fmt"
	"strings"
)

// Reference returns the configuration reference in Markdown, generated from
// the key table: every key with its type, default, allowed values,
// environment variable and flag. docs/CONFIG.md is this text.
func Reference() string {
	var b strings.Builder
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Generated from the key table in `config/keys.go` by `make docs`; a test fails when it drifts.\n\n")
	b.WriteString("Every key may be set in `devserver.yaml` / `devserver.toml` (top level or a profile),\n")
	b.WriteString("in the local overlay `devserver.local.yaml`, by its environment variable, and,\n")
	b.WriteString("where it has one, by its flag. Precedence, lowest first: default, file base,\n")
	b.WriteString("profile chain, overlay, environment, flags. Durations need a unit (`500ms`, `2s`);\n")
	b.WriteString("lists in the environment are comma-separated (commas inside `{}` stay);\n")
	b.WriteString("`app.env` in the environment is `NAME=VALUE,NAME=VALUE`.\n\n")
	b.WriteString("| key | type | default | environment | flag | description |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, k := range keys {
		def, _ := literal(k.Default)
		typ := k.Kind.String()
		switch k.Kind {
		case KindEnum:
			typ = "one of " + strings.Join(k.Allowed, ", ")
		case KindInt:
			typ = fmt.Sprintf("integer %d-%d", k.Min, k.Max)
		}
		flag := ""
		if k.Flag != "" {
			flag = "`--" + k.Flag + "`"
			if k.Short != "" {
				flag = "`-" + k.Short + "`, " + flag
			}
		}
		doc := strings.ReplaceAll(k.Doc, "|", `\|`)
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | `%s` | %s | %s |\n", k.Name, typ, def, k.Env(), flag, doc)
	}
	b.WriteString("\nWhat `watch.ignore` leaves out by default, and why (a change to what an app writes as it runs would restart the app that wrote it, for ever):\n\n")
	for _, d := range defaultIgnores {
		fmt.Fprintf(&b, "- `%s`: %s\n", d.glob, d.why)
	}
	b.WriteString("\nOther keys and variables:\n\n")
	b.WriteString("- `profile` (top level): the profile used when none is chosen by `--profile` or `DEVSERVER_PROFILE`.\n")
	b.WriteString("- `processes.NAME`: a process that runs beside the app, with the `processes.*` keys above (`*` is its name: a lowercase letter, then lowercase letters, digits, `-` and `_`; not `app`, `devserver` or `http`). `processes.NAME: COMMAND` alone sets its `run`, as a Procfile line does. In the environment, `-` in a name is `_`.\n")
	b.WriteString("- `profiles.NAME`: a profile; besides the keys above it takes `extends` (another profile) and `description`.\n")
	b.WriteString("- `DEVSERVER_CONFIG` / `--config`: the config file; `DEVSERVER_PROFILE` / `--profile`: the profile.\n")
	return b.String()
}
