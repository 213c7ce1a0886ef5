package session_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// otherUID is the user the tests hand directories to (nobody).
const otherUID = 65534

// precious is the content of the files the tests plant links to.
var precious = []byte("precious: not bdg-rpc's to touch\n")

// outsideFile makes a file outside any bdg home, for a link to point to.
func outsideFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(p, precious, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// ensured returns a session directory made by Ensure in a fresh home.
func ensured(t *testing.T) session.Dir {
	t.Helper()
	d, err := session.NewDir(t.TempDir(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	return d
}

// plant replaces name in the session directory with a link to target.
func plant(t *testing.T, d session.Dir, name, target string) {
	t.Helper()
	_ = os.Remove(d.File(name))
	if err := os.Symlink(target, d.File(name)); err != nil {
		t.Fatal(err)
	}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a directory to another user")
	}
}

// TestStartLockSymlink: a link planted at start.lock is neither written
// nor truncated through; taking the lock fails with a session_file error.
func TestStartLockSymlink(t *testing.T) {
	d := ensured(t)
	target := outsideFile(t)
	plant(t, d, session.StartLockFile, target)
	s, ok, err := d.TryStartLock()
	if err == nil && ok {
		s.SetHolder(4242)
		s.Unlock()
	}
	sessiontest.AssertUntouched(t, target, precious)
	sessiontest.AssertRefused(t, "locking a linked start.lock", err, "remove")

	// A dangling link: the lock must not create its target.
	missing := filepath.Join(t.TempDir(), "created")
	plant(t, d, session.StartLockFile, missing)
	if s, ok, err := d.TryStartLock(); err == nil && ok {
		s.Unlock()
	}
	if _, err := os.Lstat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the start lock created the target of its link: %v", err)
	}
}

// TestWorkerLockSymlink: probing or taking a worker lock that is a link
// neither creates nor changes the link's target.
func TestWorkerLockSymlink(t *testing.T) {
	d := ensured(t)
	target := outsideFile(t)
	plant(t, d, session.WorkerLockFile, target)
	_, err := d.WorkerAlive()
	sessiontest.AssertRefused(t, "probing a linked worker.lock", err, "remove")
	if l, err := d.AcquireWorkerLock(context.Background()); err == nil {
		_ = l.Unlock()
		t.Error("the worker lock was taken through a link")
	} else {
		sessiontest.AssertRefused(t, "taking a linked worker.lock", err, "remove")
	}
	sessiontest.AssertUntouched(t, target, precious)

	missing := filepath.Join(t.TempDir(), "created")
	plant(t, d, session.WorkerLockFile, missing)
	_, _ = d.WorkerAlive()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = d.WaitWorkerGone(ctx)
	if _, err := os.Lstat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the worker lock created the target of its link: %v", err)
	}
}

