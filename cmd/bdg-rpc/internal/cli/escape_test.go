package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestEscapeLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "hello, world", "hello, world"},
		{"multi-byte", "日本語 ☃ 🎉 é", "日本語 ☃ 🎉 é"},
		{"replacement character", "a\uFFFDb", "a\uFFFDb"},
		{"backslash", `C:\path\x1b`, `C:\path\x1b`},
		{"OSC title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"CSI clear", "\x1b[2J", `\x1b[2J`},
		{"carriage return", "abc\rdef", `abc\rdef`},
		{"newline", "one\ntwo", `one\ntwo`},
		{"tab", "a\tb", `a\tb`},
		{"NUL", "a\x00b", `a\x00b`},
		{"backspace", "a\bb", `a\x08b`},
		{"unit separator", "\x1f", `\x1f`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"C1 CSI", "\u009b31m", `\u009b31m`},
		{"C1 bounds", "\u0080\u009f\u00a0", `\u0080\u009f` + "\u00a0"},
		{"bidi embeddings and overrides", "\u202a\u202b\u202c\u202d\u202e", `\u202a\u202b\u202c\u202d\u202e`},
		{"bidi isolates", "\u2066\u2067\u2068\u2069", `\u2066\u2067\u2068\u2069`},
		{"bidi neighbours untouched", "\u2029\u202f\u2065\u206a", `\u2029` + "\u202f\u2065\u206a"},
		{"line and paragraph separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"invalid byte", "a\xffb", `a\xffb`},
		{"truncated sequence", "日本"[:4], "日" + `\xe6`},
		{"lone continuation", "\x80", `\x80`},
		{"encoded surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"mixed", "日本\x1b[31m☃\u202e\xfe", `日本\x1b[31m☃\u202e\xfe`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapeLine(tc.in); got != tc.want {
				t.Errorf("escapeLine(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEscapeBlock(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "    at f (a.js:1:2)\n    at g (b.js:3:4)", "    at f (a.js:1:2)\n    at g (b.js:3:4)"},
		{"newlines and tabs stay", "a\n\tb\n", "a\n\tb\n"},
		{"CRLF", "line one\r\nline two", "line one\\r\nline two"},
		{"controls", "x\x1b[2J\x07\x00\x7f", `x\x1b[2J\x07\x00\x7f`},
		{"C1 and bidi", "\u0085\u202e\u2066\u2028", `\u0085\u202e\u2066\u2028`},
		{"invalid byte", "ok\n\xc3(", "ok\n" + `\xc3(`},
		{"multi-byte", "日本語\n☃ 🎉", "日本語\n☃ 🎉"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := escapeBlock(tc.in); got != tc.want {
				t.Errorf("escapeBlock(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestEscapeJSON: an encoded document stays the same JSON, with nothing
// raw in it that a terminal would act on.
func TestEscapeJSON(t *testing.T) {
	value := map[string]any{"text": "esc \x1b del \x7f c1 \u009b bidi \u202e\u2066 sep \u2028 日本語 🎉", "n": []any{1.0, "\t\r\n"}}
	raw, err := json.MarshalIndent(value, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := escapeJSON(string(raw))
	if unsafeText.MatchString(got) {
		t.Errorf("escapeJSON left a control in %q", got)
	}
	if !strings.Contains(got, "\n  ") || !strings.Contains(got, "日本語 🎉") {
		t.Errorf("escapeJSON changed the layout or the text: %q", got)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("escapeJSON made invalid JSON: %v\n%s", err, got)
	}
	again, _ := json.Marshal(back)
	want, _ := json.Marshal(value)
	if string(again) != string(want) {
		t.Errorf("escapeJSON changed the value:\n got %s\nwant %s", again, want)
	}
}

// TestEscapeUntouchedIsSame: text with nothing to escape is returned as it
// is, without a copy.
func TestEscapeUntouchedIsSame(t *testing.T) {
	s := strings.Repeat("日本語 ☃ 🎉 plain ascii ", 100)
	if got := escapeLine(s); got != s {
		t.Fatalf("escapeLine changed %q", s)
	}
	if n := testing.AllocsPerRun(100, func() { escapeLine(s) }); n != 0 {
		t.Errorf("escapeLine of clean text allocated %v times", n)
	}
}

// unsafeText matches what must not reach a terminal from the page: C0
// controls but newline and tab (the layout of a block: line mode's escapes
// are checked by the want strings), DEL, C1 controls, bidi overrides and isolates, the
// line and paragraph separators, and bytes that are not UTF-8 (which the
// regexp sees as U+FFFD: no test text holds a real one).
var unsafeText = regexp.MustCompile("[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\uFFFD]")

// sgr matches the formatter's own colour codes.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// evil is page text with a control of every class in it. Its invalid
// UTF-8 byte does not survive JSON (it becomes U+FFFD): the tests that
// pass it through JSON use evilJSON.
const (
	evilJSON = "a\x1b]0;pwned\x07b\x1b[2Jc\rd\ne\tf\x00\x7f\u009b\u202e\u2066\u2028"
	evil     = evilJSON + "\xff"
)

// evilEscaped and evilJSONEscaped are evil and evilJSON through escapeLine.
const (
	evilJSONEscaped = `a\x1b]0;pwned\x07b\x1b[2Jc\rd\ne\tf\x00\x7f\u009b\u202e\u2066\u2028`
	evilEscaped     = evilJSONEscaped + `\xff`
)

// checkSafe fails the test when out, less the formatter's own colour
// codes, holds a control character, or does not hold every want.
func checkSafe(t *testing.T, what, out string, want ...string) {
	t.Helper()
	if loc := unsafeText.FindStringIndex(sgr.ReplaceAllString(out, "")); loc != nil {
		t.Errorf("%s: raw control %q in\n%q", what, out[loc[0]:loc[1]], out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: no %q in\n%q", what, w, out)
		}
	}
}

// evilTarget is a target whose type and URL are page text.
var evilTarget = &protocol.TargetRef{ID: "T" + evilJSON, Type: evilJSON, URL: "http://x/" + evilJSON}

// TestEscapeEvents: tail's lines (formatter.event), in colour and not.
func TestEscapeEvents(t *testing.T) {
	req := protocol.NetworkRequest{RequestID: "1.1", URL: "http://x/" + evilJSON, Method: "GET" + evilJSON,
		State: protocol.StateFailed, ErrorText: "net::" + evilJSON}
	events := []struct {
		method string
		params any
		want   []string
	}{
		{protocol.NotifyConsole, protocol.ConsoleEvent{Message: protocol.ConsoleMessage{Level: "log", Source: "console",
			Text: evilJSON, URL: "http://x/" + evilJSON, Line: 3}}, []string{`a\x1b]0;pwned\x07b\x1b[2Jc\rd (+1 lines)`, "http://x/" + evilJSONEscaped + ":3"}},
		{protocol.NotifyFailed, protocol.NetworkEvent{Request: req}, []string{"GET" + evilJSONEscaped, "http://x/" + evilJSONEscaped, "net::" + evilJSONEscaped}},
		{protocol.NotifyResponse, protocol.NetworkEvent{Request: protocol.NetworkRequest{URL: "u", Method: "GET", Status: 200,
			State: protocol.StateResponded, MimeType: "text/" + evilJSON}}, []string{"text/" + evilJSONEscaped}},
		{protocol.NotifyNavigated, protocol.NavigatedEvent{Navigation: protocol.Navigation{ID: 2, URL: "http://x/" + evilJSON}}, []string{"#2 http://x/" + evilJSONEscaped}},
		{protocol.NotifyEnded, protocol.EndedEvent{Reason: "crash" + evilJSON, Error: "err" + evilJSON, OutputPath: "/p/" + evilJSON},
			[]string{"crash" + evilJSONEscaped, "(err" + evilJSONEscaped + ")", "output in /p/" + evilJSONEscaped}},
		{"page/" + evilJSON, map[string]string{"s": evilJSON}, []string{"page/" + evilJSONEscaped, `\u202e`}},
		{protocol.NotifyWebSocket, protocol.NetworkEvent{Request: protocol.NetworkRequest{URL: "ws://x/" + evilJSON, ResourceType: protocol.ResourceWebSocket,
			State: protocol.StateFailed, ErrorText: "e" + evilJSON, Target: evilTarget}},
			[]string{"WS     [" + evilJSONEscaped[:6] + "] ws://x/" + evilJSONEscaped, "e" + evilJSONEscaped}},
		{protocol.NotifyFrame, protocol.WebSocketFrameEvent{Frame: protocol.WebSocketFrame{RequestID: "1" + evilJSON, Direction: evilJSON,
			Opcode: 1, Payload: evilJSON, Target: evilTarget}}, []string{"? text 0B  [" + evilJSONEscaped[:6] + "] " + evilJSONEscaped, "(request 1" + evilJSONEscaped + ")"}},
		{protocol.NotifyEventSource, protocol.EventSourceEvent{Message: protocol.EventSourceMessage{RequestID: "1" + evilJSON,
			EventName: "n" + evilJSON, EventID: "i" + evilJSON, Data: evilJSON}},
			[]string{"n" + evilJSONEscaped, "#i" + evilJSONEscaped, evilJSONEscaped + "  ", "(request 1" + evilJSONEscaped + ")"}},
		{protocol.NotifyAttached, protocol.TargetEvent{Target: *evilTarget}, []string{evilJSONEscaped + " http://x/" + evilJSONEscaped}},
		{protocol.NotifyDetached, protocol.TargetEvent{Target: *evilTarget, Reason: "r" + evilJSON}, []string{"(r" + evilJSONEscaped + ")"}},
	}
	for _, color := range []bool{false, true} {
		f := &formatter{color: color}
		for _, ev := range events {
			params, err := json.Marshal(ev.params)
			if err != nil {
				t.Fatal(err)
			}
			// encoding/json escapes C0 controls but not the rest: put them
			// in raw, as a worker's frame may.
			params = []byte(strings.ReplaceAll(string(params), `\u2028`, "\u2028"))
			out := f.event(ev.method, params)
			if color && ev.method != "page/"+evilJSON && !sgr.MatchString(out) {
				t.Errorf("%s: no colour in %q", ev.method, out)
			}
			checkSafe(t, ev.method, out, ev.want...)
		}
	}
}

// TestEscapeConsoleStack: console's stack keeps its lines, nothing else.
func TestEscapeConsoleStack(t *testing.T) {
	f := &formatter{color: true}
	out := f.stack("    at fn" + evil + " (http://x/s.js:1:2)\n    at g (h.js:3:4)")
	checkSafe(t, "stack", out, "    at fn"+strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(evilEscaped)+" (http://x/s.js:1:2)\n    at g (h.js:3:4)")
}

// TestEscapeRequests: network list and peek's table, and network get.
func TestEscapeRequests(t *testing.T) {
	headers, err := json.Marshal(map[string]string{"Set-Cookie": "a=1\nb=2", "X-" + evilJSON: "v" + evilJSON})
	if err != nil {
		t.Fatal(err)
	}
	r := protocol.NetworkRequest{
		RequestID: "7.1" + evil, URL: "http://x/" + evil, Method: "POST" + evil, ResourceType: "Fetch",
		State: protocol.StateFinished, Status: 200, StatusText: "OK" + evil, Duration: 12, EncodedDataLength: 99,
		RequestHeaders: headers, ResponseHeaders: headers,
		RequestBody:  "line one\r\nline two \x1b[2J\ttab",
		ResponseBody: "{\n\t\"k\": \"\u202e\x1b]0;t\x07\"\n}",
		Redirects:    []protocol.Redirect{{URL: "http://r/" + evil, Status: 302}},
	}
	var b strings.Builder
	printRequests(&b, &formatter{color: true}, []protocol.NetworkRequest{r}, noTarget)
	checkSafe(t, "printRequests", b.String(), "7.1"+evilEscaped, "POST"+evilEscaped, "http://x/"+evilEscaped)

	b.Reset()
	r.Target, r.FrameID = evilTarget, "F"+evil
	printRequests(&b, &formatter{color: true}, []protocol.NetworkRequest{r}, targetColumn)
	checkSafe(t, "printRequests with targets", b.String(), "TARGET", evilEscaped[:6]+" http://x/"+evilEscaped)

	b.Reset()
	printRequest(&b, &formatter{}, r, true, "")
	checkSafe(t, "printRequest", b.String(),
		"POST"+evilEscaped+" http://x/"+evilEscaped+"\n",
		"Status: 200 OK"+evilEscaped+"\n",
		"Redirected from: http://r/"+evilEscaped+" (302)\n",
		"Target: "+evilJSONEscaped+" http://x/"+evilJSONEscaped+"  Frame: F"+evilEscaped+"\n",
		"  Set-Cookie: a=1\\nb=2\n",
		"  X-"+evilJSONEscaped+": v"+evilJSONEscaped+"\n",
		"Request body:\nline one\\r\nline two \\x1b[2J\ttab\n",
		"Response body:\n{\n\t\"k\": \"\\u202e\\x1b]0;t\\x07\"\n}\n")
}

// TestEscapeStatus: status shows the page's title and URL escaped.
func TestEscapeStatus(t *testing.T) {
	st := protocol.StatusResult{Session: "default", State: "running", PID: 1,
		Target: protocol.Target{URL: "http://x/" + evil, Title: "title" + evil},
		Chrome: protocol.Chrome{Version: "Chrome" + evil}, OutputPath: "/o/" + evil}
	var b strings.Builder
	printStatus(&b, st)
	checkSafe(t, "printStatus", b.String(), "Target:   http://x/"+evilEscaped+" (title"+evilEscaped+")\n",
		"Chrome:   Chrome"+evilEscaped, "Output:   /o/"+evilEscaped+"\n")
}
