package config

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// decodeFile converts a value as a YAML or TOML file gives it (string, int,
// int64, uint64, float64, bool, []any, map[string]any, nil) to the Go type of
// the key. A non-empty problem says what is wrong, for the user.
func decodeFile(k Key, v any) (any, string) {
	var out any
	var problem string
	switch k.Kind {
	case KindString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Sprintf("%s is not a string (quote it)", show(v))
		}
		out = s
	case KindInt:
		out, problem = decodeInt(k, v)
	case KindBool:
		switch b := v.(type) {
		case bool:
			out = b
		case string:
			out, problem = decodeString(k, b)
		default:
			problem = fmt.Sprintf("%s is not a boolean (true or false)", show(v))
		}
	case KindDuration:
		switch d := v.(type) {
		case string:
			out, problem = decodeString(k, d)
		case int, int64, uint64, float64:
			problem = fmt.Sprintf("%s has no unit (use a number with a unit, e.g. %q or %q)", show(v), "500ms", "2s")
		default:
			problem = fmt.Sprintf("%s is not a duration (use a number with a unit, e.g. %q or %q)", show(v), "500ms", "2s")
		}
	case KindEnum:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Sprintf("%s is not allowed (allowed: %s)", show(v), strings.Join(k.Allowed, ", "))
		}
		out, problem = decodeString(k, s)
	case KindList:
		out, problem = decodeList(v)
	case KindMap:
		out, problem = decodeMap(v)
	}
	if problem != "" {
		return nil, problem
	}
	return out, checkValue(k, out)
}

func decodeInt(k Key, v any) (any, string) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt32 {
			return nil, rangeProblem(k, strconv.FormatUint(x, 10))
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return nil, rangeProblem(k, strconv.FormatFloat(x, 'g', -1, 64))
		}
		n = int64(x)
	case string:
		return decodeString(k, x)
	default:
		return nil, rangeProblem(k, show(v))
	}
	if n < int64(k.Min) || n > int64(k.Max) {
		return nil, rangeProblem(k, strconv.FormatInt(n, 10))
	}
	return int(n), ""
}

func rangeProblem(k Key, shown string) string {
	return fmt.Sprintf("%s is not %s (%d-%d)", shown, k.Noun, k.Min, k.Max)
}

func decodeList(v any) (any, string) {
	switch x := v.(type) {
	case nil:
		return []string{}, ""
	case string:
		return []string{x}, ""
	case []any:
		out := make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Sprintf("item %d: %s is not a string (quote it)", i+1, show(e))
			}
			out = append(out, s)
		}
		return out, ""
	}
	return nil, fmt.Sprintf("%s is not a list of strings", show(v))
}

func decodeMap(v any) (any, string) {
	switch x := v.(type) {
	case nil:
		return map[string]string{}, ""
	case map[string]any:
		out := make(map[string]string, len(x))
		for name, e := range x {
			switch s := e.(type) {
			case string:
				out[name] = s
			case bool, int, int64, uint64, float64:
				out[name] = fmt.Sprint(s)
			default:
				return nil, fmt.Sprintf("%s: %s is not a string", name, show(e))
			}
		}
		return out, ""
	}
	return nil, fmt.Sprintf("%s is not a map of names to values", show(v))
}

// decodeString converts a value given as text (an environment variable or a
// flag) to the Go type of the key.
func decodeString(k Key, s string) (any, string) {
	var out any
	switch k.Kind {
	case KindString:
		out = s
	case KindInt:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < k.Min || n > k.Max {
			return nil, rangeProblem(k, strconv.Quote(s))
		}
		out = n
	case KindBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "on":
			out = true
		case "false", "0", "no", "off":
			out = false
		default:
			return nil, fmt.Sprintf("%q is not a boolean (true or false)", s)
		}
	case KindDuration:
		t := strings.TrimSpace(s)
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			return nil, fmt.Sprintf("%q has no unit (use a number with a unit, e.g. %q or %q)", s, "500ms", "2s")
		}
		d, err := time.ParseDuration(t)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a duration (use a number with a unit, e.g. %q or %q)", s, "500ms", "2s")
		}
		out = d
	case KindEnum:
		v, ok := normalizeEnum(k, s)
		if !ok {
			return nil, fmt.Sprintf("%q is not allowed (allowed: %s)", s, strings.Join(k.Allowed, ", "))
		}
		out = v
	case KindList:
		out = splitList(s)
	case KindMap:
		m := map[string]string{}
		for _, item := range splitList(s) {
			name, value, ok := strings.Cut(item, "=")
			if !ok || name == "" {
				return nil, fmt.Sprintf("%q is not NAME=VALUE", item)
			}
			m[name] = value
		}
		out = m
	}
	return out, checkValue(k, out)
}

