package rpc

import (
	"encoding/json"

	"github.com/sourcegraph/jsonrpc2"
)

// Error is a JSON-RPC 2.0 error object.
type Error = jsonrpc2.Error

// Error codes of JSON-RPC 2.0 and of the LSP conventions bdg-rpc follows.
const (
	CodeParseError           = jsonrpc2.CodeParseError     // -32700: the line is not JSON
	CodeInvalidRequest       = jsonrpc2.CodeInvalidRequest // -32600: JSON, but not a JSON-RPC 2.0 message
	CodeMethodNotFound       = jsonrpc2.CodeMethodNotFound // -32601
	CodeInvalidParams        = jsonrpc2.CodeInvalidParams  // -32602: params do not fit the method
	CodeInternalError        = jsonrpc2.CodeInternalError  // -32603
	CodeServerNotInitialized = -32002                      // a request before "initialize"
	CodeRequestCancelled     = -32800                      // the call was cancelled by "$/cancelRequest"
)

// ErrorData is the data member of every error bdg-rpc sends: what kind of
// failure it is, for programs, and what a person can do about it.
type ErrorData struct {
	Kind string `json:"kind,omitempty"`
	Hint string `json:"hint,omitempty"`
}

// NewError returns an error object whose data carries hint.
func NewError(code int64, message, hint string) *Error {
	return NewKindError(code, "", message, hint)
}

// NewKindError returns an error object whose data carries kind and hint.
func NewKindError(code int64, kind, message, hint string) *Error {
	e := &Error{Code: code, Message: message}
	if kind != "" || hint != "" {
		b, _ := json.Marshal(ErrorData{Kind: kind, Hint: hint}) // cannot fail: two strings
		raw := json.RawMessage(b)
		e.Data = &raw
	}
	return e
}

// DataOf decodes the data member of e, if it has the ErrorData shape.
func DataOf(e *Error) ErrorData {
	var d ErrorData
	if e != nil && e.Data != nil {
		_ = json.Unmarshal(*e.Data, &d) // other shapes leave d empty
	}
	return d
}
