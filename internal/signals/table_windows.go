//go:build windows

package signals

import "syscall"

// table is every signal app.stop_signal may name on Windows. Windows has
// no signals: devserver sends CTRL_BREAK_EVENT to the app's console process
// group for each of these but SIGKILL, which ends the app's Job Object at
// once. SIGUSR1 and SIGUSR2 have no meaning there and are refused.
var table = []entry{
	{"SIGINT", syscall.SIGINT}, {"SIGTERM", syscall.SIGTERM}, {"SIGHUP", syscall.SIGHUP},
	{"SIGQUIT", syscall.SIGQUIT}, {"SIGKILL", syscall.SIGKILL},
}
