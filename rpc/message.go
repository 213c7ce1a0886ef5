package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
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

// span is a small member of a frame (jsonrpc, id, method), copied out of it.
type span []byte

// UnmarshalJSONFrom implements the v2 JSON decoder's UnmarshalerFrom.
func (s *span) UnmarshalJSONFrom(d *jsonv2.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	*s = bytes.Clone(v)
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

// version records whether a member is the string "2.0", without copying it.
type version bool

// UnmarshalJSONFrom implements the v2 JSON decoder's UnmarshalerFrom.
func (v *version) UnmarshalJSONFrom(d *jsonv2.Decoder) error {
	val, err := d.ReadValue()
	*v = version(err == nil && string(val) == `"2.0"`)
	return err
}

// kindOf is what kind of value a member holds, and nothing more: params
// and results, however large, are skipped, never copied. 0 when absent.
type kindOf byte

// UnmarshalJSONFrom implements the v2 JSON decoder's UnmarshalerFrom.
func (k *kindOf) UnmarshalJSONFrom(d *jsonv2.Decoder) error {
	*k = kindOf(d.PeekKind())
	return d.SkipValue()
}

// scalar reports whether the member holds a string, a number or a boolean:
// present, but neither structured nor null.
func (k kindOf) scalar() bool {
	return k != 0 && k != '{' && k != '[' && k != 'n'
}

// name names the kind of a scalar for an error message.
func (k kindOf) name() string {
	switch k {
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}

// header holds the members of a frame that decide what it is. Decoding into
// it validates the frame in one pass of the v2 JSON decoder (several times
// faster than encoding/json's) and copies only the small members.
type header struct {
	JSONRPC version `json:"jsonrpc"`
	ID      span    `json:"id"`
	Method  span    `json:"method"`
	Params  kindOf  `json:"params"`
	Result  kindOf  `json:"result"`
	Error   kindOf  `json:"error"`
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
	if err := jsonv2.Unmarshal(frame, h, jsonv2.AllowInvalidUTF8(true)); err != nil {
		// Every member of header accepts any value, so the syntax is wrong,
		// or a member appears twice (which encoding/json, and so jsonrpc2,
		// would take silently: the last one would win).
		if !json.Valid(frame) {
			return parseError(frame)
		}
		return invalidRequest(nil, "a member appears more than once")
	}
	id, idErr := checkID(h.ID)
	if idErr != "" {
		return invalidRequest(nil, idErr)
	}
	if !h.JSONRPC {
		return invalidRequest(id, `member "jsonrpc" must be "2.0"`)
	}
	if h.Method != nil {
		switch {
		case h.Method.kind() != '"':
			return invalidRequest(id, `member "method" must be a string`)
		case h.Result != 0 || h.Error != 0:
			return invalidRequest(id, `a request cannot carry "result" or "error"`)
		case h.ID != nil && h.ID.kind() == 'n':
			return invalidRequest(nil, `a request id must be a string or a number; omit "id" for a notification`)
		case h.Params.scalar():
			// "params": null is taken as absent, as LSP clients send it
			// for methods without params. Any other value that is not
			// an object or an array fits no method of the protocol.
			// A request gets -32602 and its id, whatever the method; a
			// notification, which has no call to answer, -32600.
			if h.ID == nil {
				return invalidRequest(nil, `member "params" must be an object, an array or null, not `+h.Params.name())
			}
			return &frameError{id: id, err: NewError(protocol.CodeInvalidParams,
				"Invalid params: params must be an object or an array, not "+h.Params.name(),
				`omit "params", or send null, for a method that takes none; see docs/PROTOCOL.md for this method's params`)}
		}
		return nil
	}
	switch {
	case h.Result == 0 && h.Error == 0:
		return invalidRequest(id, `a message needs "method" (a request) or "result" or "error" (a response)`)
	case h.Result != 0 && h.Error != 0:
		return invalidRequest(id, `a response cannot carry both "result" and "error"`)
	case h.ID == nil:
		return invalidRequest(nil, `a response needs an "id"`)
	case h.Error != 0 && h.Error != '{':
		return invalidRequest(id, `member "error" must be an object`)
	}
	return nil
}

// checkID accepts what github.com/sourcegraph/jsonrpc2 can echo back
// faithfully: a string, an integer from 0 to 2^63-1 (it reads numbers as
// int64), or null.
func checkID(raw span) (json.RawMessage, string) {
	switch raw.kind() {
	case 0, 'n':
		return nil, ""
	case '"':
		return json.RawMessage(raw), ""
	}
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n >= 0 && raw[0] != '-' {
		return json.RawMessage(raw), ""
	}
	return nil, "a request id must be a string or an integer from 0 to 9223372036854775807 (2^63-1)"
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
