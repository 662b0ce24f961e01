package server

import (
	"fmt"

	"github.com/devserver/devserver/internal/procstat"
)

// holderOf names the process listening on port, as " by pid 123 (name)", or
// "" when /proc does not tell (another user's process, or not Linux).
func holderOf(port int) string {
	p, name, ok := procstat.ListeningOn(port)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" by pid %d (%s)", p.PID, name)
}
