package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
)

// TestCapturesFixturePages runs one session over the fixture pages and
// checks what the worker captured, pushed and wrote.
func TestCapturesFixturePages(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("fixtures", h.fx.URL("fetches.html")))
	d := w.Dir
	sub := h.subscribe(d, ptr(uint64(0)))
	sub.await("fetches done", consoleText("fetches done"))

	c := h.client(d)
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	byPath := map[string]protocol.NetworkRequest{}
	for _, r := range list.Items {
		byPath[strings.TrimPrefix(r.URL, h.fx.URL(""))] = r
	}
	if r := byPath["data.json"]; r.Status != 200 || r.MimeType != "application/json" {
		t.Errorf("data.json: %+v", r)
	}
	if r := byPath["missing"]; r.Status != 404 {
		t.Errorf("missing: status %d, want 404", r.Status)
	}
	if r := byPath["data.json"]; len(list.Items) > 0 && r.ResourceType != "Fetch" {
		t.Errorf("data.json resource type %q", r.ResourceType)
	}
	var redirected *protocol.NetworkRequest
	for i, r := range list.Items {
		if len(r.Redirects) > 0 {
			redirected = &list.Items[i]
		}
	}
	if redirected == nil || redirected.Redirects[0].Status != 302 || !strings.HasSuffix(redirected.Redirects[0].URL, "/redirect") {
		t.Errorf("no redirect hop recorded: %+v", redirected)
	}
	if r := byPath["echo"]; r.Method != "POST" || r.RequestBody != `{"hello":"world"}` {
		t.Errorf("echo: method %q body %q", r.Method, r.RequestBody)
	}
	var refused protocol.NetworkRequest
	for _, r := range list.Items {
		if r.URL == h.fx.RefusedURL {
			refused = r
		}
	}
	if refused.State != protocol.StateFailed || !strings.Contains(refused.ErrorText, "REFUSED") {
		t.Errorf("refused request: state %q error %q", refused.State, refused.ErrorText)
	}

	get := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: byPath["data.json"].RequestID, Body: true})
	if get.Request.ResponseBody != `{"n":42}` {
		t.Errorf("body of data.json = %q", get.Request.ResponseBody)
	}
	// The body in a file of its own: 0600, in the session's bodies
	// directory (0700), named for an editor; the reply without the body.
	bf := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: byPath["data.json"].RequestID, BodyFile: true})
	b, err := os.ReadFile(bf.BodyFile)
	fi, serr := os.Stat(bf.BodyFile)
	di, derr := os.Stat(w.Dir.File(session.BodiesDir))
	if err != nil || serr != nil || derr != nil || string(b) != `{"n":42}` || fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 ||
		filepath.Dir(bf.BodyFile) != w.Dir.File(session.BodiesDir) || filepath.Ext(bf.BodyFile) != ".json" || bf.Request.ResponseBody != "" {
		t.Errorf("bodyFile %q (%v): %q, mode %v, directory mode %v (%v); the reply's body %q", bf.BodyFile, err, b, fi.Mode(), di.Mode(), derr, bf.Request.ResponseBody)
	}
	_, err = rpc.Call(context.Background(), c.Conn, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: "no-such-id"})
	if protocol.KindOf(err) != protocol.NotFound {
		t.Errorf("network/get of an unknown id: %v (kind %q), want not_found", err, protocol.KindOf(err))
	}

	cons := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{Levels: []string{"error"}})
	found := false
	for _, m := range cons.Items {
		if strings.Contains(m.Text, "refused") && m.Source == protocol.SourceConsole {
			found = true
		}
		if m.Level != "error" {
			t.Errorf("level filter let through %+v", m)
		}
	}
	if !found {
		t.Errorf("no console error about the refused fetch in %+v", cons.Items)
	}

	res, err := control.Stop(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	out := readOutput(t, res.OutputPath)
	if out.Partial || !out.Success || out.Reason != protocol.ReasonStopped || out.Session != "fixtures" {
		t.Errorf("session.json: partial %v success %v reason %q", out.Partial, out.Success, out.Reason)
	}
	if len(out.Data.Network) != len(list.Items) || out.Counts.Network != len(out.Data.Network) {
		t.Errorf("session.json has %d requests (counts %d), the list had %d", len(out.Data.Network), out.Counts.Network, len(list.Items))
	}
	sub.await("session/ended", func(n note) bool { return n.Method == protocol.NotifyEnded })
}

