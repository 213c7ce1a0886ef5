package browser

import (
	"bytes"
	"io"
	"sync"
)

// tailBuffer keeps the last bytes written to it, for error messages.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func newTailBuffer(max int) *tailBuffer {
	return &tailBuffer{max: max}
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// lastLines returns up to n of the last complete or partial lines.
func (t *tailBuffer) lastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bytes.TrimRight(t.buf, "\n")
	for i, count := len(b)-1, 0; i >= 0; i-- {
		if b[i] == '\n' {
			count++
			if count == n {
				b = b[i+1:]
				break
			}
		}
	}
	return string(b)
}

// outputWriter copies Chrome's output to the tail and to the caller's writer.
// After the caller's writer fails, it only feeds the tail: Chrome must never
// block on a full pipe.
type outputWriter struct {
	tail *tailBuffer
	w    io.Writer // nil after an error
}

func (o *outputWriter) Write(p []byte) (int, error) {
	o.tail.Write(p)
	if o.w != nil {
		if _, err := o.w.Write(p); err != nil {
			o.w = nil
		}
	}
	return len(p), nil
}
