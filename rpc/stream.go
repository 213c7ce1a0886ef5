package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// NotificationFunc receives a notification before any further decoding. It
// gets the method and the whole frame, which is valid only during the call,
// and whether another frame is already buffered behind it (a forwarder can
// hold its writes until there is none); it returns true when it has consumed
// the notification.
type NotificationFunc func(method string, frame []byte, more bool) bool

// Stream is a jsonrpc2.ObjectStream that speaks newline-delimited JSON: one
// JSON-RPC 2.0 message per line. Every connection of bdg-rpc, over stdio or a
// Unix socket, goes through it.
//
// Reading is strict. A line that is not JSON is answered with a -32700 parse
// error, and one that is JSON but not a JSON-RPC 2.0 message with -32600
// (batches included: they are not supported), but a request whose params
// are a string, a number or a boolean with -32602 and its id ("params":
// null is taken as absent); in all cases the stream goes on with the next
// line, because the framing is intact after a newline. Only a frame longer
// than the limit ends the stream, after telling the peer why.
//
// Writing puts each message on one line with one Write, escapes U+2028 and
// U+2029 (line breaks to JavaScript's readline), and is safe for concurrent
// use.
type Stream struct {
	rd        *Reader
	ahead     *lookahead // rd's source
	w         io.Writer
	c         io.Closer
	intercept NotificationFunc
	recognize func([]byte) (string, bool) // trusted notification lines
	beforeEOF func()
	log       *slog.Logger

	wmu     sync.Mutex
	wbuf    bytes.Buffer
	enc     *json.Encoder
	pending []byte // queued lines, written before anything else
}

var _ jsonrpc2.ObjectStream = (*Stream)(nil)

// StreamOption configures a Stream.
type StreamOption func(*Stream)

// InterceptNotifications hands notifications to f before jsonrpc2 sees them,
// in the order they arrive. It is how high-volume event streams bypass
// jsonrpc2's generic decoding.
func InterceptNotifications(f NotificationFunc) StreamOption {
	return func(s *Stream) { s.intercept = f }
}

// TrustNotifications makes InterceptNotifications take the lines that
// recognize accepts (returning their method) without checking them first.
// It is for a peer that is bdg-rpc's own worker (its socket is the user's
// only, and the peer's uid is checked), whose event lines a backend
// forwards as they are: checking each one would double the backend's work
// per event. Anything else is checked as usual.
func TrustNotifications(recognize func(frame []byte) (method string, ok bool)) StreamOption {
	return func(s *Stream) { s.recognize = recognize }
}

// BeforeEOF runs f when the input ends cleanly, before ReadObject reports
// the end: a server passes its handler's Wait, so that calls received before
// the peer closed its side are still answered (a script that pipes requests
// and closes stdin gets every reply).
func BeforeEOF(f func()) StreamOption {
	return func(s *Stream) { s.beforeEOF = f }
}

// WithLogger sets where the stream reports what it rejects.
func WithLogger(l *slog.Logger) StreamOption {
	return func(s *Stream) { s.log = l }
}

// NewStream returns a Stream over rwc.
func NewStream(rwc io.ReadWriteCloser, opts ...StreamOption) *Stream {
	s := &Stream{ahead: newLookahead(rwc), w: rwc, c: rwc}
	s.rd = NewReader(s.ahead, DefaultMaxFrame)
	s.ahead.rd = s.rd
	s.enc = json.NewEncoder(&s.wbuf)
	s.enc.SetEscapeHTML(false)
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ahead.answerAll = s.beforeEOF != nil
	return s
}

// ReadObject reads the next message that is valid JSON-RPC 2.0 into v
// (jsonrpc2's own message type), decoded with encoding/json after the frame
// has been checked.
func (s *Stream) ReadObject(v any) error {
	for {
		frame, err := s.rd.ReadFrame()
		if err != nil {
			if err == io.EOF && s.beforeEOF != nil {
				s.beforeEOF()
				s.beforeEOF = nil
			}
			var tooLarge *FrameTooLargeError
			if errors.As(err, &tooLarge) {
				s.reply(nil, NewError(protocol.CodeInvalidRequest,
					fmt.Sprintf("Invalid Request: message larger than the limit of %d bytes; closing the connection", tooLarge.Limit),
					"send messages under the 64 MiB limit, which is fixed: split large payloads (see Framing in docs/PROTOCOL.md)"))
			}
			return err
		}
		if s.recognize != nil && s.intercept != nil {
			if method, ok := s.recognize(frame); ok && s.intercept(method, frame, s.rd.HasFrame()) {
				continue
			}
		}
		var h header
		if fe := inspect(frame, &h); fe != nil {
			s.log.Warn("rejected a message", "code", fe.err.Code, "error", fe.err.Message)
			s.reply(fe.id, fe.err)
			continue
		}
		if h.Method == nil && h.ID.kind() == 'n' {
			// The peer could not parse something we sent; there is no call
			// to give the error to.
			s.log.Warn("peer reported an error", "frame", truncate(frame, 300))
			continue
		}
		if s.intercept != nil && h.Method != nil && h.ID == nil {
			if s.intercept(methodName(h.Method), frame, s.rd.HasFrame()) {
				continue
			}
		}
		if err := json.Unmarshal(frame, v); err != nil {
			id, _ := checkID(h.ID)
			s.reply(id, NewError(protocol.CodeInvalidRequest, "Invalid Request: "+err.Error(),
				"see docs/PROTOCOL.md for the message format"))
			continue
		}
		return nil
	}
}