func readOutput(t *testing.T, path string) protocol.Output {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	var out protocol.Output
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s is not a session document: %v", path, err)
	}
	return out
}

// TestConsoleBurstInOrder checks that every message of a burst reaches a
// subscriber once, in order, with increasing seqs.
func TestConsoleBurstInOrder(t *testing.T) {
	const n = 3000
	h := newHarness(t)
	w := h.start(h.options("burst", h.fx.URL(fmt.Sprintf("console-burst.html?n=%d", n))))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	notes := sub.await("burst done", consoleText("burst done"))
	next, lastSeq := 0, uint64(0)
	for _, m := range notes {
		if m.Seq <= lastSeq {
			t.Fatalf("seq %d after %d", m.Seq, lastSeq)
		}
		lastSeq = m.Seq
		if m.Method != protocol.NotifyConsole {
			continue
		}
		text := m.console().Text
		if !strings.HasPrefix(text, "burst ") || strings.HasPrefix(text, "burst done") {
			continue
		}
		if text != fmt.Sprintf("burst %d", next) {
			t.Fatalf("message %q, want burst %d", text, next)
		}
		next++
	}
	if next != n {
		t.Errorf("received %d burst messages, want %d", next, n)
	}
}

// TestBigBodyAndException covers a 1 MB JSON response body and an uncaught
// exception with its stack.
func TestBigBodyAndException(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("big", h.fx.URL("big-json.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	var bigID string
	sub.await("big.json finished", func(n note) bool {
		if n.Method == protocol.NotifyFinished && strings.HasSuffix(n.request().URL, "/big.json") {
			bigID = n.request().RequestID
			return true
		}
		return false
	})
	c := h.client(w.Dir)
	get := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: bigID, Body: true})
	want := len(browsertest.BigJSON())
	if len(get.Request.ResponseBody) != want || get.Request.BodySize != want {
		t.Errorf("big.json body: %d bytes (bodySize %d), want %d", len(get.Request.ResponseBody), get.Request.BodySize, want)
	}

	var nav protocol.CDPSendParams
	nav.Method = "Page.navigate"
	nav.Params = json.RawMessage(fmt.Sprintf(`{"url":%q}`, h.fx.URL("exception.html")))
	call(h, c, protocol.CDPSend, nav)
	notes := sub.await("exception done", consoleText("exception done"))
	var exc *protocol.ConsoleMessage
	for _, n := range notes {
		if m := n.console(); n.Method == protocol.NotifyConsole && m.Source == protocol.SourceException {
			exc = &m
		}
	}
	if exc == nil || !strings.Contains(exc.Text, "Uncaught Error: kaput") || !strings.Contains(exc.Stack, "explode") || exc.Line == 0 {
		t.Errorf("exception: %+v", exc)
	}
	if exc != nil && exc.NavigationID != 2 {
		t.Errorf("exception after the second navigation has navigationId %d, want 2", exc.NavigationID)
	}
}

// TestNavigation checks navigation ids and page/navigated events.
func TestNavigation(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("nav", h.fx.URL("navigation.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	notes := sub.await("navigation done", consoleText("navigation done"))
	var navs []protocol.Navigation
	ids := map[string]int{}
	for _, n := range notes {
		switch n.Method {
		case protocol.NotifyNavigated:
			var ev protocol.NavigatedEvent
			_ = json.Unmarshal(n.Params, &ev)
			navs = append(navs, ev.Navigation)
		case protocol.NotifyConsole:
			ids[n.console().Text] = n.console().NavigationID
		}
	}
	if len(navs) != 2 || navs[0].ID != 1 || navs[1].ID != 2 || !strings.HasSuffix(navs[1].URL, "/second.html") {
		t.Errorf("navigations %+v", navs)
	}
	if ids["first page"] != 1 || ids["second page"] != 2 {
		t.Errorf("navigation ids of the messages: %v", ids)
	}
}

// TestConcurrentStarts is design review issue #4: of 20 concurrent starts of
// one session exactly one wins; the others fail at once, naming the pid.
func TestConcurrentStarts(t *testing.T) {
	h := newHarness(t)
	const n = 20
	var wg sync.WaitGroup
	results := make(chan error, n)
	workers := make(chan *control.Worker, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			w, err := h.launcher.Start(ctx, h.options("race", h.fx.URL("everything.html")))
			if err == nil {
				workers <- w
			}
			results <- err
		})
	}
	close(start)
	wg.Wait()
	close(results)
	close(workers)
	for w := range workers {
		t.Cleanup(func() { h.reap(w) })
	}
	wins := 0
	for err := range results {
		if err == nil {
			wins++
			continue
		}
		if protocol.KindOf(err) != protocol.AlreadyRunning || !strings.Contains(err.Error(), "already") || !strings.Contains(err.Error(), "(pid ") {
			t.Errorf("a losing start failed with %v (kind %q), want already_running with a pid", err, protocol.KindOf(err))
		}
	}
	if wins != 1 {
		t.Fatalf("%d starts won, want exactly 1", wins)
	}
}

