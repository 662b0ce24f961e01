package procstat

import (
	"os"
	"testing"
)

func TestParse(t *testing.T) {
	got, err := parse(42, "42 (a (weird) name) S 7 42 42 0 -1 4194560")
	if err != nil || got != (Proc{PID: 42, PPID: 7, PGRP: 42, State: 'S'}) {
		t.Errorf("parse = %+v, %v", got, err)
	}
	if _, err := parse(1, "1 (x S 1"); err == nil {
		t.Error("parsed a stat without its closing parenthesis")
	}
	z, _ := parse(3, "3 (sleep) Z 1 3 3")
	if z.Live() {
		t.Error("a zombie counts as live")
	}
}

func TestReadSelf(t *testing.T) {
	p, err := Read(os.Getpid())
	if err != nil || p.PPID != os.Getppid() || !p.Live() {
		t.Errorf("Read(self) = %+v, %v", p, err)
	}
	found := false
	for _, q := range All() {
		found = found || q.PID == os.Getpid()
	}
	if !found {
		t.Error("All does not list this process")
	}
}
