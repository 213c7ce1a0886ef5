package journal

import (
	"fmt"
	"os"
	"sync"
)

// Blobs is an append-only file of records a session's capture keeps on disk
// for itself alone (the requests it let go of from memory): each is read
// back by the offset and length Append gave. Unlike the journal, it is not
// synced, checked or kept across runs: it lives as long as its worker, and
// what it holds is in the journal's events too.
type Blobs struct {
	mu     sync.Mutex
	f      *os.File
	size   int64
	closed bool
}

// OpenBlobs creates the file at path (0600), emptying one that is there.
func OpenBlobs(path string) (*Blobs, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return &Blobs{f: f}, nil
}

// Append writes b at the end of the file and returns its offset. A failed
// write (a full disk) is cut off again.
func (b *Blobs) Append(p []byte) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrClosed
	}
	off := b.size
	if _, err := b.f.WriteAt(p, off); err != nil {
		_ = b.f.Truncate(off)
		return 0, fmt.Errorf("writing %s: %w", b.f.Name(), err)
	}
	b.size += int64(len(p))
	return off, nil
}

// ReadAt reads len(p) bytes at off.
func (b *Blobs) ReadAt(p []byte, off int64) (int, error) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	n, err := b.f.ReadAt(p, off)
	if err != nil {
		return n, fmt.Errorf("reading %s: %w", b.f.Name(), err)
	}
	return n, nil
}

// Size is the bytes the file holds.
func (b *Blobs) Size() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size
}

// Close closes the file; it stays on disk until the next run empties it.
func (b *Blobs) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return b.f.Close()
}
