package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/sourcegraph/jsonrpc2"
)

// NewConn starts a JSON-RPC connection on a stream. h answers the peer's
// calls (nil: every call is answered -32601); a *Handler is joined to the
// stream, so that it reads cancellations ahead while it waits for a free
// slot, and serves this connection only. The connection closes when ctx
// ends or Close is called.
func NewConn(ctx context.Context, s *Stream, h jsonrpc2.Handler, log *slog.Logger) *jsonrpc2.Conn {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if h == nil {
		h = NewHandler(NewMux().Dispatch, log)
	}
	if hh, ok := h.(*Handler); ok {
		hh.attach(s)
	}
	return jsonrpc2.NewConn(ctx, s, h, jsonrpc2.SetLogger(printfLogger{log}))
}

// Dial connects to a Unix socket and starts a JSON-RPC connection on it.
// ctx bounds the dialing only; the connection lives until Close.
func Dial(ctx context.Context, socketPath string, h jsonrpc2.Handler, log *slog.Logger, opts ...StreamOption) (*jsonrpc2.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", socketPath, err)
	}
	s := NewStream(c, append([]StreamOption{WithLogger(log)}, opts...)...)
	return NewConn(context.WithoutCancel(ctx), s, h, log), nil
}

// printfLogger lets jsonrpc2 report through slog instead of the process's
// standard error, which may be a protocol channel.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, v ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	if strings.Contains(msg, net.ErrClosed.Error()) {
		l.log.Debug(msg) // the connection was closed on purpose
		return
	}
	l.log.Warn(msg)
}
