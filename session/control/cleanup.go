package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
)

// Cleaned says what a cleanup removed or rescued.
type Cleaned struct {
	Session       string   `json:"session"`
	Removed       []string `json:"removed,omitempty"`
	KilledChrome  int      `json:"killedChrome,omitempty"` // pid of an orphaned Chrome that was killed
	RescuedOutput string   `json:"rescuedOutput,omitempty"`
	Live          bool     `json:"live,omitempty"` // the session is running: nothing was touched
}

// Cleanup removes what a dead worker left behind: its socket and metadata,
// and the Chrome it launched if that is still running. A partial capture is
// kept as session.json (marked partial), so no data is lost. A live or
// starting session is never touched.
//
// Cleanup never follows a link: a session directory (or sessions directory,
// or home) that is a link, another user's or writable by others is refused
// with a session_file error; a link found where a session file belongs is
// removed (the link, not what it points to) before anything else.
func Cleanup(d session.Dir) (Cleaned, error) {
	if _, err := os.Lstat(d.Path); errors.Is(err, os.ErrNotExist) {
		return Cleaned{Session: d.Name}, NoSession(d)
	}
	if err := d.Check(); err != nil {
		return Cleaned{Session: d.Name}, err
	}
	c := Cleaned{Session: d.Name, Removed: removeLinks(d)}
	start, ok, err := d.TryStartLock()
	if err != nil {
		return c, err
	}
	if !ok {
		c.Live = true
		return c, nil
	}
	defer start.Unlock()
	if alive, err := d.WorkerAlive(); err != nil || alive {
		c.Live = alive
		return c, err
	}
	locked, err := cleanupLocked(d)
	locked.Removed = append(c.Removed, locked.Removed...)
	return locked, err
}

// removeLinks removes the symbolic links found where a session keeps its
// files, the links themselves: bdg-rpc never makes one, and never follows
// one. It returns what it removed.
func removeLinks(d session.Dir) []string {
	var removed []string
	for _, name := range append(session.Files(), session.SocketFile) {
		p := d.File(name)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().Type() == fs.ModeSymlink {
			if os.Remove(p) == nil {
				removed = append(removed, p)
			}
		}
	}
	return removed
}

// removeTemps removes the temporary files of documents whose writer died
// before it renamed them into place (session.WriteFileAtomic's
// ".NAME.*.tmp"): a worker killed in the middle of a large session.json.
// Only regular files are removed. It returns what it removed.
func removeTemps(d session.Dir) []string {
	var removed []string
	for _, name := range []string{session.OutputFile, session.PartialFile, session.SummaryOf(session.OutputFile), session.SummaryOf(session.PartialFile),
		session.IndexOf(session.OutputFile), session.IndexOf(session.PartialFile)} {
		matches, _ := filepath.Glob(filepath.Join(d.Path, "."+filepath.Base(name)+".*.tmp"))
		for _, p := range matches {
			if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && os.Remove(p) == nil {
				removed = append(removed, p)
			}
		}
	}
	return removed
}

// sessionFileError makes err a session_file error, keeping the message and
// hint of one that already is a bdg-rpc error.
func sessionFileError(err error) *protocol.Error {
	var e *protocol.Error
	if errors.As(err, &e) && e.Kind == protocol.SessionFile {
		return protocol.AsError(err)
	}
	return protocol.Wrap(protocol.SessionFile, err)
}

