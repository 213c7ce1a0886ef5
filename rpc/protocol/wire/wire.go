// Package wire is the wire format of session events: the one place that
// knows how a worker lays out an event's notification line, with the writer
// the worker uses and the reader a backend uses to forward lines without
// decoding them. TestRoundTrip holds the two together.
//
// Every event line is
//
//	{"jsonrpc":"2.0","method":"M","params":{"session":"S","seq":N,...}}
//
// with the method, the session and the seq first, in that order (an
// events/dropped line has no seq), and the event's other members after
// them, as encoding/json writes them. Method and session names hold no
// quote or backslash (session names are validated; methods are the
// protocol's), so a reader finds the head by its layout alone.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

const (
	prefix        = `{"jsonrpc":"2.0","method":"`
	paramsSession = `","params":{"session":`
	seqMember     = `,"seq":`
)

// appendHead appends the line's head, up to and including the seq when
// hasSeq.
func appendHead(b []byte, method, session string, seq uint64, hasSeq bool) []byte {
	b = append(b, prefix...)
	b = append(b, method...)
	b = append(b, paramsSession...)
	b, _ = AppendString(b, session) // a session name is valid UTF-8
	if hasSeq {
		b = append(b, seqMember...)
		b = strconv.AppendUint(b, seq, 10)
	}
	return b
}

// appendRest appends the members of v (a struct, encoded by encoding/json)
// after the head, and closes the line.
func appendRest(b []byte, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(body) > 2 { // more than "{}"
		b = append(b, ',')
		b = append(b, body[1:len(body)-1]...)
	}
	return append(b, "}}"...), nil
}

// Console appends the line of a console/message event. Its members are
// written by hand (console bursts are the worker's hot path), as
// encoding/json would write protocol.ConsoleEvent; a text that is not
// valid UTF-8 is left to encoding/json, which replaces the bad bytes.
func Console(b []byte, session string, seq uint64, m *protocol.ConsoleMessage) ([]byte, error) {
	start := len(b)
	if line, ok := appendConsole(b, session, seq, m); ok {
		return line, nil
	}
	return appendRest(appendHead(b[:start], protocol.NotifyConsole, session, seq, true),
		struct {
			Message *protocol.ConsoleMessage `json:"message"`
		}{m})
}

func appendConsole(b []byte, session string, seq uint64, m *protocol.ConsoleMessage) ([]byte, bool) {
	b = appendHead(b, protocol.NotifyConsole, session, seq, true)
	b = append(b, `,"message":`...)
	b, ok := appendMessage(b, m)
	return append(b, "}}"...), ok
}

// ConsoleMessage appends a console message as encoding/json would write
// it; ok is false for a text that is not valid UTF-8 (encoding/json
// replaces the bad bytes: leave such a message to it).
func ConsoleMessage(b []byte, m *protocol.ConsoleMessage) ([]byte, bool) {
	return appendMessage(b, m)
}

func appendMessage(b []byte, m *protocol.ConsoleMessage) ([]byte, bool) {
	ok := true
	str := func(s string) {
		var good bool
		b, good = AppendString(b, s)
		ok = ok && good
	}
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"level":`...)
	str(m.Level)
	b = append(b, `,"source":`...)
	str(m.Source)
	b = append(b, `,"type":`...)
	str(m.Type)
	b = append(b, `,"text":`...)
	str(m.Text)
	b = append(b, `,"timestamp":`...)
	b = appendFloat(b, m.Timestamp)
	if m.URL != "" {
		b = append(b, `,"url":`...)
		str(m.URL)
	}
	if m.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(m.Line), 10)
	}
	if m.Column != 0 {
		b = append(b, `,"column":`...)
		b = strconv.AppendInt(b, int64(m.Column), 10)
	}
	if m.Stack != "" {
		b = append(b, `,"stack":`...)
		str(m.Stack)
	}
	b = append(b, `,"navigationId":`...)
	b = strconv.AppendInt(b, int64(m.NavigationID), 10)
	if t := m.Target; t != nil {
		b = append(b, `,"target":{"id":`...)
		str(t.ID)
		b = append(b, `,"type":`...)
		str(t.Type)
		if t.URL != "" {
			b = append(b, `,"url":`...)
			str(t.URL)
		}
		if t.ParentID != "" {
			b = append(b, `,"parentId":`...)
			str(t.ParentID)
		}
		b = append(b, '}')
	}
	if m.FrameID != "" {
		b = append(b, `,"frameId":`...)
		str(m.FrameID)
	}
	if m.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if m.OriginalSizes != nil {
		b = append(b, `,"originalSizes":`...)
		b = appendSizes(b, m.OriginalSizes)
	}
	if len(m.Objects) > 0 {
		b = append(b, `,"objects":[`...)
		for i := range m.Objects {
			o := &m.Objects[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"index":`...)
			b = strconv.AppendInt(b, int64(o.Index), 10)
			b = append(b, `,"objectId":`...)
			str(o.ObjectID)
			b = append(b, `,"type":`...)
			str(o.Type)
			if o.Subtype != "" {
				b = append(b, `,"subtype":`...)
				str(o.Subtype)
			}
			if o.ClassName != "" {
				b = append(b, `,"className":`...)
				str(o.ClassName)
			}
			b = append(b, `,"text":`...)
			str(o.Text)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), ok
}

