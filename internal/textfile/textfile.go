// Package textfile reads the small text files devserver takes as input
// (config files and overlays) with a bounded cost: only regular files, never
// more than a limit, and never an open that blocks. It also says in plain
// words why a path could not be read. It writes devserver's own files
// whole or not at all (WriteAtomic).
//
// It does not parse anything; what a file means is its reader's business.
package textfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// ErrNotRegular matches (errors.Is) the error for a path that is not a
// regular file: a named pipe, a device (/dev/zero), a socket or a directory.
var ErrNotRegular = errors.New("not a regular file")

// notRegular is that error, with what the path is instead.
type notRegular struct{ kind string }

func (e notRegular) Error() string        { return e.kind + ", not a regular file" }
func (e notRegular) Is(target error) bool { return target == ErrNotRegular }

// MaxConfig is the most devserver reads of a config file or overlay: the
// config loader refuses a larger file, and the config watch reads no more.
const MaxConfig = 1 << 20

// ErrTooLarge is returned for a file over the limit.
var ErrTooLarge = errors.New("file too large")

// Read returns the contents of the regular file at path (a symbolic link is
// followed), at most limit bytes. A path that is not a regular file is
// refused before it is read (a named pipe would block an open forever, a
// device would never end), and so is a file that grows past limit while it
// is read: errors that match ErrNotRegular and ErrTooLarge.
func Read(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular{kind(st.Mode())}
	}
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular{kind(st.Mode())}
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// kind names a mode that is not a regular file.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// Describe says why path could not be read, in words for a message that
// already names the path: "no such file", "permission denied", "a named
// pipe, not a regular file", "a symbolic link to x.yaml, which does not
// exist", "a loop of symbolic links", or the error's own words.
func Describe(path string, err error) string {
	var nr notRegular
	loop := errors.Is(err, syscall.ELOOP)
	if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&fs.ModeSymlink != 0 && !loop {
		target, _ := os.Readlink(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Sprintf("a symbolic link to %s, which does not exist", target)
		case errors.As(err, &nr):
			return fmt.Sprintf("a symbolic link to %s, which is %s", target, nr)
		}
	}
	switch {
	case loop:
		return "a loop of symbolic links"
	case errors.As(err, &nr):
		return nr.Error()
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
