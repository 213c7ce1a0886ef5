package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/sourcegraph/jsonrpc2"
)

// RawResult is a call's result that is JSON text already, such as another
// server's reply that a handler passes on: the reply carries it as it is,
// never decoded and encoded again. It must be valid JSON.
type RawResult []byte

// MarshalJSON implements json.Marshaler, for a RawResult that ends up
// inside another value.
func (r RawResult) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// onceID is the id of the one call CallOnce makes on its connection.
const onceID = "1"

// CallOnce makes one call on c, a connection of its own, and returns the
// result as the server wrote it, copied but never decoded into values or
// encoded again, so that a backend passes a worker's megabytes on at the
// cost of a copy. A reply laid out as bdg-rpc's Handler writes them is
// taken by its layout (the server is a worker of the same user, behind a
// socket only that user can open, whose encoder wrote the JSON); any other
// is checked in one pass of the v2 decoder.
// Notifications before the reply are skipped. An error reply is a
// *protocol.Error. When ctx ends, the wait ends (the connection's
// deadline is set), and the error wraps ctx.Err(). c stays open.
func CallOnce(ctx context.Context, c net.Conn, method string, params json.RawMessage) (RawResult, error) {
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	if err := writeCall(c, method, params); err != nil {
		return nil, onceErr(ctx, method, err)
	}
	return readReply(ctx, c, method)
}

// writeCall writes the request of CallOnce and CallForward.
func writeCall(c net.Conn, method string, params json.RawMessage) error {
	req := make([]byte, 0, 64+len(method)+len(params))
	req = append(req, `{"jsonrpc":"2.0","id":`+onceID+`,"method":`...)
	req = strconv.AppendQuote(req, method)
	if len(params) > 0 {
		req = append(req, `,"params":`...)
		req = append(req, params...)
	}
	req = append(req, '}', '\n')
	if bytes.IndexByte(req[:len(req)-1], '\n') >= 0 {
		return errors.New("params hold a raw newline")
	}
	if _, err := c.Write(req); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	return nil
}

// readReply reads frames from r until the reply to the call of CallOnce,
// and returns its result.
func readReply(ctx context.Context, r io.Reader, method string) (RawResult, error) {
	rd := NewReader(r, DefaultMaxFrame)
	for {
		frame, err := rd.ReadFrame()
		if err != nil {
			return nil, onceErr(ctx, method, fmt.Errorf("reading the reply: %w", err))
		}
		if res, ok := replyByLayout(frame); ok {
			return res, nil
		}
		var h onceReply
		if err := jsonv2.Unmarshal(frame, &h, jsonv2.AllowInvalidUTF8(true)); err != nil {
			return nil, fmt.Errorf("%s: a malformed reply: %w", method, err)
		}
		if h.Method != 0 || string(h.ID) != onceID {
			continue // a notification
		}
		if h.Error != nil {
			var e jsonrpc2.Error
			if err := json.Unmarshal(h.Error, &e); err != nil {
				return nil, fmt.Errorf("%s: a malformed error reply: %w", method, err)
			}
			return nil, fromWire(&e)
		}
		if h.Result == nil {
			return nil, fmt.Errorf("%s: a reply without a result", method)
		}
		return RawResult(h.Result), nil
	}
}

// The layout in which bdg-rpc's Handler writes a reply to CallOnce's call
// (Handler.writeResult).
var (
	replyHead = []byte(`{"id":` + onceID + `,"result":`)
	replyTail = []byte(`,"jsonrpc":"2.0"}`)
)

// replyByLayout returns the result of a reply laid out as bdg-rpc writes
// them, by that layout alone: a worker's result of megabytes is JSON its
// encoder wrote, and is not scanned again. Any other frame is left to the
// decoder.
func replyByLayout(frame []byte) (RawResult, bool) {
	if !bytes.HasPrefix(frame, replyHead) || !bytes.HasSuffix(frame, replyTail) || len(frame) < len(replyHead)+len(replyTail)+1 {
		return nil, false
	}
	res := frame[len(replyHead) : len(frame)-len(replyTail)]
	switch res[0] {
	case '{', '[':
		if last := res[len(res)-1]; last != '}' && last != ']' {
			return nil, false
		}
	case 'n', 't', 'f', '"', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if len(res) > 64 { // a scalar this long is not one the Handler wrote
			return nil, false
		}
		if !json.Valid(res) {
			return nil, false
		}
	default:
		return nil, false
	}
	return RawResult(bytes.Clone(res)), true
}

// onceReply is what CallOnce reads of a frame: its id, whether it is a
// notification, and the result or error, copied.
type onceReply struct {
	ID     span   `json:"id"`
	Method kindOf `json:"method"`
	Result span   `json:"result"`
	Error  span   `json:"error"`
}

