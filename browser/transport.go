package browser

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// transport carries whole CDP messages between a Conn and Chrome: a websocket
// (wsTransport) or the DevTools pipe of a Chrome that Launch started with
// Pipe (pipeTransport). A Conn's reader goroutine calls readMessage, its
// writer goroutine writeMessage; close may come from any goroutine, and makes
// a blocked readMessage or writeMessage return.
type transport interface {
	// readMessage reads the next message into buf, which it may reset, and
	// returns its bytes, which stay valid until the next call.
	readMessage(buf *bytes.Buffer) ([]byte, error)
	// checkMessage reports why the transport cannot carry data as one
	// message, before the Conn queues it; nil if it can.
	checkMessage(data []byte) error
	// writeMessage sends data as one message.
	writeMessage(data []byte) error
	// close ends the transport; it is safe to call more than once.
	close() error
}

// largeBuffer is the capacity above which a read buffer that one big message
// grew is let go rather than kept for the next message.
const largeBuffer = 4 << 20

// resetBuffer empties buf for the next message.
func resetBuffer(buf *bytes.Buffer) {
	if buf.Cap() > largeBuffer {
		*buf = bytes.Buffer{}
	}
	buf.Reset()
}

// wsTransport is a websocket to a DevTools endpoint. Its write buffer is as
// large as the largest command, so that every command goes out as one frame,
// as Chrome requires.
type wsTransport struct {
	ws *websocket.Conn
}

func (t *wsTransport) readMessage(buf *bytes.Buffer) ([]byte, error) {
	resetBuffer(buf)
	_, r, err := t.ws.NextReader()
	if err != nil {
		return nil, err
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (t *wsTransport) checkMessage([]byte) error { return nil }

func (t *wsTransport) writeMessage(data []byte) error {
	return t.ws.WriteMessage(websocket.TextMessage, data)
}

func (t *wsTransport) close() error { return t.ws.Close() }

// errNULInMessage is the error for a message that holds a NUL byte, which on
// the pipe would end it early. JSON escapes NUL in strings (\u0000) and
// allows it nowhere else, so only a bug can cause it.
var errNULInMessage = errors.New("message holds a NUL byte, which ends a message on the DevTools pipe")

// pipeTransport is the DevTools pipe of a Chrome started with
// --remote-debugging-pipe: Chrome reads commands from its fd 3, the read end
// of the pipe whose write end is w, and writes replies and events to its
// fd 4, the write end of the pipe whose read end is r. Each message is a JSON
// text followed by a NUL byte.
type pipeTransport struct {
	r     *os.File
	w     *os.File
	br    *bufio.Reader // over r
	limit int           // of a message from Chrome, without its NUL

	closeOnce sync.Once
	closeErr  error
}

// newPipeTransport returns the transport over Chrome's pipe: r is where
// Chrome's messages arrive, w where commands go. It owns both files.
func newPipeTransport(r, w *os.File) *pipeTransport {
	return &pipeTransport{r: r, w: w, br: bufio.NewReaderSize(r, readBufferSize), limit: DefaultReadLimit}
}

// readMessage reads up to the next NUL. A message longer than the limit is an
// error, as a websocket message over its read limit is; so is an end of the
// pipe in the middle of a message.
func (t *pipeTransport) readMessage(buf *bytes.Buffer) ([]byte, error) {
	resetBuffer(buf)
	for {
		chunk, err := t.br.ReadSlice(0)
		size := buf.Len() + len(chunk)
		if err == nil {
			size-- // the NUL
		}
		if size > t.limit {
			return nil, fmt.Errorf("message from Chrome larger than the read limit of %d bytes", t.limit)
		}
		buf.Write(chunk)
		switch {
		case err == nil:
			return buf.Bytes()[:buf.Len()-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			// The message goes on beyond the reader's buffer.
		case errors.Is(err, io.EOF) && buf.Len() > 0:
			return nil, fmt.Errorf("pipe ended in the middle of a message of %d bytes: %w", buf.Len(), io.ErrUnexpectedEOF)
		default:
			return nil, err
		}
	}
}

func (t *pipeTransport) checkMessage(data []byte) error {
	if bytes.IndexByte(data, 0) >= 0 {
		return errNULInMessage
	}
	return nil
}

// writeMessage writes data and its NUL with one Write, which only the
// writer goroutine calls: messages never interleave. It refuses data that
// holds a NUL, and then writes nothing.
func (t *pipeTransport) writeMessage(data []byte) error {
	if err := t.checkMessage(data); err != nil {
		return err
	}
	_, err := t.w.Write(append(data, 0))
	return err
}

// setDeadline sets the deadline of reads and of writes; the zero time
// clears it.
func (t *pipeTransport) setDeadline(d time.Time) error {
	return errors.Join(t.r.SetReadDeadline(d), t.w.SetWriteDeadline(d))
}

// close closes both ends. A Read or Write that waits on them returns.
func (t *pipeTransport) close() error {
	t.closeOnce.Do(func() {
		t.closeErr = errors.Join(t.w.Close(), t.r.Close())
	})
	return t.closeErr
}
