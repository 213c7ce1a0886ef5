package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// floodJS makes the page log without pause until it is gone.
const floodJS = `{"expression":"let i = 0; setInterval(() => { for (let k = 0; k < 50; k++) console.log('flood ' + i++); }, 1)"}`

// TestKillWorkerMidBurst: kill -9 while the page logs as fast as it can.
// The next reader gets the partial file and its age; the socket left behind
// does not fool anyone; the next start cleans up and succeeds.
func TestKillWorkerMidBurst(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("burst-kill", h.fx.URL("console-burst.html?n=1")))
	c := h.client(w.Dir)
	call(h, c, protocol.CDPSend, protocol.CDPSendParams{Method: "Runtime.evaluate", Params: json.RawMessage(floodJS)})
	awaitFile(t, w.Dir.File(session.PartialFile), func(out protocol.Output) bool { return out.Counts.Console > 1000 })
	if err := syscall.Kill(w.Handshake.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	if _, err := os.Stat(w.Handshake.SocketPath); err != nil {
		t.Fatalf("the dead worker's socket should still be there for this test: %v", err)
	}

	st, err := control.Status(context.Background(), w.Dir)
	if err != nil || st.State != protocol.StateStale || st.Counts.Console <= 1000 || st.Stale.DataAgeMs < 0 {
		t.Fatalf("status after kill -9 mid-burst: %+v, %v", st, err)
	}
	if _, err := control.Connect(context.Background(), w.Dir, nil, nil); protocol.KindOf(err) != protocol.NoSession {
		t.Errorf("connecting to the stale socket: %v, want no_session", err)
	}
	w2 := h.start(h.options("burst-kill", h.fx.URL("everything.html")))
	out := readOutput(t, w.Dir.File(session.OutputFile))
	if !out.Partial || out.Reason != protocol.ReasonWorkerDied || out.Counts.Console < st.Counts.Console {
		t.Errorf("rescued session.json: partial %v reason %q console %d (partial file had %d)", out.Partial, out.Reason, out.Counts.Console, st.Counts.Console)
	}
	if _, err := control.Status(context.Background(), w2.Dir); err != nil {
		t.Errorf("the new session: %v", err)
	}
}

