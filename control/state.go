package control

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
)

// StateFile is where, under the project directory, a running devserver
// says how to reach its channel; only its user can read it (0600).
var StateFile = filepath.Join(".devserver", "control.json")

// maxState bounds the state file a client reads.
const maxState = 16 << 10

// endpoint is the state file's content.
type endpoint struct {
	PID     int    `json:"pid"`
	Network string `json:"network"` // "unix", or "tcp" on Windows
	Address string `json:"address"`
	Token   string `json:"token"`
}

// ErrNotRunning is what a client gets when no devserver runs for the
// project.
var ErrNotRunning = errors.New("no devserver runs for this project")

// RunningError is Listen's answer when another devserver already serves
// the project's channel.
type RunningError struct{ PID int }

func (e *RunningError) Error() string {
	return fmt.Sprintf("another devserver (pid %d) runs in this project and answers `devserver status`", e.PID)
}

// listen opens the channel of the project at root and writes its state
// file. A state file another devserver left behind (it is gone) is
// replaced; one whose devserver answers is an error (*RunningError).
func listen(root string) (net.Listener, endpoint, error) {
	dir := filepath.Join(root, filepath.Dir(StateFile))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, endpoint{}, fmt.Errorf("control channel: %w", err)
	}
	if old, err := readEndpoint(root); err == nil {
		if c, err := dial(old); err == nil {
			c.Close()
			return nil, endpoint{}, &RunningError{PID: old.PID}
		}
		removeStale(root, old)
	}
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		return nil, endpoint{}, err
	}
	ep := endpoint{PID: os.Getpid(), Network: "unix", Token: hex.EncodeToString(token)}
	var ln net.Listener
	var err error
	if runtime.GOOS == "windows" {
		ep.Network = "tcp"
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	} else {
		if ep.Address, err = socketPath(root); err == nil {
			ln, err = listenUnix(ep.Address)
		}
	}
	if err != nil {
		return nil, endpoint{}, fmt.Errorf("control channel: %w", err)
	}
	if ep.Network == "tcp" {
		ep.Address = ln.Addr().String()
	}
	if err := writeEndpoint(root, ep); err != nil {
		ln.Close()
		return nil, endpoint{}, fmt.Errorf("control channel: %w", err)
	}
	return ln, ep, nil
}

// listenUnix listens on a socket only its user may connect to. The socket
// file is made under a umask of the process's, so it is narrowed at once;
// the token guards the moment between.
func listenUnix(path string) (net.Listener, error) {
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSocket != 0 {
		os.Remove(path) // a socket a devserver that is gone left behind
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// maxSocketPath keeps a socket's path under every Unix's limit (104 bytes
// on macOS and the BSDs, 108 on Linux).
const maxSocketPath = 100

// socketPath is the socket of the project at root: in its .devserver/
// when the path is short enough, else in a directory of this user's under
// the temporary directory, named for the project.
func socketPath(root string) (string, error) {
	p := filepath.Join(root, ".devserver", "control.sock")
	if len(p) <= maxSocketPath {
		return p, nil
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("devserver-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := ownedPrivate(dir); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, hex.EncodeToString(sum[:8])+".sock"), nil
}

// writeEndpoint writes the state file whole (a reader never sees half of
// it), readable by this user alone.
func writeEndpoint(root string, ep endpoint) error {
	b, err := json.MarshalIndent(ep, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(root, StateFile)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".control-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readEndpoint reads the state file of the project at root.
func readEndpoint(root string) (endpoint, error) {
	f, err := os.Open(filepath.Join(root, StateFile))
	if err != nil {
		return endpoint{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxState))
	if err != nil {
		return endpoint{}, err
	}
	var ep endpoint
	if err := json.Unmarshal(b, &ep); err != nil || ep.Token == "" || (ep.Network != "unix" && ep.Network != "tcp") {
		return endpoint{}, fmt.Errorf("%s: not a devserver state file", StateFile)
	}
	return ep, nil
}

// removeStale removes what a devserver that is gone left: its state file
// and its socket.
func removeStale(root string, ep endpoint) {
	os.Remove(filepath.Join(root, StateFile))
	if ep.Network == "unix" {
		if st, err := os.Lstat(ep.Address); err == nil && st.Mode()&fs.ModeSocket != 0 {
			os.Remove(ep.Address)
		}
	}
}

// unlink removes the state file if it is still ep's: a devserver that took
// over the project's channel keeps its own.
func unlink(root string, ep endpoint) {
	if cur, err := readEndpoint(root); err == nil && cur.Token == ep.Token {
		os.Remove(filepath.Join(root, StateFile))
	}
}
