package config

import (
	"encoding/json"
	"strings"
	"time"
)

// SchemaURL is where the schema of devserver's config files is published;
// init writes it into the files it makes, for editors.
const SchemaURL = "https://raw.githubusercontent.com/devserver/devserver/main/docs/devserver.schema.json"

// durationPattern is what a duration key takes: Go's durations, a unit
// on every number ("500ms", "1m30s").
const durationPattern = `^\s*([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+\s*$`

// Schema returns the JSON Schema (draft 2020-12) of devserver.yaml and
// devserver.toml, made from the key table: every key with its type,
// allowed values, bounds, default and description (hover text in an
// editor); the base, profiles.NAME (with extends and description) and
// processes.NAME (a command, or a map of its keys); unknown keys refused.
// docs/devserver.schema.json is this text.
func Schema() ([]byte, error) {
	base, proc := object(), object()
	for _, k := range keys {
		if k.template() {
			put(proc, strings.TrimPrefix(k.Name, processTemplate), keySchema(k))
			continue
		}
		put(base, k.Name, keySchema(k))
	}
	props := base["properties"].(map[string]any)
	props["processes"] = map[string]any{"type": "object", "description": "processes that run beside the app, by name (a lowercase letter, then letters, digits, - and _): a command, or a map of the processes.* keys",
		"propertyNames":        map[string]any{"pattern": processNameRE.String()},
		"additionalProperties": map[string]any{"oneOf": []any{map[string]any{"type": "string"}, proc}}}
	tls := props["tls"].(map[string]any)
	props["tls"] = map[string]any{"description": "HTTPS: tls: auto, or the keys below", "oneOf": []any{map[string]any{"const": "auto"}, tls}}
	profile := map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{}}
	for name, s := range props {
		profile["properties"].(map[string]any)[name] = s
	}
	profile["properties"].(map[string]any)["extends"] = map[string]any{"type": "string", "description": "another profile whose settings this one starts from"}
	profile["properties"].(map[string]any)["description"] = map[string]any{"type": "string", "description": "what the profile is for, shown by devserver profiles"}
	props["profile"] = map[string]any{"type": "string", "description": "the profile used when none is chosen by --profile or DEVSERVER_PROFILE"}
	props["profiles"] = map[string]any{"type": "object", "description": "named profiles: each overrides the base's keys", "additionalProperties": profile}
	root := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SchemaURL,
		"title": "devserver config", "description": "devserver.yaml, devserver.toml and devserver.local.*: docs/CONFIG.md says what every key does",
		"type": "object", "additionalProperties": false, "properties": props,
	}
	return json.MarshalIndent(root, "", "  ")
}

// object is a section's schema; a section whose keys are all commented
// out (as in init's starter) is null, and means its defaults.
func object() map[string]any {
	return map[string]any{"type": []string{"object", "null"}, "additionalProperties": false, "properties": map[string]any{}}
}

// put sets the schema of a dotted key in obj, making the sections on the
// way.
func put(obj map[string]any, dotted string, s map[string]any) {
	section, rest, nested := strings.Cut(dotted, ".")
	props := obj["properties"].(map[string]any)
	if !nested {
		props[section] = s
		return
	}
	sub, ok := props[section].(map[string]any)
	if !ok {
		sub = object()
		props[section] = sub
	}
	put(sub, rest, s)
}

// keySchema is one key's schema.
func keySchema(k Key) map[string]any {
	s := map[string]any{"description": k.Doc, "default": k.Default}
	switch k.Kind {
	case KindString:
		s["type"] = "string"
	case KindBool:
		s["type"] = "boolean"
	case KindInt:
		s["type"], s["minimum"], s["maximum"] = "integer", k.Min, k.Max
	case KindDuration:
		s["type"], s["pattern"], s["default"] = "string", durationPattern, k.Default.(time.Duration).String()
	case KindEnum:
		s["enum"] = k.Allowed
	case KindList:
		// One string stands for a list of one.
		s["anyOf"] = []any{map[string]any{"type": "array", "items": map[string]any{"type": "string"}}, map[string]any{"type": "string"}}
	case KindMap:
		s["type"], s["additionalProperties"] = "object", map[string]any{"type": "string"}
	}
	return s
}