// TestReadsDoNotFollowSymlinks: session.meta.json and session.json that are
// links are not read through.
func TestReadsDoNotFollowSymlinks(t *testing.T) {
	d := ensured(t)
	meta := filepath.Join(t.TempDir(), "meta.json")
	if err := os.WriteFile(meta, []byte(`{"session":"planted","pid":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	plant(t, d, session.MetaFile, meta)
	if m, err := d.ReadMeta(); err == nil {
		t.Errorf("ReadMeta read through a link: %+v", m)
	}
	out := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(out, []byte(`{"session":"planted","success":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	plant(t, d, session.OutputFile, out)
	if o, path, _, err := d.ReadOutput(); err == nil {
		t.Errorf("ReadOutput read %s through a link: %+v", path, o)
	}
}

// TestAtomicWriteReplacesSymlink: an atomic write over a link replaces the
// link, never writes through it.
func TestAtomicWriteReplacesSymlink(t *testing.T) {
	d := ensured(t)
	target := outsideFile(t)
	for _, name := range []string{session.MetaFile, session.PartialFile, session.OutputFile} {
		plant(t, d, name, target)
		if err := session.WriteJSONAtomic(d.File(name), map[string]int{"x": 1}); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(d.File(name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s after an atomic write: %v, %v", name, fi, err)
		}
	}
	sessiontest.AssertUntouched(t, target, precious)
}

// TestEnsureRefusesOpenOrForeignDirs: a home, sessions directory or session
// directory that others can write into, that belongs to another user, or
// that is a link is refused with a session_file error and a hint; it is
// not made private behind its owner's back.
func TestEnsureRefusesOpenOrForeignDirs(t *testing.T) {
	type setup func(t *testing.T, d session.Dir) string // returns the directory it spoiled
	sessions := func(d session.Dir) string { return filepath.Join(d.Home, "sessions") }
	chmod := func(pick func(session.Dir) string) setup {
		return func(t *testing.T, d session.Dir) string {
			if err := os.Chmod(pick(d), 0o777); err != nil {
				t.Fatal(err)
			}
			return pick(d)
		}
	}
	chown := func(pick func(session.Dir) string) setup {
		return func(t *testing.T, d session.Dir) string {
			needRoot(t)
			if err := os.Chown(pick(d), otherUID, otherUID); err != nil {
				t.Fatal(err)
			}
			return pick(d)
		}
	}
	link := func(pick func(session.Dir) string) setup {
		return func(t *testing.T, d session.Dir) string {
			real := t.TempDir()
			if err := os.RemoveAll(pick(d)); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, pick(d)); err != nil {
				t.Fatal(err)
			}
			return pick(d)
		}
	}
	home := func(d session.Dir) string { return d.Home }
	self := func(d session.Dir) string { return d.Path }
	cases := []struct {
		name  string
		spoil setup
		hint  string
	}{
		{"home 0777", chmod(home), "chmod 700"},
		{"sessions 0777", chmod(sessions), "chmod 700"},
		{"session dir 0777", chmod(self), "chmod 700"},
		{"home of another user", chown(home), "BDG_HOME"},
		{"sessions of another user", chown(sessions), "remove"},
		{"session dir of another user", chown(self), "remove"},
		{"sessions a link", link(sessions), "remove"},
		{"session dir a link", link(self), "remove"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ensured(t)
			spoiled := c.spoil(t, d)
			before, _ := os.Lstat(spoiled)
			sessiontest.AssertRefused(t, "Ensure", d.Ensure(), c.hint)
			if after, _ := os.Lstat(spoiled); before != nil && after != nil && after.Mode() != before.Mode() {
				t.Errorf("%s changed from %v to %v", spoiled, before.Mode(), after.Mode())
			}
			if spoiled != d.Path {
				sessiontest.AssertRefused(t, "CheckHome", session.CheckHome(d.Home), c.hint)
			}
		})
	}
}

// TestEnsureTightensReadableDir: a directory of ours that others can read
// but not write (made by mkdir with the usual umask) is made 0700: nobody
// else can have put anything in it.
func TestEnsureTightensReadableDir(t *testing.T) {
	d := ensured(t)
	for _, p := range []string{d.Home, d.Path} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{d.Home, d.Path} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v, %v; want mode 0700", p, fi.Mode(), err)
		}
	}
}

// TestHomeSymlink: a BDG_HOME that is the user's own link to a directory
// they own is used; one that leads to another user's directory, or to a
// directory others can write into, is refused.
func TestHomeSymlink(t *testing.T) {
	real := t.TempDir()
	home := filepath.Join(t.TempDir(), "bdg")
	if err := os.Symlink(real, home); err != nil {
		t.Fatal(err)
	}
	if err := session.CheckHome(home); err != nil {
		t.Errorf("CheckHome of a link to our directory: %v", err)
	}
	d, _ := session.NewDir(home, "s")
	if err := d.Ensure(); err != nil {
		t.Fatalf("Ensure with BDG_HOME a link to our directory: %v", err)
	}
	if fi, err := os.Lstat(filepath.Join(real, "sessions", "s")); err != nil || !fi.IsDir() {
		t.Errorf("the session directory is not in the link's target: %v", err)
	}
	if err := os.Chmod(real, 0o777); err != nil {
		t.Fatal(err)
	}
	sessiontest.AssertRefused(t, "a link to a directory others can write", d.Ensure(), "chmod 700")
	if os.Geteuid() == 0 {
		if err := os.Chmod(real, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(real, otherUID, otherUID); err != nil {
			t.Fatal(err)
		}
		sessiontest.AssertRefused(t, "a link to another user's directory", d.Ensure(), "BDG_HOME")
		sessiontest.AssertRefused(t, "CheckHome of a link to another user's directory", session.CheckHome(home), "BDG_HOME")
	}
}

// TestSocketDirOwnerAndMode: the fallback socket directory (under /tmp or
// $XDG_RUNTIME_DIR) is refused when it is a link, another user's, or open
// to others.
func TestSocketDirOwnerAndMode(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	sessiontest.AssertRefused(t, "an open socket directory", session.EnsureSocketDir(filepath.Join(open, "x.sock")), "chmod 700")
	link := filepath.Join(base, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	sessiontest.AssertRefused(t, "a linked socket directory", session.EnsureSocketDir(filepath.Join(link, "x.sock")), "remove")
	if os.Geteuid() == 0 {
		theirs := filepath.Join(base, "theirs")
		if err := os.Mkdir(theirs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(theirs, otherUID, otherUID); err != nil {
			t.Fatal(err)
		}
		sessiontest.AssertRefused(t, "another user's socket directory", session.EnsureSocketDir(filepath.Join(theirs, "x.sock")), "remove")
	}
	fresh := filepath.Join(base, "fresh")
	if err := session.EnsureSocketDir(filepath.Join(fresh, "x.sock")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("a new socket directory: %v, %v", fi.Mode(), err)
	}
}
