// Package signals is devserver's one table of the stop signals an app may
// be given (app.stop_signal): their names, as config accepts them, and the
// signal each stands for on this OS. It sends nothing itself.
package signals

import "syscall"

// entry is one signal a user may name.
type entry struct {
	name string
	sig  syscall.Signal
}

// Names lists the signal names app.stop_signal accepts on this OS, in the
// order messages list them.
func Names() []string {
	out := make([]string, len(table))
	for i, e := range table {
		out[i] = e.name
	}
	return out
}

// ByName returns the signal named like "SIGTERM".
func ByName(name string) (syscall.Signal, bool) {
	for _, e := range table {
		if e.name == name {
			return e.sig, true
		}
	}
	return 0, false
}

// Name returns the name of sig as the table spells it, or the system's
// description of a signal not in it.
func Name(sig syscall.Signal) string {
	for _, e := range table {
		if e.sig == sig {
			return e.name
		}
	}
	return sig.String()
}
