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
		{protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Format: protocol.FormatLines}}},
		{protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Brief: true}}},
		{protocol.ConsoleList.Name, protocol.ConsoleListParams{ListParams: protocol.ListParams{Format: protocol.FormatLines}}},
		{protocol.ConsoleList.Name, protocol.ConsoleListParams{ListParams: protocol.ListParams{Brief: true}}},
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
	// The lines, and the brief records.
	lines, _ := ask(liveMux, protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Format: protocol.FormatLines}})
	if want := `{"items":[],"lines":"a GET 200 http://h/a.json Fetch 500ms 42B\nb GET 404 http://h/b Fetch 500ms 7B\n","total":2,`; !strings.HasPrefix(lines, want) {
		t.Errorf("network/list's lines: %s", lines)
	}
	lines, _ = ask(liveMux, protocol.ConsoleList.Name, protocol.ConsoleListParams{ListParams: protocol.ListParams{Format: protocol.FormatLines}})
	if !strings.HasPrefix(lines, `{"items":[],"lines":"#7 warning w\n","total":1,`) {
		t.Errorf("console/list's lines: %s", lines)
	}
	brief, _ := ask(liveMux, protocol.NetworkList.Name, protocol.NetworkListParams{ListParams: protocol.ListParams{Brief: true}})
	if strings.Contains(brief, "Accept") || !strings.Contains(brief, `"url":"http://h/a.json"`) {
		t.Errorf("network/list's brief records: %s", brief)
	}
	if _, err := ask(liveMux, protocol.ConsoleList.Name, protocol.ConsoleListParams{ListParams: protocol.ListParams{Format: "text"}}); protocol.AsError(err).Code != protocol.CodeInvalidParams {
		t.Errorf("an unknown format: %v", err)
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