// ConsoleList appends the result of console/list as encoding/json would
// write it, several times faster: the worker's answer of 10,000 messages
// is megabytes.
func ConsoleList(b []byte, res *protocol.ConsoleListResult) ([]byte, error) {
	// One allocation of about the right size: growing a buffer of
	// megabytes by doubling copies it over and over.
	need := 64 + len(res.Lines) + len(res.Lines)/8 // a lines' newline is written \n
	for i := range res.Items {
		m := &res.Items[i]
		need += 160 + len(m.Level) + len(m.Source) + len(m.Type) + len(m.Text) + len(m.URL) + len(m.Stack) + len(m.FrameID)
		if m.Target != nil {
			need += 48 + len(m.Target.ID) + len(m.Target.Type) + len(m.Target.URL) + len(m.Target.ParentID)
		}
	}
	b = slices.Grow(b, need+need/8) // escapes
	b = append(b, `{"items":[`...)
	for i := range res.Items {
		if i > 0 {
			b = append(b, ',')
		}
		start := len(b)
		var ok bool
		if b, ok = appendMessage(b, &res.Items[i]); !ok {
			one, err := json.Marshal(&res.Items[i])
			if err != nil {
				return nil, err
			}
			b = append(b[:start], one...)
		}
	}
	b = append(b, ']')
	if res.Lines != "" {
		b = append(b, `,"lines":`...)
		start := len(b)
		var ok bool
		if b, ok = AppendString(b, res.Lines); !ok {
			one, err := json.Marshal(res.Lines)
			if err != nil {
				return nil, err
			}
			b = append(b[:start], one...)
		}
	}
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(res.Total), 10)
	b = append(b, `,"matched":`...)
	b = strconv.AppendInt(b, int64(res.Matched), 10)
	b = append(b, `,"returned":`...)
	b = strconv.AppendInt(b, int64(res.Returned), 10)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, int64(res.Dropped), 10)
	if res.NextCursor != "" {
		b = append(b, `,"nextCursor":`...)
		b, _ = AppendString(b, res.NextCursor) // digits: always valid
	}
	stale, err := json.Marshal(res.Stale)
	if err != nil {
		return nil, err
	}
	if len(stale) > 2 { // more than "{}"
		b = append(b, ',')
		b = append(b, stale[1:len(stale)-1]...)
	}
	return append(b, '}'), nil
}

// appendSizes writes a protocol.OriginalSizes as encoding/json does: the
// fields that are not zero, in their order.
func appendSizes(b []byte, t *protocol.OriginalSizes) []byte {
	b = append(b, '{')
	n := len(b)
	field := func(name string, v int) {
		if v == 0 {
			return
		}
		if len(b) > n {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, int64(v), 10)
	}
	field("url", t.URL)
	field("method", t.Method)
	field("text", t.Text)
	field("stack", t.Stack)
	field("requestHeaders", t.RequestHeaders)
	field("requestBody", t.RequestBody)
	field("statusText", t.StatusText)
	field("mimeType", t.MimeType)
	field("responseHeaders", t.ResponseHeaders)
	field("errorText", t.ErrorText)
	field("redirects", t.Redirects)
	return append(b, '}')
}

// appendFloat writes a float64 as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		// encoding/json writes e-07 as e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// Network appends the line of a network/* event: the request as it stands,
// without its bodies, response or request (bodies travel only when asked
// for; requestBodySize says there is post data).
func Network(b []byte, method, session string, seq uint64, r *protocol.NetworkRequest) ([]byte, error) {
	v := *r
	v.ResponseBody, v.RequestBody, v.Frames, v.Messages = "", "", nil, nil
	return appendRest(appendHead(b, method, session, seq, true), struct {
		Request *protocol.NetworkRequest `json:"request"`
	}{&v})
}

