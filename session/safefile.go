package session

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Nothing under BDG_HOME is reached through a symbolic link but BDG_HOME
// itself (the user's own configuration, like ~/.bdg -> /data/bdg, checked
// by resolveHome). The directories are checked by checkDir before anything
// is read or written in them; the files are opened by OpenFile, which never
// follows a link, and are written in place only when they are regular
// files of ours with no other name. Files written whole are written by
// WriteFileAtomic, whose rename replaces a link rather than writing
// through it.

// OpenFile opens a file bdg-rpc keeps under BDG_HOME. It never follows a
// symbolic link (O_NOFOLLOW, also when it creates the file), never blocks
// on a FIFO, and accepts only a regular file owned by this user with no
// other hard link; O_TRUNC takes effect only once the file passed those
// checks. Its errors are session_file ones that say what to do, except
// that a missing file is an error for which errors.Is(err, fs.ErrNotExist)
// holds.
func OpenFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	trunc := flag&os.O_TRUNC != 0
	flag &^= os.O_TRUNC
	fd, err := unix.Open(path, flag|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil, openError(path, err)
	}
	f, err := checkOpened(path, fd)
	if err != nil {
		return nil, err
	}
	if trunc {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, protocol.Errorf(protocol.SessionFile, "emptying %s: %v", path, err).WithCause(err)
		}
	}
	return f, nil
}

