package server_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
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

// TestStoppedWorkerHoldsUpNothing: with one session's worker SIGSTOPped,
// the backend answers calls about another session at once, and the
// stopped one's status within the read timeout, from its files. (Finding 2
// of "the page and every client are untrusted": both waited behind the
// stopped worker.)
func TestStoppedWorkerHoldsUpNothing(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, control.TimeoutEnv+"=2s")
	b := e.serve()
	b.initialize()
	var stuck, healthy protocol.StartResult
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("everything.html"), Session: "stuck", Headless: ptr(true)}, &stuck)
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("everything.html"), Session: "healthy", Headless: ptr(true)}, &healthy)
	d, _ := session.NewDir(e.home, "stuck")
	awaitPartial(t, d)
	if err := syscall.Kill(stuck.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(stuck.PID, syscall.SIGCONT) })
	for deadline := time.Now().Add(waitLimit); ; time.Sleep(time.Millisecond) { // SIGSTOP is asynchronous
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", stuck.PID))
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " T") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker was not stopped")
		}
	}

	// The stuck session's status first, then the healthy one's, pipelined.
	stuckCh := b.expect("901")
	healthyCh := b.expect("902")
	listCh := b.expect("903")
	b.send(`{"jsonrpc":"2.0","id":901,"method":"session/status","params":{"session":"stuck"}}` + "\n" +
		`{"jsonrpc":"2.0","id":902,"method":"session/status","params":{"session":"healthy"}}` + "\n" +
		`{"jsonrpc":"2.0","id":903,"method":"session/list"}` + "\n")
	began := time.Now()
	var r struct {
		Result protocol.StatusResult `json:"result"`
	}
	if err := json.Unmarshal(b.wait(healthyCh, "the healthy session's status"), &r); err != nil || r.Result.Stale.Stale {
		t.Errorf("healthy status: %+v, %v", r.Result, err)
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("the healthy session's status waited %s behind the stopped worker", took)
	}
	if err := json.Unmarshal(b.wait(stuckCh, "the stuck session's status"), &r); err != nil || !r.Result.Stale.Stale || r.Result.Stale.Reason == "" {
		t.Errorf("stuck status: %+v, %v", r.Result, err)
	}
	b.wait(listCh, "the list")
	if took := time.Since(began); took > 6*time.Second {
		t.Errorf("status and list of a stopped worker took %s with a 2 s read timeout", took)
	}
}

// awaitPartial waits until the session has a partial file with something
// in it.
func awaitPartial(t *testing.T, d session.Dir) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if out, _, _, err := d.ReadOutput(); err == nil && out.Counts.Console > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %q wrote no partial file", d.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