// TestPageCrash: the renderer crashes; the session ends with page_crashed
// and a partial session.json.
func TestPageCrash(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("crash", h.fx.URL("everything.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	c := h.client(w.Dir)
	// Page.crash does not answer: the renderer is gone before it can.
	go rpc.Call(context.Background(), c.Conn, protocol.CDPSend, protocol.CDPSendParams{Method: "Page.crash"}) //nolint:errcheck // no answer comes
	ended, out := endedBy(t, sub, w)
	if ended.Reason != protocol.ReasonPageCrashed || !out.Partial || out.Success || out.Counts.Console < 7 {
		t.Errorf("ended %+v; session.json partial %v success %v console %d", ended, out.Partial, out.Success, out.Counts.Console)
	}
}

// TestDiskRefusesSessionJSON: session.json cannot be written (a directory
// is in its way). stop says so clearly; the worker keeps the capture in
// memory, keeps answering, and writes the file once it can; no truncated
// file appears.
func TestDiskRefusesSessionJSON(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("disk", h.fx.URL("everything.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	blocker := w.Dir.File(session.OutputFile)
	if err := os.Mkdir(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocker, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := control.Stop(context.Background(), w.Dir)
	if protocol.KindOf(err) != protocol.SessionFile || !strings.Contains(err.Error(), "could not write session.json") {
		t.Fatalf("stop with session.json blocked: %v (kind %q)", err, protocol.KindOf(err))
	}
	c := h.client(w.Dir)
	cons := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{})
	if len(cons.Items) < 7 {
		t.Errorf("the worker answers with %d messages while it retries", len(cons.Items))
	}
	if entries, _ := os.ReadDir(w.Dir.Path); len(entries) > 0 {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("a temporary file was left: %s", e.Name())
			}
		}
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	ended, out := endedBy(t, sub, w)
	if ended.OutputPath != blocker || out.Counts.Console < 7 {
		t.Errorf("after the retry: ended %+v, session.json console %d", ended, out.Counts.Console)
	}
}

// TestSocketDeletedUnderLiveWorker: someone removes worker.sock; the worker
// notices and listens again, and clients find it.
func TestSocketDeletedUnderLiveWorker(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("unlinked", h.fx.URL("everything.html")))
	if err := os.Remove(w.Handshake.SocketPath); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitLimit)
	for {
		st, err := control.Status(context.Background(), w.Dir)
		if err == nil && !st.Stale.Stale && st.State == protocol.StateRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker never listened again: %+v, %v", st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClockJump: a file's time in the future (the clock went back) gives
// an age of zero, never a negative one; a file in the past gives its age.
func TestClockJump(t *testing.T) {
	h := newHarness(t)
	d := h.dir("clock")
	if err := d.Ensure(); err != nil {
		t.Fatal(err)
	}
	if err := session.WriteJSONAtomic(d.File(session.PartialFile), protocol.Output{Session: "clock", Partial: true}); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(d.File(session.PartialFile), future, future); err != nil {
		t.Fatal(err)
	}
	st, err := control.Status(context.Background(), d)
	if err != nil || st.Stale.DataAgeMs != 0 {
		t.Errorf("age of a file from the future: %d ms, %v", st.Stale.DataAgeMs, err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(d.File(session.PartialFile), past, past); err != nil {
		t.Fatal(err)
	}
	st, _ = control.Status(context.Background(), d)
	if age := time.Duration(st.Stale.DataAgeMs) * time.Millisecond; age < 59*time.Minute {
		t.Errorf("age of a file an hour old: %s", age)
	}
}

// TestOversizedFrameOnTheSocket: a 70 MB line on the worker's socket gets an
// error and its connection closed; the worker and other clients go on.
func TestOversizedFrameOnTheSocket(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("big-frame", h.fx.URL("everything.html")))
	conn, err := net.Dial("unix", w.Handshake.SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	replies := make(chan []byte, 1)
	go func() { // reads the server's answer while we write
		rd := rpc.NewReader(conn, 0)
		f, _ := rd.ReadFrame()
		replies <- append([]byte(nil), f...)
	}()
	chunk := []byte(`{"jsonrpc":"2.0","id":1,"method":"session/status","params":{"x":"` + strings.Repeat("x", 1<<20))
	var werr error
	for sent := 0; sent < 70<<20 && werr == nil; sent += len(chunk) {
		_, werr = conn.Write(chunk)
		chunk = []byte(strings.Repeat("y", 1<<20))
	}
	select {
	case reply := <-replies:
		if !strings.Contains(string(reply), `"code":-32600`) || !strings.Contains(string(reply), "larger than the limit") {
			t.Errorf("reply to an oversized frame: %.300s", reply)
		}
	case <-time.After(waitLimit):
		t.Fatal("no reply to an oversized frame")
	}
	if werr == nil || !(errors.Is(werr, syscall.EPIPE) || errors.Is(werr, syscall.ECONNRESET)) {
		t.Logf("writing the rest of the frame: %v", werr)
	}
	c := h.client(w.Dir)
	st := call(h, c, protocol.Status, protocol.StatusParams{})
	if st.State != protocol.StateRunning {
		t.Errorf("worker state after an oversized frame: %q", st.State)
	}
}

// TestBadCallsOnTheSocket: garbage, unknown methods and wrong params get
// their errors from the worker; the connection survives.
func TestBadCallsOnTheSocket(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("bad-calls", h.fx.URL("everything.html")))
	conn, err := net.Dial("unix", w.Handshake.SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lines := []string{
		`garbage`,
		`{"jsonrpc":"2.0","id":1,"method":"no/such"}`,
		`{"jsonrpc":"2.0","id":2,"method":"network/list","params":{"last":"ten"}}`,
		`{"jsonrpc":"2.0","id":3,"method":"console/list","params":{"levels":["loud"]}}`,
		`{"jsonrpc":"2.0","id":4,"method":"network/list","params":{"filter":"colour:red"}}`,
		`{"jsonrpc":"2.0","id":5,"method":"cdp/send","params":{"method":"Runtime.evaluate","params":"1+1"}}`,
		`{"jsonrpc":"2.0","id":6,"method":"session/status"}`,
	}
	if _, err := conn.Write([]byte(strings.Join(lines, "\n") + "\n")); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"null": "-32700", "1": "-32601", "2": "-32602", "3": "-32602", "4": "-32602", "5": "-32602", "6": `"result"`}
	rd := rpc.NewReader(conn, 0)
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	for len(want) > 0 {
		f, err := rd.ReadFrame()
		if err != nil {
			t.Fatalf("reading replies: %v (still waiting for %v)", err, want)
		}
		var m struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(f, &m)
		exp, ok := want[string(m.ID)]
		if !ok {
			t.Fatalf("unexpected reply %s", f)
		}
		if !strings.Contains(string(f), exp) {
			t.Errorf("reply to id %s: %s, want %s", m.ID, f, exp)
		}
		delete(want, string(m.ID))
	}
}
