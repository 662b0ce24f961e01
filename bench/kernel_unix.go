//go:build unix

package main

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// kernel names the system and its release, as uname(2) gives them.
func kernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown system"
	}
	trim := func(b []byte) string { return string(bytes.TrimRight(b, "\x00")) }
	return trim(u.Sysname[:]) + " " + trim(u.Release[:])
}
