package capture

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/google/go-cmp/cmp"
)

// TestConsoleEventEncoding holds the hand-written console event encoder to
// what encoding/json makes of the same event.
func TestConsoleEventEncoding(t *testing.T) {
	msgs := []protocol.ConsoleMessage{
		{Seq: 1, Level: "log", Source: "console", Type: "log", Text: "plain", Timestamp: 1764100000123.456, NavigationID: 1},
		{Seq: 2, Level: "error", Source: "exception", Type: "exception", Text: "Uncaught Error: <b>&\"quoted\"\n\t\\ ☃ \u2028 \x01",
			Timestamp: 1e21, URL: "http://h/a.js?x=1&y=2", Line: 3, Column: 9, Stack: "    at f (http://h/a.js:3:9)"},
		{Seq: math.MaxUint32, Level: "warning", Timestamp: 0.1},
		{Timestamp: 1764100000000},
	}
	for _, m := range msgs {
		hand, ok := appendConsoleEvent(nil, "sess \"x\"", 99, &m)
		if !ok {
			t.Fatalf("could not encode %+v", m)
		}
		want, _ := json.Marshal(notification{JSONRPC: "2.0", Method: protocol.NotifyConsole,
			Params: protocol.ConsoleEvent{Session: "sess \"x\"", Seq: 99, Message: m}})
		var a, b any
		if err := json.Unmarshal(hand, &a); err != nil {
			t.Fatalf("hand-encoded %s: %v", hand, err)
		}
		_ = json.Unmarshal(want, &b)
		if diff := cmp.Diff(b, a); diff != "" {
			t.Errorf("hand-encoded event differs from encoding/json's (-json +hand):\n%s\n%s", diff, hand)
		}
	}
	if _, ok := appendConsoleEvent(nil, "s", 1, &protocol.ConsoleMessage{Text: "bad \xff byte"}); ok {
		t.Error("invalid UTF-8 was not handed to encoding/json")
	}
}
