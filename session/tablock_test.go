package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestTabLock: one session a tab; the second is refused with
// already_running naming the first; the tab is free again once released.
func TestTabLock(t *testing.T) {
	home := t.TempDir()
	const id = "9A1F0C21D4E5B6879A1F0C21D4E5B687"
	if got := TabWatcher(home, id); got != "" {
		t.Errorf("watcher of a tab never locked: %q", got)
	}
	a, err := LockTab(home, id, "app")
	if err != nil {
		t.Fatal(err)
	}
	if got := TabWatcher(home, id); got != "app" {
		t.Errorf("watcher %q, want app", got)
	}
	_, err = LockTab(home, id, "other")
	var perr *protocol.Error
	if !errors.As(err, &perr) || perr.Kind != protocol.AlreadyRunning ||
		!strings.Contains(perr.Message, `is already watched by session "app"`) || !strings.Contains(perr.Hint, "bdg-rpc stop --session app") {
		t.Fatalf("second lock: %#v", err)
	}
	if _, err := LockTab(home, "OTHERTAB", "other"); err != nil {
		t.Errorf("another tab: %v", err)
	}
	a.Release()
	a.Release() // twice is fine
	if got := TabWatcher(home, id); got != "" {
		t.Errorf("watcher after release: %q", got)
	}
	b, err := LockTab(home, id, "other")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	fi, err := os.Stat(filepath.Join(home, TabsDir))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("tabs directory: %v %v", fi.Mode(), err)
	}
	// An id that is not a plain token never makes a path of its own.
	if p := tabLockPath(home, "../../x"); filepath.Dir(p) != filepath.Join(home, TabsDir) {
		t.Errorf("path %s", p)
	}
}
