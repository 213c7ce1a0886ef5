package worker

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/session"
)

// logFile is the worker's log: the file the launcher gave it as standard
// error. When it passes its size cap it is renamed to worker.log.1 (one old
// generation is kept) and a new worker.log takes its place, also as file
// descriptor 2, so that a crash's stack trace lands in the current log.
// Writing to a regular file never waits for a reader, so nothing the worker
// logs can block it; a failed write (a full disk) is dropped.
type logFile struct {
	path string
	max  int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

func openLog(path string, max int64) *logFile {
	l := &logFile{path: path, max: max, f: os.Stderr}
	if fi, err := os.Stderr.Stat(); err == nil {
		l.size = fi.Size()
	}
	return l
}

// Write implements io.Writer; it never fails.
func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.size+int64(len(p)) > l.max {
		l.rotate()
	}
	n, _ := l.f.Write(p)
	l.size += int64(n)
	return len(p), nil
}

// rotate renames the log to worker.log.1 (the rename replaces whatever is
// there, a link included, never writing through it) and starts a new one.
// The new file is created with O_EXCL and O_NOFOLLOW: if something took
// the name in between, the worker goes on writing where it was.
func (l *logFile) rotate() {
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		l.size = 0 // keep writing where we are rather than retrying each line
		return
	}
	f, err := session.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		l.size = 0
		return
	}
	if err := unix.Dup2(int(f.Fd()), 2); err == nil {
		f.Close()
		f = os.Stderr
	}
	l.f = f
	l.size = 0
}
