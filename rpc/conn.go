package rpc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"github.com/sourcegraph/jsonrpc2"
)

// NewConn starts a JSON-RPC connection over rwc with the newline-delimited
// codec. h answers the peer's calls (nil: every call is answered -32601).
// The connection closes when ctx ends or Close is called.
func NewConn(ctx context.Context, rwc io.ReadWriteCloser, h jsonrpc2.Handler, log *slog.Logger, opts ...StreamOption) *jsonrpc2.Conn {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if h == nil {
		h = NewHandler(NewMux().Dispatch, log)
	}
	stream := NewStream(rwc, append([]StreamOption{WithLogger(log)}, opts...)...)
	return jsonrpc2.NewConn(ctx, stream, h, jsonrpc2.SetLogger(printfLogger{log}))
}

// Dial connects to a Unix socket and starts a JSON-RPC connection on it.
func Dial(ctx context.Context, socketPath string, h jsonrpc2.Handler, log *slog.Logger, opts ...StreamOption) (*jsonrpc2.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", socketPath, err)
	}
	return NewConn(ctx, c, h, log, opts...), nil
}

// printfLogger lets jsonrpc2 report through slog instead of the process's
// standard error, which may be a protocol channel.
type printfLogger struct{ log *slog.Logger }

func (l printfLogger) Printf(format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...))
}
