package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// CancelMethod is the notification that cancels a call in progress, as in
// the Language Server Protocol: params {"id": <the call's id>}.
const CancelMethod = protocol.NotifyCancel

// Handler is the jsonrpc2.Handler of one connection. Each call runs in its
// own goroutine, so a slow call never blocks the connection's read loop,
// but a call starts only when the one before it has finished or has called
// Async: calls are answered in order unless a handler chooses otherwise.
// "$/cancelRequest" cancels the context of the call it names, which then
// answers -32800.
//
// A connection holds at most MaxCallsInFlight calls (requests and
// notifications) from the moment they are read until their reply has been
// written, whether they wait for their turn, run, or called Async. At the
// bound Handle blocks, and with it the connection's read loop: further
// messages wait unread in the peer's socket, and the peer's writes block
// once its buffers are full. Cancellations still get through: while Handle
// waits, the stream reads up to 1 MiB ahead and acts on every
// "$/cancelRequest" it finds there at once (when NewConn joined the
// handler to its stream).
//
// The handler's goroutines end when their calls do; the owner of the
// connection calls Wait after the connection has closed.
type Handler struct {
	dispatch HandlerFunc
	log      *slog.Logger
	slots    chan struct{} // one token per call held
	ahead    *lookahead    // the stream's reader, when NewConn joined them
	stream   *Stream       // the stream, when NewConn joined them

	wg      sync.WaitGroup
	mu      sync.Mutex
	prev    <-chan struct{} // closed when the previous call releases its successor
	running map[jsonrpc2.ID]*running
	// Cancellations read ahead (see lookahead) for requests not yet taken:
	// the request Handle waits to take, and the stream offsets where
	// cancellations of requests not yet read end. An entry is dropped when
	// its request is taken or the cancellation's own turn comes.
	waiting      *waitingCall
	aheadCancels map[jsonrpc2.ID]int
}

// waitingCall is a request that Handle waits to find a slot for.
type waitingCall struct {
	id        jsonrpc2.ID
	pos       int           // the stream offset where the request ends
	cancelled chan struct{} // closed when a cancellation read ahead names it
	closed    bool
}

// MaxCallsInFlight is how many calls a connection holds at once before it
// stops reading: enough for any client that reads its replies, few enough
// that one that does not costs little (design review issue 12).
const MaxCallsInFlight = 64

type running struct {
	cancel    context.CancelFunc
	cancelled bool
}

// NewHandler returns a Handler that answers calls with dispatch.
func NewHandler(dispatch HandlerFunc, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	done := make(chan struct{})
	close(done)
	return &Handler{dispatch: dispatch, log: log, prev: done, running: map[jsonrpc2.ID]*running{},
		aheadCancels: map[jsonrpc2.ID]int{}, slots: make(chan struct{}, MaxCallsInFlight)}
}

// attach makes the handler read cancellations ahead on s while it waits
// for a free slot.
func (h *Handler) attach(s *Stream) {
	h.stream = s
	h.ahead = s.ahead
	s.ahead.found = h.cancelFrame
}

type releaseKey struct{}

type afterReplyKey struct{}

// AfterReply runs f once the reply to the current call has been written, so
// that what f sends (a subscription's first events) follows the reply. It
// reports false, and does nothing, outside a call.
func AfterReply(ctx context.Context, f func()) bool {
	fs, ok := ctx.Value(afterReplyKey{}).(*[]func())
	if ok {
		*fs = append(*fs, f)
	}
	return ok
}

// Async lets the next call on the connection start before this one has
// finished. Long calls (starting a session, a CDP command) call it early.
func Async(ctx context.Context) {
	if release, ok := ctx.Value(releaseKey{}).(func()); ok {
		release()
	}
}

// Handle implements jsonrpc2.Handler. It is called by the connection's
// read loop, one message at a time, and blocks while the connection holds
// MaxCallsInFlight calls.
func (h *Handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Method == CancelMethod {
		h.cancel(req)
		return
	}
	pos := h.position()
	switch h.acquire(ctx, req, pos) {
	case closed:
		return // the connection closed while the call waited to be taken
	case cancelledAhead:
		h.reply(ctx, conn, req, nil, context.Canceled, true)
		return
	}
	call := &Request{Conn: conn, Method: req.Method, ID: req.ID, Notif: req.Notif}
	if req.Params != nil && string(*req.Params) != "null" { // "params": null is no params
		call.Params = *req.Params
	}
	ctx, cancel := context.WithCancel(ctx)
	run := &running{cancel: cancel}
	next := make(chan struct{})
	release := sync.OnceFunc(func() { close(next) })

	h.mu.Lock()
	prev := h.prev
	h.prev = next
	if !req.Notif {
		h.running[req.ID] = run
		if h.cancelledAhead(req.ID, pos) {
			run.cancelled = true
			cancel()
		}
	}
	h.mu.Unlock()

	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer func() { <-h.slots }() // the reply is written: the slot is free
		defer release()
		defer cancel()
		select {
		case <-prev:
		case <-ctx.Done():
		}
		var after []func()
		callCtx := context.WithValue(context.WithValue(ctx, releaseKey{}, release), afterReplyKey{}, &after)
		result, err := h.run(callCtx, call)
		defer func() {
			for _, f := range after {
				f()
			}
		}()
		if req.Notif {
			if err != nil {
				h.log.Warn("notification failed", "method", req.Method, "error", err)
			}
			return
		}
		h.mu.Lock()
		delete(h.running, req.ID)
		cancelled := run.cancelled
		h.mu.Unlock()
		h.reply(ctx, conn, req, result, err, cancelled)
	}()
}

