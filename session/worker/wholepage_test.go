package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/journal"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// wholePageLimit bounds the wait for the whole page: a dozen contexts on a
// shared machine.
const wholePageLimit = 3 * time.Minute

// sideChannel is the fixture server's own endpoint, left out of the
// comparison: the pages report what they log through it.
const sideChannel = "/_said"

// TestWholePage captures everything the page does, in every target: the
// page, a same-site and a cross-site (out-of-process) iframe, a dedicated
// worker, a shared worker, a service worker that answers a fetch, a popup,
// with redirects, a refused fetch, a 404, a POST, a large and a binary body,
// a request after pushState and a navigation to a second page; and holds it
// against the fixture server's own log of what it served and of what each
// context said it logged.
func TestWholePage(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("whole", h.fx.URL("wp-top.html")))
	s := h.subscribe(w.Dir, ptr(uint64(0)))
	s.awaitWithin("the second page's last line", wholePageLimit, consoleText("second: done"))

	// The comparison waits until it holds, or fails with what is missing.
	diff := s.awaitHolds(wholePageLimit, func() string { return compareWholePage(h.fx, s.seen) })
	if diff != "" {
		t.Fatalf("the capture does not match what the server served and the pages said:\n%s", diff)
	}

	console := lastConsole(s.seen)
	exc := func(text string) *protocol.ConsoleMessage {
		for _, m := range console {
			if strings.Contains(m.Text, text) {
				return m
			}
		}
		return nil
	}
	for _, c := range []struct {
		text, source, target string
	}{
		{"page error object", protocol.SourceConsole, protocol.TargetPage},
		{"page rejection", protocol.SourceException, protocol.TargetPage},
		{"worker uncaught", protocol.SourceException, protocol.TargetWorker},
	} {
		m := exc(c.text)
		switch {
		case m == nil:
			t.Errorf("%q: not captured", c.text)
		case m.Level != protocol.LevelError || m.Source != c.source || m.Target == nil || m.Target.Type != c.target:
			t.Errorf("%q: level %s, source %s, target %+v; want error from %s of the %s", c.text, m.Level, m.Source, m.Target, c.source, c.target)
		case m.Stack == "":
			t.Errorf("%q: no stack", c.text)
		}
	}
	for _, m := range console {
		if m.Source == protocol.SourceBrowser && strings.Contains(m.Text, "worker") {
			t.Errorf("a worker's line repeated from the page's log: %+v", m)
		}
	}

	attached := map[string]int{}
	for _, n := range s.seen {
		if n.Method == protocol.NotifyAttached {
			var ev protocol.TargetEvent
			_ = json.Unmarshal(n.Params, &ev)
			attached[ev.Target.Type]++
		}
	}
	for _, typ := range protocol.TargetTypes {
		if attached[typ] == 0 {
			t.Errorf("no target/attached of a %s: %v", typ, attached)
		}
	}

	// The page's view of the requests its service worker answered, and
	// the service worker's own fetch.
	reqs := lastRequests(s.seen)
	var answered bool
	var pageVia, swVia protocol.NetworkRequest
	for _, r := range reqs {
		if strings.HasSuffix(r.URL, "/sw-answer") {
			answered = r.FromServiceWorker && r.Target != nil && r.Target.Type == protocol.TargetPage && r.State == protocol.StateFinished
		}
		if strings.HasSuffix(r.URL, "/data.json?via=sw") && r.Target != nil {
			if r.Target.Type == protocol.TargetServiceWorker {
				swVia = r
			} else {
				pageVia = r
			}
		}
	}
	if !answered || swVia.State != protocol.StateFinished || !pageVia.FromServiceWorker ||
		pageVia.ServiceWorkerRequestID != swVia.RequestID || swVia.ForRequestID != pageVia.RequestID {
		t.Errorf("service worker: /sw-answer answered by it %v; /data.json?via=sw: the page's %+v, the service worker's %+v", answered, pageVia, swVia)
	}
	// A worker's request has its body, fetched from the worker.
	for _, r := range reqs {
		if strings.HasSuffix(r.URL, "/data.json?from=worker") && (r.Target == nil || r.Target.Type != protocol.TargetWorker || r.BodySize != len(`{"n":42}`)) {
			t.Errorf("the worker's fetch: target %+v, body size %d, omitted %q", r.Target, r.BodySize, r.BodyOmitted)
		}
		// A shared worker's is finished without its body, said: Chrome
		// crashes when asked for it as the worker ends (targetTree.bodyRefusal).
		if strings.HasSuffix(r.URL, "/data.json?from=shared") && (r.Target == nil || r.Target.Type != protocol.TargetSharedWorker ||
			r.State != protocol.StateFinished || r.BodyOmitted != "unavailable") {
			t.Errorf("the shared worker's fetch: target %+v, state %s, body size %d, omitted %q", r.Target, r.State, r.BodySize, r.BodyOmitted)
		}
	}

	// The WebSocket: its record, and every frame both ways; the
	// EventSource's messages.
	var socket protocol.NetworkRequest
	for _, r := range reqs {
		if r.ResourceType == protocol.ResourceWebSocket {
			socket = r
		}
	}
	if socket.State != protocol.StateFinished || socket.Status != 101 || len(socket.RequestHeaders) == 0 || len(socket.ResponseHeaders) == 0 || socket.Target == nil || socket.Target.Type != protocol.TargetPage {
		t.Errorf("the WebSocket: %+v", socket)
	}
	var frames []string
	var ticks []string
	for _, n := range s.seen {
		switch n.Method {
		case protocol.NotifyFrame:
			var ev protocol.WebSocketFrameEvent
			_ = json.Unmarshal(n.Params, &ev)
			f := ev.Frame
			if f.RequestID != socket.RequestID {
				t.Errorf("a frame of socket %s, not of %s", f.RequestID, socket.RequestID)
			}
			frames = append(frames, fmt.Sprintf("%s %d %s %d", f.Direction, f.Opcode, f.Payload, f.Size))
		case protocol.NotifyEventSource:
			var ev protocol.EventSourceEvent
			_ = json.Unmarshal(n.Params, &ev)
			ticks = append(ticks, ev.Message.EventID+" "+ev.Message.Data)
		}
	}
	sort.Strings(frames)
	wantFrames := []string{"received 1 ping text 9", "received 1 welcome 7", "received 2 AQID/w== 4", "sent 1 ping text 9", "sent 2 AQID/w== 4"}
	if !slices.Equal(frames, wantFrames) {
		t.Errorf("frames:\n%s\nwant\n%s", strings.Join(frames, "\n"), strings.Join(wantFrames, "\n"))
	}
	if want := []string{"1 tick 1", "2 tick 2", "3 tick 3"}; !slices.Equal(ticks, want) {
		t.Errorf("EventSource messages %q, want %q", ticks, want)
	}
	// The popup's navigation has an id of its own, which its records
	// carry; the page's records carry the page's.
	popupNav := 0
	for _, n := range s.seen {
		if n.Method == protocol.NotifyNavigated {
			var ev protocol.NavigatedEvent
			_ = json.Unmarshal(n.Params, &ev)
			if ev.Navigation.Target != nil && ev.Navigation.Target.Type == protocol.TargetPopup {
				popupNav = ev.Navigation.ID
			}
		}
	}
	for _, m := range console {
		switch {
		case m.Text == "popup: hello" && (popupNav == 0 || m.NavigationID != popupNav):
			t.Errorf("%q has navigation %d; the popup's page/navigated %d", m.Text, m.NavigationID, popupNav)
		case m.Text == "page: hello" && m.NavigationID == popupNav:
			t.Errorf("%q has the popup's navigation %d", m.Text, m.NavigationID)
		}
	}

	c := h.client(w.Dir)
	got := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: socket.RequestID, Body: true})
	if len(got.Request.Frames) != len(wantFrames) {
		t.Errorf("network/get of the socket: %d frames, want %d", len(got.Request.Frames), len(wantFrames))
	}
}