// Navigated appends the line of a page/navigated event.
func Navigated(b []byte, session string, seq uint64, nav protocol.Navigation) ([]byte, error) {
	return appendRest(appendHead(b, protocol.NotifyNavigated, session, seq, true), struct {
		Navigation protocol.Navigation `json:"navigation"`
	}{nav})
}

// Frame appends the line of a websocket/frame event.
func Frame(b []byte, session string, seq uint64, f *protocol.WebSocketFrame) ([]byte, error) {
	return appendRest(appendHead(b, protocol.NotifyFrame, session, seq, true), struct {
		Frame *protocol.WebSocketFrame `json:"frame"`
	}{f})
}

// EventSource appends the line of an eventsource/message event.
func EventSource(b []byte, session string, seq uint64, m *protocol.EventSourceMessage) ([]byte, error) {
	return appendRest(appendHead(b, protocol.NotifyEventSource, session, seq, true), struct {
		Message *protocol.EventSourceMessage `json:"message"`
	}{m})
}

// Target appends the line of a target/attached or target/detached event.
func Target(b []byte, method, session string, seq uint64, t protocol.TargetRef, reason string) ([]byte, error) {
	return appendRest(appendHead(b, method, session, seq, true), struct {
		Target protocol.TargetRef `json:"target"`
		Reason string             `json:"reason,omitempty"`
	}{t, reason})
}

// Ended appends the line of a session/ended event.
func Ended(b []byte, ev protocol.EndedEvent) ([]byte, error) {
	return appendRest(appendHead(b, protocol.NotifyEnded, ev.Session, ev.Seq, true), struct {
		Reason     string `json:"reason"`
		OutputPath string `json:"outputPath,omitempty"`
		Error      string `json:"error,omitempty"`
	}{ev.Reason, ev.OutputPath, ev.Error})
}

// Dropped appends the line of an events/dropped event, which has no seq.
func Dropped(b []byte, ev protocol.DroppedEvent) ([]byte, error) {
	return appendRest(appendHead(b, protocol.NotifyDropped, ev.Session, 0, false), struct {
		Count   uint64 `json:"count"`
		FromSeq uint64 `json:"fromSeq"`
		ToSeq   uint64 `json:"toSeq"`
	}{ev.Count, ev.FromSeq, ev.ToSeq})
}

// Head is what a reader needs of an event line to forward it.
type Head struct {
	Method string
	Seq    uint64
	HasSeq bool // false for events/dropped
}

// Recognize returns the method of a line laid out as the worker writes
// events, reading the head only; ok is false for any other line.
func Recognize(line []byte) (method string, ok bool) {
	h, ok := parseHead(line)
	return h.Method, ok
}

// ReadHead returns the head of an event line: read by its layout when the
// line is laid out as the worker writes events, else decoded.
func ReadHead(line []byte) (Head, error) {
	if h, ok := parseHead(line); ok {
		return h, nil
	}
	var m struct {
		Method string `json:"method"`
		Params struct {
			Seq *uint64 `json:"seq"`
		} `json:"params"`
	}
	if err := json.Unmarshal(line, &m); err != nil {
		return Head{}, fmt.Errorf("reading an event line: %w", err)
	}
	h := Head{Method: m.Method}
	if m.Params.Seq != nil {
		h.Seq, h.HasSeq = *m.Params.Seq, true
	}
	return h, nil
}

// parseHead reads the head of a line by its layout.
func parseHead(line []byte) (Head, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(prefix))
	if !ok || len(line) < 2 || line[len(line)-2] != '}' || line[len(line)-1] != '}' {
		return Head{}, false
	}
	i := bytes.IndexByte(rest, '"')
	if i <= 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return Head{}, false
	}
	h := Head{Method: string(rest[:i])}
	rest, ok = bytes.CutPrefix(rest[i:], []byte(paramsSession+`"`))
	if !ok {
		return Head{}, false
	}
	i = bytes.IndexByte(rest, '"')
	if i < 0 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return Head{}, false
	}
	rest, ok = bytes.CutPrefix(rest[i+1:], []byte(seqMember))
	if !ok {
		return h, true // no seq: events/dropped
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	seq, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	if err != nil || end == len(rest) || (rest[end] != ',' && rest[end] != '}') {
		return Head{}, false
	}
	h.Seq, h.HasSeq = seq, true
	return h, true
}
