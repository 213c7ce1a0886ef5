package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// within fails the test unless f returns within limit.
func within[T any](t *testing.T, what string, limit time.Duration, f func() T) T {
	t.Helper()
	began := time.Now()
	v := f()
	if took := time.Since(began); took > limit {
		t.Errorf("%s took %s, more than %s", what, took.Round(time.Millisecond), limit)
	}
	return v
}

// TestStoppedWorker: with the worker SIGSTOPped, reads answer from the
// files within the read timeout, marked stale with the reason; the listing
// too; stop terminates the worker after its grace period and names the
// session.json that the woken worker wrote. (Finding 2 of "the page and
// every client are untrusted": each of these hung until SIGCONT.)
func TestStoppedWorker(t *testing.T) {
	t.Setenv(control.TimeoutEnv, "500ms")
	h := newHarness(t)
	w := h.start(h.options("stopped", h.fx.URL("everything.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	awaitFile(t, w.Dir.File(session.PartialFile), func(out protocol.Output) bool { return out.Counts.Console > 0 })
	if err := syscall.Kill(w.Handshake.PID, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(w.Handshake.PID, syscall.SIGCONT) })
	awaitStopped(t, w.Handshake.PID)
	ctx := context.Background()
	const readLimit = 3 * time.Second // the 500 ms timeout, and slack for a loaded machine

	st := within(t, "status", readLimit, func() protocol.StatusResult {
		st, err := control.Status(ctx, w.Dir)
		if err != nil {
			t.Errorf("status of a stopped worker: %v", err)
		}
		return st
	})
	if !st.Stale.Stale || !strings.Contains(st.Stale.Reason, "did not answer") || st.State != protocol.StateRunning || st.Counts.Console == 0 {
		t.Errorf("status of a stopped worker: %+v", st)
	}
	raw := within(t, "console/list", readLimit, func() json.RawMessage {
		raw, err := control.Ask(ctx, w.Dir, protocol.ConsoleList.Name, nil)
		if err != nil {
			t.Errorf("console/list of a stopped worker: %v", err)
		}
		return raw
	})
	var cons protocol.ConsoleListResult
	if err := json.Unmarshal(raw, &cons); err != nil || !cons.Stale.Stale || cons.Stale.Reason == "" || cons.Matched == 0 {
		t.Errorf("console/list of a stopped worker: %s (%v)", raw, err)
	}
	// A call that only the worker can answer fails when the caller's
	// deadline passes, with a hint, instead of hanging.
	err := within(t, "cdp/send", readLimit+time.Second, func() error {
		cctx, cancel := context.WithTimeout(ctx, readLimit)
		defer cancel()
		_, err := control.Ask(cctx, w.Dir, protocol.CDPSend.Name, json.RawMessage(`{"method":"Browser.getVersion"}`))
		return err
	})
	if e := protocol.AsError(err); e.Kind != protocol.NoSession || !strings.Contains(e.Error(), "did not answer") || e.Hint == "" {
		t.Errorf("cdp/send to a stopped worker: %+v", e)
	}
	list := within(t, "the session list", readLimit, func() []protocol.StatusResult {
		list, err := control.List(ctx, h.home)
		if err != nil {
			t.Error(err)
		}
		return list
	})
	if len(list) != 1 || !list[0].Stale.Stale {
		t.Errorf("list with a stopped worker: %+v", list)
	}

	res := within(t, "stop", 10*time.Second+5*time.Second+10*time.Second, func() protocol.StopResult {
		res, err := control.Stop(ctx, w.Dir)
		if err != nil {
			t.Errorf("stop of a stopped worker: %v", err)
		}
		return res
	})
	<-w.Done()
	if res.OutputPath == "" {
		t.Fatalf("stop names no session.json: %+v", res)
	}
	out := readOutput(t, res.OutputPath)
	if out.Counts.Console == 0 {
		t.Errorf("session.json after stopping a stopped worker: %+v", out)
	}
}

// TestConnectionCap: the worker serves at most rpc.DefaultMaxConns clients
// at once; a read beyond them is answered from the files in time instead of
// hanging, and the worker answers again once clients leave.
func TestConnectionCap(t *testing.T) {
	t.Setenv(control.TimeoutEnv, "1s")
	h := newHarness(t)
	w := h.start(h.options("cap", h.fx.URL("everything.html")))
	awaitFile(t, w.Dir.File(session.PartialFile), func(out protocol.Output) bool { return out.Counts.Console > 0 })
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range rpc.DefaultMaxConns {
		c, err := net.Dial("unix", w.Handshake.SocketPath)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Each held connection is served: a status call on each proves it.
	for _, c := range conns[:1] {
		if _, err := c.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"session/status"}` + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	st := within(t, "status beyond the cap", 5*time.Second, func() protocol.StatusResult {
		st, err := control.Status(context.Background(), w.Dir)
		if err != nil {
			t.Error(err)
		}
		return st
	})
	if !st.Stale.Stale {
		t.Errorf("status beyond the cap was answered by the worker: %+v", st)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	awaitAnswering(t, w.Dir, "the worker does not answer once the clients left")
}

// awaitAnswering waits until the session's worker answers session/status
// itself, not its files; failing says what.
func awaitAnswering(t *testing.T, dir session.Dir, failing string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		st, err := control.Status(context.Background(), dir)
		if err == nil && !st.Stale.Stale {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %+v, %v", failing, st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitLog waits until the log holds text.
func awaitLog(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never logged %q", path, text)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStopWhileStarting: a stop that comes while the worker is still
// launching Chrome ends it, and names a session.json only if one exists.
// (Finding 10: it named one that did not.)
func TestStopWhileStarting(t *testing.T) {
	h := newHarness(t)
	opts := h.options("early", h.fx.URL("everything.html"))
	d := h.dir("early")
	started := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_, err := h.launcher.Start(ctx, opts)
		started <- err
	}()
	deadline := time.Now().Add(waitLimit)
	for {
		if alive, _ := d.WorkerAlive(); alive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the worker never took its lock")
		}
		time.Sleep(time.Millisecond)
	}
	res, err := control.Stop(context.Background(), d)
	if err != nil {
		t.Fatalf("stop while starting: %v", err)
	}
	if res.OutputPath != "" {
		if _, err := os.Stat(res.OutputPath); err != nil {
			t.Errorf("stop names %s, which does not exist", res.OutputPath)
		}
	}
	err = <-started
	t.Logf("start: %v; stop: %+v", err, res)
	if alive, _ := d.WorkerAlive(); alive {
		t.Error("the worker still runs")
	}
}

// awaitStopped waits until the kernel has stopped process pid (SIGSTOP is
// delivered asynchronously).
func awaitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " T") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d was not stopped", pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCancelledStartLeavesNothing: a start cancelled once Chrome runs (a
// client's $/cancelRequest of session/start) leaves no Chrome and no
// temporary profile behind. (Finding 10: the profile stayed until cleanup.)
func TestCancelledStartLeavesNothing(t *testing.T) {
	h := newHarness(t)
	d := h.dir("cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var meta session.Meta
	l := h.launcher
	l.Progress = func(step string) {
		if step == control.StepConnecting { // Chrome runs, and the metadata names it
			meta, _ = d.ReadMeta()
			cancel()
		}
	}
	if _, err := l.Start(ctx, h.options("cancelled", h.fx.URL("everything.html"))); err == nil {
		t.Fatal("a cancelled start succeeded")
	}
	if meta.Chrome.PID == 0 || meta.Chrome.UserDataDir == "" {
		t.Fatalf("no Chrome in the metadata when the start was cancelled: %+v", meta.Chrome)
	}
	browsertest.AssertGroupGone(t, meta.Chrome.PID)
	if _, err := os.Stat(meta.Chrome.UserDataDir); !os.IsNotExist(err) {
		t.Errorf("the temporary profile %s is left behind (%v)", meta.Chrome.UserDataDir, err)
	}
	if alive, _ := d.WorkerAlive(); alive {
		t.Error("the worker still runs")
	}
}
