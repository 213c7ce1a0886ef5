package server_test

import (
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestAttachAcrossRuns: a session started again under the same name is
// another run, with its own epoch and seqs from 1. A client that attaches
// with the since and epoch of the old run gets every event of the new one
// and is told (reset), instead of the events after an old seq that means
// nothing now. (Finding 7 of "the page and every client are untrusted":
// 500 of 1,500 messages arrived, with no error.)
func TestAttachAcrossRuns(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	var first protocol.StartResult
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("console-burst.html?n=1000&label=old"), Session: "again", Headless: ptr(true)}, &first)
	seen := b.await("the old run's burst", consoleText("old done"))
	oldLast := seen[len(seen)-1].Seq
	b.result(protocol.Stop.Name, protocol.StopParams{Session: "again"}, nil)
	b.await("the old run's end", func(ev event) bool { return ev.Method == protocol.NotifyEnded })

	// Another client starts the session again; its page logs fewer events
	// than the old run's last seq.
	other := e.serve()
	other.initialize()
	var second protocol.StartResult
	other.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("console-burst.html?n=300&label=new"), Session: "again", Headless: ptr(true)}, &second)
	other.await("the new run's burst", consoleText("new done"))
	if first.Epoch == "" || second.Epoch == "" || first.Epoch == second.Epoch {
		t.Fatalf("epochs %q and %q: want two different ones", first.Epoch, second.Epoch)
	}

	var res protocol.AttachResult
	b.result(protocol.Attach.Name, protocol.AttachParams{Session: "again", Since: &oldLast, Epoch: first.Epoch}, &res)
	if !res.Reset || res.Epoch != second.Epoch || res.Status.Epoch != second.Epoch {
		t.Errorf("attach with the old run's since and epoch: %+v", res)
	}
	n := 0
	for _, ev := range b.await("the new run's burst, replayed", consoleText("new done")) {
		if ev.Method == protocol.NotifyConsole && strings.HasPrefix(ev.text(), "new ") {
			n++
		}
	}
	if n != 301 {
		t.Errorf("the client got %d of the new run's 301 messages", n)
	}

	// The same run's epoch resumes where it says.
	since := uint64(5)
	var same protocol.AttachResult
	b.result(protocol.Attach.Name, protocol.AttachParams{Session: "again", Since: &since, Epoch: second.Epoch}, &same)
	if same.Reset {
		t.Errorf("attach with the current epoch was reset: %+v", same)
	}
	// Events of the first replay may still come after "new done": the
	// second replay is the first event again at a seq of 6 or less.
	if evs := b.await("the replay", func(ev event) bool { return ev.Seq != 0 && ev.Seq <= 6 }); evs[len(evs)-1].Seq != 6 {
		t.Errorf("the replay began at seq %d, want 6", evs[len(evs)-1].Seq)
	}
}
