package wire

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/google/go-cmp/cmp"
)

// notification is an event line as encoding/json writes it from the
// protocol's types: what every line the writer makes must decode to.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// TestRoundTrip holds the writer and the reader together: every kind of
// event line, with awkward text, is read back by its layout with the method
// and seq it was written with, reads the same when decoded, and decodes to
// what encoding/json makes of the same event.
func TestRoundTrip(t *testing.T) {
	const session = "my-app.2"
	awkward := []string{"plain", "", "<b>&\"quoted\"\n\t\\ ☃ \u2028\u2029 \x01\x1f", `"seq":7,"x":"}}"`, strings.Repeat("é", 300)}
	type line struct {
		method string
		seq    uint64
		hasSeq bool
		bytes  []byte
		want   any
	}
	var lines []line
	add := func(method string, seq uint64, hasSeq bool, b []byte, err error, want any) {
		t.Helper()
		if err != nil {
			t.Fatalf("writing %s: %v", method, err)
		}
		lines = append(lines, line{method, seq, hasSeq, b, want})
	}
	for i, text := range awkward {
		seq := uint64(i*1000 + 1)
		m := protocol.ConsoleMessage{Seq: seq, Level: "error", Source: "exception", Type: "exception", Text: text,
			Timestamp: []float64{1764100000123.456, 1e21, 0.1, 1e-7, 0}[i], URL: text, Line: i, Column: 2 * i, Stack: text, NavigationID: i, Truncated: i%2 == 0,
			OriginalSizes: []*protocol.OriginalSizes{nil, {}, {Text: 70000}, {URL: 2 << 20, Stack: 21 << 20},
				{URL: 1, Method: 2, Text: 3, Stack: 4, RequestHeaders: 5, RequestBody: 6, StatusText: 7, MimeType: 8, ResponseHeaders: 9, ErrorText: 10, Redirects: 11}}[i]}
		if i%2 == 1 {
			m.Target = &protocol.TargetRef{ID: "T" + text, Type: protocol.TargetWorker, URL: text, ParentID: []string{"", "P"}[i%3%2]}
			m.FrameID = "F" + text
		}
		b, err := Console(nil, session, seq, &m)
		add(protocol.NotifyConsole, seq, true, b, err, protocol.ConsoleEvent{Session: session, Seq: seq, Message: m})

		r := protocol.NetworkRequest{Seq: seq + 1, RequestID: "1." + text, URL: "http://h/?q=" + text, Method: "GET",
			State: protocol.StateFinished, RequestHeaders: json.RawMessage(`{"a":"b"}`), ResponseBody: "body, left out", BodySize: 14,
			RequestBody: "post data, left out", RequestBodySize: 100, Truncated: true, OriginalSizes: &protocol.OriginalSizes{RequestBody: 100}}
		b, err = Network(nil, protocol.NotifyFinished, session, seq+1, &r)
		wantReq := r
		wantReq.ResponseBody, wantReq.RequestBody = "", ""
		add(protocol.NotifyFinished, seq+1, true, b, err, protocol.NetworkEvent{Session: session, Seq: seq + 1, Request: wantReq})

		nav := protocol.Navigation{ID: i + 1, URL: "http://h/" + text, Timestamp: 12.5}
		b, err = Navigated(nil, session, seq+2, nav)
		add(protocol.NotifyNavigated, seq+2, true, b, err, protocol.NavigatedEvent{Session: session, Seq: seq + 2, Navigation: nav})

		ended := protocol.EndedEvent{Session: session, Seq: seq + 3, Reason: protocol.ReasonError, OutputPath: text, Error: text}
		b, err = Ended(nil, ended)
		add(protocol.NotifyEnded, seq+3, true, b, err, ended)
	}
	dropped := protocol.DroppedEvent{Session: session, Count: 5, FromSeq: 2, ToSeq: 6}
	b, err := Dropped(nil, dropped)
	add(protocol.NotifyDropped, 0, false, b, err, dropped)
	b, err = Console(nil, session, math.MaxUint64, &protocol.ConsoleMessage{Text: "bad \xff byte"})
	add(protocol.NotifyConsole, math.MaxUint64, true, b, err, protocol.ConsoleEvent{Session: session, Seq: math.MaxUint64,
		Message: protocol.ConsoleMessage{Text: "bad \ufffd byte"}})

	for _, l := range lines {
		if !json.Valid(l.bytes) || strings.ContainsAny(string(l.bytes), "\n\u2028\u2029") {
			t.Fatalf("not one line of JSON: %q", l.bytes)
		}
		h, ok := parseHead(l.bytes)
		if want := (Head{l.method, l.seq, l.hasSeq}); !ok || h != want {
			t.Errorf("head of %s = %+v, %v; want %+v", l.bytes, h, ok, want)
		}
		if m, ok := Recognize(l.bytes); !ok || m != l.method {
			t.Errorf("Recognize(%s) = %q, %v", l.bytes, m, ok)
		}
		var slow struct {
			Method string `json:"method"`
			Params struct {
				Seq *uint64 `json:"seq"`
			} `json:"params"`
		}
		if err := json.Unmarshal(l.bytes, &slow); err != nil || slow.Method != h.Method || (slow.Params.Seq != nil) != h.HasSeq ||
			(h.HasSeq && *slow.Params.Seq != h.Seq) {
			t.Errorf("decoding %s disagrees with its head %+v", l.bytes, h)
		}
		want, _ := json.Marshal(notification{JSONRPC: "2.0", Method: l.method, Params: l.want})
		var got, exp any
		_ = json.Unmarshal(l.bytes, &got)
		_ = json.Unmarshal(want, &exp)
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("%s differs from encoding/json's line (-json +wire):\n%s", l.method, diff)
		}
	}
}