// TestKillWorker is design review issues #4 and #5: after kill -9 of the
// worker a reader gets the partial file and its age, and the next start
// cleans up (the orphaned Chrome too), keeps the capture, and succeeds.
func TestKillWorker(t *testing.T) {
	h := newHarness(t)
	opts := h.options("killed", h.fx.URL("everything.html"))
	opts.PartialIntervalMs = 50
	w := h.start(opts)
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	awaitFile(t, w.Dir.File(session.PartialFile), func(out protocol.Output) bool { return out.Counts.Console >= 7 })

	if err := syscall.Kill(w.Handshake.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.Done()

	st, err := control.Status(context.Background(), w.Dir)
	if err != nil {
		t.Fatalf("status of a killed session: %v", err)
	}
	if st.State != protocol.StateStale || !st.Stale.Stale || !strings.HasSuffix(st.Stale.Source, session.PartialFile) || st.Counts.Console < 7 {
		t.Errorf("status after kill -9: %+v", st)
	}
	if st.Stale.DataAgeMs < 0 {
		t.Errorf("data age %d ms", st.Stale.DataAgeMs)
	}

	w2 := h.start(opts)
	if w2.Handshake.PID == w.Handshake.PID {
		t.Fatal("same worker pid")
	}
	out := readOutput(t, w.Dir.File(session.OutputFile))
	if !out.Partial || out.Reason != protocol.ReasonWorkerDied || out.Counts.Console < 7 {
		t.Errorf("rescued session.json: partial %v reason %q console %d", out.Partial, out.Reason, out.Counts.Console)
	}
	if w.Handshake.Chrome.PID != 0 {
		assertGone(t, w.Handshake.Chrome.PID)
	}
}

// TestChromeKilled: Chrome dies under the worker, which writes session.json
// with partial: true, tells subscribers why, and exits.
func TestChromeKilled(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("chrome-killed", h.fx.URL("everything.html")))
	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	sub.await("everything done", consoleText("everything done"))
	if err := syscall.Kill(-w.Handshake.Chrome.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	notes := sub.await("session/ended", func(n note) bool { return n.Method == protocol.NotifyEnded })
	var ended protocol.EndedEvent
	_ = json.Unmarshal(notes[len(notes)-1].Params, &ended)
	if ended.Reason != protocol.ReasonChromeExit || ended.OutputPath == "" {
		t.Errorf("session/ended %+v", ended)
	}
	<-w.Done()
	out := readOutput(t, ended.OutputPath)
	if !out.Partial || out.Success || out.Reason != protocol.ReasonChromeExit || out.Counts.Console < 7 {
		t.Errorf("session.json: partial %v success %v reason %q console %d", out.Partial, out.Success, out.Reason, out.Counts.Console)
	}
	if _, err := os.Stat(w.Dir.File(session.MetaFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("metadata left behind: %v", err)
	}
}

// TestHandshakeInChunks is design review issue #1.
func TestHandshakeInChunks(t *testing.T) {
	h := newHarness(t)
	h.launcher.Env = append(h.launcher.Env, "BDG_FAKE_WORKER=chunked-handshake")
	w, err := h.launcher.Start(context.Background(), h.options("chunks", "http://127.0.0.1:9/"))
	if err != nil {
		t.Fatalf("a handshake in chunks was refused: %v", err)
	}
	if w.Handshake.PID == 0 || w.Handshake.Target.ID != "T" {
		t.Errorf("handshake %+v", w.Handshake)
	}
	<-w.Done()
}

// TestStderrNobodyReads is design review issue #3: a worker that writes
// 10 MB to stderr does not block, because stderr is the log file itself.
func TestStderrNobodyReads(t *testing.T) {
	h := newHarness(t)
	h.launcher.Env = append(h.launcher.Env, "BDG_FAKE_WORKER=stderr-flood")
	w, err := h.launcher.Start(context.Background(), h.options("flood", "http://127.0.0.1:9/"))
	if err != nil {
		t.Fatalf("a worker flooding stderr did not handshake: %v", err)
	}
	<-w.Done()
	fi, err := os.Stat(w.Dir.File(session.LogFile))
	if err != nil || fi.Size() < 10<<20 {
		t.Errorf("worker.log: %v, size %d, want the 10 MB", err, fi.Size())
	}
}

// TestWorkerExitsBeforeHandshake: the launcher fails at once, quoting the
// log.
func TestWorkerExitsBeforeHandshake(t *testing.T) {
	h := newHarness(t)
	h.launcher.Env = append(h.launcher.Env, "BDG_FAKE_WORKER=exit-early")
	h.launcher.HandshakeTimeout = waitLimit
	start := time.Now()
	_, err := h.launcher.Start(context.Background(), h.options("early", "http://127.0.0.1:9/"))
	if err == nil || !strings.Contains(err.Error(), "the sky fell") || !strings.Contains(err.Error(), "exited before its handshake") {
		t.Fatalf("err = %v, want the worker's exit with the log's last lines", err)
	}
	if took := time.Since(start); took > waitLimit/2 {
		t.Errorf("took %s: the launcher waited for the timeout instead of the exit", took)
	}
}

// TestHandshakeTimeout: a worker that never answers is killed at the
// timeout.
func TestHandshakeTimeout(t *testing.T) {
	h := newHarness(t)
	h.launcher.Env = append(h.launcher.Env, "BDG_FAKE_WORKER=silent")
	h.launcher.HandshakeTimeout = 300 * time.Millisecond
	_, err := h.launcher.Start(context.Background(), h.options("silent", "http://127.0.0.1:9/"))
	if err == nil || !strings.Contains(err.Error(), "no handshake") {
		t.Fatalf("err = %v, want a handshake timeout", err)
	}
	if alive, _ := h.dir("silent").WorkerAlive(); alive {
		t.Error("the silent worker holds the lock")
	}
}

// TestStartFailures: bad URLs and a Chrome that will not start fail with
// their kinds and leave nothing running.
func TestStartFailures(t *testing.T) {
	h := newHarness(t)
	_, err := h.launcher.Start(context.Background(), h.options("badurl", "not a url"))
	if protocol.KindOf(err) != protocol.InvalidURL {
		t.Errorf("bad URL: %v (kind %q)", err, protocol.KindOf(err))
	}
	_, err = h.launcher.Start(context.Background(), h.options("../escape", "http://127.0.0.1/"))
	if protocol.KindOf(err) != protocol.InvalidArgs {
		t.Errorf("bad name: %v (kind %q)", err, protocol.KindOf(err))
	}
	opts := h.options("nochrome", "http://127.0.0.1:9/")
	opts.ChromePath = "/nonexistent/chrome"
	_, err = h.launcher.Start(context.Background(), opts)
	if protocol.KindOf(err) != protocol.ChromeNotFound {
		t.Errorf("missing Chrome: %v (kind %q)", err, protocol.KindOf(err))
	}
	opts = h.options("falsechrome", "http://127.0.0.1:9/")
	opts.ChromePath = "/bin/false"
	_, err = h.launcher.Start(context.Background(), opts)
	if protocol.KindOf(err) != protocol.ChromeLaunchFailed {
		t.Errorf("Chrome that exits: %v (kind %q)", err, protocol.KindOf(err))
	}
	if alive, _ := h.dir("falsechrome").WorkerAlive(); alive {
		t.Error("a failed start left a worker")
	}
}

// TestFilesAndSocket checks modes, metadata, and design review issue #2 at
// the socket: requests written back to back in one write, and one request
// split over writes, are all answered.
func TestFilesAndSocket(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("files", h.fx.URL("everything.html")))
	d := w.Dir
	for path, want := range map[string]fs.FileMode{d.Path: 0o700, d.File(session.MetaFile): 0o600, w.Handshake.SocketPath: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %o, want %o", path, got, want)
		}
	}
	m, err := d.ReadMeta()
	if err != nil || m.PID != w.Handshake.PID || m.State != protocol.StateRunning || m.SocketPath != w.Handshake.SocketPath {
		t.Errorf("meta %+v, %v", m, err)
	}

	conn, err := net.Dial("unix", w.Handshake.SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	two := `{"jsonrpc":"2.0","id":1,"method":"session/status"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"console/list","params":{"last":1}}` + "\n"
	if _, err := conn.Write([]byte(two)); err != nil {
		t.Fatal(err)
	}
	split := `{"jsonrpc":"2.0","id":3,"method":"session/peek","params":{"last":2}}` + "\n"
	for _, part := range []string{split[:7], split[7:30], split[30:]} {
		if _, err := conn.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	rd := rpc.NewReader(conn, 0)
	got := map[string]bool{}
	_ = conn.SetReadDeadline(time.Now().Add(waitLimit))
	for len(got) < 3 {
		frame, err := rd.ReadFrame()
		if err != nil {
			t.Fatalf("reading replies: %v (have %v)", err, got)
		}
		var resp struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(frame, &resp); err != nil || resp.Result == nil {
			t.Fatalf("bad reply %s", frame)
		}
		got[string(resp.ID)] = true
	}
}

// TestResubscribeLosesNothing: a client that goes away and comes back with
// since gets every event in between.
func TestResubscribeLosesNothing(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("resub", h.fx.URL("console-burst.html?n=10")))
	first := h.subscribe(w.Dir, ptr(uint64(0)))
	notes := first.await("burst done", consoleText("burst done"))
	last := notes[len(notes)-1].Seq
	first.client.Close()

	// Events the first client misses.
	c := h.client(w.Dir)
	call(h, c, protocol.CDPSend, protocol.CDPSendParams{Method: "Runtime.evaluate",
		Params: json.RawMessage(`{"expression":"for (let i = 0; i < 50; i++) console.log('missed', i); console.log('missed done')"}`)})

	second := h.subscribe(w.Dir, &last)
	again := second.await("missed done", consoleText("missed done"))
	missed := 0
	prev := last
	for _, n := range again {
		if n.Seq != prev+1 {
			t.Fatalf("seq %d after %d: a gap", n.Seq, prev)
		}
		prev = n.Seq
		if strings.HasPrefix(n.console().Text, "missed ") && n.console().Text != "missed done" {
			missed++
		}
	}
	if missed != 50 {
		t.Errorf("replayed %d of the 50 missed messages", missed)
	}
}

// TestStuckSubscriber: a client that subscribes and never reads does not
// hold up the worker or another subscriber.
func TestStuckSubscriber(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("stuck", h.fx.URL("console-burst.html?n=1")))
	stuck, err := net.Dial("unix", w.Handshake.SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if _, err := stuck.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"events/subscribe","params":{"since":0}}` + "\n")); err != nil {
		t.Fatal(err)
	}
	live := h.subscribe(w.Dir, nil)
	c := h.client(w.Dir)
	call(h, c, protocol.CDPSend, protocol.CDPSendParams{Method: "Runtime.evaluate",
		Params: json.RawMessage(`{"expression":"for (let i = 0; i < 20000; i++) console.log('flood ' + i + ' ' + 'y'.repeat(100)); console.log('flood done')"}`)})
	notes := live.await("flood done", consoleText("flood done"))
	floods := 0
	for _, n := range notes {
		if strings.HasPrefix(n.console().Text, "flood ") {
			floods++
		}
	}
	if floods != 20001 {
		t.Errorf("the live subscriber got %d of 20001 messages", floods)
	}
	st := call(h, c, protocol.Status, protocol.StatusParams{})
	if st.State != protocol.StateRunning {
		t.Errorf("state %q", st.State)
	}
}

// awaitFile waits until path holds a session document that ok accepts.
func awaitFile(t *testing.T, path string, ok func(protocol.Output) bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if b, err := os.ReadFile(path); err == nil {
			var out protocol.Output
			if json.Unmarshal(b, &out) == nil && ok(out) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held what was expected", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertGone fails unless pid has exited (a zombie counts as exited).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if _, err := proc.Start(pid); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is still running", pid)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
