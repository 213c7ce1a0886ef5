package rpc

import (
	"encoding/json"
	"errors"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// Errors are *protocol.Error everywhere in bdg-rpc: a handler returns one,
// the codec answers bad input with one, and a call that fails returns one.
// jsonrpc2's own error type appears only where a message is written or
// read.

// NewError returns an error of the JSON-RPC layer itself (no kind) with a
// hint for a person.
func NewError(code int64, message, hint string) *protocol.Error {
	return &protocol.Error{Code: code, Message: message, Hint: hint}
}

// InvalidParams returns a -32602 error with the given explanation.
func InvalidParams(why string) *protocol.Error {
	return NewError(protocol.CodeInvalidParams, "Invalid params: "+why,
		"see docs/PROTOCOL.md for this method's params")
}

// toWire turns a protocol error into the error object of a message.
func toWire(e *protocol.Error) *jsonrpc2.Error {
	w := &jsonrpc2.Error{Code: e.Code, Message: e.Error()}
	if d := e.WireData(); d != nil {
		b, err := json.Marshal(d)
		if err == nil {
			raw := json.RawMessage(b)
			w.Data = &raw
		}
	}
	return w
}

// fromWire turns an error a call returned into a protocol error, when the
// peer answered with an error object; other errors (the connection closed)
// pass as they are.
func fromWire(err error) error {
	var w *jsonrpc2.Error
	if !errors.As(err, &w) {
		return err
	}
	var data []byte
	if w.Data != nil {
		data = *w.Data
	}
	e := protocol.FromWire(w.Code, w.Message, data)
	e.Err = err
	return e
}
