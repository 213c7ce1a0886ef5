package session

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/gofrs/flock"
)

// Lock files are never deleted: removing a lock file someone holds would
// let a second process lock a new file of the same name.

func (d Dir) newLock(name string) *flock.Flock {
	return flock.New(d.File(name), flock.SetPermissions(0o600))
}

// StartLock is the held start lock. The lock file holds the pid of the
// process the session is waiting for (the starter, then the worker it
// spawned), so that others can say who holds it; it is emptied on release.
type StartLock struct {
	l *flock.Flock
}

// TryStartLock takes the start lock if it is free.
func (d Dir) TryStartLock() (*StartLock, bool, error) {
	l := d.newLock(StartLockFile)
	ok, err := l.TryLock()
	if err != nil {
		return nil, false, fmt.Errorf("locking %s: %w", l.Path(), err)
	}
	if !ok {
		return nil, false, nil
	}
	s := &StartLock{l: l}
	s.SetHolder(os.Getpid())
	return s, true, nil
}

// SetHolder records the pid the session waits for: the starter, then the
// worker it spawned.
func (s *StartLock) SetHolder(pid int) {
	_ = os.WriteFile(s.l.Path(), []byte(strconv.Itoa(pid)), 0o600)
}

// Unlock empties the lock file and releases the lock.
func (s *StartLock) Unlock() {
	_ = os.Truncate(s.l.Path(), 0)
	_ = s.l.Unlock()
}

// StartLockHolder returns the pid written by the start lock's holder, or 0.
// The holder writes it right after taking the lock, so a reader that comes
// in between retries for a moment.
func (d Dir) StartLockHolder() int {
	for range 20 {
		b, _ := os.ReadFile(d.File(StartLockFile))
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0
}

// WorkerAlive reports whether a worker holds the session's worker lock. The
// kernel releases the lock when the worker's process ends, however it ends.
func (d Dir) WorkerAlive() (bool, error) {
	l := d.newLock(WorkerLockFile)
	ok, err := l.TryLock()
	if err != nil {
		if os.IsNotExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("probing %s: %w", l.Path(), err)
	}
	if ok {
		_ = l.Unlock()
		return false, nil
	}
	return true, nil
}

// WaitWorkerGone waits until no worker holds the worker lock, or ctx ends.
func (d Dir) WaitWorkerGone(ctx context.Context) error {
	l := d.newLock(WorkerLockFile)
	ok, err := l.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil {
		return fmt.Errorf("waiting for the worker of session %q to exit: %w", d.Name, err)
	}
	if ok {
		_ = l.Unlock()
	}
	return nil
}

// AcquireWorkerLock takes the worker lock for the life of a worker,
// retrying briefly (another process may be probing it).
func (d Dir) AcquireWorkerLock(ctx context.Context) (*flock.Flock, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	l := d.newLock(WorkerLockFile)
	ok, err := l.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return nil, protocol.Errorf(protocol.AlreadyRunning, "session %q already has a worker", d.Name)
	}
	return l, nil
}
