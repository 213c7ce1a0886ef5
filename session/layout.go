// Package session is a session's directory and what it holds: where its
// files live, the documents written there (session.meta.json, session.json
// and its partial twin, written atomically), the locks that serialize
// starts and prove a worker alive, and the options a session starts with.
// Package control acts on sessions (starts, asks, stops and cleans up their
// workers); package worker is the worker.
//
// A session directory, $BDG_HOME/sessions/NAME (mode 0700, like the home
// and its sessions directory; see Ensure for what is refused), holds:
//
//	worker.sock           the worker's JSON-RPC socket (0600)
//	session.meta.json     who the worker is: pid, socket, Chrome, options
//	worker.log            the worker's log (its stderr), size-capped
//	session.partial.json  the capture so far, rewritten every few seconds
//	session.json          the result, written when the session ends
//	start.lock            held while a session starts or is cleaned up
//	worker.lock           held by the worker for as long as it runs
//
// No link is followed under BDG_HOME (see OpenFile), but a BDG_HOME that is
// the user's own link to a directory of theirs.
package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// DefaultName is the session used when none is named.
const DefaultName = "default"

// File names inside a session directory.
const (
	SocketFile     = "worker.sock"
	MetaFile       = "session.meta.json"
	LogFile        = "worker.log"
	PartialFile    = "session.partial.json"
	OutputFile     = "session.json"
	StartLockFile  = "start.lock"
	WorkerLockFile = "worker.lock"
	// JournalDir holds the journal of the session's last run: every event,
	// in segments (session/journal).
	JournalDir = "journal"
	// BodiesDir holds the response bodies written to files for
	// network/get with bodyFile.
	BodiesDir = "bodies"
	// ScreenshotsDir holds the images page/screenshot writes.
	ScreenshotsDir = "screenshots"
)

// maxSocketPath is the longest path a Unix socket address can hold on
// Linux (sun_path is 108 bytes with its terminating NUL).
const maxSocketPath = 107

