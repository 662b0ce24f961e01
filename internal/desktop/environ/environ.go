// Package environ reads a variable from an environment given as
// KEY=VALUE pairs (what devserver passes around instead of reading its
// own process's), the last of duplicates winning, as exec does.
package environ

import "strings"

// Lookup returns the value of name in environ, and whether it is set.
func Lookup(environ []string, name string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if n, v, ok := strings.Cut(environ[i], "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}

// Get returns the value of name in environ, "" when it is not set.
func Get(environ []string, name string) string {
	v, _ := Lookup(environ, name)
	return v
}
