package procstat

import (
	"net"
	"os"
	"os/exec"
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

// TestListeningSockets: the port's socket is found, this process holds it,
// another process does not, and the machine-wide scan names this process.
func TestListeningSockets(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	socks := ListeningSockets(ln.Addr().(*net.TCPAddr).Port)
	if len(socks) != 1 || !socks.HeldBy(os.Getpid()) {
		t.Fatalf("sockets %v, held by this process: %v", socks, socks.HeldBy(os.Getpid()))
	}
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	if socks.HeldBy(other.Process.Pid) {
		t.Error("a sleeping child holds the socket")
	}
	if p, _, ok := socks.Holder(); !ok || p.PID != os.Getpid() {
		t.Errorf("Holder = %v %v, want pid %d", p, ok, os.Getpid())
	}
	if len(ListeningSockets(0)) != 0 {
		t.Error("port 0 has listeners")
	}
}
