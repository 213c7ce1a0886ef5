package har

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestBuild(t *testing.T) {
	reqs := []protocol.NetworkRequest{
		{RequestID: "1", URL: "http://h/data.json?a=1&b=two", Method: "GET", Timestamp: 1764100000000, NavigationID: 1, State: "finished",
			RequestHeaders: protocol.Headers(`{"Accept":"*/*"}`), Status: 200, StatusText: "OK", MimeType: "application/json",
			ResponseHeaders: protocol.Headers(`{"Content-Type":"application/json","Set-Cookie":"a=1\nb=2"}`), Protocol: "http/1.1",
			RemoteAddress: "127.0.0.1:8080", EncodedDataLength: 120, Duration: 12.5, ResponseBody: `{"n":42}`, BodySize: 8,
			Redirects: []protocol.Redirect{{URL: "http://h/old", Status: 302, StatusText: "Found", Timestamp: 1764099999990}}},
		{RequestID: "2", URL: "http://127.0.0.1:1/x", Method: "POST", RequestBody: "k=v", RequestHeaders: protocol.Headers(`{"Content-Type":"application/x-www-form-urlencoded"}`),
			Timestamp: 1764100000100, NavigationID: 1, State: "failed", ErrorText: "net::ERR_CONNECTION_REFUSED"},
	}
	h := Build(reqs, []protocol.Navigation{{ID: 1, URL: "http://h/", Timestamp: 1764099999000}}, "Title")
	if h.Log.Version != "1.2" || len(h.Log.Pages) != 1 || h.Log.Pages[0].Title != "Title" {
		t.Fatalf("log %+v", h.Log)
	}
	if len(h.Log.Entries) != 3 {
		t.Fatalf("%d entries, want 3 (a redirect hop, its target, the failure)", len(h.Log.Entries))
	}
	hop, ok, failed := h.Log.Entries[0], h.Log.Entries[1], h.Log.Entries[2]
	if hop.Response.Status != 302 || hop.Response.RedirectURL != "http://h/data.json?a=1&b=two" || hop.Request.URL != "http://h/old" {
		t.Errorf("redirect entry %+v", hop)
	}
	if ok.Response.Content.Text != `{"n":42}` || ok.Response.Content.Size != 8 || ok.ServerIPAddress != "127.0.0.1" || ok.Time != 12.5 || ok.Pageref != "page_1" {
		t.Errorf("entry %+v", ok)
	}
	if len(ok.Request.QueryString) != 2 || ok.Request.QueryString[1].Value != "two" {
		t.Errorf("query string %+v", ok.Request.QueryString)
	}
	cookies := 0
	for _, hd := range ok.Response.Headers {
		if hd.Name == "Set-Cookie" {
			cookies++
		}
	}
	if cookies != 2 {
		t.Errorf("repeated header split into %d", cookies)
	}
	if failed.Error != "net::ERR_CONNECTION_REFUSED" || failed.Response.Status != 0 || failed.Request.PostData == nil || failed.Request.PostData.MimeType != "application/x-www-form-urlencoded" {
		t.Errorf("failed entry %+v", failed)
	}
	if _, err := json.Marshal(h); err != nil {
		t.Fatal(err)
	}
}

// TestWebSocketMessages: a WebSocket's frames become its entry's
// _webSocketMessages, as Chrome's own HAR export writes them.
func TestWebSocketMessages(t *testing.T) {
	ws := protocol.NetworkRequest{
		RequestID: "ws", URL: "ws://h/live", Method: "GET", ResourceType: protocol.ResourceWebSocket, Timestamp: 1000, Status: 101, State: protocol.StateFinished,
		Frames: []protocol.WebSocketFrame{
			{Direction: protocol.FrameSent, Opcode: 1, Payload: "hi", Size: 2, Timestamp: 1500},
			{Direction: protocol.FrameReceived, Opcode: 2, Payload: "AQID", Base64: true, Size: 3, Timestamp: 2250},
		},
	}
	h := Build([]protocol.NetworkRequest{ws}, nil, "t")
	b, err := json.Marshal(h.Log.Entries[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `"_webSocketMessages":[{"type":"send","time":1.5,"opcode":1,"data":"hi"},{"type":"receive","time":2.25,"opcode":2,"data":"AQID"}]`
	if !strings.Contains(string(b), want) {
		t.Errorf("entry %s\nwant it to hold %s", b, want)
	}
}

// TestWriteStreamsBuildsArchive: Write, one entry at a time, writes the
// very bytes of Build's archive encoded whole (requests in the order of
// their start), with no entries too.
func TestWriteStreamsBuildsArchive(t *testing.T) {
	reqs := []protocol.NetworkRequest{
		{RequestID: "1", URL: "http://h/a?x=<b>&y=é", Method: "GET", Timestamp: 1764100000000, NavigationID: 1, State: "finished",
			ResponseHeaders: protocol.Headers(`{"Content-Type":"text/html"}`), Status: 200, MimeType: "text/html", ResponseBody: "<p>&amp;</p>",
			Redirects: []protocol.Redirect{{URL: "http://h/old", Status: 301, Timestamp: 1764099999990}, {URL: "http://h/older", Status: 302, Timestamp: 1764099999995}}},
		{RequestID: "2", URL: "http://h/b", Method: "POST", RequestBody: `{"k":"v"}`, Timestamp: 1764100000100, NavigationID: 2, State: "failed", ErrorText: "net::ERR_FAILED"},
		{RequestID: "3", URL: "ws://h/s", ResourceType: protocol.ResourceWebSocket, Timestamp: 1764100000200, NavigationID: 2,
			Frames: []protocol.WebSocketFrame{{Direction: protocol.FrameSent, Payload: "hi", Timestamp: 1764100000300}}},
	}
	navs := []protocol.Navigation{{ID: 1, URL: "http://h/", Timestamp: 1764099999000}, {ID: 2, URL: "http://h/2", Timestamp: 1764100000050}}
	for _, reqs := range [][]protocol.NetworkRequest{reqs, nil} {
		var whole strings.Builder
		enc := json.NewEncoder(&whole)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(Build(reqs, navs, "T & t")); err != nil {
			t.Fatal(err)
		}
		var streamed strings.Builder
		n, err := Write(&streamed, func(visit func(*protocol.NetworkRequest) bool) error {
			for i := range reqs {
				if !visit(&reqs[i]) {
					break
				}
			}
			return nil
		}, navs, "T & t")
		if err != nil || streamed.String() != whole.String() {
			t.Errorf("%d requests: Write (%d entries, %v):\n%s\nBuild:\n%s", len(reqs), n, err, streamed.String(), whole.String())
		}
	}
}
