package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// Message is one JSON-RPC 2.0 message as it travels: a request (Method and
// ID), a notification (Method, no ID) or a response (ID with Result or
// Error). Params, Result and ID keep their JSON text.
type Message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonrpc2.Error `json:"error,omitempty"`
}

// span is a JSON value located in a frame, recorded without copying. It is
// valid only while the frame is.
type span []byte

func (s *span) UnmarshalJSON(b []byte) error {
	*s = b
	return nil
}

// kind returns the first byte of the value: '{', '[', '"', 'n', 't', 'f', or
// a digit or '-'; 0 when absent.
func (s span) kind() byte {
	if len(s) == 0 {
		return 0
	}
	return s[0]
}

// header holds the members of a frame that decide what it is. Decoding into
// it validates the frame and allocates nothing for large params or results.
type header struct {
	JSONRPC span `json:"jsonrpc"`
	ID      span `json:"id"`
	Method  span `json:"method"`
	Params  span `json:"params"`
	Result  span `json:"result"`
	Error   span `json:"error"`
}

// frameError is a frame that cannot be delivered, with the reply it earns.
type frameError struct {
	id  json.RawMessage // the request's id when known, else nil (null)
	err *protocol.Error
}

// inspect decodes the header of a frame and checks it against JSON-RPC 2.0.
func inspect(frame []byte, h *header) *frameError {
	*h = header{}
	switch first := firstByte(frame); first {
	case '{':
	case '[':
		if !json.Valid(frame) {
			return parseError(frame)
		}
		return &frameError{err: NewError(protocol.CodeInvalidRequest,
			"batch requests are not supported",
			"send each request as its own line")}
	default:
		if !json.Valid(frame) {
			return parseError(frame)
		}
		return invalidRequest(nil, "a message must be a JSON object")
	}
	if err := json.Unmarshal(frame, h); err != nil {
		// Every member of header accepts any value, so only the syntax can
		// be wrong.
		return parseError(frame)
	}
	id, idErr := checkID(h.ID)
	if idErr != "" {
		return invalidRequest(nil, idErr)
	}
	if !bytes.Equal(h.JSONRPC, []byte(`"2.0"`)) {
		return invalidRequest(id, `member "jsonrpc" must be "2.0"`)
	}
	if h.Method != nil {
		switch {
		case h.Method.kind() != '"':
			return invalidRequest(id, `member "method" must be a string`)
		case h.Result != nil || h.Error != nil:
			return invalidRequest(id, `a request cannot carry "result" or "error"`)
		case h.Params != nil && h.Params.kind() != '{' && h.Params.kind() != '[':
			return invalidRequest(id, `member "params" must be an object or an array`)
		case h.ID != nil && h.ID.kind() == 'n':
			return invalidRequest(nil, `a request id must be a string or a number; omit "id" for a notification`)
		}
		return nil
	}
	switch {
	case h.Result == nil && h.Error == nil:
		return invalidRequest(id, `a message needs "method" (a request) or "result" or "error" (a response)`)
	case h.Result != nil && h.Error != nil:
		return invalidRequest(id, `a response cannot carry both "result" and "error"`)
	case h.ID == nil:
		return invalidRequest(nil, `a response needs an "id"`)
	case h.Error != nil && h.Error.kind() != '{':
		return invalidRequest(id, `member "error" must be an object`)
	}
	return nil
}

// checkID accepts what github.com/sourcegraph/jsonrpc2 can echo back
// faithfully: a string, a non-negative integer, or null.
func checkID(raw span) (json.RawMessage, string) {
	switch raw.kind() {
	case 0, 'n':
		return nil, ""
	case '"':
		return json.RawMessage(bytes.Clone(raw)), ""
	}
	if _, err := strconv.ParseUint(string(raw), 10, 64); err == nil {
		return json.RawMessage(bytes.Clone(raw)), ""
	}
	return nil, "a request id must be a string or a non-negative integer"
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func parseError(frame []byte) *frameError {
	var v any
	err := json.Unmarshal(frame, &v)
	var syn *json.SyntaxError
	detail := "not JSON"
	if errors.As(err, &syn) {
		detail = fmt.Sprintf("%s (at byte %d)", syn.Error(), syn.Offset)
	} else if err != nil {
		detail = err.Error()
	}
	return &frameError{err: NewError(protocol.CodeParseError, "Parse error: "+detail,
		"send one JSON-RPC message per line, as UTF-8 JSON ending in \\n")}
}

func invalidRequest(id json.RawMessage, why string) *frameError {
	return &frameError{id: id, err: NewError(protocol.CodeInvalidRequest, "Invalid Request: "+why,
		"see docs/PROTOCOL.md for the message format")}
}
