package server_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// TestSessionOverServe: start with progress, every event in seq order with
// the session's name, queries passed through, stop, session/ended.
func TestSessionOverServe(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	var res protocol.StartResult
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("fetches.html"), Session: "s1", Headless: ptr(true)}, &res)
	if res.Session != "s1" || res.PID == 0 || !res.Chrome.Launched || res.Chrome.PID == 0 {
		t.Errorf("start result %+v", res)
	}
	events := b.await("fetches done", consoleText("fetches done"))
	var steps []string
	last := uint64(0)
	for _, ev := range events {
		if ev.Method == protocol.NotifyProgress {
			var p protocol.ProgressParams
			_ = json.Unmarshal(ev.Params, &p)
			steps = append(steps, p.Kind+":"+p.Message)
			continue
		}
		if ev.Session != "s1" {
			t.Errorf("%s without the session's name: %s", ev.Method, ev.Params)
		}
		if ev.Seq != last+1 {
			t.Fatalf("%s has seq %d after %d: events must come in seq order, none missing", ev.Method, ev.Seq, last)
		}
		last = ev.Seq
	}
	wantSteps := []string{"begin:", "report:" + control.StepLaunching, "report:" + control.StepConnecting, "report:" + control.StepNavigating, "end:"}
	if strings.Join(steps, " ") != strings.Join(wantSteps, " ") {
		t.Errorf("progress %v, want %v", steps, wantSteps)
	}

	var list protocol.NetworkListResult
	b.result(protocol.NetworkList.Name, protocol.NetworkListParams{Session: "s1", ListParams: protocol.ListParams{Filter: "is:error"}}, &list)
	if list.Matched != 2 { // the 404 and the refused connection
		t.Errorf("is:error matched %d requests: %+v", list.Matched, list.Items)
	}
	var st protocol.StatusResult
	b.result(protocol.Status.Name, protocol.StatusParams{Session: "s1"}, &st)
	if st.State != protocol.StateRunning || st.LastSeq < last {
		t.Errorf("status %+v", st)
	}
	var stop protocol.StopResult
	b.result(protocol.Stop.Name, protocol.StopParams{Session: "s1"}, &stop)
	b.await("session/ended", func(ev event) bool { return ev.Method == protocol.NotifyEnded })
	var peek protocol.PeekResult
	b.result(protocol.Peek.Name, protocol.PeekParams{Session: "s1"}, &peek)
	if !peek.Stale.Stale || len(peek.Network) == 0 {
		t.Errorf("peek after stop: stale %v, %d requests", peek.Stale.Stale, len(peek.Network))
	}
}

