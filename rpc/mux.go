package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// Request is one incoming request or notification, as a handler sees it.
type Request struct {
	Conn   *jsonrpc2.Conn
	Method string
	Params json.RawMessage // nil when the message had none
	ID     jsonrpc2.ID
	Notif  bool
}

// HandlerFunc answers a request. The result is sent as the response's
// result; a *protocol.Error is sent as it is, and any other error as an
// internal error.
type HandlerFunc func(ctx context.Context, r *Request) (any, error)

// Validator is implemented by params types that check themselves after
// decoding; the error is sent as -32602 Invalid params.
type Validator interface {
	Validate() error
}

// Mux routes calls to handlers by method name.
type Mux struct {
	routes map[string]HandlerFunc
}

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{routes: map[string]HandlerFunc{}} }

// Handle registers h for method, replacing any earlier handler.
func (m *Mux) Handle(method string, h HandlerFunc) { m.routes[method] = h }

// Methods lists the registered methods in order.
func (m *Mux) Methods() []string {
	names := make([]string, 0, len(m.routes))
	for name := range m.routes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Dispatch runs the handler of r.Method, or fails with -32601.
func (m *Mux) Dispatch(ctx context.Context, r *Request) (any, error) {
	h, ok := m.routes[r.Method]
	if !ok {
		return nil, NewError(protocol.CodeMethodNotFound, fmt.Sprintf("Method not found: %q", r.Method),
			"see docs/PROTOCOL.md for the methods, or ask \"initialize\" for capabilities.methods")
	}
	return h(ctx, r)
}

// Spec is a method of the protocol (a protocol.Method): its name and, by its
// type, its params P and result R.
type Spec[P, R any] interface {
	MethodName() string
	Types(P, R)
}

// Handle registers f for the method m. Params are decoded strictly: an
// unknown member or a value of the wrong type is an Invalid params error
// that names the member. Missing or null params decode as the zero value,
// which Validate can refuse. The compiler checks that f takes and returns
// what the method table says.
func Handle[P, R any](mux *Mux, m Spec[P, R], f func(ctx context.Context, p P) (R, error)) {
	mux.Handle(m.MethodName(), func(ctx context.Context, r *Request) (any, error) {
		var p P
		if err := DecodeParams(r.Params, &p); err != nil {
			return nil, err
		}
		return f(ctx, p)
	})
}

// HandleEncoded is Handle for a method whose result has an encoder of its
// own, faster than encoding/json's reflection (a list of thousands of
// records): the reply carries what enc appends, as it is (a RawResult).
// enc must write valid JSON.
func HandleEncoded[P, R any](mux *Mux, m Spec[P, R], f func(ctx context.Context, p P) (R, error), enc func(b []byte, r *R) ([]byte, error)) {
	mux.Handle(m.MethodName(), func(ctx context.Context, r *Request) (any, error) {
		var p P
		if err := DecodeParams(r.Params, &p); err != nil {
			return nil, err
		}
		res, err := f(ctx, p)
		if err != nil {
			return nil, err
		}
		b, err := enc(nil, &res)
		if err != nil {
			return nil, fmt.Errorf("encoding the result of %s: %w", m.MethodName(), err)
		}
		return RawResult(b), nil
	})
}

// DecodeParams decodes raw into p strictly and validates it, returning an
// *Error with code -32602 on failure. Absent params, or null, leave p as it
// is (the zero value, for an object as for an array) for Validate to judge.
func DecodeParams(raw json.RawMessage, p any) error {
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(p); err != nil {
			return InvalidParams(describeDecodeError(err))
		}
	}
	if v, ok := p.(Validator); ok {
		if err := v.Validate(); err != nil {
			return InvalidParams(err.Error())
		}
	}
	return nil
}

func describeDecodeError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Sprintf("params must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return fmt.Sprintf("field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return "params are not valid JSON"
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + rest
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a " + goKind
}