// awaitHolds reads events until check returns "", and returns "" then; at
// the limit it returns what check last said.
func (s *subscriber) awaitHolds(limit time.Duration, check func() string) string {
	s.t.Helper()
	deadline := time.After(limit)
	for {
		diff := check()
		if diff == "" {
			return ""
		}
		select {
		case n := <-s.notes:
			s.seen = append(s.seen, n)
		case <-deadline:
			return diff
		}
	}
}

// lastRequests returns every request of the events, as the last event of
// each left it.
func lastRequests(notes []note) map[string]protocol.NetworkRequest {
	out := map[string]protocol.NetworkRequest{}
	for _, n := range notes {
		if strings.HasPrefix(n.Method, "network/") {
			r := n.request()
			out[r.RequestID] = r
		}
	}
	return out
}

func lastConsole(notes []note) []*protocol.ConsoleMessage {
	var out []*protocol.ConsoleMessage
	for _, n := range notes {
		if n.Method == protocol.NotifyConsole {
			m := n.console()
			out = append(out, &m)
		}
	}
	return out
}

// saidTarget is the target type that each context of the fixture pages
// logs from: a same-site iframe is part of the page's target.
var saidTarget = map[string]string{
	"page": protocol.TargetPage, "frame same": protocol.TargetPage, "frame cross": protocol.TargetIframe,
	"worker": protocol.TargetWorker, "shared worker": protocol.TargetSharedWorker,
	"service worker": protocol.TargetServiceWorker, "popup": protocol.TargetPopup,
}

