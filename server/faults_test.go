package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// TestOversizedFrameOnStdio: a line past the limit gets an error, and the
// backend ends its connection cleanly (stdio: it exits); the session it
// started keeps running.
func TestOversizedFrameOnStdio(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("everything.html"), Session: "big", Headless: ptr(true)}, nil)
	go func() { // the backend stops reading at the limit; this writer then fails
		chunk := strings.Repeat("z", 1<<20)
		b.stdin.Write([]byte(`{"jsonrpc":"2.0","id":9,"method":"session/list","params":{"x":"`))
		for range 70 {
			if _, err := b.stdin.Write([]byte(chunk)); err != nil {
				return
			}
		}
	}()
	select {
	case <-b.done:
	case <-time.After(waitLimit):
		t.Fatal("the backend did not end the connection")
	}
	b.mu.Lock()
	lines := strings.Join(b.lines, "\n")
	b.mu.Unlock()
	if !strings.Contains(lines, "larger than the limit") {
		t.Errorf("no error about the oversized frame in %.500s", lines)
	}
	d, _ := session.NewDir(e.home, "big")
	if alive, _ := d.WorkerAlive(); !alive {
		t.Error("the session died with the backend's connection")
	}
}

// TestClientVanishesMidWrite: an editor disappears while events pour out
// to it. Over stdio the backend ends cleanly (no SIGPIPE death); over a
// socket it goes on serving its other clients. The worker goes on either
// way.
func TestClientVanishesMidWrite(t *testing.T) {
	e := newEnv(t)
	pour := json.RawMessage(`{"expression":"for (let i = 0; i < 20000; i++) console.log('pour ' + i + ' ' + 'p'.repeat(300)); console.log('poured')"}`)

	b := e.serve()
	b.initialize()
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("console-burst.html?n=1"), Session: "gone", Headless: ptr(true)}, nil)
	b.await("burst done", consoleText("burst done"))
	b.result(protocol.CDPSend.Name, protocol.CDPSendParams{Session: "gone", Method: "Runtime.evaluate", Params: pour}, nil)
	b.await("the pour", func(ev event) bool { return strings.HasPrefix(ev.text(), "pour 100 ") })
	b.vanish()
	select {
	case <-b.exited:
	case <-time.After(waitLimit):
		t.Fatal("the backend did not end when its client vanished")
	}
	if err := b.cmd.ProcessState; err == nil || !err.Exited() {
		t.Errorf("the backend did not exit cleanly: %v", b.cmd.ProcessState)
	}

	path := e.listen()
	a, c := e.connect(path), e.connect(path)
	a.initialize()
	c.initialize()
	a.result(protocol.Attach.Name, protocol.AttachParams{Session: "gone"}, nil)
	c.result(protocol.Attach.Name, protocol.AttachParams{Session: "gone"}, nil)
	c.result(protocol.CDPSend.Name, protocol.CDPSendParams{Session: "gone", Method: "Runtime.evaluate", Params: pour}, nil)
	a.await("the second pour", func(ev event) bool { return strings.HasPrefix(ev.text(), "pour 100 ") })
	a.vanish()
	c.await("poured", consoleText("poured"))
	var st protocol.StatusResult
	c.result(protocol.Status.Name, protocol.StatusParams{Session: "gone"}, &st)
	if st.State != protocol.StateRunning {
		t.Errorf("session state %q after a client vanished", st.State)
	}
	d, _ := session.NewDir(e.home, "gone")
	if alive, _ := d.WorkerAlive(); !alive {
		t.Error("the worker died with a client")
	}
}