// TestFramingFromTheClient: requests written one byte at a time, and all at
// once in one write, are answered.
func TestFramingFromTheClient(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	ch1 := b.expect("1")
	for _, c := range []byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"bytewise ✓ 日本"}}}` + "\n") {
		b.send(string([]byte{c}))
	}
	b.wait(ch1, "initialize sent byte by byte")
	var all strings.Builder
	var waits []chan json.RawMessage
	for i := 2; i < 50; i++ {
		waits = append(waits, b.expect(strconv.Itoa(i)))
		fmt.Fprintf(&all, `{"jsonrpc":"2.0","id":%d,"method":"session/list"}`+"\n", i)
	}
	b.send(all.String())
	for i, w := range waits {
		resp := b.wait(w, fmt.Sprintf("request %d of a concatenated write", i+2))
		if !strings.Contains(string(resp), `"sessions":[]`) {
			t.Errorf("response %s", resp)
		}
	}
}

// TestBackendRestartLosesNothing: the editor goes away while a page logs;
// the worker goes on; a new backend attaches with since and receives every
// message, none twice.
func TestBackendRestartLosesNothing(t *testing.T) {
	e := newEnv(t)
	first := e.serve()
	first.initialize()
	first.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("console-burst.html?n=1"), Session: "r", Headless: ptr(true)}, nil)
	first.await("burst done", consoleText("burst done"))
	// The page logs tick 0..1999, one every millisecond or so, while the
	// backend is replaced.
	first.result(protocol.CDPSend.Name, protocol.CDPSendParams{Session: "r", Method: "Runtime.evaluate", Params: json.RawMessage(
		`{"expression":"let i = 0; const t = setInterval(() => { console.log('tick ' + i); if (++i === 2000) { clearInterval(t); console.log('ticks done'); } }, 1)"}`)}, nil)
	seen := first.await("some ticks", func(ev event) bool { return strings.HasPrefix(ev.text(), "tick 20") })
	lastSeq := seen[len(seen)-1].Seq
	ticks := map[int]int{}
	collect := func(evs []event) {
		for _, ev := range evs {
			if n, ok := strings.CutPrefix(ev.text(), "tick "); ok {
				i, _ := strconv.Atoi(n)
				ticks[i]++
			}
		}
	}
	collect(seen)
	first.stdin.Close() // the editor closes: the backend exits
	<-first.done

	second := e.serve()
	second.initialize()
	var att protocol.AttachResult
	second.result(protocol.Attach.Name, protocol.AttachParams{Session: "r", Since: &lastSeq}, &att)
	if att.Status.State != protocol.StateRunning {
		t.Errorf("attach status %+v", att.Status)
	}
	rest := second.await("ticks done", consoleText("ticks done"))
	if rest[0].Seq != lastSeq+1 {
		t.Errorf("the new backend's first event has seq %d, want %d", rest[0].Seq, lastSeq+1)
	}
	collect(rest)
	for i := range 2000 {
		if ticks[i] != 1 {
			t.Fatalf("tick %d received %d times, want once", i, ticks[i])
		}
	}
}

// TestWorkerDiesUnderServe: kill -9 of the worker; the client gets
// session/ended (worker_died) and queries answer from the file, stale.
func TestWorkerDiesUnderServe(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	var res protocol.StartResult
	b.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("everything.html"), Session: "d", Headless: ptr(true)}, &res)
	b.await("everything done", consoleText("everything done"))
	d, _ := session.NewDir(e.home, "d")
	deadline := time.Now().Add(waitLimit) // the partial file is written every 5 s
	for {
		if out, _, _, err := d.ReadOutput(); err == nil && out.Counts.Console > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no partial file")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(res.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	evs := b.await("session/ended", func(ev event) bool { return ev.Method == protocol.NotifyEnded })
	var ended protocol.EndedEvent
	_ = json.Unmarshal(evs[len(evs)-1].Params, &ended)
	if ended.Reason != protocol.ReasonWorkerDied || !strings.HasSuffix(ended.OutputPath, session.OutputFile) {
		t.Errorf("session/ended %+v", ended)
	}
	var cons protocol.ConsoleListResult
	b.result(protocol.ConsoleList.Name, protocol.ConsoleListParams{Session: "d"}, &cons)
	if !cons.Stale.Stale || len(cons.Items) == 0 {
		t.Errorf("console/list after the worker died: stale %v, %d messages", cons.Stale.Stale, len(cons.Items))
	}
	err := b.errorOf(protocol.CDPSend.Name, protocol.CDPSendParams{Session: "d", Method: "Runtime.evaluate"})
	if err.Kind != protocol.NoSession {
		t.Errorf("cdp/send to a dead session: %+v", err)
	}
}

// TestCancelStart: $/cancelRequest during session/start answers -32800 and
// leaves no worker behind.
func TestCancelStart(t *testing.T) {
	e := newEnv(t)
	b := e.serve()
	b.initialize()
	ch := b.expect("77")
	b.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":77,"method":"session/start","params":{"url":%q,"session":"c","headless":true}}`+"\n", e.fx.URL("everything.html")))
	b.await("the start's progress", func(ev event) bool { return ev.Method == protocol.NotifyProgress })
	b.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":77}}` + "\n")
	resp := b.wait(ch, "the cancelled start")
	if !strings.Contains(string(resp), `"code":-32800`) {
		t.Fatalf("cancelled start answered %s", resp)
	}
	d, _ := session.NewDir(e.home, "c")
	if alive, _ := d.WorkerAlive(); alive {
		t.Error("a worker runs after its start was cancelled")
	}
}

// TestTwoClientsOnASocket: two clients of one listening backend both get
// every event of a 10,000-message burst, in order; a third that stops
// reading holds up neither.
func TestTwoClientsOnASocket(t *testing.T) {
	e := newEnv(t)
	path := e.listen()
	a, c, stuck := e.connect(path), e.connect(path), e.connect(path)
	for _, cl := range []*backend{a, c} {
		cl.initialize()
	}
	a.result(protocol.Start.Name, protocol.StartParams{URL: e.fx.URL("console-burst.html?n=1"), Session: "two", Headless: ptr(true)}, nil)
	a.await("burst done", consoleText("burst done"))
	c.result(protocol.Attach.Name, protocol.AttachParams{Session: "two"}, nil)
	// The stuck client attaches from the start and then never reads again.
	stuck.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"session/attach","params":{"session":"two","since":0}}` + "\n")
	stuck.stopReading()

	const n = 10000
	a.result(protocol.CDPSend.Name, protocol.CDPSendParams{Session: "two", Method: "Runtime.evaluate", Params: json.RawMessage(fmt.Sprintf(
		`{"expression":"for (let i = 0; i < %d; i++) console.log('m ' + i + ' ' + 'x'.repeat(200)); console.log('burst of %d done')"}`, n, n))}, nil)
	for name, cl := range map[string]*backend{"first": a, "second": c} {
		evs := cl.await("the burst's end", consoleText(fmt.Sprintf("burst of %d done", n)))
		next := 0
		for _, ev := range evs {
			if rest, ok := strings.CutPrefix(ev.text(), "m "); ok {
				i, _ := strconv.Atoi(strings.Fields(rest)[0])
				if i != next {
					t.Fatalf("%s client: message %d after %d", name, i, next-1)
				}
				next++
			}
		}
		if next != n {
			t.Errorf("%s client received %d of %d messages", name, next, n)
		}
	}
}
