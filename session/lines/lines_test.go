package lines

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

func TestConsole(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	msgs := []protocol.ConsoleMessage{
		{Seq: 3, Level: "log", Source: "console", Text: "first", URL: "http://h/app.js", Line: 3},
		{Seq: 4, Level: "log", Source: "console", Text: "same place", URL: "http://h/app.js", Line: 3},
		{Seq: 5, Level: "warning", Source: "console", Text: "next line\r\nof it", URL: "http://h/app.js", Line: 4},
		{Seq: 7, Level: "error", Source: "exception", Text: "Uncaught Error: x", URL: "http://h/w.js", Line: 9,
			Target: &protocol.TargetRef{ID: "W", Type: "worker"}},
		{Seq: 8, Level: "warning", Source: "browser", Text: "no place here"},
		{Seq: 9, Level: "log", Source: "console", Text: long, URL: "http://h/app.js", Line: 3,
			Target: &protocol.TargetRef{ID: "P", Type: "page"}},
		(&protocol.ConsoleMessage{Seq: 10, Level: "log", Source: "console", Text: long + long, URL: "http://h/app.js", Line: 3}).Brief(),
	}
	var b []byte
	var c Console
	for i := range msgs {
		b = c.Append(b, &msgs[i])
	}
	cut := strings.Repeat("é", 150)
	want := strings.Join([]string{
		"#3 log first (http://h/app.js:3)",
		"#4 log same place",
		"#5 warning next line⏎of it (http://h/app.js:4)",
		"#7 error exception [worker] Uncaught Error: x (http://h/w.js:9)",
		"#8 warning browser no place here (no place)",
		"#9 log " + cut + "… (+100 bytes) (http://h/app.js:3)",
		"#10 log " + cut + "… (+500 bytes)",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}

func TestRequest(t *testing.T) {
	reqs := []protocol.NetworkRequest{
		{RequestID: "1.1", Method: "GET", State: protocol.StateFinished, Status: 200, URL: "http://h/data.json", ResourceType: "Fetch", Duration: 12.4, EncodedDataLength: 342},
		{RequestID: "1.2", Method: "POST", State: protocol.StateFailed, ErrorText: "net::ERR_FAILED", URL: "http://h/api", Duration: 3, Target: &protocol.TargetRef{Type: "service_worker"}},
		{RequestID: "1.3", Method: "GET", State: protocol.StatePending, URL: "http://h/" + strings.Repeat("a", 400), OriginalSizes: &protocol.OriginalSizes{URL: 5000}},
	}
	var b []byte
	for i := range reqs {
		b = Request(b, &reqs[i])
	}
	want := strings.Join([]string{
		"1.1 GET 200 http://h/data.json Fetch 12ms 342B",
		"1.2 POST failed: net::ERR_FAILED http://h/api [service_worker] 3ms",
		"1.3 GET pending http://h/" + strings.Repeat("a", TextCut-len("http://h/")) + "… (+4700 bytes)",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
}
