package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Lock files are never deleted: removing a lock file someone holds would
// let a second process lock a new file of the same name. They are opened
// by OpenFile (never through a link, only a regular file of ours) and
// locked with flock(2) on that descriptor; the start lock's holder pid is
// written through the same descriptor, never by path.

// openLock opens (creating it if missing) a lock file of the directory.
func (d Dir) openLock(name string, flag int) (*os.File, error) {
	return OpenFile(d.File(name), flag|os.O_CREATE, 0o600)
}

// tryFlock takes an exclusive flock(2) on f if it is free.
func tryFlock(f *os.File) (bool, error) {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case !errors.Is(err, unix.EINTR):
			return false, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
	}
}

// lockError makes an error of opening or locking a lock file a
// session_file one (those of OpenFile already are).
func lockError(err error) error {
	var e *protocol.Error
	if errors.As(err, &e) {
		return err
	}
	return protocol.Wrap(protocol.SessionFile, err)
}

// StartLock is the held start lock. The lock file holds the pid of the
// process the session is waiting for (the starter, then the worker it
// spawned), so that others can say who holds it; it is emptied on release.
type StartLock struct {
	f *os.File
}

// TryStartLock takes the start lock if it is free. A start.lock that is a
// link, or not a regular file of ours, is a session_file error.
func (d Dir) TryStartLock() (*StartLock, bool, error) {
	f, err := d.openLock(StartLockFile, os.O_RDWR)
	if err != nil {
		return nil, false, lockError(err)
	}
	ok, err := tryFlock(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, false, lockError(err)
		}
		return nil, false, nil
	}
	s := &StartLock{f: f}
	s.SetHolder(os.Getpid())
	return s, true, nil
}

// SetHolder records the pid the session waits for: the starter, then the
// worker it spawned. It writes through the locked descriptor.
func (s *StartLock) SetHolder(pid int) {
	if s.f.Truncate(0) == nil {
		_, _ = s.f.WriteAt([]byte(strconv.Itoa(pid)), 0)
	}
}

// Unlock empties the lock file and releases the lock.
func (s *StartLock) Unlock() {
	_ = s.f.Truncate(0)
	_ = unix.Flock(int(s.f.Fd()), unix.LOCK_UN)
	_ = s.f.Close()
}

// StartLockHolder returns the pid written by the start lock's holder, or 0.
// The holder writes it right after taking the lock, so a reader that comes
// in between retries for a moment.
func (d Dir) StartLockHolder() int {
	for range 20 {
		b, _ := ReadFile(d.File(StartLockFile))
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}

// WorkerAlive reports whether a worker holds the session's worker lock. The
// kernel releases the lock when the worker's process ends, however it ends.
// A session directory that cannot be trusted (see Check) or a worker.lock
// that is a link is a session_file error.
func (d Dir) WorkerAlive() (bool, error) {
	if err := d.Check(); err != nil {
		return false, err
	}
	f, err := d.openLock(WorkerLockFile, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // no session directory
	}
	if err != nil {
		return false, lockError(err)
	}
	defer f.Close() // releases the lock if we took it
	ok, err := tryFlock(f)
	if err != nil {
		return false, lockError(err)
	}
	return !ok, nil
}

// WaitWorkerGone waits until no worker holds the worker lock, or ctx ends.
func (d Dir) WaitWorkerGone(ctx context.Context) error {
	f, err := d.openLock(WorkerLockFile, os.O_RDONLY)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return lockError(err)
	}
	defer f.Close()
	for {
		ok, err := tryFlock(f)
		if err != nil {
			return fmt.Errorf("waiting for the worker of session %q to exit: %w", d.Name, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the worker of session %q to exit: %w", d.Name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// AcquireWorkerLock takes the worker lock for the life of a worker,
// retrying briefly (another process may be probing it). The file is
// opened with O_NOFOLLOW and checked once locked: a link, or anything but
// a regular file of ours, is a session_file error.
func (d Dir) AcquireWorkerLock(ctx context.Context) (*flock.Flock, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	path := d.File(WorkerLockFile)
	l := flock.New(path, flock.SetPermissions(0o600),
		flock.SetFlag(os.O_CREATE|os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK))
	ok, err := l.TryLockContext(ctx, 5*time.Millisecond)
	switch {
	case err != nil && ctx.Err() == nil:
		var errno syscall.Errno
		if errors.As(err, &errno) {
			return nil, lockError(openError(path, errno))
		}
		return nil, lockError(err)
	case err != nil || !ok:
		return nil, protocol.Errorf(protocol.AlreadyRunning, "session %q already has a worker", d.Name)
	}
	fi, err := l.Stat()
	if err == nil {
		st, _ := fi.Sys().(*syscall.Stat_t)
		if st == nil {
			err = fmt.Errorf("checking %s: no stat", path)
		} else {
			err = checkFile(path, uint32(st.Mode), st.Uid, uint64(st.Nlink))
		}
	}
	if err != nil {
		_ = l.Unlock()
		return nil, lockError(err)
	}
	return l, nil
}