// compareWholePage returns "" when the events hold every request the server
// served, once, in a final state, and every line each context said, once,
// with its level, source and target; else what differs.
func compareWholePage(fx *browsertest.Fixtures, notes []note) string {
	var diffs []string
	// Requests: every URL a request went to (each hop of a redirect), but
	// not the side channel, nor the page's view of what its service
	// worker answered (the service worker's own fetch is what the server
	// saw).
	captured := map[string]int{}
	for _, r := range lastRequests(notes) {
		if strings.HasPrefix(r.URL, "data:") || r.FromServiceWorker || pathOf(r.URL) == sideChannel || pathOf(r.URL) == "/favicon.ico" {
			continue
		}
		if r.State != protocol.StateFinished && r.State != protocol.StateFailed {
			diffs = append(diffs, fmt.Sprintf("request %s %s: still %s", r.RequestID, r.URL, r.State))
		}
		for _, hop := range r.Redirects {
			captured["GET "+hop.URL]++
		}
		// The server logs a WebSocket's handshake as an http:// request.
		captured[r.Method+" "+strings.Replace(r.URL, "ws://", "http://", 1)]++
	}
	served := map[string]int{}
	for _, s := range fx.Served() {
		served[s.Method+" "+s.URL]++
	}
	for k, n := range served {
		if captured[k] != n {
			diffs = append(diffs, fmt.Sprintf("%s: served %d times, captured %d", k, n, captured[k]))
		}
	}
	for k, n := range captured {
		if served[k] == 0 && !strings.Contains(k, fx.RefusedURL) {
			diffs = append(diffs, fmt.Sprintf("%s: captured %d times, never served", k, n))
		}
	}

	// Console lines.
	console := lastConsole(notes)
	for _, said := range fx.Said() {
		var found []*protocol.ConsoleMessage
		for _, m := range console {
			if m.Text == said.Text {
				found = append(found, m)
			}
		}
		want := said.Level
		if want == "warn" {
			want = protocol.LevelWarning
		}
		switch {
		case len(found) != 1:
			diffs = append(diffs, fmt.Sprintf("%q (%s): captured %d times", said.Text, said.Ctx, len(found)))
		case found[0].Level != want || found[0].Source != protocol.SourceConsole:
			diffs = append(diffs, fmt.Sprintf("%q: level %s source %s, want %s from console", said.Text, found[0].Level, found[0].Source, want))
		case found[0].Target == nil || found[0].Target.Type != saidTarget[said.Ctx]:
			diffs = append(diffs, fmt.Sprintf("%q: target %+v, want a %s", said.Text, found[0].Target, saidTarget[said.Ctx]))
		}
	}
	if len(fx.Said()) == 0 {
		diffs = append(diffs, "the pages said nothing")
	}
	sort.Strings(diffs)
	return strings.Join(slices.Compact(diffs), "\n")
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// TestStartThenNavigate: a session starts on a blank page and navigates at
// once; Chrome may report the blank page's commit late, after the new page
// has started loading. In 20 of 20 tries, the page's request and its
// console messages carry the navigation that page/navigated announced for
// its URL, and no navigation is announced after its first request but its
// own.
func TestStartThenNavigate(t *testing.T) {
	h := newHarness(t)
	page := h.fx.URL("everything.html")
	for i := range 20 {
		w := h.start(h.options(fmt.Sprintf("race%d", i), page))
		s := h.subscribe(w.Dir, ptr(uint64(0)))
		notes := s.await("everything done", consoleText("everything done"))
		var navs []protocol.Navigation
		docNav, sawDoc := 0, false
		for _, n := range notes {
			switch n.Method {
			case protocol.NotifyNavigated:
				var ev protocol.NavigatedEvent
				_ = json.Unmarshal(n.Params, &ev)
				if sawDoc && ev.Navigation.ID != docNav {
					t.Errorf("try %d: navigation %+v announced after the page's first request (navigation %d)", i, ev.Navigation, docNav)
				}
				navs = append(navs, ev.Navigation)
			case protocol.NotifyRequest:
				if r := n.request(); r.URL == page && !sawDoc {
					docNav, sawDoc = r.NavigationID, true
				}
			case protocol.NotifyConsole:
				if m := n.console(); m.NavigationID != docNav {
					t.Errorf("try %d: %q has navigation %d, the page's request %d", i, m.Text, m.NavigationID, docNav)
				}
			}
		}
		last := protocol.Navigation{}
		if len(navs) > 0 {
			last = navs[len(navs)-1]
		}
		if last.URL != page || last.ID != docNav {
			t.Errorf("try %d: navigations %+v; the page's request has navigation %d", i, navs, docNav)
		}
		h.reap(w)
	}
}

// TestTargetsEnd: a worker terminated, an iframe removed and a popup
// closed are reported gone; what they captured stays; the session follows
// nothing of them any more.
func TestTargetsEnd(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("ends", h.fx.URL("wp-ends.html")))
	s := h.subscribe(w.Dir, ptr(uint64(0)))
	gone := map[string]string{}
	s.awaitWithin("the worker, the iframe and the popup gone", wholePageLimit, func(n note) bool {
		if n.Method == protocol.NotifyDetached {
			var ev protocol.TargetEvent
			_ = json.Unmarshal(n.Params, &ev)
			gone[ev.Target.Type] = ev.Reason
		}
		return len(gone) == 3
	})
	for _, typ := range []string{protocol.TargetWorker, protocol.TargetIframe, protocol.TargetPopup} {
		if gone[typ] != protocol.TargetDestroyed {
			t.Errorf("%s: gone %q, want %q", typ, gone[typ], protocol.TargetDestroyed)
		}
	}
	c := h.client(w.Dir)
	list := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{})
	from := map[string]bool{}
	for _, m := range list.Items {
		if m.Target != nil {
			from[m.Target.Type] = true
		}
	}
	for _, typ := range []string{protocol.TargetWorker, protocol.TargetIframe, protocol.TargetPopup} {
		if !from[typ] {
			t.Errorf("no console message of the %s kept after it went: %v", typ, from)
		}
	}
	st := call(h, c, protocol.Status, protocol.StatusParams{})
	if !maps.Equal(st.Targets, map[string]int{protocol.TargetPage: 1}) ||
		st.TargetsEnded[protocol.TargetWorker] != 1 || st.TargetsEnded[protocol.TargetIframe] != 1 || st.TargetsEnded[protocol.TargetPopup] != 1 {
		t.Errorf("status: targets %v, ended %v; want the page only, and a worker, an iframe and a popup ended", st.Targets, st.TargetsEnded)
	}
}

