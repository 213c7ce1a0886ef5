package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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
// The handler's goroutines end when their calls do; the owner of the
// connection calls Wait after the connection has closed.
type Handler struct {
	dispatch HandlerFunc
	log      *slog.Logger

	wg      sync.WaitGroup
	mu      sync.Mutex
	prev    <-chan struct{} // closed when the previous call releases its successor
	running map[jsonrpc2.ID]*running
}

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
	return &Handler{dispatch: dispatch, log: log, prev: done, running: map[jsonrpc2.ID]*running{}}
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

// Handle implements jsonrpc2.Handler.
func (h *Handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Method == CancelMethod {
		h.cancel(req)
		return
	}
	call := &Request{Conn: conn, Method: req.Method, ID: req.ID, Notif: req.Notif}
	if req.Params != nil {
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
	}
	h.mu.Unlock()

	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
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

func (h *Handler) run(ctx context.Context, call *Request) (result any, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return h.dispatch(ctx, call)
}

func (h *Handler) reply(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request, result any, err error, cancelled bool) {
	if err == nil {
		if result == nil {
			result = json.RawMessage("null")
		}
		if err := conn.Reply(ctx, req.ID, result); err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
			h.log.Warn("could not send a reply", "method", req.Method, "error", err)
		}
		return
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

func (h *Handler) cancel(req *jsonrpc2.Request) {
	var p struct {
		ID jsonrpc2.ID `json:"id"`
	}
	if req.Params == nil || json.Unmarshal(*req.Params, &p) != nil {
		h.log.Warn("ignoring a malformed $/cancelRequest")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if run, ok := h.running[p.ID]; ok {
		run.cancelled = true
		run.cancel()
	}
}

// Wait waits for every call in progress to finish.
func (h *Handler) Wait() { h.wg.Wait() }
