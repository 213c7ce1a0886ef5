package session

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/google/go-cmp/cmp"
)

func TestNormalizeURL(t *testing.T) {
	ok := map[string]string{
		"http://127.0.0.1:8080/x?a=1": "http://127.0.0.1:8080/x?a=1",
		"localhost:3000":              "http://localhost:3000/",
		"127.0.0.1:8080/app":          "http://127.0.0.1:8080/app",
		"example.com":                 "http://example.com/",
		"https://example.com/#frag":   "https://example.com/#frag",
		"about:blank":                 "about:blank",
		"data:text/html,<p>hi</p>":    "data:text/html,<p>hi</p>",
		"  http://localhost/  ":       "http://localhost/",
	}
	for in, want := range ok {
		got, err := NormalizeURL(in)
		if err != nil || got != want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "   ", "foo", "ftp://example.com/", "javascript:alert(1)", "http://", "not a url", "http:///path"} {
		if got, err := NormalizeURL(in); !errors.Is(err, ErrInvalidURL) {
			t.Errorf("NormalizeURL(%q) = %q, %v; want ErrInvalidURL", in, got, err)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, good := range []string{"default", "a", "my-app.dev", "_x", "A1_b-2.c"} {
		if err := ValidateName(good); err != nil {
			t.Errorf("ValidateName(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "/abs", ".hidden", "-flag", "a b", "x\x00", string(make([]byte, 65))} {
		if err := ValidateName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("ValidateName(%q) = %v, want ErrInvalidName", bad, err)
		}
	}
}

func TestWriteOutputAtomicStreams(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/session.json"
	out := protocol.Output{Version: "v", Session: "s", Target: protocol.Target{URL: "http://h/", Title: "<T&>"}, Error: "e"}
	net := []*protocol.NetworkRequest{{RequestID: "1", URL: "http://h/a?x=1&y=2", ResponseBody: "{\"n\":1}"}, {RequestID: "2", URL: "http://h/b"}}
	con := []*protocol.ConsoleMessage{{Seq: 3, Text: "line\u2028sep"},
		{Seq: 4, Level: protocol.LevelError, Type: "error", Source: "javascript", Text: "<b>&amp;</b> é \"q\" \\ \t\x01", URL: "http://h/x.js?a&b",
			Stack: "at f (x.js:1:2)", Target: &protocol.TargetRef{ID: "W", Type: protocol.TargetWorker, URL: "http://h/w.js"}, FrameID: "F",
			NavigationID: 2, Timestamp: 1764100000000.5, Truncated: true, OriginalSizes: &protocol.OriginalSizes{Text: 12345}},
		{Seq: 5, Text: "bad \xff byte"}}
	if err := WriteOutputAtomic(path, out, net, con); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got protocol.Output
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	want := out
	bad := *con[2]
	bad.Text = "bad \ufffd byte" // as encoding/json writes a string that is not UTF-8
	want.Data = protocol.OutputData{Network: []protocol.NetworkRequest{*net[0], *net[1]}, Console: []protocol.ConsoleMessage{*con[0], *con[1], bad}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("document (-want +got):\n%s", diff)
	}
	if err := WriteOutputAtomic(path, out, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if err := json.Unmarshal(b, &got); err != nil || len(got.Data.Network) != 0 || got.Data.Network == nil {
		t.Errorf("empty document: %v %s", err, b)
	}
}
