package browser

import (
	"fmt"
	"strconv"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// message is a message from Chrome: a reply when ID is set, else an event.
type message struct {
	ID        int64        `json:"id,omitzero"`
	SessionID string       `json:"sessionId,omitzero"`
	Method    string       `json:"method,omitzero"`
	Params    jsonv2.Value `json:"params,omitzero"`
	Result    jsonv2.Value `json:"result,omitzero"`
	Error     *CDPError    `json:"error,omitzero"`
}

// lenient is the decoding option for everything that Chrome sends. Chrome
// writes JavaScript strings as they are, so a page can make it send a lone
// UTF-16 surrogate, such as console.log('\ud800'), which strict JSON rejects.
var lenient = jsonv2.AllowInvalidUTF8(true)

// decodeMessage parses a message from Chrome. Strings that are not valid
// Unicode (lone surrogates, invalid UTF-8) come out with U+FFFD in their place,
// so that Params and Result are valid JSON that any strict decoder accepts,
// including the one in cdp.Events. The fields own their bytes.
func decodeMessage(data []byte) (message, error) {
	var m message
	err := jsonv2.Unmarshal(data, &m)
	if err != nil {
		// The rare slow path: rewrite the message with U+FFFD in place of
		// what is not Unicode, and parse again.
		v := jsonv2.Value(data)
		if ferr := v.Format(lenient); ferr != nil {
			return message{}, err
		}
		m = message{}
		if err := jsonv2.Unmarshal(v, &m); err != nil {
			return message{}, err
		}
	}
	return m, nil
}

// encodeCommand writes the command as one JSON object. params must be a valid
// JSON object or empty.
func encodeCommand(id int64, sessionID, method string, params jsonv2.Value) ([]byte, error) {
	quotedMethod, err := jsonv2.Marshal(method, lenient)
	if err != nil {
		return nil, fmt.Errorf("encoding method name: %w", err)
	}
	buf := make([]byte, 0, 64+len(sessionID)+len(method)+len(params))
	buf = append(buf, `{"id":`...)
	buf = strconv.AppendInt(buf, id, 10)
	if sessionID != "" {
		quoted, err := jsonv2.Marshal(sessionID, lenient)
		if err != nil {
			return nil, fmt.Errorf("encoding session id: %w", err)
		}
		buf = append(buf, `,"sessionId":`...)
		buf = append(buf, quoted...)
	}
	buf = append(buf, `,"method":`...)
	buf = append(buf, quotedMethod...)
	if len(params) > 0 {
		buf = append(buf, `,"params":`...)
		buf = append(buf, params...)
	}
	buf = append(buf, '}')
	return buf, nil
}

// marshalParams encodes the params of a typed call. A nil params sends none.
// A jsonv2.Value or []byte is taken as JSON text.
func marshalParams(params any) (jsonv2.Value, error) {
	switch p := params.(type) {
	case nil:
		return nil, nil
	case jsonv2.Value:
		return checkParams(p)
	case []byte:
		return checkParams(p)
	}
	b, err := jsonv2.Marshal(params, lenient)
	if err != nil {
		return nil, err
	}
	if jsonv2.Value(b).Kind() != '{' {
		return nil, fmt.Errorf("params must encode as a JSON object, not %q", jsonv2.Value(b).Kind())
	}
	return b, nil
}

// checkParams makes sure that params is empty or one JSON object. Chrome
// cannot answer a command that it cannot parse, so a bad command would wait
// for its reply forever.
func checkParams(p jsonv2.Value) (jsonv2.Value, error) {
	if len(p) == 0 {
		return nil, nil
	}
	if p.Kind() != '{' {
		return nil, fmt.Errorf("params must be a JSON object, not %q", p.Kind())
	}
	if !p.IsValid() {
		// Make invalid Unicode U+FFFD, as in what Chrome sends, or fail
		// on JSON that is broken.
		q := p.Clone()
		if err := q.Format(lenient); err != nil {
			return nil, fmt.Errorf("params are not valid JSON: %w", err)
		}
		p = q
	}
	return p, nil
}
