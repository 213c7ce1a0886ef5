package capture

import (
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestFilter(t *testing.T) {
	reqs := []*protocol.NetworkRequest{
		{RequestID: "ok", URL: "https://api.example.com/v1/items", Method: "GET", Status: 200, MimeType: "application/json", ResourceType: "Fetch", State: "finished", EncodedDataLength: 200 << 10},
		{RequestID: "post404", URL: "https://example.com/login", Method: "POST", Status: 404, MimeType: "text/html", ResourceType: "XHR", State: "finished", EncodedDataLength: 100},
		{RequestID: "refused", URL: "http://127.0.0.1:1/x", Method: "GET", State: "failed", ErrorText: "net::ERR_CONNECTION_REFUSED"},
		{RequestID: "img", URL: "https://cdn.other.org/a.png", Method: "GET", Status: 304, MimeType: "image/png", ResourceType: "Image", State: "finished", FromCache: true,
			Target: &protocol.TargetRef{Type: protocol.TargetPage}},
		{RequestID: "ws", URL: "wss://example.com/live", Method: "GET", Status: 101, ResourceType: protocol.ResourceWebSocket, State: "finished",
			Target: &protocol.TargetRef{Type: protocol.TargetWorker}},
		{RequestID: "sw", URL: "https://example.com/sw.js", Method: "GET", Status: 200, ResourceType: "Script", State: "finished",
			Target: &protocol.TargetRef{Type: protocol.TargetServiceWorker}},
	}
	cases := map[string][]string{
		"":                                 {"ok", "post404", "refused", "img", "ws", "sw"},
		"type:websocket":                   {"ws"},
		"target:worker":                    {"ws"},
		"target:page":                      {"ok", "post404", "refused", "img"},
		"-target:page":                     {"ws", "sw"},
		"target:sw":                        {"sw"},
		"target:service-worker":            {"sw"},
		"target:popup":                     {},
		"target:iframe":                    {},
		"status-code:>=400":                {"post404"},
		"status-code:200-299":              {"ok", "sw"},
		"status-code:!=200":                {"post404", "img", "ws"},
		"method:post":                      {"post404"},
		"domain:*.example.com":             {"ok"},
		"domain:example.com":               {"post404", "ws", "sw"},
		"mime:json":                        {"ok"},
		"is:failed":                        {"refused"},
		"is:error":                         {"post404", "refused"},
		"is:cached":                        {"img"},
		"larger-than:100k":                 {"ok"},
		"-larger-than:100k -is:failed":     {"post404", "img", "ws", "sw"},
		"type:xhr":                         {"post404"},
		"/v1/":                             {"ok"},
		"url:login method:POST":            {"post404"},
		"https://cdn.other.org":            {"img"},
		"method:GET -domain:*.example.com": {"refused", "img", "ws", "sw"},
	}
	for expr, want := range cases {
		f, err := ParseFilter(expr)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", expr, err)
			continue
		}
		var got []string
		for _, r := range reqs {
			if f == nil || f(r) {
				got = append(got, r.RequestID)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%q matched %v, want %v", expr, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q matched %v, want %v", expr, got, want)
				break
			}
		}
	}
	for _, bad := range []string{"status-code:abc", "status-code:~5", "is:weird", "larger-than:lots", "colour:red", "method:", "domain:[", "status-code:500-400", "target:tab"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q) accepted it", bad)
		}
	}
}