type taken int

const (
	gotSlot taken = iota
	closed
	cancelledAhead
)

// acquire takes a slot for a call, waiting while the connection holds
// MaxCallsInFlight. While it waits, the stream reads ahead for
// cancellations, so that the calls holding the slots can still be
// cancelled; a cancellation of the request itself ends the wait
// (cancelledAhead: it is answered without a slot). It returns closed if
// ctx (the connection) ends first, or if reading ahead meets the end of
// the connection, which the read loop, blocked here, would not see: the
// read loop then drops the requests it still holds, reaches the end and
// closes the connection, cancelling the calls that hold the slots.
func (h *Handler) acquire(ctx context.Context, req *jsonrpc2.Request, pos int) taken {
	select {
	case h.slots <- struct{}{}:
		return gotSlot
	default:
	}
	var cancelled, gone chan struct{}
	if h.ahead != nil {
		gone = h.ahead.gone
		if !req.Notif {
			w := &waitingCall{id: req.ID, pos: pos, cancelled: make(chan struct{})}
			cancelled = w.cancelled
			h.mu.Lock()
			if h.cancelledAhead(req.ID, pos) {
				h.mu.Unlock()
				return cancelledAhead
			}
			h.waiting = w
			h.mu.Unlock()
			defer func() {
				h.mu.Lock()
				h.waiting = nil
				h.mu.Unlock()
			}()
		}
		h.ahead.start()
		defer h.ahead.stop()
	}
	select {
	case h.slots <- struct{}{}:
		h.mu.Lock()
		h.waiting = nil
		h.mu.Unlock()
		select {
		case <-cancelled: // both at once: the cancellation wins
			<-h.slots
			return cancelledAhead
		default:
			return gotSlot
		}
	case <-cancelled:
		return cancelledAhead
	case <-ctx.Done():
		return closed
	case <-gone:
		return closed
	}
}

// cancelledAhead reports, and forgets, a cancellation read ahead that comes
// after the request with this id that ends at pos. h.mu is held.
func (h *Handler) cancelledAhead(id jsonrpc2.ID, pos int) bool {
	end, ok := h.aheadCancels[id]
	if ok && pos < end {
		delete(h.aheadCancels, id)
		return true
	}
	return false
}

// position returns the stream offset where the message just read ends.
func (h *Handler) position() int {
	if h.ahead == nil {
		return 0
	}
	return h.ahead.position()
}

func (h *Handler) run(ctx context.Context, call *Request) (result any, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return h.dispatch(ctx, call)
}

func (h *Handler) reply(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request, result any, err error, cancelled bool) {
	if f, ok := result.(*Forward); ok {
		defer f.Close()
		switch {
		case err != nil:
		case f.raw != nil:
			result = f.raw
		case h.stream == nil: // no stream to pass it on through: read it whole
			result, err = readReply(ctx, io.MultiReader(strings.NewReader(`{"id":`+onceID+`,"result":`), bytes.NewReader(f.pending), f.c), req.Method)
		default:
			if err := h.forward(conn, req.ID, f); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
				h.log.Warn("could not pass a reply on", "method", req.Method, "error", err)
			}
			return
		}
	}
	if err == nil {
		var raw []byte
		raw, err = encodeResult(req.Method, result)
		if err == nil {
			if err := h.writeResult(ctx, conn, req.ID, raw); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
				h.log.Warn("could not send a reply", "method", req.Method, "error", err)
			}
			return
		}
	}
	var e *protocol.Error
	switch {
	case cancelled:
		e = NewError(protocol.CodeRequestCancelled, "Request cancelled", "")
	case errors.As(err, &e):
	default:
		e = NewError(protocol.CodeInternalError, "Internal error: "+err.Error(), "")
	}
	if err := conn.ReplyWithError(context.WithoutCancel(ctx), req.ID, toWire(e)); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		h.log.Warn("could not send an error reply", "method", req.Method, "error", err)
	}
}

// cancel handles "$/cancelRequest" in its turn.
func (h *Handler) cancel(req *jsonrpc2.Request) {
	var params json.RawMessage
	if req.Params != nil {
		params = *req.Params
	}
	id, ok := cancelTarget(params)
	if !ok {
		h.log.Warn("ignoring a malformed $/cancelRequest")
		return
	}
	pos := h.position()
	h.mu.Lock()
	defer h.mu.Unlock()
	if end, ok := h.aheadCancels[id]; ok && end <= pos {
		delete(h.aheadCancels, id) // this cancellation, read ahead: its turn has come
	}
	h.cancelLocked(id)
}

