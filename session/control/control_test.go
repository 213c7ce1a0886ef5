package control_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// ended writes the session.json of a session that ended, without a worker.
func ended(t *testing.T, home, name string) session.Dir {
	t.Helper()
	d, err := session.NewDir(home, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	out := protocol.Output{Version: protocol.Version, Success: true, Session: name, LastSeq: 3,
		Counts: protocol.Counts{Network: 1, Console: 1}, Target: protocol.Target{URL: "http://h/"},
		Navigations: []protocol.Navigation{{ID: 1, URL: "http://h/"}}}
	net := []*protocol.NetworkRequest{{Seq: 2, RequestID: "r1", URL: "http://h/a", Method: "GET", State: protocol.StateFinished, Status: 500}}
	con := []*protocol.ConsoleMessage{{Seq: 3, Level: protocol.LevelError, Text: "boom"}}
	if err := session.WriteOutputAtomic(d.File(session.OutputFile), out, net, con); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestAskWithoutWorker: the offline methods of the table are answered from
// session.json, marked stale; the others fail with no_session. Nothing is
// started.
func TestAskWithoutWorker(t *testing.T) {
	home := t.TempDir()
	d := ended(t, home, "gone")
	ctx := context.Background()
	raw, err := control.Ask(ctx, d, protocol.NetworkList.Name, json.RawMessage(`{"filter":"status-code:>=500"}`))
	if err != nil {
		t.Fatal(err)
	}
	var list protocol.NetworkListResult
	if err := json.Unmarshal(raw, &list); err != nil || list.Total != 1 || list.Requests[0].RequestID != "r1" ||
		!list.Stale.Stale || list.Source != d.File(session.OutputFile) {
		t.Errorf("network/list from session.json: %s (%v)", raw, err)
	}
	if _, err := control.Ask(ctx, d, protocol.NetworkGet.Name, json.RawMessage(`{"requestId":"nope"}`)); protocol.KindOf(err) != protocol.NotFound {
		t.Errorf("network/get of an unknown id: %v", err)
	}
	if _, err := control.Ask(ctx, d, protocol.NetworkList.Name, json.RawMessage(`{"last":-1}`)); protocol.AsError(err).Code != protocol.CodeInvalidParams {
		t.Errorf("bad params: %v", err)
	}
	_, err = control.Ask(ctx, d, protocol.CDPSend.Name, json.RawMessage(`{"method":"Page.reload"}`))
	if protocol.KindOf(err) != protocol.NoSession {
		t.Errorf("cdp/send without a worker: %v", err)
	}
	if alive, _ := d.WorkerAlive(); alive {
		t.Error("asking started a worker")
	}
	if err := os.WriteFile(d.File(session.OutputFile), []byte(`{"data":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := control.Ask(ctx, d, protocol.Peek.Name, nil); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a damaged session.json: %v, want a session_file error", err)
	}
}

// TestStatusAndList: a session that ended reports "ended" from its file; a
// directory with nothing in it is not listed; one whose file is unreadable
// is listed as stale.
func TestStatusAndList(t *testing.T) {
	home := t.TempDir()
	d := ended(t, home, "done")
	st, err := control.Status(context.Background(), d)
	if err != nil || st.State != protocol.StateEnded || st.Counts.Console != 1 || !st.Stale.Stale || st.NavigationID != 1 {
		t.Errorf("status of an ended session: %+v, %v", st, err)
	}
	empty, _ := session.NewDir(home, "empty")
	if err := empty.Ensure(); err != nil {
		t.Fatal(err)
	}
	broken := ended(t, home, "broken")
	if err := os.WriteFile(broken.File(session.OutputFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := control.List(context.Background(), home)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Session+"="+s.State)
	}
	if want := []string{"broken=stale", "done=ended"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("list = %q, want %q", got, want)
	}
	if _, err := control.List(context.Background(), filepath.Join(home, "sessions", "done", session.OutputFile)); protocol.KindOf(err) != protocol.SessionFile {
		t.Errorf("a home that is a file: %v", err)
	}
}