// TestAttachedWholePage: a session attached to a Chrome it did not launch
// follows the page's popups and shared workers too (attached as Chrome
// announces them), and never touches the user's other tab: no record of
// it, and it stays unattached.
func TestAttachedWholePage(t *testing.T) {
	h := newHarness(t)
	chrome := browsertest.Launch(t, browser.Headless(true))
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ws, err := browser.ResolveBrowserURL(ctx, chrome.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := browser.Dial(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	userURL := h.fx.URL("wp-popup.html?user=1")
	if _, err := cdp.Call(ctx, conn.Session(""), target.CreateTarget, target.CreateTargetParams{URL: userURL}); err != nil {
		t.Fatal(err)
	}

	opts := h.options("attached-whole", h.fx.URL("wp-top.html"))
	opts.BrowserURL = chrome.HTTPURL()
	opts.Headless = nil
	w := h.start(opts)
	s := h.subscribe(w.Dir, ptr(uint64(0)))
	s.awaitWithin("the second page's last line", wholePageLimit, consoleText("second: done"))
	attached := map[string]int{}
	for _, n := range s.seen {
		switch n.Method {
		case protocol.NotifyAttached:
			var ev protocol.TargetEvent
			_ = json.Unmarshal(n.Params, &ev)
			attached[ev.Target.Type]++
		case protocol.NotifyRequest:
			if strings.Contains(n.request().URL, "user=1") {
				t.Errorf("captured a request of the user's own tab: %s", n.request().URL)
			}
		}
	}
	for _, typ := range protocol.TargetTypes {
		if attached[typ] == 0 {
			t.Errorf("no target/attached of a %s: %v", typ, attached)
		}
	}
	for _, m := range lastConsole(s.seen) {
		if strings.Contains(m.Text, "popup: hello") && (m.Target == nil || m.Target.Type != protocol.TargetPopup) {
			t.Errorf("the popup's line from %+v", m.Target)
		}
	}
	res, err := cdp.Call(ctx, conn.Session(""), target.GetTargets, target.GetTargetsParams{})
	if err != nil {
		// Chrome 156 crashed here when the worker had asked a shared
		// worker for a body as it ended (targetTree.bodyRefusal): say so.
		select {
		case <-chrome.Done():
			t.Fatalf("Chrome exited (%v) under the session: was a shared worker, or a crashed target, asked for a body?", chrome.ExitErr())
		case <-time.After(2 * time.Second):
		}
		t.Fatal(err)
	}
	for _, ti := range res.TargetInfos {
		if ti.URL == userURL && ti.Attached {
			t.Errorf("the user's tab was attached to: %+v", ti)
		}
	}
}

// TestJournal: every event of the session is on disk in its journal, in
// seq order, each once; after kill -9 of the worker in the middle of a
// burst, the journal opens with a torn tail cut, and every line it holds
// is an event, in order, without a gap or a repeat.
func TestJournal(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("journal", h.fx.URL("everything.html")))
	s := h.subscribe(w.Dir, ptr(uint64(0)))
	s.await("everything done", consoleText("everything done"))
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	evs := journalEvents(t, w.Dir.File(session.JournalDir))
	if len(evs) == 0 || evs[0].seq != 1 {
		t.Fatalf("journal: %d events from %v", len(evs), evs[:min(len(evs), 3)])
	}
	out := readOutput(t, w.Dir.File(session.OutputFile))
	// session/ended is the journal's last event, after every event of
	// session.json; between them, only what came while the session ended
	// (Chrome closing in parallel with the writing of session.json): its
	// targets detaching, and the requests it cut.
	last := evs[len(evs)-1]
	if last.method != protocol.NotifyEnded || last.seq <= out.LastSeq {
		t.Errorf("journal ends with %s at %d; session.json's last seq is %d", last.method, last.seq, out.LastSeq)
	}
	for _, ev := range evs[:len(evs)-1] {
		if ev.seq > out.LastSeq && ev.method != protocol.NotifyDetached && !strings.HasPrefix(ev.method, "network/") {
			t.Errorf("%s at %d, after session.json's last seq %d, while the session ended", ev.method, ev.seq, out.LastSeq)
		}
	}

	w = h.start(h.options("journal-kill", h.fx.URL("console-burst.html?n=100000")))
	s = h.subscribe(w.Dir, ptr(uint64(0)))
	s.awaitWithin("30,000 events", wholePageLimit, func(n note) bool { return n.Seq >= 30000 })
	if err := syscall.Kill(w.Handshake.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	seqs := journalSeqs(t, w.Dir.File(session.JournalDir))
	if len(seqs) < 1000 {
		t.Errorf("after kill -9: %d events in the journal", len(seqs))
	}
	t.Logf("after kill -9 at seq 30,000 or later of a burst of 100,000: %d events in the journal", len(seqs))
	// The rescue writes session.json with every message the journal holds
	// (the partial file has only the newest 10,000), each once, in order.
	cl, err := control.Cleanup(w.Dir)
	if err != nil || cl.RescuedOutput == "" {
		t.Fatalf("cleanup after kill -9: rescued %q: %v", cl.RescuedOutput, err)
	}
	out = readOutput(t, cl.RescuedOutput)
	burst := 0
	for i, m := range out.Data.Console {
		if i > 0 && m.Seq <= out.Data.Console[i-1].Seq {
			t.Fatalf("rescued message %d has seq %d after %d", i, m.Seq, out.Data.Console[i-1].Seq)
		}
		if m.Text == fmt.Sprint("burst ", burst) {
			burst++
		}
	}
	if burst < len(seqs)-50 || out.Counts.Console != len(out.Data.Console) || out.Reason != protocol.ReasonWorkerDied || out.LastSeq < seqs[len(seqs)-1] {
		t.Errorf("rescued session.json: burst messages 0 to %d in order, counts %d of %d, reason %q, last seq %d (the journal's %d)",
			burst, out.Counts.Console, len(out.Data.Console), out.Reason, out.LastSeq, seqs[len(seqs)-1])
	}

	// The session started again over the dead one: it stops cleanly, with
	// a session.json, and a journal of its own.
	w2 := h.start(h.options("journal-kill", h.fx.URL("everything.html")))
	h.subscribe(w2.Dir, ptr(uint64(0))).await("everything done", consoleText("everything done"))
	res, err := control.Stop(context.Background(), w2.Dir)
	if err != nil {
		t.Fatal(err)
	}
	<-w2.Done()
	if out := readOutput(t, res.OutputPath); out.Counts.Console < 7 {
		t.Errorf("the later session's session.json: %d console messages", out.Counts.Console)
	}
	if seqs := journalSeqs(t, w2.Dir.File(session.JournalDir)); len(seqs) == 0 || seqs[0] != 1 || len(seqs) > 1000 {
		t.Errorf("the later session's journal: %d events", len(seqs))
	}
}

// journalSeqs opens a session's journal and returns the seqs of its events,
// failing the test unless they run from the first without a gap or repeat.
func journalSeqs(t *testing.T, dir string) []uint64 {
	t.Helper()
	var seqs []uint64
	for _, ev := range journalEvents(t, dir) {
		seqs = append(seqs, ev.seq)
	}
	return seqs
}

// journalEvent is an event of a journal: its seq and method.
type journalEvent struct {
	seq    uint64
	method string
}

// journalEvents reads a session's journal, checking that its events
// follow each other by seq, without a gap or a repeat.
func journalEvents(t *testing.T, dir string) []journalEvent {
	t.Helper()
	j, err := journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var evs []journalEvent
	err = j.Read(1, 0, func(n uint64, rec []byte) bool {
		var ev struct {
			Method string `json:"method"`
			Params struct {
				Seq uint64 `json:"seq"`
			} `json:"params"`
		}
		if err := json.Unmarshal(rec, &ev); err != nil || ev.Method == "" {
			t.Fatalf("journal record %d is not an event: %.200s", n, rec)
		}
		if len(evs) > 0 && ev.Params.Seq != evs[len(evs)-1].seq+1 {
			t.Fatalf("journal record %d: seq %d after %d", n, ev.Params.Seq, evs[len(evs)-1].seq)
		}
		evs = append(evs, journalEvent{ev.Params.Seq, ev.Method})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
