package rpc

import (
	"context"

	"github.com/sourcegraph/jsonrpc2"
)

// Call calls the method m on conn with params and returns its result. An
// error object the peer answers with is returned as a *protocol.Error.
func Call[P, R any](ctx context.Context, conn *jsonrpc2.Conn, m Spec[P, R], params P) (R, error) {
	var res R
	err := CallRaw(ctx, conn, m.MethodName(), params, &res)
	return res, err
}

// CallRaw calls a method by name, for callers that pass params and results
// through as they are; result is decoded as encoding/json does.
func CallRaw(ctx context.Context, conn *jsonrpc2.Conn, method string, params, result any) error {
	return fromWire(conn.Call(ctx, method, params, result))
}
