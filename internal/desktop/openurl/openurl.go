// Package openurl opens a URL in the user's browser: $BROWSER when set
// (the convention of xdg-utils and Python's webbrowser), else the
// system's opener.
package openurl

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/devserver/devserver/internal/desktop/environ"
)

// Command is the command line that opens url: $BROWSER (its first entry,
// if a colon-separated list) from environ, else xdg-open, open (macOS) or
// rundll32's URL handler (Windows).
func Command(url string, env []string) ([]string, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("not a web address: %q", url)
	}
	if v := environ.Get(env, "BROWSER"); v != "" {
		first, _, _ := strings.Cut(v, string(pathListSeparator()))
		return append(strings.Fields(first), url), nil
	}
	switch runtime.GOOS {
	case "darwin":
		return []string{"open", url}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler", url}, nil
	case "plan9", "js", "wasip1":
		return nil, errors.New("no browser to open on this system")
	}
	return []string{"xdg-open", url}, nil
}

func pathListSeparator() rune {
	if runtime.GOOS == "windows" {
		return ';'
	}
	return ':'
}

// Open starts the browser on url and does not wait for it (a browser may
// run for as long as the user keeps it); it reports whether it could start.
func Open(url string, env []string) error {
	line, err := Command(url, env)
	if err != nil {
		return err
	}
	cmd := exec.Command(line[0], line[1:]...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", url, err)
	}
	go func() { _ = cmd.Wait() }() // reaped, whenever it ends
	return nil
}