// TestReadHead reads lines laid out otherwise (another writer, another
// member order) by decoding them, and refuses what is not JSON.
func TestReadHead(t *testing.T) {
	for line, want := range map[string]Head{
		`{"method":"console/message","jsonrpc":"2.0","params":{"seq":4,"session":"s"}}`:        {protocol.NotifyConsole, 4, true},
		`{"jsonrpc":"2.0","method":"events/dropped","params":{"session":"s","count":1}}`:       {protocol.NotifyDropped, 0, false},
		`{"jsonrpc":"2.0","method":"x","params":{"session":"s","seq":12345678901234567890}}`:   {"x", 12345678901234567890, true},
		`{"jsonrpc":"2.0","method":"x\"y","params":{"session":"s","seq":1}}`:                   {`x"y`, 1, true},
		`{"jsonrpc":"2.0", "method":"network/request","params":{"session":"s","seq":2,"a":1}}`: {protocol.NotifyRequest, 2, true},
	} {
		h, err := ReadHead([]byte(line))
		if err != nil || h != want {
			t.Errorf("ReadHead(%s) = %+v, %v; want %+v", line, h, err, want)
		}
	}
	for _, line := range []string{`{"jsonrpc":"2.0","method":"x","params":{"session":"s","seq":1`, `not json`} {
		if _, ok := Recognize([]byte(line)); ok {
			t.Errorf("Recognize(%s) accepted it", line)
		}
		if _, err := ReadHead([]byte(line)); err == nil {
			t.Errorf("ReadHead(%s) accepted it", line)
		}
	}
}

func BenchmarkConsole(b *testing.B) {
	m := protocol.ConsoleMessage{Seq: 1, Level: "log", Source: "console", Type: "log", Text: strings.Repeat("hello world ", 8),
		Timestamp: 1764100000123.456, URL: "http://localhost:3000/app.js", Line: 12, Column: 5, NavigationID: 1}
	buf := make([]byte, 0, 512)
	for b.Loop() {
		buf, _ = Console(buf[:0], "default", 12345, &m)
	}
}

// TestConsoleList: the worker's encoder of console/list writes what
// encoding/json writes (as the event lines do, without escaping <, > and
// &), awkward text, targets, brief records, lines and a stale answer
// included, and leaves a text that is not UTF-8 to encoding/json.
func TestConsoleList(t *testing.T) {
	var msgs []protocol.ConsoleMessage
	for i, text := range []string{"plain", "", "<b>&\"quoted\"\n\t\\ ☃ \u2028\u2029 \x01\x1f", "bad \xff byte", strings.Repeat("é", 300)} {
		m := protocol.ConsoleMessage{Seq: uint64(i + 1), Level: "log", Source: "console", Type: "log", Text: text, Timestamp: 1764100000123.456, NavigationID: 1, URL: text, Line: i}
		if i%2 == 0 {
			m.Target = &protocol.TargetRef{ID: "T", Type: protocol.TargetIframe, URL: text, ParentID: "P"}
			m.FrameID = "F"
			m.Stack = text
			m.Objects = []protocol.ConsoleObject{{Index: 1, ObjectID: "1.2.3", Type: "object", Text: text}, {Index: 3, ObjectID: `{"x":1}`, Type: "function", Subtype: "", ClassName: "Function", Text: "ƒ f()"}}
		}
		if i == 1 {
			m.Objects = []protocol.ConsoleObject{{ObjectID: "o", Type: "object", Subtype: "array", ClassName: "Array", Text: "(2) [1, 2]"}}
		}
		msgs = append(msgs, m)
	}
	for _, res := range []protocol.ConsoleListResult{
		{Items: msgs, ListPage: protocol.ListPage{Total: 9, Matched: 7, Returned: 5, Dropped: 3, NextCursor: "12"}},
		{Items: []protocol.ConsoleMessage{}},
		{Items: []protocol.ConsoleMessage{}, Lines: "#1 log plain\n#2 log <b>&\"q\"\t\\ ☃ \u2028\n", ListPage: protocol.ListPage{Total: 2, Matched: 2, Returned: 2}},
		{Items: []protocol.ConsoleMessage{}, Lines: "#4 log bad \xff byte\n"},
		{Items: []protocol.ConsoleMessage{msgs[0].Brief(), msgs[4].Brief()}},
		{Items: msgs[:1], ListPage: protocol.ListPage{Total: 1}, Stale: protocol.Stale{Stale: true, DataAgeMs: 12, Source: "/x/session.json", Reason: "slow <worker>"}},
	} {
		got, err := ConsoleList(nil, &res)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(res)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("ConsoleList wrote no JSON: %v\n%s", err, got)
		}
		_ = json.Unmarshal(want, &w)
		if diff := cmp.Diff(w, g); diff != "" || len(got) > len(want) {
			t.Errorf("ConsoleList differs from encoding/json (-json +wire):\n%s", diff)
		}
	}
}
