package rpc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the largest frame a Reader accepts unless told
// otherwise: 64 MiB, enough for a response body of the default body limit
// several times over.
const DefaultMaxFrame = 64 << 20

const (
	// Large enough that a stream of small messages takes few reads.
	initialBufSize = 32 << 10
	// A buffer grown past keepBufSize by a large frame is dropped once the
	// frame has been consumed, so one big message does not pin its memory
	// for the life of the connection.
	keepBufSize = 1 << 20
	// A frame that fills the buffer makes it growFactor times larger, up to
	// growBufSize; a frame that fills even that gets a buffer of the whole
	// limit at once. Growing copies the frame into a new buffer while the
	// old one is still held, so the most a reader ever holds is the limit
	// and growBufSize, not the limit and the half of it that doubling all
	// the way would cost (and all the smaller buffers before it, which the
	// collector has not yet freed).
	growFactor  = 4
	growBufSize = 8 << 20
)

// FrameTooLargeError reports a frame longer than the reader's limit. The
// reader stops at the limit; the rest of the frame is never read.
type FrameTooLargeError struct {
	Limit int
}

func (e *FrameTooLargeError) Error() string {
	return fmt.Sprintf("frame exceeds the limit of %d bytes without a newline", e.Limit)
}

// ErrTruncatedFrame is returned at the end of input that stops in the middle
// of a frame. The partial frame is discarded, never delivered.
var ErrTruncatedFrame = fmt.Errorf("stream ended inside a frame: %w", io.ErrUnexpectedEOF)

// Reader splits a byte stream into newline-delimited frames.
//
// A frame ends with "\n"; a "\r" before it is dropped, so "\r\n" works too.
// Lines holding only whitespace are skipped. A frame split across any number
// of reads is reassembled, and several frames in one read are each returned
// in order. Every byte is examined once when looking for the end of a frame,
// so reading is linear in the input however it is chunked.
type Reader struct {
	src     io.Reader
	max     int
	buf     []byte
	r, w    int   // unconsumed bytes are buf[r:w]
	scan    int   // buf[r:scan] is known to hold no '\n'
	readErr error // the error src returned, acted on once buf holds no frame
	err     error // sticky error returned by ReadFrame

	examined int // bytes searched for '\n' so far: the linearity tests read it
	peakHeld int // most buffer bytes held at once: the memory tests read it
}

// NewReader returns a Reader over src that rejects frames longer than max
// bytes (DefaultMaxFrame if max <= 0).
func NewReader(src io.Reader, max int) *Reader {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	return &Reader{src: src, max: max}
}

// ReadFrame returns the next non-blank frame without its line terminator.
// The slice aliases the reader's buffer and is valid until the next call.
//
// At the end of input ReadFrame returns io.EOF, or ErrTruncatedFrame when the
// input stopped inside a frame. A frame longer than the limit yields a
// *FrameTooLargeError; once ReadFrame has returned an error it returns the
// same error forever.
func (rd *Reader) ReadFrame() ([]byte, error) {
	for rd.err == nil {
		if line, ok := rd.nextLine(); ok {
			if isBlank(line) {
				continue
			}
			return line, nil
		}
		if rd.err != nil {
			break
		}
		pending := rd.w - rd.r
		switch {
		case pending > rd.max+1: // even after dropping a '\r' it cannot fit
			rd.err = &FrameTooLargeError{Limit: rd.max}
		case rd.readErr == nil:
			rd.fill()
		case !errors.Is(rd.readErr, io.EOF):
			rd.err = rd.readErr
		case isBlank(rd.buf[rd.r:rd.w]):
			rd.err = io.EOF
		default:
			rd.err = ErrTruncatedFrame
		}
	}
	// The reader is done: what it buffered (as much as the limit, for a
	// frame too large) is of no more use.
	rd.buf, rd.r, rd.w, rd.scan = nil, 0, 0, 0
	return nil, rd.err
}

// Buffered reports how many bytes have been read from the source but not yet
// returned as frames.
func (rd *Reader) Buffered() int { return rd.w - rd.r }

// HasFrame reports whether another complete line is already buffered, so
// that the next ReadFrame returns without reading. It searches each byte at
// most once, as ReadFrame does.
func (rd *Reader) HasFrame() bool {
	if rd.err != nil {
		return false
	}
	i := bytes.IndexByte(rd.buf[rd.scan:rd.w], '\n')
	if i < 0 {
		rd.examined += rd.w - rd.scan
		rd.scan = rd.w
		return false
	}
	return true
}

// nextLine consumes and returns the next complete line in the buffer.
func (rd *Reader) nextLine() ([]byte, bool) {
	i := bytes.IndexByte(rd.buf[rd.scan:rd.w], '\n')
	if i < 0 {
		rd.examined += rd.w - rd.scan
		rd.scan = rd.w
		return nil, false
	}
	rd.examined += i + 1
	end := rd.scan + i
	line := rd.buf[rd.r:end]
	rd.r = end + 1
	rd.scan = rd.r
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > rd.max {
		rd.err = &FrameTooLargeError{Limit: rd.max}
		return nil, false
	}
	return line, true
}

// fill reads more input after making room: consumed bytes are dropped, a
// buffer left large by a big frame is replaced by a small one, and the
// buffer grows (see growFactor) only when a frame in progress fills it.
// The buffer never exceeds the limit and the line terminator, so a line
// that never ends is refused once the limit is passed, having cost at most
// the limit and growBufSize.
func (rd *Reader) fill() {
	pending := rd.w - rd.r
	full := max(rd.max+2, initialBufSize) // a frame, '\r', '\n'
	switch {
	case rd.buf == nil:
		rd.replace(initialBufSize)
	case len(rd.buf) > keepBufSize && pending <= keepBufSize/2:
		rd.replace(max(initialBufSize, 2*pending))
	case rd.w == len(rd.buf) && rd.r > 0:
		rd.moveTo(rd.buf)
	case rd.w == len(rd.buf):
		n := growFactor * len(rd.buf)
		if n > growBufSize {
			n = full
		}
		rd.replace(min(n, full))
	}
	n, err := rd.src.Read(rd.buf[rd.w:])
	rd.w += n
	rd.readErr = err
}

// replace moves the unconsumed bytes to a new buffer of n bytes.
func (rd *Reader) replace(n int) {
	rd.peakHeld = max(rd.peakHeld, len(rd.buf)+n)
	rd.moveTo(make([]byte, n))
}

// moveTo moves the unconsumed bytes to the start of dst and makes it the
// buffer.
func (rd *Reader) moveTo(dst []byte) {
	n := copy(dst, rd.buf[rd.r:rd.w])
	rd.scan -= rd.r
	rd.r, rd.w = 0, n
	rd.buf = dst
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
