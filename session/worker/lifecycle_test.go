package worker_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// endedBy waits for the worker to end the session by itself and returns
// its session/ended event and session.json.
func endedBy(t *testing.T, sub *subscriber, w *control.Worker) (protocol.EndedEvent, protocol.Output) {
	t.Helper()
	notes := sub.await("session/ended", func(n note) bool { return n.Method == protocol.NotifyEnded })
	var ended protocol.EndedEvent
	_ = json.Unmarshal(notes[len(notes)-1].Params, &ended)
	<-w.Done()
	return ended, readOutput(t, w.Dir.File(session.OutputFile))
}

// TestSignalEndsTheSession: SIGTERM makes the worker write session.json
// (not partial) and exit.
func TestSignalEndsTheSession(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("sigterm", h.fx.URL("everything.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	if err := syscall.Kill(w.Handshake.PID, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ended, out := endedBy(t, sub, w)
	if ended.Reason != protocol.ReasonSignal || out.Reason != protocol.ReasonSignal || out.Partial || !out.Success {
		t.Errorf("ended %+v; session.json reason %q partial %v success %v", ended, out.Reason, out.Partial, out.Success)
	}
}

// TestTimeoutEndsTheSession: --timeout ends the session on its own.
func TestTimeoutEndsTheSession(t *testing.T) {
	h := newHarness(t)
	opts := h.options("timeout", h.fx.URL("everything.html"))
	opts.TimeoutSeconds = 1
	w := h.start(opts)
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	ended, out := endedBy(t, sub, w)
	if ended.Reason != protocol.ReasonTimeout || out.Reason != protocol.ReasonTimeout || out.Partial {
		t.Errorf("ended %+v; session.json reason %q partial %v", ended, out.Reason, out.Partial)
	}
}

// TestAttachToRunningChrome: --browser-url attaches to a Chrome someone else
// runs, opens its own tab, captures it, and leaves Chrome running at the end.
func TestAttachToRunningChrome(t *testing.T) {
	h := newHarness(t)
	chrome := browsertest.Launch(t, browser.Headless(true))
	opts := h.options("attached", h.fx.URL("everything.html"))
	opts.BrowserURL = chrome.HTTPURL()
	opts.Headless = nil
	w := h.start(opts)
	if w.Handshake.Chrome.PID != 0 {
		t.Errorf("an attached session claims to have launched Chrome (pid %d)", w.Handshake.Chrome.PID)
	}
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	select {
	case <-chrome.Done():
		t.Fatal("stopping an attached session closed the Chrome it did not launch")
	default:
	}
	pages, err := browser.ListPages(context.Background(), chrome.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pages {
		found = found || strings.HasSuffix(p.URL, "/everything.html")
	}
	if !found {
		t.Errorf("the session's tab is not among Chrome's pages: %+v", pages)
	}
	out := readOutput(t, w.Dir.File(session.OutputFile))
	if out.Counts.Console < 7 {
		t.Errorf("session.json has %d console messages", out.Counts.Console)
	}
}

// TestLogRotates: worker.log is capped; the old generation is kept.
func TestLogRotates(t *testing.T) {
	h := newHarness(t)
	opts := h.options("rotate", h.fx.URL("console-burst.html?n=10"))
	opts.LogMaxBytes = 4 << 10 // a few lines of Chrome output and the worker's start fill it
	w := h.start(opts)
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("burst done", consoleText("burst done"))
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	cur, err1 := os.Stat(w.Dir.File(session.LogFile))
	old, err2 := os.Stat(w.Dir.File(session.LogFile + ".1"))
	if err1 != nil || err2 != nil {
		t.Fatalf("worker.log %v, worker.log.1 %v", err1, err2)
	}
	if cur.Size() > 8<<10 {
		t.Errorf("worker.log grew to %d bytes past its cap of 4 KiB", cur.Size())
	}
	// The last lines are in the two generations kept (Chrome's last output
	// may come after the worker's and push it into worker.log.1).
	b, _ := os.ReadFile(w.Dir.File(session.LogFile))
	ob, _ := os.ReadFile(w.Dir.File(session.LogFile + ".1"))
	if !strings.Contains(string(ob)+string(b), "session ended") {
		t.Errorf("the logs lack the end of the session:\n--- worker.log.1:\n%s\n--- worker.log:\n%s", ob, b)
	}
	if old.Size() == 0 {
		t.Error("worker.log.1 is empty")
	}
}
