package watch

import (
	"errors"

	"golang.org/x/sys/windows"
)

// tooMany reports whether adding a watch failed for a limit of the system.
func tooMany(err error) bool {
	return errors.Is(err, windows.ERROR_TOO_MANY_OPEN_FILES) || errors.Is(err, windows.ERROR_NOT_ENOUGH_MEMORY)
}