// WriteObject writes v as one line.
func (s *Stream) WriteObject(v any) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.wbuf.Reset()
	if err := s.enc.Encode(v); err != nil { // Encode ends the line with '\n'
		return fmt.Errorf("encoding a message: %w", err)
	}
	line := s.wbuf.Bytes()
	if bytes.IndexByte(line[:len(line)-1], '\n') >= 0 { // no encoder writes one; this makes sure
		return errors.New("refusing to write a message containing a raw newline")
	}
	return s.writeLocked(line)
}

// WriteLine writes a message that is already encoded as JSON, such as a
// notification received from another stream and forwarded as it is. The
// line must not end in a newline; WriteLine adds it.
func (s *Stream) WriteLine(msg []byte) error { return s.WriteLines([][]byte{msg}) }

// WriteLines writes several encoded messages with one Write.
func (s *Stream) WriteLines(msgs [][]byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.wbuf.Reset()
	for _, msg := range msgs {
		if err := checkLine(msg); err != nil {
			return err
		}
		s.wbuf.Write(msg)
		s.wbuf.WriteByte('\n')
	}
	return s.writeLocked(s.wbuf.Bytes())
}

// writeParts writes one line made of parts, without copying them into the
// stream's buffer (a reply of megabytes goes out as it is), after what is
// queued.
func (s *Stream) writeParts(parts ...[]byte) error {
	for _, p := range parts {
		if err := checkLine(p); err != nil {
			return err
		}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	bufs := make(net.Buffers, 0, len(parts)+2)
	if len(s.pending) > 0 {
		bufs = append(bufs, s.pending)
	}
	for _, p := range parts {
		bufs = append(bufs, escapeLineSeparators(p))
	}
	bufs = append(bufs, []byte{'\n'})
	_, err := bufs.WriteTo(s.w)
	s.pending = s.pending[:0]
	if cap(s.pending) > keepBufSize {
		s.pending = nil
	}
	if err != nil {
		return fmt.Errorf("writing a message: %w", err)
	}
	return nil
}

// QueueLine queues an encoded message to be written with the next write or
// Flush, so that a forwarder writes a burst of lines in a few large writes
// instead of one each. A queue past 64 KiB is written at once.
func (s *Stream) QueueLine(msg []byte) error {
	if err := checkLine(msg); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.pending = append(s.pending, escapeLineSeparators(msg)...)
	s.pending = append(s.pending, '\n')
	if len(s.pending) < queueFlushSize {
		return nil
	}
	return s.writeLocked(nil)
}

// Flush writes the queued lines.
func (s *Stream) Flush() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if len(s.pending) == 0 {
		return nil
	}
	return s.writeLocked(nil)
}

const queueFlushSize = 64 << 10

// checkLine refuses an encoded message with a raw newline inside.
func checkLine(msg []byte) error {
	if bytes.IndexByte(msg, '\n') >= 0 {
		return errors.New("refusing to write a message containing a raw newline")
	}
	return nil
}

// writeLocked writes the queued lines and then lines (complete, each ended
// by '\n') with one Write.
func (s *Stream) writeLocked(lines []byte) error {
	defer func() {
		if s.wbuf.Cap() > keepBufSize {
			s.wbuf = bytes.Buffer{}
		}
		if cap(s.pending) > keepBufSize {
			s.pending = nil
		}
	}()
	lines = escapeLineSeparators(lines)
	if len(s.pending) > 0 {
		lines = append(s.pending, lines...)
		s.pending = s.pending[:0]
	}
	if _, err := s.w.Write(lines); err != nil {
		return fmt.Errorf("writing a message: %w", err)
	}
	return nil
}

// Close closes the underlying connection.
func (s *Stream) Close() error { return s.c.Close() }

// reply sends an error response; a failure to send is left to the next
// read or write to discover.
func (s *Stream) reply(id json.RawMessage, e *protocol.Error) {
	if id == nil {
		id = json.RawMessage("null")
	}
	_ = s.WriteObject(&Message{JSONRPC: "2.0", ID: id, Error: toWire(e)})
}

// escapeLineSeparators replaces raw U+2028 and U+2029, which valid JSON can
// hold only inside strings, by their escapes.
func escapeLineSeparators(b []byte) []byte {
	i := bytes.Index(b, []byte("\xe2\x80"))
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i >= 0 {
		if i+2 < len(b) && b[i+2]&^1 == 0xa8 {
			out = append(out, b[:i]...)
			out = append(out, `\u202`...)
			out = append(out, '8'+(b[i+2]&1))
			b = b[i+3:]
		} else {
			out = append(out, b[:i+2]...)
			b = b[i+2:]
		}
		i = bytes.Index(b, []byte("\xe2\x80"))
	}
	return append(out, b...)
}

// methodName returns the string a JSON string literal holds.
func methodName(lit span) string {
	if len(lit) >= 2 && bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1])
	}
	var s string
	_ = json.Unmarshal(lit, &s) // inspect checked that lit is a string
	return s
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// StdioConn joins a reader and a writer, such as a process's standard input
// and output, into the io.ReadWriteCloser a Stream needs. Close closes both.
type StdioConn struct {
	In  io.ReadCloser
	Out io.WriteCloser
}

func (c StdioConn) Read(p []byte) (int, error)  { return c.In.Read(p) }
func (c StdioConn) Write(p []byte) (int, error) { return c.Out.Write(p) }

// Close closes the output, then the input.
func (c StdioConn) Close() error {
	return errors.Join(c.Out.Close(), c.In.Close())
}