// cleanupLocked is Cleanup for a caller that holds the start lock and has
// seen the worker lock free.
func cleanupLocked(d session.Dir) (Cleaned, error) {
	c := Cleaned{Session: d.Name}
	c.Removed = append(c.Removed, removeTemps(d)...)
	meta, metaErr := d.ReadMeta()
	if metaErr == nil {
		// What is left of a Chrome whose worker died without closing it:
		// every process of its group that runs with its profile, killed and
		// waited for before the profile is removed (a process on its way
		// out still writes to it).
		if pids := chromeProcesses(meta.Chrome); len(pids) > 0 {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			c.KilledChrome = meta.Chrome.PID
			deadline := time.Now().Add(5 * time.Second)
			for len(chromeProcesses(meta.Chrome)) > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	if metaErr == nil && meta.Chrome.TempProfile && isTempProfile(meta.Chrome.UserDataDir) {
		if err := os.RemoveAll(meta.Chrome.UserDataDir); err == nil {
			c.Removed = append(c.Removed, meta.Chrome.UserDataDir)
		}
	}
	if rescued, err := rescuePartial(d); err != nil {
		return c, err
	} else if rescued != "" {
		c.RescuedOutput = rescued
	}
	sockets := []string{d.SocketPath()}
	if metaErr == nil && meta.SocketPath != "" && meta.SocketPath != sockets[0] {
		sockets = append(sockets, meta.SocketPath)
	}
	for _, s := range sockets {
		if fi, err := os.Lstat(s); err == nil && fi.Mode().Type() == fs.ModeSocket {
			if err := os.Remove(s); err == nil {
				c.Removed = append(c.Removed, s)
			}
		}
	}
	if err := os.Remove(d.File(session.MetaFile)); err == nil {
		c.Removed = append(c.Removed, d.File(session.MetaFile))
	}
	return c, nil
}

// rescuePartial turns the partial capture of a worker that died into
// session.json, with every event its journal holds (see rescue.go), unless
// a newer session.json exists. Only a regular file is read: a link (or
// anything else) where the partial file belongs is removed, never read
// through.
func rescuePartial(d session.Dir) (string, error) {
	j := openRunJournal(d)
	if j != nil {
		defer j.Close()
	}
	partial := d.File(session.PartialFile)
	pfi, err := os.Lstat(partial)
	havePartial := err == nil
	if havePartial && !pfi.Mode().IsRegular() {
		_ = os.Remove(partial)
		havePartial = false
	}
	newer := func(t time.Time) bool { // session.json is newer than t
		ofi, err := os.Lstat(d.File(session.OutputFile))
		return err == nil && ofi.Mode().IsRegular() && ofi.ModTime().After(t)
	}
	switch {
	case havePartial && newer(pfi.ModTime()):
		_ = session.RemoveOutput(partial)
		return "", nil
	case !havePartial && (j == nil || newer(journalTime(d))):
		return "", nil
	}
	out := protocol.Output{Version: protocol.Version, Session: d.Name}
	if havePartial {
		b, err := session.ReadFile(partial)
		if err != nil {
			return "", sessionFileError(err)
		}
		if err := json.Unmarshal(b, &out); err != nil {
			// A torn partial file cannot happen (it is written atomically),
			// but a hand-edited one can: keep it for a person to look at.
			bad := partial + ".unreadable"
			_ = os.Rename(partial, bad)
			_ = os.Remove(session.SummaryOf(partial))
			if j == nil {
				return "", nil
			}
			out = protocol.Output{Version: protocol.Version, Session: d.Name}
		}
	}
	out.Partial = true
	out.Success = false
	out.Reason = protocol.ReasonWorkerDied
	if out.Error == "" && havePartial {
		out.Error = fmt.Sprintf("the worker ended without writing its result; this is the capture as of %s", out.WrittenAt)
	}
	path := d.File(session.OutputFile)
	if j == nil {
		if err := session.WriteOutputAtomic(path, out, pointers(out.Data.Network), pointers(out.Data.Console)); err != nil {
			return "", protocol.Wrap(protocol.SessionFile, err)
		}
	} else {
		each, err := fromJournal(j, &out)
		if err == nil {
			if out.Error == "" {
				out.Error = "the worker ended without writing its result; this is the capture its journal kept"
			}
			err = session.WriteOutputStream(path, out, session.RecordsOf(pointers(out.Data.Network)),
				session.Records[protocol.ConsoleMessage]{Each: each})
		}
		if err != nil {
			return "", protocol.Wrap(protocol.SessionFile, err)
		}
	}
	_ = session.RemoveOutput(partial)
	return path, nil
}

// journalTime is when the session's journal was last written.
func journalTime(d session.Dir) time.Time {
	var t time.Time
	dir := d.File(session.JournalDir)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t
}

// isTempProfile accepts only a profile directory the browser package made
// in the temporary directory: cleanup never deletes anything else. It must
// be a directory of ours, not a link (os.RemoveAll would remove only the
// link, but nothing a link names is ours to judge) nor another user's.
func isTempProfile(dir string) bool {
	if dir == "" || !filepath.IsAbs(dir) {
		return false
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if (parent != filepath.Clean(os.TempDir()) && parent != "/tmp") || !strings.Contains(filepath.Base(dir), "bdg") {
		return false
	}
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// chromeProcesses lists what is left of the Chrome a worker launched: the
// live processes of its process group (its pid is the group's id) that run
// with its profile. Both must match, so a reused pid is never taken for it.
func chromeProcesses(c session.MetaChrome) []int {
	if !c.Launched || c.PID <= 0 || c.UserDataDir == "" {
		return nil
	}
	var pids []int
	for _, pid := range proc.Pids() {
		state, pgid, ok := proc.Group(pid)
		if !ok || pgid != c.PID || state == "Z" || state == "X" {
			continue
		}
		if runsWithProfile(pid, c.UserDataDir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runsWithProfile reports whether process pid was started with
// --user-data-dir=dir. Chrome's processes rewrite their command line into
// one string with spaces, so the flag is looked for within the arguments.
func runsWithProfile(pid int, dir string) bool {
	flag := "--user-data-dir=" + dir
	for _, a := range proc.Cmdline(pid) {
		for _, word := range strings.Fields(a) {
			if word == flag {
				return true
			}
		}
	}
	return false
}

// pointers returns pointers to the elements of s.
func pointers[T any](s []T) []*T {
	p := make([]*T, len(s))
	for i := range s {
		p[i] = &s[i]
	}
	return p
}
