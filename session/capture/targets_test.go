package capture

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestTargetBounds: past MaxTargets a target is refused and counted; one
// that goes frees its place and is remembered as gone; the popup's
// navigation state goes with it.
func TestTargetBounds(t *testing.T) {
	c := New(Options{MaxTargets: 2})
	page := &protocol.TargetRef{ID: "P", Type: protocol.TargetPage}
	w1 := &protocol.TargetRef{ID: "W1", Type: protocol.TargetWorker, ParentID: "P"}
	w2 := &protocol.TargetRef{ID: "W2", Type: protocol.TargetWorker, ParentID: "P"}
	if !c.TargetAttached(page) || !c.TargetAttached(w1) {
		t.Fatal("refused a target under the bound")
	}
	if !c.TargetAttached(w1) {
		t.Error("refused a target it follows already")
	}
	if c.TargetAttached(w2) {
		t.Error("took a target past the bound")
	}
	c.TargetGone("W1", protocol.TargetDestroyed)
	if !c.TargetAttached(w2) {
		t.Error("refused a target after one went")
	}
	st := c.State()
	if st.Dropped.Targets != 1 || st.Targets[protocol.TargetWorker] != 1 || st.Targets[protocol.TargetPage] != 1 || st.TargetsEnded[protocol.TargetWorker] != 1 {
		t.Errorf("dropped %d, targets %v, ended %v", st.Dropped.Targets, st.Targets, st.TargetsEnded)
	}
	snap := c.Snapshot()
	if len(snap.Targets) != 3 || snap.Targets[0].ID != "W1" || snap.Targets[0].Reason != protocol.TargetDestroyed || snap.Targets[0].Ended == 0 {
		t.Errorf("targets in the snapshot: %+v", snap.Targets)
	}
}

// TestWebSocketFrames: a socket keeps its newest MaxFrames frames, the
// older counted in dropped.frames; payloads are cut to the text cap; the
// frames come with network/get's body and go with the socket.
func TestWebSocketFrames(t *testing.T) {
	c := New(Options{MaxFrames: 3, Caps: Caps{Text: 16}})
	ws := &protocol.TargetRef{ID: "P", Type: protocol.TargetPage}
	src := Source{Session: "S", Target: ws}
	feed := func(method, params string) {
		t.Helper()
		if !c.HandleEventFrom(src, method, []byte(params)) {
			t.Fatalf("%s not handled", method)
		}
	}
	feed("Network.webSocketCreated", `{"requestId":"ws1","url":"ws://h/live"}`)
	feed("Network.webSocketWillSendHandshakeRequest", `{"requestId":"ws1","timestamp":10,"wallTime":1000,"request":{"headers":{"Upgrade":"websocket"}}}`)
	feed("Network.webSocketHandshakeResponseReceived", `{"requestId":"ws1","timestamp":10.5,"response":{"status":101,"statusText":"Switching Protocols","headers":{"Upgrade":"websocket"}}}`)
	for i := range 5 {
		feed("Network.webSocketFrameReceived", fmt.Sprintf(`{"requestId":"ws1","timestamp":%d,"response":{"opcode":1,"payloadData":"frame %d %s"}}`, 11+i, i, strings.Repeat("x", i*10)))
	}
	feed("Network.webSocketFrameSent", `{"requestId":"ws1","timestamp":20,"response":{"opcode":2,"payloadData":"AQID"}}`)
	r, ok, _ := c.Request("ws1", true)
	if !ok {
		t.Fatal("no socket")
	}
	if r.ResourceType != protocol.ResourceWebSocket || r.State != protocol.StateResponded || r.Status != 101 || r.Target != ws || r.Timestamp != 1000e3 {
		t.Errorf("socket %+v", r)
	}
	if len(r.Frames) != 3 || r.Frames[0].Payload != "frame 3 xxxxxxxx" || !r.Frames[0].Truncated || r.Frames[0].Size != 38 ||
		r.Frames[2].Direction != protocol.FrameSent || !r.Frames[2].Base64 || r.Frames[2].Size != 3 || r.Frames[2].Timestamp != 1000e3+10e3 {
		t.Errorf("frames %+v", r.Frames)
	}
	st := c.State()
	if st.Dropped.Frames != 3 || st.Dropped.Truncated != 4 {
		t.Errorf("dropped frames %d, truncated %d; want 3, 4", st.Dropped.Frames, st.Dropped.Truncated)
	}
	feed("Network.webSocketClosed", `{"requestId":"ws1","timestamp":21}`)
	if r, _, _ := c.Request("ws1", false); r.State != protocol.StateFinished || r.Duration != 11000 || len(r.Frames) != 0 {
		t.Errorf("closed: state %s, duration %v, %d frames without the body", r.State, r.Duration, len(r.Frames))
	}
}