// checkOpened verifies what fd, just opened as path, is, and returns it as
// a blocking *os.File; it closes fd when it refuses it.
func checkOpened(path string, fd int) (*os.File, error) {
	var st unix.Stat_t
	err := unix.Fstat(fd, &st)
	if err == nil {
		err = checkFile(path, uint32(st.Mode), st.Uid, uint64(st.Nlink))
	}
	if err == nil {
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

// checkFile refuses what is not a regular file of ours with one name,
// given its stat(2) mode, owner and link count.
func checkFile(path string, mode, uid uint32, nlink uint64) error {
	switch {
	case mode&unix.S_IFMT != unix.S_IFREG:
		return protocol.Errorf(protocol.SessionFile, "%s is not a regular file", path).
			WithHint("remove " + path + ": bdg-rpc did not make it")
	case int(uid) != os.Geteuid():
		return protocol.Errorf(protocol.SessionFile, "%s belongs to another user (uid %d)", path, uid).
			WithHint("remove " + path + ": bdg-rpc did not make it")
	case nlink > 1:
		return protocol.Errorf(protocol.SessionFile, "%s has %d names (hard links): it may be another file's", path, nlink).
			WithHint("remove " + path + ": bdg-rpc did not make it")
	}
	return nil
}

// openError explains a failed open: a link where a file should be is a
// session_file error with a hint; a missing file stays an fs.PathError.
func openError(path string, err error) error {
	if errors.Is(err, unix.ELOOP) {
		return linkError(path)
	}
	if errors.Is(err, unix.ENXIO) { // a socket or a FIFO with no writer
		return protocol.Errorf(protocol.SessionFile, "%s is not a regular file", path).
			WithHint("remove " + path + ": bdg-rpc did not make it")
	}
	return &fs.PathError{Op: "open", Path: path, Err: err}
}

// linkError is the error for a symbolic link found where bdg-rpc keeps a
// file or a directory.
func linkError(path string) *protocol.Error {
	return protocol.Errorf(protocol.SessionFile, "%s is a symbolic link: bdg-rpc does not follow links under BDG_HOME", path).
		WithHint("remove the link " + path + " (bdg-rpc cleanup removes those in a session directory)")
}

// ReadFile reads a file bdg-rpc keeps under BDG_HOME, opened by OpenFile.
func ReadFile(path string) ([]byte, error) {
	f, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

// dirMode is the mode of every directory bdg-rpc makes.
const dirMode = 0o700

// checkDir refuses a directory bdg-rpc cannot trust, given its Lstat: a
// link, not a directory, another user's, or one that others can write into
// (anything in it may have been planted). what names it in the message.
func checkDir(what, p string, fi os.FileInfo) error {
	if fi.Mode().Type() == fs.ModeSymlink {
		return linkError(p)
	}
	if !fi.IsDir() {
		hint := "move " + p + " away (bdg-rpc makes its directories itself), or set BDG_HOME to a directory you own"
		if strings.HasPrefix(what, "BDG_HOME") {
			hint = homeHint
		}
		return protocol.Errorf(protocol.SessionFile, "%s %s is not a directory", what, p).WithHint(hint)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return protocol.Errorf(protocol.SessionFile, "%s %s belongs to another user (uid %d)", what, p, st.Uid).
			WithHint("remove " + p + " (as its owner or root), or set BDG_HOME to a directory you own")
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return protocol.Errorf(protocol.SessionFile, "%s %s can be written by other users (mode %04o): anything in it may have been planted", what, p, fi.Mode().Perm()).
			WithHint("check what is in " + p + ", then chmod 700 " + p + " (or remove it)")
	}
	return nil
}

// EnsurePrivateDir is ensureDir for the other packages: a directory of the
// session's (what names it in errors) made 0700 and checked.
func EnsurePrivateDir(what, p string) error { return ensureDir(what, p) }

// ensureDir makes directory p (mode 0700) unless it exists, then checks
// it with checkDir. One of ours that others can read but not write (made
// by mkdir under the usual umask) is made 0700: nobody else can have put
// anything in it. One that others can write into is refused, never
// tightened: what they planted would stay.
func ensureDir(what, p string) error {
	if err := os.Mkdir(p, dirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return protocol.Errorf(protocol.SessionFile, "creating %s %s: %v", what, p, err).WithCause(err).WithHint(homeHint)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return protocol.Errorf(protocol.SessionFile, "checking %s %s: %v", what, p, err).WithCause(err).WithHint(homeHint)
	}
	if err := checkDir(what, p, fi); err != nil {
		return err
	}
	if fi.Mode().Perm() != dirMode {
		if err := os.Chmod(p, dirMode); err != nil {
			return protocol.Errorf(protocol.SessionFile, "making %s %s private: %v", what, p, err).WithCause(err).WithHint(homeHint)
		}
	}
	return nil
}

// checkExistingDir is checkDir for a directory that may not exist yet:
// a missing one is fine (it is made when a session starts).
func checkExistingDir(what, p string) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return protocol.Errorf(protocol.SessionFile, "checking %s %s: %v", what, p, err).WithCause(err).WithHint(homeHint)
	}
	return checkDir(what, p, fi)
}

// resolveHome returns the directory that home is: itself, or, when it is
// a symbolic link, the directory it leads to. The link must be this
// user's (or root's), like ~/.bdg -> /data/bdg; the directory is checked
// as any other. exists is false when home does not exist (it is made on
// the first start); a link to nothing is an error.
func resolveHome(home string) (dir string, exists bool, err error) {
	fi, err := os.Lstat(home)
	if errors.Is(err, fs.ErrNotExist) {
		return home, false, nil
	}
	if err != nil {
		return "", false, protocol.Errorf(protocol.SessionFile, "BDG_HOME %s cannot be used: %v", home, err).WithCause(err).WithHint(homeHint)
	}
	if fi.Mode().Type() != fs.ModeSymlink {
		return home, true, checkDir("BDG_HOME", home, fi)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() && st.Uid != 0 {
		return "", false, protocol.Errorf(protocol.SessionFile, "BDG_HOME %s is a link that belongs to another user (uid %d)", home, st.Uid).WithHint(homeHint)
	}
	dir, err = filepath.EvalSymlinks(home)
	if err != nil {
		return "", false, protocol.Errorf(protocol.SessionFile, "BDG_HOME %s is a link that leads nowhere: %v", home, err).WithCause(err).
			WithHint("create the directory it points to (mkdir -m 700), or " + homeHint)
	}
	if fi, err = os.Lstat(dir); err != nil {
		return "", false, protocol.Errorf(protocol.SessionFile, "BDG_HOME %s cannot be used: %v", home, err).WithCause(err).WithHint(homeHint)
	}
	return dir, true, checkDir("BDG_HOME "+home+" leads to", dir, fi)
}
