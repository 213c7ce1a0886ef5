package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TabsDir is the directory under the bdg home that holds a lock file per
// tab of a running Chrome that a session watches: HOME/tabs/TARGETID.lock,
// held by the session's worker for its life, holding the session's name.
// A second session that asks for the same tab is refused, naming the
// first; the kernel releases the lock when the worker ends, however it ends.
const TabsDir = "tabs"

// Chrome's target ids are 32 hex digits; anything else is hashed.
var plainTargetID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func tabLockPath(home, targetID string) string {
	name := strings.ToUpper(targetID)
	if !plainTargetID.MatchString(targetID) {
		sum := sha256.Sum256([]byte(targetID))
		name = "h" + hex.EncodeToString(sum[:16])
	}
	return filepath.Join(home, TabsDir, name+".lock")
}

// TabLock is a held tab lock.
type TabLock struct {
	f *os.File
}

// LockTab takes the lock of the tab targetID for the session name. When
// another session holds it, the error is already_running, naming that
// session.
func LockTab(home, targetID, name string) (*TabLock, error) {
	if err := ensureDir("tabs directory", filepath.Join(home, TabsDir)); err != nil {
		return nil, err
	}
	f, err := OpenFile(tabLockPath(home, targetID), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, lockError(err)
	}
	// Another process may be probing it (TabWatcher) for a moment.
	for i := 0; ; i++ {
		ok, err := tryFlock(f)
		if err != nil {
			f.Close()
			return nil, lockError(err)
		}
		if ok {
			break
		}
		if i == 20 {
			name := readHolder(f)
			f.Close()
			holder := "another session"
			if name != "" {
				holder = "session \"" + name + "\""
			}
			return nil, protocol.Errorf(protocol.AlreadyRunning, "tab %s is already watched by %s", targetID, holder).
				WithHint(alreadyWatchedHint(name)).WithSession(name)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(name), 0)
	}
	return &TabLock{f: f}, nil
}

func alreadyWatchedHint(name string) string {
	if name != "" {
		return "stop it (bdg-rpc stop --session " + name + "), attach to it (bdg-rpc tail --session " + name + "), or pick another tab: bdg-rpc tabs"
	}
	return "pick another tab: bdg-rpc tabs"
}

// readHolder reads the name a lock file holds.
func readHolder(f *os.File) string {
	b := make([]byte, 128)
	n, _ := f.ReadAt(b, 0)
	name := strings.TrimSpace(string(b[:n]))
	if ValidateName(name) != nil {
		return ""
	}
	return name
}

// Release empties the lock file and lets go of the tab.
func (l *TabLock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}

// TabWatcher returns the name of the session that watches the tab
// targetID, or "" when none does.
func TabWatcher(home, targetID string) string {
	f, err := OpenFile(tabLockPath(home, targetID), os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return ""
	}
	defer f.Close()
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
		switch {
		case err == nil:
			return "" // free: nobody watches it (closing f lets go)
		case errors.Is(err, unix.EWOULDBLOCK):
			if h := readHolder(f); h != "" {
				return h
			}
			return "?"
		case !errors.Is(err, unix.EINTR):
			return ""
		}
	}
}