// normalizeEnum matches s against the allowed values without regard to case;
// for signals the SIG prefix may be left out.
func normalizeEnum(k Key, s string) (string, bool) {
	t := strings.TrimSpace(s)
	for _, a := range k.Allowed {
		if strings.EqualFold(t, a) || (strings.HasPrefix(a, "SIG") && strings.EqualFold("SIG"+t, a)) {
			return a, true
		}
	}
	return "", false
}

// splitList splits a comma-separated list, leaving commas inside braces alone
// (so "**/*.{go,tmpl}" stays one glob) and trimming spaces. An empty string is
// an empty list.
func splitList(s string) []string {
	out := []string{}
	if strings.TrimSpace(s) == "" {
		return out
	}
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func checkValue(k Key, v any) string {
	if k.check == nil {
		return ""
	}
	return k.check(v)
}

// show prints a value from a file for an error message.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case nil:
		return "an empty value"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprint(v)
}

// formatValue prints a typed value for `config --explain`, diffs and logs.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" || strings.TrimSpace(x) != x {
			return strconv.Quote(x)
		}
		return x
	case []string:
		b, _ := json.Marshal(x)
		return strings.ReplaceAll(string(b), `","`, `", "`)
	case map[string]string:
		names := make([]string, 0, len(x))
		for n := range x {
			names = append(names, n)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = n + "=" + strconv.Quote(x[n])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$`)

func checkAddr(v any) string {
	s := v.(string)
	if _, err := netip.ParseAddr(s); err == nil {
		return ""
	}
	if strings.HasPrefix(s, "[") {
		return fmt.Sprintf("%q is not an address (write IPv6 addresses without brackets, e.g. ::1)", s)
	}
	if _, _, err := splitHostPort(s); err == nil {
		return fmt.Sprintf("%q is not an address (set the port with port, not in addr)", s)
	}
	if !hostnameRE.MatchString(s) {
		return fmt.Sprintf("%q is not an IP address or host name", s)
	}
	return ""
}

func splitHostPort(s string) (string, int, error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", 0, fmt.Errorf("no port")
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return "", 0, err
	}
	return s[:i], p, nil
}

func checkHosts(v any) string {
	for _, h := range v.([]string) {
		switch {
		case h == "":
			return "empty host name"
		case strings.Contains(h, "://") || strings.ContainsAny(h, "/ \t"):
			return fmt.Sprintf("%q is not a host name (leave out the scheme and path)", h)
		}
	}
	return ""
}

func checkEnvNames(v any) string {
	for name, value := range v.(map[string]string) {
		if name == "" || strings.ContainsAny(name, "=\x00") {
			return fmt.Sprintf("%q is not an environment variable name", name)
		}
		if strings.Contains(value, "\x00") {
			return fmt.Sprintf("%s: value holds a NUL byte", name)
		}
	}
	return ""
}

func checkPositive(v any) string {
	if d := v.(time.Duration); d <= 0 {
		return fmt.Sprintf("%s must be more than 0", d)
	}
	return ""
}

func checkNonNegative(v any) string {
	if d := v.(time.Duration); d < 0 {
		return fmt.Sprintf("%s must not be negative", d)
	}
	return ""
}

// minInterval keeps a typo such as "5ns" from polling in a hot loop.
const minInterval = 10 * time.Millisecond

func checkInterval(v any) string {
	if d := v.(time.Duration); d < minInterval {
		return fmt.Sprintf("%s is too short (at least %s)", d, minInterval)
	}
	return ""
}

func checkPathOrEmpty(v any) string {
	if s := v.(string); s != "" && !strings.HasPrefix(s, "/") {
		return fmt.Sprintf("%q must start with / (a URL path)", s)
	}
	return ""
}

func checkRegexp(v any) string {
	if _, err := regexp.Compile(v.(string)); err != nil {
		return fmt.Sprintf("%q is not a regular expression: %v", v, err)
	}
	return ""
}

func checkPrefix(v any) string {
	if s := v.(string); !strings.HasPrefix(s, "/") {
		return fmt.Sprintf("%q must start with /", s)
	}
	return ""
}

func checkGlobs(v any) string {
	for _, g := range v.([]string) {
		if g == "" {
			return "empty glob"
		}
		if !doublestar.ValidatePattern(g) {
			return fmt.Sprintf("%q is not a valid glob", g)
		}
	}
	return ""
}
