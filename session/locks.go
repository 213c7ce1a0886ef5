package session

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Lock files are never deleted: removing a lock file someone holds would
// let a second process lock a new file of the same name.

func (d Dir) newLock(name string) *flock.Flock {
	return flock.New(d.File(name), flock.SetPermissions(0o600))
}

// tryStartLock takes the start lock if it is free. The holder's pid is
// written into the lock file so that others can say who holds it.
func (d Dir) tryStartLock() (*flock.Flock, bool, error) {
	l := d.newLock(StartLock)
	ok, err := l.TryLock()
	if err != nil {
		return nil, false, fmt.Errorf("locking %s: %w", l.Path(), err)
	}
	if !ok {
		return nil, false, nil
	}
	_ = os.WriteFile(l.Path(), []byte(strconv.Itoa(os.Getpid())), 0o600)
	return l, true, nil
}

// startLockHolder returns the pid written by the start lock's holder, or 0.
func (d Dir) startLockHolder() int {
	b, err := os.ReadFile(d.File(StartLock))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// WorkerAlive reports whether a worker holds the session's worker lock. The
// kernel releases the lock when the worker's process ends, however it ends.
func (d Dir) WorkerAlive() (bool, error) {
	l := d.newLock(WorkerLock)
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
	l := d.newLock(WorkerLock)
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
	l := d.newLock(WorkerLock)
	ok, err := l.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("session %q already has a worker", d.Name)
	}
	return l, nil
}