// TestServiceWorkerFetchLinked: a service worker's fetch is linked to the
// page's request it answers, whether it comes before the page's request is
// seen, while it is pending, or after it finished (the events of two
// targets race), and the last event of each record carries the link.
func TestServiceWorkerFetchLinked(t *testing.T) {
	sw := Source{Session: "SW", Target: &protocol.TargetRef{ID: "SW", Type: protocol.TargetServiceWorker}}
	send := func(c *Capture, src Source, method, params string) {
		t.Helper()
		if !c.HandleEventFrom(src, method, []byte(params)) {
			t.Fatalf("%s not handled", method)
		}
	}
	swFetch := func(c *Capture) {
		send(c, sw, "Network.requestWillBeSent", `{"requestId":"sw1","request":{"url":"http://h/data","method":"GET","headers":{}},"timestamp":1,"wallTime":1764100000,"type":"Fetch"}`)
		send(c, sw, "Network.responseReceived", `{"requestId":"sw1","type":"Fetch","response":{"url":"http://h/data","status":200,"statusText":"OK","headers":{},"mimeType":"application/json"}}`)
		send(c, sw, "Network.loadingFinished", `{"requestId":"sw1","timestamp":2,"encodedDataLength":8}`)
	}
	for _, when := range []string{"first", "pending", "late"} {
		c := New(Options{})
		if when == "first" {
			swFetch(c)
		}
		send(c, Source{}, "Network.requestWillBeSent", `{"requestId":"p1","request":{"url":"http://h/data","method":"GET","headers":{}},"timestamp":1,"wallTime":1764100000,"type":"Fetch"}`)
		if when == "pending" {
			swFetch(c)
		}
		send(c, Source{}, "Network.responseReceived", `{"requestId":"p1","type":"Fetch","response":{"url":"http://h/data","status":200,"statusText":"OK","headers":{},"mimeType":"application/json","fromServiceWorker":true}}`)
		send(c, Source{}, "Network.loadingFinished", `{"requestId":"p1","timestamp":2,"encodedDataLength":0}`)
		if when == "late" {
			swFetch(c)
		}
		page, _, _ := c.Request("p1", false)
		worker, _, _ := c.Request("sw1", false)
		if page.ServiceWorkerRequestID != "sw1" || worker.ForRequestID != "p1" {
			t.Errorf("fetch %s: the page's request links %q, the worker's %q", when, page.ServiceWorkerRequestID, worker.ForRequestID)
		}
		// What a client that keeps the last event of each request sees.
		last := map[string]protocol.NetworkRequest{}
		for _, l := range allEvents(t, c) {
			var n struct {
				Method string                `json:"method"`
				Params protocol.NetworkEvent `json:"params"`
			}
			if err := json.Unmarshal([]byte(l), &n); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(n.Method, "network/") {
				last[n.Params.Request.RequestID] = n.Params.Request
			}
		}
		if last["p1"].ServiceWorkerRequestID != "sw1" || last["sw1"].ForRequestID != "p1" {
			t.Errorf("fetch %s: the last events link %q and %q", when, last["p1"].ServiceWorkerRequestID, last["sw1"].ForRequestID)
		}
	}
}
