package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func event(t *testing.T, c *Capture, method, params string) {
	t.Helper()
	if !c.HandleEvent(method, []byte(params)) {
		t.Fatalf("%s not handled", method)
	}
}

func requestEvents(t *testing.T, c *Capture, id, url, mime string, status int) {
	t.Helper()
	event(t, c, "Network.requestWillBeSent", fmt.Sprintf(`{"requestId":%q,"request":{"url":%q,"method":"GET","headers":{"Accept":"*/*"}},"timestamp":100.0,"wallTime":1764100000.5,"type":"Fetch"}`, id, url))
	event(t, c, "Network.responseReceived", fmt.Sprintf(`{"requestId":%q,"type":"Fetch","response":{"url":%q,"status":%d,"statusText":"OK","headers":{"Content-Type":%q},"mimeType":%q,"remoteIPAddress":"127.0.0.1","remotePort":8080,"protocol":"http/1.1"}}`, id, url, status, mime, mime))
	event(t, c, "Network.loadingFinished", fmt.Sprintf(`{"requestId":%q,"timestamp":100.25,"encodedDataLength":42}`, id))
}

func TestNetworkLifecycle(t *testing.T) {
	c := New(Options{Session: "t"})
	requestEvents(t, c, "1.1", "http://127.0.0.1:8080/a.json", "application/json", 200)
	reqs, total, _ := c.Requests(0, 0, nil, false)
	if total != 1 || len(reqs) != 1 {
		t.Fatalf("got %d requests (total %d)", len(reqs), total)
	}
	got := reqs[0]
	want := protocol.NetworkRequest{
		Seq: 3, RequestID: "1.1", URL: "http://127.0.0.1:8080/a.json", Method: "GET", ResourceType: "Fetch",
		Timestamp: 1764100000500, State: protocol.StateFinished,
		RequestHeaders: protocol.Headers(`{"Accept":"*/*"}`),
		Status:         200, StatusText: "OK", MimeType: "application/json",
		ResponseHeaders: protocol.Headers(`{"Content-Type":"application/json"}`),
		Protocol:        "http/1.1", RemoteAddress: "127.0.0.1:8080",
		EncodedDataLength: 42, Duration: 250,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}

// The response's timing is split into phases, as DevTools' HAR export
// splits it: the hop's queueing and stall, the lookup, the connection (TLS
// within it), the sending, the wait for headers, and the receiving, timed
// when the request finishes. A redirect's timing is its last hop's.
func TestNetworkTiming(t *testing.T) {
	c := New(Options{})
	event(t, c, "Network.requestWillBeSent", `{"requestId":"r","request":{"url":"http://h/old","method":"GET","headers":{}},"timestamp":100,"wallTime":10,"type":"Fetch"}`)
	event(t, c, "Network.requestWillBeSent", `{"requestId":"r","request":{"url":"https://h/new","method":"GET","headers":{}},"timestamp":100.5,"wallTime":10.5,"type":"Fetch","redirectResponse":{"url":"http://h/old","status":302,"statusText":"Found","headers":{},"mimeType":"text/html"}}`)
	// Started 2 ms after the hop was sent; stalled 1 ms; DNS 3 ms; the
	// connection 10 ms, 6 of them TLS; sending 0.5 ms; headers 100 ms later.
	event(t, c, "Network.responseReceived", `{"requestId":"r","type":"Fetch","response":{"url":"https://h/new","status":200,"statusText":"OK","headers":{},"mimeType":"text/plain","timing":{
		"requestTime":100.502,"dnsStart":1,"dnsEnd":4,"connectStart":4,"connectEnd":14,"sslStart":8,"sslEnd":14,
		"sendStart":14.25,"sendEnd":14.75,"receiveHeadersEnd":114.75,"proxyStart":-1,"proxyEnd":-1}}}`)
	r, _, _ := c.Request("r", false)
	want := &protocol.Timing{Blocked: 3, DNS: 3, Connect: 10, SSL: 6, Send: 0.5, Wait: 100, Receive: -1}
	if diff := cmp.Diff(want, r.Timing); diff != "" {
		t.Errorf("timing at the response (-want +got):\n%s", diff)
	}
	// The last byte 20 ms after the headers: 100.502 + 0.11475 + 0.020.
	event(t, c, "Network.loadingFinished", `{"requestId":"r","timestamp":100.63675,"encodedDataLength":10}`)
	r, _, _ = c.Request("r", false)
	want.Receive = 20
	if diff := cmp.Diff(want, r.Timing); diff != "" {
		t.Errorf("timing at the end (-want +got):\n%s", diff)
	}

	// A reused connection: no lookup, no connection, no TLS.
	event(t, c, "Network.requestWillBeSent", `{"requestId":"k","request":{"url":"http://h/k","method":"GET","headers":{}},"timestamp":200,"wallTime":20,"type":"Fetch"}`)
	event(t, c, "Network.responseReceived", `{"requestId":"k","type":"Fetch","response":{"url":"http://h/k","status":200,"statusText":"OK","headers":{},"mimeType":"text/plain","timing":{
		"requestTime":200.001,"dnsStart":-1,"dnsEnd":-1,"connectStart":-1,"connectEnd":-1,"sslStart":-1,"sslEnd":-1,
		"sendStart":0.5,"sendEnd":0.75,"receiveHeadersEnd":5.75}}}`)
	event(t, c, "Network.loadingFailed", `{"requestId":"k","timestamp":200.01,"errorText":"net::ERR_ABORTED","canceled":true}`)
	r, _, _ = c.Request("k", false)
	want = &protocol.Timing{Blocked: 1.5, DNS: -1, Connect: -1, SSL: -1, Send: 0.25, Wait: 5, Receive: 3.25}
	if diff := cmp.Diff(want, r.Timing); diff != "" {
		t.Errorf("reused connection's timing (-want +got):\n%s", diff)
	}
}

func TestRedirectKeepsHops(t *testing.T) {
	c := New(Options{})
	event(t, c, "Network.requestWillBeSent", `{"requestId":"r","request":{"url":"http://h/old","method":"GET","headers":{}},"timestamp":1,"wallTime":10,"type":"Document"}`)
	event(t, c, "Network.requestWillBeSent", `{"requestId":"r","request":{"url":"http://h/new","method":"GET","headers":{}},"timestamp":2,"wallTime":11,"type":"Document","redirectResponse":{"url":"http://h/old","status":302,"statusText":"Found","headers":{"Location":"/new"},"mimeType":"text/html"}}`)
	r, ok, _ := c.Request("r", false)
	if !ok {
		t.Fatal("request missing")
	}
	if r.URL != "http://h/new" || len(r.Redirects) != 1 || r.Redirects[0].Status != 302 || r.Redirects[0].URL != "http://h/old" {
		t.Errorf("redirect not recorded: %+v", r)
	}
}

func TestStoresAreBoundedAndCountDrops(t *testing.T) {
	c := New(Options{MaxRequests: 3, MaxConsole: 2})
	for i := range 5 {
		requestEvents(t, c, fmt.Sprint(i), fmt.Sprintf("http://h/%d", i), "image/png", 200)
		event(t, c, "Runtime.consoleAPICalled", fmt.Sprintf(`{"type":"log","args":[{"type":"number","value":%d}],"executionContextId":1,"timestamp":1}`, i))
	}
	st := c.State()
	if st.Counts != (protocol.Counts{Network: 3, Console: 2}) || st.Dropped.Network != 2 || st.Dropped.Console != 3 {
		t.Errorf("counts %+v dropped %+v", st.Counts, st.Dropped)
	}
	if _, ok, _ := c.Request("0", false); ok {
		t.Error("evicted request still found")
	}
	msgs, _, _ := c.Console(0, 0, nil)
	if len(msgs) != 2 || msgs[0].Text != "3" || msgs[1].Text != "4" {
		t.Errorf("console kept %+v, want the newest two", msgs)
	}
}

func TestTrackingFiltered(t *testing.T) {
	c := New(Options{})
	requestEvents(t, c, "t", "https://www.google-analytics.com/collect?v=1", "image/gif", 200)
	requestEvents(t, c, "ok", "https://example.com/app.js", "text/javascript", 200)
	if reqs, _, _ := c.Requests(0, 0, nil, false); len(reqs) != 1 || reqs[0].RequestID != "ok" {
		t.Errorf("requests = %+v", reqs)
	}
	if d := c.State().Dropped.Filtered; d != 1 {
		t.Errorf("filtered = %d, want 1", d)
	}
	all := New(Options{IncludeAll: true})
	requestEvents(t, all, "t", "https://www.google-analytics.com/collect?v=1", "image/gif", 200)
	if reqs, _, _ := all.Requests(0, 0, nil, false); len(reqs) != 1 {
		t.Errorf("includeAll kept %d requests, want 1", len(reqs))
	}
}

func TestConsoleRendering(t *testing.T) {
	cases := []struct {
		name, params string
		want         protocol.ConsoleMessage
	}{
		{"format", `{"type":"log","args":[{"type":"string","value":"%s has %d items %c(styled)"},{"type":"string","value":"cart"},{"type":"number","value":3.7},{"type":"string","value":"color:red"}],"executionContextId":1,"timestamp":5,"stackTrace":{"callFrames":[{"functionName":"f","scriptId":"1","url":"http://h/app.js","lineNumber":9,"columnNumber":4}]}}`,
			protocol.ConsoleMessage{Level: "log", Source: "console", Type: "log", Text: "cart has 3 items (styled)", Timestamp: 5, URL: "http://h/app.js", Line: 10, Column: 5}},
		{"object", `{"type":"warning","args":[{"type":"string","value":"obj"},{"type":"object","className":"Object","description":"Object","preview":{"type":"object","description":"Object","overflow":false,"properties":[{"name":"a","type":"number","value":"1"},{"name":"b","type":"string","value":"x"}]}},{"type":"object","subtype":"array","className":"Array","description":"Array(2)","preview":{"type":"object","subtype":"array","description":"Array(2)","overflow":false,"properties":[{"name":"0","type":"number","value":"1"},{"name":"1","type":"number","value":"2"}]}},{"type":"object","subtype":"null","value":null},{"type":"undefined"}],"executionContextId":1,"timestamp":6}`,
			protocol.ConsoleMessage{Level: "warning", Source: "console", Type: "warning", Text: `obj {a: 1, b: "x"} [1, 2] null undefined`, Timestamp: 6}},
		{"surrogate", `{"type":"error","args":[{"type":"string","value":"bad \ud800 char"}],"executionContextId":1,"timestamp":7}`,
			protocol.ConsoleMessage{Level: "error", Source: "console", Type: "error", Text: "bad \ufffd char", Timestamp: 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{})
			event(t, c, "Runtime.consoleAPICalled", tc.params)
			msgs, _, _ := c.Console(0, 0, nil)
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			tc.want.Seq = 1
			if diff := cmp.Diff(tc.want, msgs[0]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExceptionAndLogEntry(t *testing.T) {
	c := New(Options{})
	event(t, c, "Runtime.exceptionThrown", `{"timestamp":9,"exceptionDetails":{"exceptionId":1,"text":"Uncaught","lineNumber":2,"columnNumber":10,"url":"http://h/x.js","stackTrace":{"callFrames":[{"functionName":"boom","scriptId":"3","url":"http://h/x.js","lineNumber":2,"columnNumber":10}]},"exception":{"type":"object","subtype":"error","className":"Error","description":"Error: kaput\n    at boom (http://h/x.js:3:11)"}}}`)
	event(t, c, "Log.entryAdded", `{"entry":{"source":"network","level":"error","text":"Failed to load resource: net::ERR_CONNECTION_REFUSED","timestamp":10,"url":"http://127.0.0.1:1/x"}}`)
	msgs, _, _ := c.Console(0, 0, nil)
	want := []protocol.ConsoleMessage{
		{Seq: 1, Level: "error", Source: "exception", Type: "exception", Text: "Uncaught Error: kaput", Timestamp: 9,
			URL: "http://h/x.js", Line: 3, Column: 11, Stack: "    at boom (http://h/x.js:3:11)"},
		{Seq: 2, Level: "error", Source: "browser", Type: "network", Text: "Failed to load resource: net::ERR_CONNECTION_REFUSED", Timestamp: 10, URL: "http://127.0.0.1:1/x"},
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	errs, total, _ := c.Console(0, 0, []string{"warning"})
	if len(errs) != 0 || total != 0 {
		t.Errorf("level filter: %d messages", len(errs))
	}
}

func TestNavigationIDs(t *testing.T) {
	c := New(Options{})
	c.SetMainFrame("MAIN")
	event(t, c, "Page.frameStartedNavigating", `{"frameId":"MAIN","url":"http://h/","loaderId":"L1","navigationType":"differentDocument"}`)
	requestEvents(t, c, "doc", "http://h/", "text/html", 200)
	event(t, c, "Page.frameNavigated", `{"frame":{"id":"MAIN","loaderId":"L1","url":"http://h/","securityOrigin":"","mimeType":"text/html"},"type":"Navigation"}`)
	event(t, c, "Runtime.consoleAPICalled", `{"type":"log","args":[{"type":"string","value":"one"}],"executionContextId":1,"timestamp":1}`)
	event(t, c, "Page.frameStartedNavigating", `{"frameId":"SUB","url":"http://h/frame","loaderId":"L2","navigationType":"differentDocument"}`)
	event(t, c, "Page.frameStartedNavigating", `{"frameId":"MAIN","url":"http://h/#x","loaderId":"L1","navigationType":"sameDocument"}`)
	event(t, c, "Page.frameStartedNavigating", `{"frameId":"MAIN","url":"http://h/two","loaderId":"L3","navigationType":"differentDocument"}`)
	event(t, c, "Runtime.consoleAPICalled", `{"type":"log","args":[{"type":"string","value":"two"}],"executionContextId":2,"timestamp":2}`)
	msgs, _, _ := c.Console(0, 0, nil)
	reqs, _, _ := c.Requests(0, 0, nil, false)
	if reqs[0].NavigationID != 1 || msgs[0].NavigationID != 1 || msgs[1].NavigationID != 2 {
		t.Errorf("navigation ids: request %d, messages %d %d; want 1, 1 2", reqs[0].NavigationID, msgs[0].NavigationID, msgs[1].NavigationID)
	}
}

// TestLateBlankCommit: the blank page a session starts on commits after
// the navigation to the page has started (Chrome reports it late). It is
// not announced, and the page's request and messages keep the page's
// navigation.
func TestLateBlankCommit(t *testing.T) {
	c := New(Options{})
	c.SetMainFrame("MAIN")
	event(t, c, "Page.frameStartedNavigating", `{"frameId":"MAIN","url":"http://h/","loaderId":"L1","navigationType":"differentDocument"}`)
	requestEvents(t, c, "doc", "http://h/", "text/html", 200)
	event(t, c, "Page.frameNavigated", `{"frame":{"id":"MAIN","loaderId":"L0","url":"about:blank","securityOrigin":"","mimeType":"text/html"},"type":"Navigation"}`)
	event(t, c, "Page.frameNavigated", `{"frame":{"id":"MAIN","loaderId":"L1","url":"http://h/","securityOrigin":"","mimeType":"text/html"},"type":"Navigation"}`)
	event(t, c, "Runtime.consoleAPICalled", `{"type":"log","args":[{"type":"string","value":"one"}],"executionContextId":1,"timestamp":1}`)
	var announced []string
	var since uint64
	sub, _ := c.Subscribe(&since)
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	b, err := sub.Next(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range b.Lines {
		if strings.Contains(string(line), `"page/navigated"`) {
			announced = append(announced, string(line))
		}
	}
	msgs, _, _ := c.Console(0, 0, nil)
	reqs, _, _ := c.Requests(0, 0, nil, false)
	if len(announced) != 1 || !strings.Contains(announced[0], `"url":"http://h/"`) || reqs[0].NavigationID != 1 || msgs[0].NavigationID != 1 {
		t.Errorf("announced %q; request navigation %d, message %d; want one, of http://h/, and 1, 1", announced, reqs[0].NavigationID, msgs[0].NavigationID)
	}
}

func TestBodiesFetchedBeforeFinished(t *testing.T) {
	var mu sync.Mutex
	fetched := map[string]int{}
	c := New(Options{MaxBodyBytes: 10, FetchBody: func(_ context.Context, _, id string) (string, bool, error) {
		mu.Lock()
		fetched[id]++
		mu.Unlock()
		switch id {
		case "big":
			return strings.Repeat("x", 11), false, nil
		case "gone":
			return "", false, errors.New("No resource with given identifier found")
		}
		return `{"ok":1}`, false, nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	var since uint64
	sub, _ := c.Subscribe(&since)
	defer sub.Close()
	requestEvents(t, c, "ok", "http://h/ok", "application/json", 200)
	requestEvents(t, c, "big", "http://h/big", "text/plain", 200)
	requestEvents(t, c, "gone", "http://h/gone", "text/html", 200)
	requestEvents(t, c, "img", "http://h/i.png", "image/png", 200)

	finished := map[string]protocol.NetworkRequest{}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	for len(finished) < 4 {
		b, err := sub.Next(wctx, 100)
		if err != nil {
			t.Fatalf("waiting for finished events: %v (have %v)", err, finished)
		}
		for _, line := range b.Lines {
			var n struct {
				Method string                `json:"method"`
				Params protocol.NetworkEvent `json:"params"`
			}
			if err := json.Unmarshal(line, &n); err != nil {
				t.Fatal(err)
			}
			if n.Method == protocol.NotifyFinished {
				if n.Params.Request.ResponseBody != "" {
					t.Errorf("event carries a body: %s", line)
				}
				finished[n.Params.Request.RequestID] = n.Params.Request
			}
		}
	}
	if r := finished["ok"]; r.BodySize != 8 || r.BodyOmitted != "" {
		t.Errorf("ok: %+v", r)
	}
	if r := finished["big"]; r.BodyOmitted != "too-large" {
		t.Errorf("big: omitted %q", r.BodyOmitted)
	}
	if r := finished["gone"]; r.BodyOmitted != "unavailable" {
		t.Errorf("gone: omitted %q", r.BodyOmitted)
	}
	if r := finished["img"]; r.BodyOmitted != "not-text" || fetched["img"] != 0 {
		t.Errorf("img: omitted %q, fetched %d times", r.BodyOmitted, fetched["img"])
	}
	if r, _, _ := c.Request("ok", true); r.ResponseBody != `{"ok":1}` {
		t.Errorf("body = %q", r.ResponseBody)
	}
}

func TestSubscriptionReplayAndDrops(t *testing.T) {
	c := New(Options{Session: "s", JournalSize: 5})
	for i := range 8 {
		event(t, c, "Runtime.consoleAPICalled", fmt.Sprintf(`{"type":"log","args":[{"type":"number","value":%d}],"executionContextId":1,"timestamp":1}`, i))
	}
	ctx := context.Background()

	since := uint64(5)
	sub, res := c.Subscribe(&since)
	if res.LastSeq != 8 || res.OldestSeq != 4 {
		t.Errorf("subscribe result %+v", res)
	}
	b, err := sub.Next(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if got := seqs(t, b.Lines); !cmp.Equal(got, []uint64{6, 7, 8}) {
		t.Errorf("replay since 5 = %v, want 6 7 8", got)
	}
	sub.Close()

	since = 1
	sub, _ = c.Subscribe(&since)
	b, _ = sub.Next(ctx, 100)
	if !strings.Contains(string(b.Lines[0]), `"method":"events/dropped","params":{"session":"s","count":2,"fromSeq":2,"toSeq":3}`) {
		t.Errorf("first line %s, want events/dropped of 2..3", b.Lines[0])
	}
	if got := seqs(t, b.Lines[1:]); !cmp.Equal(got, []uint64{4, 5, 6, 7, 8}) {
		t.Errorf("after the gap: %v", got)
	}
	c.End(protocol.ReasonStopped, "/x/session.json", "")
	b, _ = sub.Next(ctx, 100)
	if !b.Ended || !strings.Contains(string(b.Lines[0]), `"method":"session/ended"`) {
		t.Errorf("want session/ended, got %q", b.Lines)
	}
	sub.Close()
}

func seqs(t *testing.T, lines [][]byte) []uint64 {
	t.Helper()
	var out []uint64
	for _, l := range lines {
		var n struct {
			Params struct {
				Seq uint64 `json:"seq"`
			} `json:"params"`
		}
		if err := json.Unmarshal(l, &n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n.Params.Seq)
	}
	return out
}