var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$`)

// ErrInvalidName is returned for a session name that could escape its
// directory or is otherwise unusable.
var ErrInvalidName = errors.New("invalid session name")

// ValidateName checks a session name: 1 to 64 letters, digits, '.', '_'
// or '-', not starting with '.' or '-' (so never "..", never a path). The
// error is an invalid_args one that wraps ErrInvalidName.
func ValidateName(name string) error {
	if !validName.MatchString(name) {
		return protocol.Wrap(protocol.InvalidArgs, fmt.Errorf("%w %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter, digit or '_'", ErrInvalidName, name)).
			WithHint("session names are 1-64 letters, digits, '.', '_' or '-', like default or my-app")
	}
	return nil
}

// Home returns the bdg home directory: $BDG_HOME, or ~/.bdg.
func Home(getenv func(string) string) (string, error) {
	if h := getenv("BDG_HOME"); h != "" {
		return filepath.Abs(h)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory (set BDG_HOME): %w", err)
	}
	return filepath.Join(home, ".bdg"), nil
}

// CheckHome fails with a session_file error when home exists but is not a
// directory bdg-rpc can use: not a directory, another user's, or writable
// by others; the same for its sessions directory. A missing home is fine
// (it is created on the first start), and so is a home that is the user's
// own link to a directory they own. It never changes anything.
func CheckHome(home string) error {
	dir, exists, err := resolveHome(home)
	if err != nil || !exists {
		return err
	}
	return checkExistingDir("sessions directory", filepath.Join(dir, "sessions"))
}

const homeHint = "set BDG_HOME to a directory you own, or unset it for ~/.bdg"

// NameFrom returns the session name from a flag value, else $BDG_SESSION,
// else "default", validated.
func NameFrom(flagValue string, getenv func(string) string) (string, error) {
	name := flagValue
	if name == "" {
		name = getenv("BDG_SESSION")
	}
	if name == "" {
		name = DefaultName
	}
	return name, ValidateName(name)
}

// Dir is one session's directory.
type Dir struct {
	Home string // the bdg home
	Name string // the session's name
	Path string // Home/sessions/Name
}

// NewDir returns the directory of the named session under home. It does not
// touch the file system.
func NewDir(home, name string) (Dir, error) {
	if err := ValidateName(name); err != nil {
		return Dir{}, err
	}
	return Dir{Home: home, Name: name, Path: filepath.Join(home, "sessions", name)}, nil
}

// File returns the path of a file in the directory.
func (d Dir) File(name string) string { return filepath.Join(d.Path, name) }

// Ensure creates the directory (and the home and its sessions directory)
// with mode 0700 where they are missing, and refuses, with a session_file
// error that says what to do, a home, sessions directory or session
// directory that is another user's, that others can write into, or that is
// a link (but for a home that is the user's own link to a directory of
// theirs), and a session directory where a file bdg-rpc writes is a link
// or anything but a regular file of ours. A directory of ours that others
// can only read is made 0700.
func (d Dir) Ensure() error {
	home, _, err := resolveHome(d.Home)
	if err != nil {
		return err
	}
	sessions := filepath.Join(home, "sessions")
	for _, step := range []struct{ what, path string }{
		{"BDG_HOME", home},
		{"sessions directory", sessions},
		{"session directory", filepath.Join(sessions, d.Name)},
	} {
		if err := ensureDir(step.what, step.path); err != nil {
			return err
		}
	}
	return d.checkFiles()
}

// Check refuses, as Ensure does, a session directory (or the sessions
// directory or home above it) that cannot be trusted; it creates and
// changes nothing, and directories that do not exist pass.
func (d Dir) Check() error {
	home, exists, err := resolveHome(d.Home)
	if err != nil || !exists {
		return err
	}
	sessions := filepath.Join(home, "sessions")
	if err := checkExistingDir("sessions directory", sessions); err != nil {
		return err
	}
	return checkExistingDir("session directory", filepath.Join(sessions, d.Name))
}

// Files returns the names of the files bdg-rpc keeps in a session
// directory (the socket aside).
func Files() []string {
	return []string{MetaFile, LogFile, LogFile + ".1", PartialFile, OutputFile, SummaryOf(PartialFile), SummaryOf(OutputFile),
		StartLockFile, WorkerLockFile}
}

// checkFiles refuses a session directory where one of Files, or the
// socket, is a link or not what bdg-rpc makes.
func (d Dir) checkFiles() error {
	for _, name := range append(Files(), SocketFile) {
		p := d.File(name)
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return protocol.Errorf(protocol.SessionFile, "checking %s: %v", p, err).WithCause(err).WithHint(homeHint)
		}
		if fi.Mode().Type() == os.ModeSymlink {
			return linkError(p)
		}
		if name == SocketFile && fi.Mode().Type() == os.ModeSocket {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			if err := checkFile(p, uint32(st.Mode), st.Uid, uint64(st.Nlink)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SocketPath returns where the worker's socket lives: worker.sock in the
// directory, or, when that path is too long for a Unix socket address, a
// short path in a private per-user directory under $XDG_RUNTIME_DIR or
// /tmp, named after a hash of the session directory. The path is the same
// for every process that asks, and the metadata records it too.
func (d Dir) SocketPath() string {
	p := d.File(SocketFile)
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(d.Path))
	name := hex.EncodeToString(sum[:8]) + ".sock"
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" || len(filepath.Join(base, "bdg-rpc", name)) > maxSocketPath {
		base = os.TempDir()
		if len(filepath.Join(base, "x", name)) > maxSocketPath {
			base = "/tmp"
		}
	}
	return filepath.Join(base, fmt.Sprintf("bdg-rpc-%d", os.Geteuid()), name)
}

// List returns the names of the sessions that have a directory under home.
func List(home string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(home, "sessions"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && ValidateName(e.Name()) == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// EnsureSocketDir prepares the directory of a socket path: made 0700 if
// missing; refused when it is a link, another user's, or writable by
// others (a planted directory under /tmp or $XDG_RUNTIME_DIR), with a
// session_file error.
func EnsureSocketDir(socketPath string) error {
	return ensureDir("socket directory", filepath.Dir(socketPath))
}
