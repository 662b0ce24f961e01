package watch

import (
	"log/slog"
	"time"
)

// said says each error once a minute at most: the same error at every
// scan (out of file descriptors, a flaky share) would otherwise fill the
// log. One goroutine uses each.
type said map[string]time.Time

// warn logs err as msg unless the same error was logged in the last minute.
func (s said) warn(log *slog.Logger, msg string, err error) {
	key := err.Error()
	if time.Since(s[key]) > time.Minute {
		s[key] = time.Now()
		log.Warn(msg, "err", err)
	}
}
