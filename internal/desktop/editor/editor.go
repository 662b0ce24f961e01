// Package editor opens a file at a line in the developer's editor: the
// error page's "open in editor" button.
package editor

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devserver/devserver/internal/desktop/environ"
)

// Command is the command line that opens path at line (and col, if not 0)
// in the editor $VISUAL or $EDITOR of environ names, else VS Code (code).
// A terminal editor (vim, emacs -nw, nano) cannot be opened from a
// browser: devserver's terminal is busy with its log.
func Command(path string, line, col int, env []string) ([]string, error) {
	editor := environ.Get(env, "VISUAL")
	if editor == "" {
		editor = environ.Get(env, "EDITOR")
	}
	if editor == "" {
		editor = "code"
	}
	args := strings.Fields(editor)
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(args[0])), ".exe")
	at := path + ":" + strconv.Itoa(line)
	if col > 0 {
		at += ":" + strconv.Itoa(col)
	}
	switch name {
	case "code", "code-insiders", "codium", "cursor", "windsurf":
		return append(args, "-g", at), nil
	case "subl", "sublime_text", "zed", "mate":
		return append(args, at), nil
	case "idea", "goland", "pycharm", "webstorm", "phpstorm", "rubymine", "clion", "rider":
		return append(args, "--line", strconv.Itoa(line), path), nil
	case "gvim", "mvim", "emacsclient":
		return append(args, "+"+strconv.Itoa(line), path), nil
	case "vi", "vim", "nvim", "nano", "emacs", "micro", "hx", "helix", "kak", "joe", "ed":
		return nil, fmt.Errorf("%s is a terminal editor, and devserver's terminal shows its log: set VISUAL to a graphical editor (code, subl, idea, …) to open files from the browser", args[0])
	}
	return append(args, path), nil // an editor we do not know: the file at least
}

// Open starts the editor on path at line and col, and does not wait for it.
func Open(path string, line, col int, env []string) error {
	argv, err := Command(path, line, col, env)
	if err != nil {
		return err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("no editor: %s is not installed (set VISUAL or EDITOR)", argv[0])
		}
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
