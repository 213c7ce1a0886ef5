package rpc

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
)

const (
	// lookaheadWindow is how many bytes a connection whose read loop is
	// blocked (it holds MaxCallsInFlight calls) reads ahead, looking for
	// cancellations, before it stops reading altogether.
	lookaheadWindow = 1 << 20
	// A line longer than this is not examined for a cancellation while
	// reading ahead (it is still read, and handled, in its turn).
	maxCancelLine = 16 << 10
	lookaheadRead = 32 << 10
)

// lookahead is the source a Stream's Reader reads from. Normally it passes
// reads straight to the connection.
//
// While the Handler waits for a free slot, the read loop is blocked in
// Handle and reads nothing, so a "$/cancelRequest" for one of the very calls
// that hold the slots would wait unread behind the message being handled:
// a call that ends only when cancelled would hold its slot for ever. So
// while the handler waits (start to stop), a goroutine reads ahead from the
// connection, up to lookaheadWindow bytes, and every complete line, in
// what the Reader has buffered and in what is read ahead, is handed to
// found at once (the Handler acts on those that are a "$/cancelRequest").
// Nothing else is acted on: the bytes read ahead are queued and given to
// the Reader in order, so every message, cancellations included, is still
// handled in its turn (cancelling twice is harmless). A cancellation more
// than lookaheadWindow bytes behind is read when the calls ahead of it move
// on.
type lookahead struct {
	src io.Reader
	rd  *Reader // the reader this feeds, scanned when reading ahead starts
	// found gets a line read ahead and the stream offset where it ends;
	// nil: never read ahead.
	found func(line []byte, end int)

	// answerAll: the stream answers every call read before the end of
	// input (BeforeEOF), so io.EOF does not make waiting calls moot.
	answerAll bool
	// gone is closed when reading ahead meets the end of the connection
	// (io.EOF unless answerAll): the connection is closing, so a request
	// waiting for a slot will be answered by nobody and need wait no more.
	gone chan struct{}

	active    atomic.Bool // reads go through the queue: a goroutine runs, or bytes or an error are queued
	delivered int         // bytes given to rd (touched by the read loop only)

	mu      sync.Mutex
	changed sync.Cond // the queue, err or running changed
	want    bool      // the handler waits: read ahead
	running bool      // the goroutine is alive
	q       []byte    // bytes read ahead; q[qoff:] not yet given to rd
	qoff    int
	err     error  // what src returned to the goroutine, given to rd after q
	scratch []byte // the goroutine's read buffer

	// The line scanner: scanned is the stream offset up to which lines
	// have been examined; line holds the part of the current line before
	// it, unless skip (too long to be a cancellation).
	scanned int
	synced  bool // scanned, line and skip describe the stream
	line    []byte
	skip    bool
}

func newLookahead(src io.Reader) *lookahead {
	la := &lookahead{src: src, gone: make(chan struct{})}
	la.changed.L = &la.mu
	return la
}

// Read implements io.Reader for the Reader.
func (la *lookahead) Read(p []byte) (int, error) {
	if !la.active.Load() {
		n, err := la.src.Read(p)
		la.delivered += n
		return n, err
	}
	la.mu.Lock()
	for {
		if la.qoff < len(la.q) {
			n := copy(p, la.q[la.qoff:])
			la.qoff += n
			la.delivered += n
			if la.qoff == len(la.q) {
				la.q, la.qoff = la.q[:0], 0
				la.changed.Broadcast() // room to read ahead again
			}
			la.mu.Unlock()
			return n, nil
		}
		if la.err != nil {
			err := la.err
			la.mu.Unlock()
			return 0, err
		}
		if !la.running {
			break
		}
		la.changed.Wait() // the goroutine is reading: take what it reads
	}
	la.active.Store(false)
	la.mu.Unlock()
	n, err := la.src.Read(p)
	la.delivered += n
	return n, err
}

// start begins reading ahead, for as long as the handler waits. It runs on
// the read loop, which is blocked in Handle: the Reader is not in use.
func (la *lookahead) start() {
	if la.found == nil {
		return
	}
	la.mu.Lock()
	defer la.mu.Unlock()
	la.want = true
	// The lines the Reader holds, from where scanning stopped (or from
	// the Reader's position, a line start, if that is behind it).
	buffered := la.rd.buf[la.rd.r:la.rd.w]
	if from := la.delivered - len(buffered); !la.synced || la.scanned < from {
		la.scanned, la.line, la.skip, la.synced = from, la.line[:0], false, true
	}
	if la.scanned < la.delivered {
		la.scan(buffered[len(buffered)-(la.delivered-la.scanned):])
	}
	if !la.running && la.err == nil && len(la.q)-la.qoff < lookaheadWindow {
		la.running = true
		la.active.Store(true)
		go la.readAhead()
	}
}

// stop ends reading ahead once the read under way returns.
func (la *lookahead) stop() {
	la.mu.Lock()
	la.want = false
	la.mu.Unlock()
}

func (la *lookahead) readAhead() {
	if la.scratch == nil {
		la.scratch = make([]byte, lookaheadRead)
	}
	la.mu.Lock()
	defer la.mu.Unlock()
	for la.want && la.err == nil && len(la.q)-la.qoff < lookaheadWindow {
		la.mu.Unlock()
		n, err := la.src.Read(la.scratch)
		la.mu.Lock()
		if la.qoff > len(la.q)/2 {
			la.q, la.qoff = la.q[:copy(la.q, la.q[la.qoff:])], 0
		}
		la.q = append(la.q, la.scratch[:n]...)
		la.scan(la.scratch[:n])
		la.err = err
		if err != nil && (err != io.EOF || !la.answerAll) {
			close(la.gone)
		}
		la.changed.Broadcast()
	}
	if cap(la.q) > 2*lookaheadWindow && la.qoff == len(la.q) {
		la.q, la.qoff = nil, 0
	}
	la.running = false
	la.changed.Broadcast()
}

// scan examines the bytes that follow la.scanned and hands each complete
// line that may be a cancellation to found.
func (la *lookahead) scan(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			la.extend(b)
			la.scanned += len(b)
			return
		}
		la.scanned += i + 1
		line := b[:i]
		if len(la.line) > 0 || la.skip {
			la.extend(line)
			line = la.line
		}
		if !la.skip && len(line) <= maxCancelLine {
			la.found(bytes.TrimSuffix(line, []byte("\r")), la.scanned)
		}
		la.line, la.skip = la.line[:0], false
		b = b[i+1:]
	}
}

// position returns the stream offset where the frame the Reader returned
// last ends. Only the read loop calls it.
func (la *lookahead) position() int { return la.delivered - la.rd.Buffered() }

// extend adds the start of a line to la.line, unless it gets too long to
// be a cancellation.
func (la *lookahead) extend(b []byte) {
	switch {
	case la.skip:
	case len(la.line)+len(b) > maxCancelLine:
		la.line, la.skip = la.line[:0], true
	default:
		la.line = append(la.line, b...)
	}
}
