package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/devserver/devserver/internal/textfile"
)

// findFile returns the config file to read: --config, DEVSERVER_CONFIG, or the
// nearest devserver.yaml|yml|toml in dir or its parents; "" when there is none.
func findFile(dir string, env, flags map[string]string, e *errs) string {
	explicit, src := flags["config"], Source{Layer: LayerFlag, Flag: "config"}
	if explicit == "" {
		explicit, src = env[EnvConfig], Source{Layer: LayerEnv, Env: EnvConfig}
	}
	if explicit != "" {
		path := explicit
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		switch st, err := os.Stat(path); {
		case err != nil:
			e.at(src, "", fmt.Sprintf("config file %s: %s", explicit, textfile.Describe(path, err)))
			return ""
		case st.IsDir():
			e.at(src, "", fmt.Sprintf("config file %s is a directory", explicit))
			return ""
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".toml":
		default:
			e.at(src, "", fmt.Sprintf("config file %s: unknown format (use .yaml, .yml or .toml)", explicit))
			return ""
		}
		return path
	}
	for d := dir; ; d = filepath.Dir(d) {
		var found []string
		for _, n := range fileNames {
			if present(filepath.Join(d, n)) {
				found = append(found, n)
			}
		}
		if len(found) > 1 {
			e.add(&Error{Msg: fmt.Sprintf("two config files in %s: %s (keep one)", d, strings.Join(found, " and "))})
			return ""
		}
		if len(found) == 1 {
			return filepath.Join(d, found[0])
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// present reports whether a config file by that name is there to be read:
// anything but a directory, a symbolic link counted even when it leads
// nowhere, so that reading it says what is wrong instead of devserver
// quietly running without it.
func present(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && !st.IsDir()
}

func findOverlay(file string, e *errs) string {
	var found []string
	for _, n := range overlayNames(file) {
		if present(filepath.Join(filepath.Dir(file), n)) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return ""
	case 1:
		return filepath.Join(filepath.Dir(file), found[0])
	}
	e.add(&Error{Msg: fmt.Sprintf("two overlay files in %s: %s (keep one)", filepath.Dir(file), strings.Join(found, " and "))})
	return ""
}

// overlayNames are the overlay names beside a config file: its stem + ".local".
func overlayNames(file string) []string {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	return []string{stem + ".local.yaml", stem + ".local.yml", stem + ".local.toml"}
}

func displayName(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && len(rel) < len(path) {
		return rel
	}
	return path
}

// ProjectDir is the directory of the config file Load would read (the
// project's), or the working directory when there is none: where a
// running devserver keeps its state for other commands to find. The file
// is found, not read, so that a config with errors still has a project.
func ProjectDir(opts Options) (string, error) {
	dir := opts.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("find working directory: %w", err)
		}
		dir = wd
	}
	var e errs
	file := findFile(dir, environMap(opts.Environ), opts.Flags, &e)
	if err := e.err(); err != nil {
		return "", err
	}
	if file == "" {
		return dir, nil
	}
	return filepath.Dir(file), nil
}