// onceErr is a failed exchange: ctx's error when ctx ended it (by the
// deadline CallOnce set).
func onceErr(ctx context.Context, method string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
	return fmt.Errorf("%s: %w", method, err)
}

// Forward is a reply that a handler passes on from another server's
// connection as it arrives, without holding it whole: the handler returns
// it as its result, and the reply is written as the client's head (its
// own id) followed by the rest of the server's line, byte for byte, so
// that a large result goes from the worker to the client at once, through
// a small buffer. A reply in any other layout (an error, a server that is
// not bdg-rpc) was read whole: Forward holds its result.
type Forward struct {
	c       net.Conn
	pending []byte    // read past the head, not yet passed on
	raw     RawResult // a reply read whole
	release func()    // lets go of the connection and the call's deadline
}

// Close lets go of the connection. The handler's reply does it; it is safe
// to call more than once.
func (f *Forward) Close() error {
	if f.release != nil {
		f.release()
		f.release = nil
	}
	return nil
}

// forwardTimeout bounds the passing on of a reply, once its head has come:
// a client that reads slower than this holds up the worker's connection
// no longer.
const forwardTimeout = 60 * time.Second

// CallForward makes one call on c, a connection it then owns, as CallOnce
// does, and returns once the reply's head has come: the rest is passed on
// by the reply to the caller's client (see Forward). ctx bounds the wait for
// the head; release runs once the reply has been passed on, or at once on
// an error.
func CallForward(ctx context.Context, c net.Conn, method string, params json.RawMessage, release func()) (*Forward, error) {
	f := &Forward{c: c, release: release}
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	if err := writeCall(c, method, params); err != nil {
		stop()
		return nil, onceErr(ctx, method, err)
	}
	// The first read takes what has come: the whole of a small reply,
	// the head of a large one (its rest is passed on through
	// forwardChunk). A buffer of this size a call, not more: a large one
	// is memory to clear and collect for every call, however small.
	buf := make([]byte, 0, forwardHead)
	for len(buf) < len(replyHead) && bytes.IndexByte(buf, '\n') < 0 {
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			stop()
			return nil, onceErr(ctx, method, fmt.Errorf("reading the reply: %w", err))
		}
	}
	if !stop() && ctx.Err() != nil { // the deadline was set: the call is over
		return nil, onceErr(ctx, method, ctx.Err())
	}
	if bytes.HasPrefix(buf, replyHead) {
		f.pending = buf[len(replyHead):]
		_ = c.SetDeadline(time.Now().Add(forwardTimeout))
		ok = true
		return f, nil
	}
	// Another layout: read it whole, as CallOnce does.
	res, err := readReply(ctx, io.MultiReader(bytes.NewReader(buf), c), method)
	if err != nil {
		return nil, err
	}
	f.raw = res
	f.Close()
	ok = true
	return f, nil
}

// forwardChunk is the buffer through which a Forward passes a reply on;
// forwardHead the first read's, which holds a small reply whole.
const (
	forwardChunk = 256 << 10
	forwardHead  = 16 << 10
)

// errForwardBroken is a reply cut off while it was passed on: the client's
// line is broken, and its connection is closed.
var errForwardBroken = errors.New("the reply was cut off while it was passed on")

// writeForward writes head, then the rest of f's line up to and including
// its newline, as one line of s, holding s's writes meanwhile. A reply cut
// off on its way (the server went, or sent more than a message may hold)
// leaves the client a broken line: s is closed.
func (s *Stream) writeForward(head []byte, f *Forward) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	out := append(s.pending, head...)
	s.pending = s.pending[:0]
	data := f.pending
	var buf []byte // made when the reply is more than its first read
	total := 0
	for {
		end := bytes.IndexByte(data, '\n')
		chunk := data
		if end >= 0 {
			chunk = data[:end+1]
		}
		total += len(chunk)
		if total > DefaultMaxFrame {
			_ = s.c.Close()
			return fmt.Errorf("%w: more than %d bytes", errForwardBroken, DefaultMaxFrame)
		}
		if len(out) > 0 {
			out = append(out, chunk...)
			chunk, out = out, nil
		}
		if _, err := s.w.Write(chunk); err != nil {
			return fmt.Errorf("writing a message: %w", err)
		}
		if end >= 0 {
			return nil
		}
		if buf == nil {
			buf = make([]byte, forwardChunk)
		}
		n, err := f.c.Read(buf)
		if n == 0 && err != nil {
			_ = s.c.Close()
			return fmt.Errorf("%w: %v", errForwardBroken, err)
		}
		data = buf[:n]
	}
}