// cancelFrame is given each line that the stream reads ahead while Handle
// waits for a slot, and the stream offset where it ends. A valid
// "$/cancelRequest" cancels the call it names at once if it has been
// taken, ends the wait if it is the request Handle waits with, and is
// remembered for a request not read yet. The line is read again in its
// turn; cancelling twice does nothing more.
func (h *Handler) cancelFrame(line []byte, end int) {
	if !bytes.Contains(line, []byte(`"`+CancelMethod+`"`)) {
		return
	}
	var hd header
	if inspect(line, &hd) != nil || hd.ID != nil || methodName(hd.Method) != CancelMethod {
		return
	}
	var m struct {
		Params json.RawMessage `json:"params"`
	}
	if json.Unmarshal(line, &m) != nil {
		return
	}
	id, ok := cancelTarget(m.Params)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch w := h.waiting; {
	case h.cancelLocked(id):
	case w != nil && w.id == id && w.pos < end:
		if !w.closed {
			w.closed = true
			close(w.cancelled)
		}
	case h.aheadCancels[id] < end:
		h.aheadCancels[id] = end
	}
}

// cancelTarget returns the id that the params of "$/cancelRequest" name:
// {"id": <string or number>}. Absent or null params, or a missing or null
// id, name nothing (not the call whose id is 0).
func cancelTarget(params json.RawMessage) (jsonrpc2.ID, bool) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	var id jsonrpc2.ID
	if len(params) == 0 || json.Unmarshal(params, &p) != nil || len(p.ID) == 0 || string(p.ID) == "null" {
		return id, false
	}
	if json.Unmarshal(p.ID, &id) != nil {
		return id, false
	}
	return id, true
}

// cancelLocked cancels the call with this id, if one has been taken and has
// not replied. h.mu is held.
func (h *Handler) cancelLocked(id jsonrpc2.ID) bool {
	run, ok := h.running[id]
	if ok {
		run.cancelled = true
		run.cancel()
	}
	return ok
}

// Wait waits for every call in progress to finish.
func (h *Handler) Wait() { h.wg.Wait() }

// writeResult writes a reply with the encoded result: on the handler's
// stream, as one line laid out as jsonrpc2 lays out replies, so that a
// result of megabytes is not encoded again (jsonrpc2 would marshal it
// anew, and compact it); through jsonrpc2 when the handler has no stream.
func (h *Handler) writeResult(ctx context.Context, conn *jsonrpc2.Conn, id jsonrpc2.ID, raw []byte) error {
	if h.stream == nil {
		return conn.Reply(ctx, id, json.RawMessage(raw))
	}
	head, err := resultHead(id)
	if err != nil {
		return err
	}
	return closedOr(conn, h.stream.writeParts(head, raw, []byte(`,"jsonrpc":"2.0"}`)))
}

// resultHead is the start of a reply to id, up to its result.
func resultHead(id jsonrpc2.ID) ([]byte, error) {
	idText, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 0, len(idText)+16)
	head = append(head, `{"id":`...)
	head = append(head, idText...)
	return append(head, `,"result":`...), nil
}

// closedOr is err, or jsonrpc2.ErrClosed when the connection has closed.
func closedOr(conn *jsonrpc2.Conn, err error) error {
	if err == nil {
		return nil
	}
	select {
	case <-conn.DisconnectNotify():
		return jsonrpc2.ErrClosed
	default:
		return err
	}
}

// forward passes a reply on from another server (see Forward), under the
// client's id.
func (h *Handler) forward(conn *jsonrpc2.Conn, id jsonrpc2.ID, f *Forward) error {
	head, err := resultHead(id)
	if err != nil {
		return err
	}
	return closedOr(conn, h.stream.writeForward(head, f))
}

// maxResult is the largest result a reply carries: the frame limit both
// ends keep, less room for the reply's envelope.
const maxResult = DefaultMaxFrame - 4<<10

// encodeResult encodes a call's result, or says it is too large to send:
// a peer would refuse the line (and close the connection) rather than a
// reply it can act on.
func encodeResult(method string, result any) ([]byte, error) {
	if result == nil {
		return []byte("null"), nil
	}
	if r, ok := result.(RawResult); ok {
		if len(r) == 0 {
			return []byte("null"), nil
		}
		if len(r) > maxResult {
			return nil, protocol.Errorf(protocol.TooLarge, "the result of %s is %d MiB, more than the %d MiB a message may carry",
				method, len(r)>>20, DefaultMaxFrame>>20)
		}
		return r, nil
	}
	raw, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("encoding the result of %s: %w", method, err)
	}
	if len(raw) > maxResult {
		return nil, protocol.Errorf(protocol.TooLarge, "the result of %s is %d MiB, more than the %d MiB a message may carry",
			method, len(raw)>>20, DefaultMaxFrame>>20)
	}
	return raw, nil
}
