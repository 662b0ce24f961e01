//go:build unix

package signals

import "syscall"

// table is every signal app.stop_signal may name on Unix.
var table = []entry{
	{"SIGINT", syscall.SIGINT}, {"SIGTERM", syscall.SIGTERM}, {"SIGHUP", syscall.SIGHUP},
	{"SIGQUIT", syscall.SIGQUIT}, {"SIGUSR1", syscall.SIGUSR1}, {"SIGUSR2", syscall.SIGUSR2},
	{"SIGKILL", syscall.SIGKILL},
}
