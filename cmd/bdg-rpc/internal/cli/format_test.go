package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// The records of the formatting tests: the page's, and a worker's.
const ts = 1764104133408.0

var (
	pageTarget   = &protocol.TargetRef{ID: "P1", Type: protocol.TargetPage, URL: "http://h/"}
	workerTarget = &protocol.TargetRef{ID: "W1", Type: protocol.TargetWorker, URL: "http://h/w.js", ParentID: "P1"}
)

func testRequests() []protocol.NetworkRequest {
	return []protocol.NetworkRequest{
		{RequestID: "1.1", Method: "GET", URL: "http://h/", ResourceType: "Document", State: protocol.StateFinished, Status: 200,
			Duration: 12, EncodedDataLength: 2048, Timestamp: ts, Target: pageTarget},
		{RequestID: "1.2", Method: "POST", URL: "http://h/api", ResourceType: "Fetch", State: protocol.StateFailed,
			ErrorText: "net::ERR_FAILED", Timestamp: ts, Target: pageTarget},
		{RequestID: "1.3", Method: "GET", URL: "ws://h/ws", ResourceType: protocol.ResourceWebSocket, State: protocol.StateResponded,
			Status: 101, Timestamp: ts}, // no target: an older session's
	}
}

func TestFormatTargetNames(t *testing.T) {
	for typ, want := range map[string]string{"": "page", "page": "page", "iframe": "iframe", "worker": "worker",
		"shared_worker": "shared", "service_worker": "sw", "popup": "popup", "new_kind": "new_ki", "x\x1b": `x\x1b`, "\x1b[2J": `\x1b[2`} {
		if got := targetName(&protocol.TargetRef{Type: typ}); got != want {
			t.Errorf("targetName(%q) = %q, want %q", typ, got, want)
		}
	}
	if got := targetName(nil); got != "page" {
		t.Errorf("targetName(nil) = %q, want page", got)
	}
	popup := &protocol.TargetRef{ID: "P2", Type: protocol.TargetPopup}
	otherPage := &protocol.TargetRef{ID: "P9", Type: protocol.TargetPage}
	for _, tc := range []struct {
		name    string
		targets []*protocol.TargetRef
		want    bool
	}{
		{"none", nil, false},
		{"no targets known", []*protocol.TargetRef{nil, nil}, false},
		{"the page", []*protocol.TargetRef{pageTarget, pageTarget, nil}, false},
		{"a worker", []*protocol.TargetRef{pageTarget, workerTarget}, true},
		{"a worker alone", []*protocol.TargetRef{nil, workerTarget}, true},
		{"a popup", []*protocol.TargetRef{popup}, true},
		{"pages of two ids", []*protocol.TargetRef{pageTarget, nil, otherPage}, true},
	} {
		if got := manyTargets(tc.targets...); got != tc.want {
			t.Errorf("%s: manyTargets = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFormatRequestTable: network list's and peek's table is as it was
// with the page's requests only, and has a TARGET column with more.
func TestFormatRequestTable(t *testing.T) {
	reqs := testRequests()
	var b strings.Builder
	printRequests(&b, &formatter{}, reqs, listTargets(requestTargets(reqs)))
	want := "" +
		"ID                     METHOD STAT TYPE          TIME     SIZE  URL\n" +
		"1.1                    GET    200  Document      12ms    2.0kB  http://h/\n" +
		"1.2                    POST   ERR  Fetch                        http://h/api  net::ERR_FAILED\n" +
		"1.3                    GET    101  WebSocket                    ws://h/ws\n"
	if b.String() != want {
		t.Errorf("the page only:\n got %q\nwant %q", b.String(), want)
	}

	reqs[1].Target = workerTarget
	b.Reset()
	printRequests(&b, &formatter{}, reqs, listTargets(requestTargets(reqs)))
	want = "" +
		"ID                     METHOD STAT TYPE          TIME     SIZE  TARGET URL\n" +
		"1.1                    GET    200  Document      12ms    2.0kB  page   http://h/\n" +
		"1.2                    POST   ERR  Fetch                        worker http://h/api  net::ERR_FAILED\n" +
		"1.3                    GET    101  WebSocket                    page   ws://h/ws\n"
	if b.String() != want {
		t.Errorf("a worker too:\n got %q\nwant %q", b.String(), want)
	}

	b.Reset()
	reqs[1].Target = &protocol.TargetRef{ID: "S1", Type: protocol.TargetServiceWorker}
	printRequests(&b, &formatter{}, reqs[1:2], targetColumn)
	if want := "1.2                    POST   ERR  Fetch                        sw     http://h/api  net::ERR_FAILED\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("a service worker's:\n got %q\nwant it to end with %q", b.String(), want)
	}
}

// TestFormatConsoleLines: console's and peek's lines are as they were with
// the page's messages only, have a target column with more, and tail's a
// tag on the lines of another target.
func TestFormatConsoleLines(t *testing.T) {
	f := &formatter{}
	clk := clock(ts)
	page := protocol.ConsoleMessage{Level: "log", Source: "console", Text: "hi", URL: "http://h/", Line: 3, Timestamp: ts, Target: pageTarget}
	worker := protocol.ConsoleMessage{Level: "error", Source: "exception", Text: "Uncaught boom", Timestamp: ts, Target: workerTarget}
	msgs := []protocol.ConsoleMessage{page, page}
	if got := listTargets(consoleTargets(msgs)); got != noTarget {
		t.Errorf("the page's messages: mode %v, want noTarget", got)
	}
	if got := listTargets(consoleTargets(append(msgs, worker))); got != targetColumn {
		t.Errorf("the page's and a worker's messages: mode %v, want targetColumn", got)
	}
	for _, tc := range []struct {
		name string
		m    protocol.ConsoleMessage
		mode targetMode
		want string
	}{
		{"page only", page, noTarget, clk + "  log     console    hi  http://h/:3"},
		{"page column", page, targetColumn, clk + "  log     console   page    hi  http://h/:3"},
		{"worker column", worker, targetColumn, clk + "  error   exception worker  Uncaught boom"},
		{"page tag", page, targetTag, clk + "  log     console    hi  http://h/:3"},
		{"worker tag", worker, targetTag, clk + "  error   exception  [worker] Uncaught boom"},
	} {
		if got := f.console(tc.m, tc.mode, ""); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// TestFormatEventLines: tail's line of each notification, the new ones
// and the page's requests as before.
func TestFormatEventLines(t *testing.T) {
	clk := clock(ts)
	reqs := testRequests()
	ws := reqs[2]
	closed := ws
	closed.State, closed.Duration = protocol.StateFinished, 2500
	refused := ws
	refused.State, refused.Status, refused.ErrorText = protocol.StateFailed, 0, "net::ERR_CONNECTION_REFUSED"
	connecting := ws
	connecting.State, connecting.Status = protocol.StatePending, 0
	workerReq := reqs[0]
	workerReq.Target = workerTarget
	popupNav := protocol.Navigation{ID: 3, URL: "http://h/popup.html", Timestamp: ts, Target: &protocol.TargetRef{ID: "P2", Type: protocol.TargetPopup}}
	long := strings.Repeat("é", 250)
	for _, tc := range []struct {
		method string
		params any
		want   string // after the time, for lines timed when printed
	}{
		{protocol.NotifyFinished, protocol.NetworkEvent{Request: reqs[0]}, clk + "  finished  200  GET    http://h/  12ms  2.0kB"},
		{protocol.NotifyFinished, protocol.NetworkEvent{Request: workerReq}, clk + "  finished  200  GET    [worker] http://h/  12ms  2.0kB"},
		{protocol.NotifyNavigated, protocol.NavigatedEvent{Navigation: protocol.Navigation{ID: 2, URL: "http://h/2", Timestamp: ts}}, clk + "  navigated #2 http://h/2"},
		{protocol.NotifyNavigated, protocol.NavigatedEvent{Navigation: popupNav}, clk + "  navigated #3 [popup] http://h/popup.html"},
		{protocol.NotifyWebSocket, protocol.NetworkEvent{Request: connecting}, clk + "  websocket …    WS     ws://h/ws  connecting"},
		{protocol.NotifyWebSocket, protocol.NetworkEvent{Request: ws}, clk + "  websocket 101  WS     ws://h/ws  open"},
		{protocol.NotifyWebSocket, protocol.NetworkEvent{Request: closed}, clk + "  websocket 101  WS     ws://h/ws  closed 2.50s"},
		{protocol.NotifyWebSocket, protocol.NetworkEvent{Request: refused}, clk + "  websocket ERR  WS     ws://h/ws  net::ERR_CONNECTION_REFUSED"},
		{protocol.NotifyFrame, protocol.WebSocketFrameEvent{Frame: protocol.WebSocketFrame{RequestID: "1.3", Direction: protocol.FrameSent,
			Opcode: 1, Payload: "ping\ntext\x1b", Size: 10, Timestamp: ts}},
			clk + `  frame     ↑ text 10B  ping\ntext\x1b  (request 1.3)`},
		{protocol.NotifyFrame, protocol.WebSocketFrameEvent{Frame: protocol.WebSocketFrame{RequestID: "1.3", Direction: protocol.FrameReceived,
			Opcode: 2, Payload: "AQID/w==", Base64: true, Size: 4, Timestamp: ts, Target: workerTarget}},
			clk + "  frame     ↓ binary 4B  [worker] AQID/w== (base64)  (request 1.3)"},
		{protocol.NotifyFrame, protocol.WebSocketFrameEvent{Frame: protocol.WebSocketFrame{RequestID: "1.3", Direction: protocol.FrameReceived,
			Opcode: 1, Payload: long, Size: 500, Timestamp: ts}},
			clk + "  frame     ↓ text 500B  " + strings.Repeat("é", payloadCut) + "…  (request 1.3)"},
		{protocol.NotifyFrame, protocol.WebSocketFrameEvent{Frame: protocol.WebSocketFrame{RequestID: "1.3", Direction: protocol.FrameSent,
			Opcode: 1, Payload: "abc", Size: 70000, Truncated: true, Timestamp: ts}},
			clk + "  frame     ↑ text 68.4kB  abc…  (request 1.3)"},
		{protocol.NotifyEventSource, protocol.EventSourceEvent{Message: protocol.EventSourceMessage{RequestID: "1.4", EventName: "tick",
			EventID: "3", Data: "one\ntwo", Timestamp: ts}},
			clk + `  sse       tick #3  one\ntwo  (request 1.4)`},
		{protocol.NotifyEventSource, protocol.EventSourceEvent{Message: protocol.EventSourceMessage{RequestID: "1.4", Data: "x",
			Timestamp: ts, Target: &protocol.TargetRef{ID: "S1", Type: protocol.TargetSharedWorker}}},
			clk + "  sse       message  [shared] x  (request 1.4)"},
		{protocol.NotifyAttached, protocol.TargetEvent{Target: *workerTarget}, "attached  worker http://h/w.js"},
		{protocol.NotifyAttached, protocol.TargetEvent{Target: protocol.TargetRef{ID: "I1", Type: protocol.TargetIframe, URL: "http://other/f.html"}},
			"attached  iframe http://other/f.html"},
		{protocol.NotifyDetached, protocol.TargetEvent{Target: *workerTarget, Reason: protocol.TargetDestroyed}, "detached  worker http://h/w.js (destroyed)"},
		{protocol.NotifyDetached, protocol.TargetEvent{Target: protocol.TargetRef{ID: "X", Type: protocol.TargetServiceWorker}, Reason: protocol.TargetCrashed},
			"detached  service_worker (crashed)"},
	} {
		params, err := json.Marshal(tc.params)
		if err != nil {
			t.Fatal(err)
		}
		got := (&formatter{}).event(tc.method, params)
		if tc.method == protocol.NotifyAttached || tc.method == protocol.NotifyDetached {
			got = got[len(clk+"  "):] // timed when printed
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.method, got, tc.want)
		}
	}
}

// TestFormatStatusTargets: status counts the targets when there is more
// than the page, and says the frames and targets dropped when any.
func TestFormatStatusTargets(t *testing.T) {
	base := protocol.StatusResult{Session: "default", State: "running", LastSeq: 9,
		Counts: protocol.Counts{Network: 2, Console: 1}}
	head := "Session:  default (running)\nCaptured: 2 requests, 1 console messages (last seq 9)\n"
	for _, tc := range []struct {
		name string
		edit func(*protocol.StatusResult)
		want string
	}{
		{"no counts", func(*protocol.StatusResult) {}, head},
		{"the page only", func(st *protocol.StatusResult) {
			st.Targets = map[string]int{"page": 1, "worker": 0}
			st.Dropped = protocol.Counts{Network: 1}
		}, head + "Dropped:  1 requests, 0 console messages, 0 bodies; 0 tracking requests filtered\n"},
		{"more targets", func(st *protocol.StatusResult) {
			st.Targets = map[string]int{"page": 1, "worker": 2, "iframe": 1, "zz_new": 1}
			st.TargetsEnded = map[string]int{"popup": 1}
			st.Dropped = protocol.Counts{Network: 1, Frames: 3, Targets: 2}
		}, head + "Targets:  page 1, iframe 1, worker 2, zz_new 1; ended: popup 1\n" +
			"Dropped:  1 requests, 0 console messages, 0 bodies; 0 tracking requests filtered; 3 WebSocket frames or EventSource messages; 2 targets not followed (too many at once)\n"},
		{"all ended", func(st *protocol.StatusResult) {
			st.TargetsEnded = map[string]int{"page": 1, "shared_worker": 1}
			st.Dropped = protocol.Counts{Frames: 5}
		}, head + "Targets:  none; ended: page 1, shared_worker 1\nDropped:  5 WebSocket frames or EventSource messages\n"},
		{"a journal that cannot be written", func(st *protocol.StatusResult) {
			st.Journal = &protocol.JournalStatus{Path: "/j", Records: 9, Lost: 4, Error: "writing the journal: no space left on device"}
		}, head + "Journal:  4 events not on disk (writing the journal: no space left on device; free disk space)\n"},
		{"a journal that is whole", func(st *protocol.StatusResult) {
			st.Journal = &protocol.JournalStatus{Path: "/j", Records: 9, Bytes: 900}
		}, head},
	} {
		st := base
		tc.edit(&st)
		var b strings.Builder
		printStatus(&b, st)
		if b.String() != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, b.String(), tc.want)
		}
	}
}

// TestFormatRequestDetails: network get says where a request came from,
// and lists a WebSocket's frames and an EventSource's messages.
func TestFormatRequestDetails(t *testing.T) {
	clk := clock(ts)
	r := testRequests()[0]
	var b strings.Builder
	printRequest(&b, &formatter{}, protocol.NetworkRequest{Method: "GET", URL: "http://h/", State: protocol.StatePending}, false, "")
	if want := "GET http://h/\nType:   State: pending  Time: 0ms  Size: 0B  Navigation: 0\n"; b.String() != want {
		t.Errorf("without a target:\n got %q\nwant %q", b.String(), want)
	}

	b.Reset()
	r.FrameID, r.FromServiceWorker, r.ServiceWorkerRequestID = "F1", true, "9.9"
	printRequest(&b, &formatter{}, r, false, "")
	want := "GET http://h/\nStatus: 200 \nType: Document  State: finished  Time: 12ms  Size: 2.0kB  Navigation: 0\n" +
		"Target: page http://h/  Frame: F1\nAnswered by a service worker (its fetch: 9.9)\n"
	if b.String() != want {
		t.Errorf("a request a service worker answered:\n got %q\nwant %q", b.String(), want)
	}

	b.Reset()
	fetch := protocol.NetworkRequest{Method: "GET", URL: "http://h/", State: protocol.StatePending, ForRequestID: "1.1",
		Target: &protocol.TargetRef{ID: "S1", Type: protocol.TargetServiceWorker, URL: "http://h/sw.js"}}
	printRequest(&b, &formatter{}, fetch, false, "")
	if want := "Target: service_worker http://h/sw.js\nFetched for: 1.1 (the page's request this service worker fetch answers)\n"; !strings.HasSuffix(b.String(), want) {
		t.Errorf("a service worker's fetch:\n got %q\nwant it to end with %q", b.String(), want)
	}

	b.Reset()
	ws := testRequests()[2]
	ws.Frames = []protocol.WebSocketFrame{
		{Direction: protocol.FrameSent, Opcode: 1, Payload: "ping " + strings.Repeat("x", 300), Size: 305, Timestamp: ts},
		{Direction: protocol.FrameReceived, Opcode: 2, Payload: "AQID/w==", Base64: true, Size: 4, Timestamp: ts},
	}
	printRequest(&b, &formatter{}, ws, true, "")
	want = "\nWebSocket frames (newest 2):\n  " + clk + "  ↑ text 305B  ping " + strings.Repeat("x", 300) + "\n  " +
		clk + "  ↓ binary 4B  AQID/w== (base64)\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("a WebSocket:\n got %q\nwant it to end with %q", b.String(), want)
	}

	b.Reset()
	es := protocol.NetworkRequest{Method: "GET", URL: "http://h/sse", ResourceType: "EventSource", State: protocol.StateResponded, Status: 200,
		Messages: []protocol.EventSourceMessage{{Data: "a\nb", Timestamp: ts}, {EventName: "tick", EventID: "7", Data: "c", Truncated: true, Timestamp: ts}}}
	printRequest(&b, &formatter{}, es, true, "")
	want = "\nEventSource messages (newest 2):\n  " + clk + `  message  a\nb` + "\n  " + clk + "  tick #7  c…\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("an EventSource:\n got %q\nwant it to end with %q", b.String(), want)
	}
}
