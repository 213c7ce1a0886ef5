package queries_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/queries"
)

// TestMethodTable: the queries are exactly the methods the table says are
// answered from a session's files when its worker is gone.
func TestMethodTable(t *testing.T) {
	m := rpc.NewMux()
	queries.Register(m, capture.New(capture.Options{}), protocol.Stale{}, t.TempDir())
	want := protocol.MethodsOn(protocol.Offline)
	slices.Sort(want)
	if got := m.Methods(); !slices.Equal(got, want) {
		t.Errorf("the queries are %q; the table's offline methods are %q", got, want)
	}
}

// TestRestoredAnswersLikeLive: a capture restored from the session's file
// gives the answers the live capture gave, marked stale.
func TestRestoredAnswersLikeLive(t *testing.T) {
	live := capture.New(capture.Options{Session: "r"})
	for _, ev := range [][2]string{
		{"Network.requestWillBeSent", `{"requestId":"a","request":{"url":"http://h/a.json","method":"GET","headers":{"Accept":"*/*"}},"timestamp":1,"wallTime":10,"type":"Fetch"}`},
		{"Network.responseReceived", `{"requestId":"a","type":"Fetch","response":{"url":"http://h/a.json","status":200,"statusText":"OK","headers":{},"mimeType":"image/png"}}`},
		{"Network.loadingFinished", `{"requestId":"a","timestamp":1.5,"encodedDataLength":42}`},
		{"Network.requestWillBeSent", `{"requestId":"b","request":{"url":"http://h/b","method":"GET","headers":{}},"timestamp":2,"wallTime":11,"type":"Fetch"}`},
		{"Network.responseReceived", `{"requestId":"b","type":"Fetch","response":{"url":"http://h/b","status":404,"statusText":"Not Found","headers":{},"mimeType":"image/png"}}`},
		{"Network.loadingFinished", `{"requestId":"b","timestamp":2.5,"encodedDataLength":7}`},
		{"Runtime.consoleAPICalled", `{"type":"warning","args":[{"type":"string","value":"w"}],"executionContextId":1,"timestamp":1}`},
	} {
		if !live.HandleEvent(ev[0], []byte(ev[1])) {
			t.Fatalf("%s not handled", ev[0])
		}
	}
	snap := live.Snapshot()
	out := protocol.Output{Session: "r", LastSeq: snap.LastSeq, Counts: snap.Counts}
	for _, r := range snap.Network {
		out.Data.Network = append(out.Data.Network, *r)
	}
	for _, m := range snap.Console {
		out.Data.Console = append(out.Data.Console, *m)
	}
	stale := protocol.Stale{Stale: true, DataAgeMs: 5, Source: "session.json"}
	liveMux, restoredMux := rpc.NewMux(), rpc.NewMux()
	queries.Register(liveMux, live, protocol.Stale{}, t.TempDir())
	queries.Register(restoredMux, capture.Restore(out), stale, t.TempDir())
	ask := func(mux *rpc.Mux, method string, params any) (string, error) {
		raw, _ := json.Marshal(params)
		res, err := mux.Dispatch(context.Background(), &rpc.Request{Method: method, Params: raw})
		b, _ := json.Marshal(res)
		return string(b), err
	}
	staleJSON, _ := json.Marshal(stale)
	for _, q := range []struct {
		method string
		params any
	}{
		{protocol.NetworkList.Name, protocol.NetworkListParams{}},
		{protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Filter: "status-code:>=400"}}},
		{protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{LastParams: protocol.LastParams{Last: 1}}}},
		{protocol.Peek.Name, protocol.PeekParams{}},
		{protocol.ConsoleList.Name, protocol.ConsoleListParams{Levels: []string{protocol.LevelWarning}}},
		{protocol.NetworkGet.Name, protocol.NetworkGetParams{RequestID: "b"}},
	} {
		a, errA := ask(liveMux, q.method, q.params)
		b, errB := ask(restoredMux, q.method, q.params)
		if errA != nil || errB != nil {
			t.Fatalf("%s %+v: %v, %v", q.method, q.params, errA, errB)
		}
		if want := strings.TrimSuffix(a, "}") + "," + strings.TrimPrefix(string(staleJSON), "{"); b != want {
			t.Errorf("%s %+v:\nlive     %s\nrestored %s", q.method, q.params, a, b)
		}
	}
	_, err := ask(restoredMux, protocol.NetworkGet.Name, protocol.NetworkGetParams{RequestID: "zzz"})
	if protocol.KindOf(err) != protocol.NotFound {
		t.Errorf("network/get of an unknown id: %v", err)
	}
	_, err = ask(restoredMux, protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Filter: "status-code:>>4"}})
	if e := protocol.AsError(err); e.Code != protocol.CodeInvalidParams {
		t.Errorf("a bad filter: %v", err)
	}
}
