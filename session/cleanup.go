package session

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
func (d Dir) Cleanup() (Cleaned, error) {
	if _, err := os.Stat(d.Path); errors.Is(err, os.ErrNotExist) {
		return Cleaned{Session: d.Name}, noSession(d)
	}
	start, ok, err := d.tryStartLock()
	if err != nil {
		return Cleaned{Session: d.Name}, err
	}
	if !ok {
		return Cleaned{Session: d.Name, Live: true}, nil
	}
	defer start.Unlock()
	if alive, err := d.WorkerAlive(); err != nil || alive {
		return Cleaned{Session: d.Name, Live: alive}, err
	}
	return d.cleanupLocked()
}

// cleanupLocked is Cleanup for a caller that holds the start lock and has
// seen the worker lock free.
func (d Dir) cleanupLocked() (Cleaned, error) {
	c := Cleaned{Session: d.Name}
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
	if rescued, err := d.rescuePartial(meta, metaErr == nil); err != nil {
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
	for _, name := range []string{MetaFile} {
		if err := os.Remove(d.File(name)); err == nil {
			c.Removed = append(c.Removed, d.File(name))
		}
	}
	return c, nil
}

// rescuePartial turns the partial capture of a worker that died into
// session.json, unless a newer session.json exists.
func (d Dir) rescuePartial(meta Meta, haveMeta bool) (string, error) {
	partial := d.File(PartialFile)
	pfi, err := os.Stat(partial)
	if err != nil {
		return "", nil
	}
	if ofi, err := os.Stat(d.File(OutputFile)); err == nil && ofi.ModTime().After(pfi.ModTime()) {
		_ = os.Remove(partial)
		return "", nil
	}
	b, err := os.ReadFile(partial)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", partial, err)
	}
	var out protocol.Output
	if err := json.Unmarshal(b, &out); err != nil {
		// A torn partial file cannot happen (it is written atomically), but
		// a hand-edited one can: keep it for a person to look at.
		bad := partial + ".unreadable"
		_ = os.Rename(partial, bad)
		return "", nil
	}
	out.Partial = true
	out.Success = false
	out.Reason = protocol.ReasonWorkerDied
	if out.Error == "" {
		out.Error = fmt.Sprintf("the worker ended without writing its result; this is the capture as of %s", out.WrittenAt)
	}
	if err := WriteJSONAtomic(d.File(OutputFile), out); err != nil {
		return "", &Error{Kind: protocol.KindSessionFile, Msg: err.Error(), Err: err}
	}
	_ = os.Remove(partial)
	return d.File(OutputFile), nil
}

// isTempProfile accepts only a profile directory the browser package made
// in the temporary directory: cleanup never deletes anything else.
func isTempProfile(dir string) bool {
	if dir == "" || !filepath.IsAbs(dir) {
		return false
	}
	parent := filepath.Dir(filepath.Clean(dir))
	return (parent == filepath.Clean(os.TempDir()) || parent == "/tmp") && strings.Contains(filepath.Base(dir), "bdg")
}
