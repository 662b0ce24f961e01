//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package console

import (
	"errors"
	"os"
)

func cbreak(*os.File) (func() error, error) {
	return nil, errors.New("keys as they are pressed are not supported on this system")
}

func colors(*os.File) bool { return false }
