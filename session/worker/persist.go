package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/journal"
)

// The worker keeps every event of the session on disk, in the session's
// journal (session/journal), as the line a subscriber receives, numbered
// by its seq: a subscription of its own, on a goroutine of its own,
// follows the capture from the first event and appends what it reads
// (capture.Persist). The event path never waits for the disk. The journal
// is also the console store's cold part: the capture keeps its newest
// messages in memory and reads the older back from it. What is written
// survives the worker's death (kill -9 included); it is synced to the
// disk at most a second later.

// journalCloseTimeout bounds the wait for the journal's last events when
// the session ends.
const journalCloseTimeout = 5 * time.Second

// coldRequestsFile is the file in the journal's directory that holds the
// requests the capture let go of from memory.
const coldRequestsFile = "requests.blobs"

// journalMaxBytes bounds a session's journal on disk: 2 GiB, the oldest
// segments deleted past it (counted).
const journalMaxBytes = 2 << 30

// persister writes the session's events to its journal.
type persister struct {
	j      *journal.Journal
	blobs  *journal.Blobs // the cold requests (capture.SetColdNetwork)
	path   string
	done   chan struct{}
	mu     sync.Mutex
	failed bool // the disk error was logged
}

// startJournal opens a new journal for this run of the session (the last
// run's goes) and starts its writer, which stops at session/ended or when
// ctx ends. A journal that cannot be opened is logged, and the session goes
// on without it.
func (w *worker) startJournal(ctx context.Context) {
	// The body files of the last run go with its journal.
	if fi, err := os.Lstat(w.dir.File(session.BodiesDir)); err == nil && fi.IsDir() {
		if err := emptyDir(w.dir.File(session.BodiesDir)); err != nil {
			w.log.Warn("the last run's body files could not be removed", "error", err)
		}
	}
	path := w.dir.File(session.JournalDir)
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.IsDir():
		err = emptyDir(path) // the directory stays: it may be a mount of its own
	case err == nil:
		err = fmt.Errorf("%s is not a directory of bdg-rpc's", path)
	case errors.Is(err, os.ErrNotExist):
		err = nil
	}
	var j *journal.Journal
	if err == nil {
		j, err = journal.Open(path, journal.Options{MaxBytes: journalMaxBytes})
	}
	if err != nil {
		w.log.Error("the session's journal cannot be opened; the session goes on without it", "path", path, "error", err)
		return
	}
	p := &persister{j: j, path: path, done: make(chan struct{})}
	w.persist = p
	// The requests let go of from memory go beside the journal.
	if blobs, err := journal.OpenBlobs(filepath.Join(path, coldRequestsFile)); err != nil {
		w.log.Error("the requests cannot be kept on disk; the newest stay in memory", "error", err)
	} else {
		p.blobs = blobs
		w.capture.SetColdNetwork(blobs)
	}
	go func() {
		defer close(p.done)
		w.capture.Persist(ctx, j, func(err error) { p.reportOnce(w, err) })
		if err := j.Sync(); err != nil {
			p.reportOnce(w, err)
		}
	}()
}

// emptyDir removes what dir holds.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("emptying %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("emptying %s: %w", dir, err)
		}
	}
	return nil
}

// reportOnce logs the journal's first disk error, with what to do.
func (p *persister) reportOnce(w *worker, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed {
		return
	}
	p.failed = true
	w.log.Error("the session's journal cannot be written; the capture goes on in memory, and what is captured meanwhile is not on disk (session/status counts it)",
		"path", p.path, "error", err, "hint", "free disk space; nothing written before is lost")
}

// status says how the journal stands, for session/status.
func (p *persister) status() *protocol.JournalStatus {
	if p == nil {
		return nil
	}
	st := p.j.Stats()
	js := &protocol.JournalStatus{Path: p.path, Records: st.Records, Bytes: st.Bytes, Lost: st.Lost + st.Dropped}
	if st.Err != nil {
		js.Error = st.Err.Error()
	}
	return js
}

// close closes the journal, once nothing reads it any more.
func (p *persister) close(w *worker) {
	if p == nil {
		return
	}
	if err := p.j.Close(); err != nil {
		w.log.Error("closing the session's journal", "error", err)
	}
	if p.blobs != nil {
		_ = p.blobs.Close()
	}
}

// wait waits until the writer has written the last event and closed the
// journal, or for at most limit.
func (p *persister) wait(limit time.Duration) bool {
	if p == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	case <-time.After(limit):
		return false
	}
}
