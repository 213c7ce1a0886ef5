package browser

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/gorilla/websocket"
)

// These tests run the connection against a scripted fake of Chrome, for the
// cases that real Chrome cannot be made to produce on demand.

// testTimeout bounds each test so that a bug hangs nothing; no assertion
// depends on it.
const testTimeout = 30 * time.Second

// fake is the Chrome side of one connection.
type fake struct {
	t  *testing.T
	ws *websocket.Conn
}

type fakeCommand struct {
	ID        int64        `json:"id"`
	SessionID string       `json:"sessionId"`
	Method    string       `json:"method"`
	Params    jsonv2.Value `json:"params"`
}

// dialFake starts a fake Chrome and dials it. It returns the connection and
// the fake's side of it.
func dialFake(t *testing.T, opts ...DialOption) (*Conn, *fake) {
	t.Helper()
	accepted := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{}
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		accepted <- ws
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, err := Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/devtools/browser/fake", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fake{t: t, ws: <-accepted}
	t.Cleanup(func() { f.ws.Close() })
	return conn, f
}

// read returns the next command that the connection sent.
func (f *fake) read() fakeCommand {
	f.t.Helper()
	_, data, err := f.ws.ReadMessage()
	if err != nil {
		f.t.Fatalf("fake: reading a command: %v", err)
	}
	var c fakeCommand
	if err := jsonv2.Unmarshal(data, &c); err != nil {
		f.t.Fatalf("fake: decoding %s: %v", data, err)
	}
	return c
}

func (f *fake) send(msg string) {
	f.t.Helper()
	if err := f.ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		f.t.Fatalf("fake: writing: %v", err)
	}
}

func (f *fake) reply(id int64, result string) {
	f.t.Helper()
	f.send(`{"id":` + itoa(id) + `,"result":` + result + `}`)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

type callResult struct {
	res jsonv2.Value
	err error
}

// goCall runs CallRaw in a goroutine that the test waits for.
func goCall(t *testing.T, ctx context.Context, conn *Conn, session, method string) <-chan callResult {
	ch := make(chan callResult, 1)
	go func() {
		res, err := conn.CallRaw(ctx, session, method, nil)
		ch <- callResult{res, err}
	}()
	return ch
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestConnMatchesReplies(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	calls := map[string]<-chan callResult{}
	for _, m := range []string{"A.one", "B.two", "C.three"} {
		calls[m] = goCall(t, ctx, conn, "", m)
	}
	var cmds []fakeCommand
	for range 3 {
		cmds = append(cmds, f.read())
	}
	seen := map[int64]bool{}
	for i, c := range cmds {
		if seen[c.ID] || c.ID <= 0 {
			t.Errorf("command %d has id %d, which is not new and positive", i, c.ID)
		}
		seen[c.ID] = true
	}
	// Answer in the reverse order.
	for i := len(cmds) - 1; i >= 0; i-- {
		f.reply(cmds[i].ID, `{"method":"`+cmds[i].Method+`"}`)
	}
	for m, ch := range calls {
		r := <-ch
		if r.err != nil || string(r.res) != `{"method":"`+m+`"}` {
			t.Errorf("%s = %s, %v", m, r.res, r.err)
		}
	}
	// Ids increase.
	c1 := goCall(t, ctx, conn, "", "X.a")
	a := f.read()
	f.reply(a.ID, `{}`)
	<-c1
	c2 := goCall(t, ctx, conn, "", "X.b")
	b := f.read()
	f.reply(b.ID, `{}`)
	<-c2
	if b.ID <= a.ID {
		t.Errorf("ids %d then %d do not increase", a.ID, b.ID)
	}
}

func TestConnContextEndsCall(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	callCtx, cancel := context.WithCancel(ctx)
	ch := goCall(t, callCtx, conn, "", "Slow.call")
	slow := f.read()
	cancel()
	r := <-ch
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", r.err)
	}
	// The late reply is dropped, and does not reach the next call.
	f.reply(slow.ID, `{"late":true}`)
	ch = goCall(t, ctx, conn, "", "Next.call")
	next := f.read()
	f.reply(next.ID, `{"next":true}`)
	if r := <-ch; r.err != nil || string(r.res) != `{"next":true}` {
		t.Errorf("next call = %s, %v", r.res, r.err)
	}
}

func TestConnLost(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	events, cancelSub := conn.Session("").Subscribe("Page.loadEventFired")
	defer cancelSub()
	ch := goCall(t, ctx, conn, "", "Pending.call")
	f.read()
	f.send(`{"method":"Page.loadEventFired","params":{"timestamp":1}}`)
	f.ws.NetConn().Close() // as when Chrome dies

	r := <-ch
	if !errors.Is(r.err, ErrConnectionLost) || !strings.Contains(r.err.Error(), "connection to Chrome lost") {
		t.Errorf("pending call: err = %v; want ErrConnectionLost", r.err)
	}
	<-conn.Done()
	if err := conn.Err(); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("Err() = %v; want ErrConnectionLost", err)
	}
	if _, err := conn.CallRaw(ctx, "", "Later.call", nil); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("later call: err = %v; want ErrConnectionLost", err)
	}
	// The event that came before the end is delivered, then the channel closes.
	if v, ok := <-events; !ok || string(v) != `{"timestamp":1}` {
		t.Errorf("event = %s, %v", v, ok)
	}
	if _, ok := <-events; ok {
		t.Error("subscription still open after the connection ended")
	}
	late, cancelLate := conn.Session("").Subscribe("X.y")
	defer cancelLate()
	if _, ok := <-late; ok {
		t.Error("subscription on an ended connection is open")
	}
}

func TestConnClose(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	ch := goCall(t, ctx, conn, "", "Pending.call")
	f.read()
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	if r := <-ch; !errors.Is(r.err, ErrClosed) {
		t.Errorf("pending call: err = %v; want ErrClosed", r.err)
	}
	if err := conn.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !errors.Is(conn.Err(), ErrClosed) {
		t.Errorf("Err() = %v; want ErrClosed", conn.Err())
	}
}

func TestConnCDPError(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	ch := make(chan error, 1)
	go func() {
		ch <- conn.Session("S").Call(ctx, "Foo.bar", map[string]int{"x": 1}, nil)
	}()
	c := f.read()
	if c.SessionID != "S" || c.Method != "Foo.bar" || string(c.Params) != `{"x":1}` {
		t.Errorf("command = %+v", c)
	}
	f.send(`{"id":` + itoa(c.ID) + `,"sessionId":"S","error":{"code":-32601,"message":"'Foo.bar' wasn't found"}}`)
	err := <-ch
	var cdpErr *CDPError
	if !errors.As(err, &cdpErr) || cdpErr.Code != -32601 || cdpErr.Method != "Foo.bar" || !strings.Contains(err.Error(), "wasn't found") {
		t.Errorf("err = %#v; want a *CDPError with code -32601", err)
	}
}

func TestConnCommandTooLarge(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t, MaxCommandSize(1024))
	big := jsonv2.Value(`{"s":"` + strings.Repeat("a", 2000) + `"}`)
	if _, err := conn.CallRaw(ctx, "", "Big.call", big); !errors.Is(err, ErrCommandTooLarge) || !strings.Contains(err.Error(), "1024") {
		t.Fatalf("err = %v; want ErrCommandTooLarge naming the limit", err)
	}
	// Nothing was sent: the next command is the first that the fake reads.
	ch := goCall(t, ctx, conn, "", "Small.call")
	if c := f.read(); c.Method != "Small.call" {
		t.Errorf("first command = %s; want Small.call", c.Method)
	} else {
		f.reply(c.ID, `{}`)
	}
	if r := <-ch; r.err != nil {
		t.Error(r.err)
	}
}

func TestConnOnEventOrderAndCalls(t *testing.T) {
	ctx := testContext(t)
	type got struct {
		ev  Event
		res string
	}
	seen := make(chan got, 100)
	var conn *Conn
	conn, f := dialFake(t, OnEvent(func(ev Event) {
		g := got{ev: ev}
		if ev.Method == "Trigger.call" {
			// A call from the callback: the reader goes on while it waits.
			res, err := conn.CallRaw(ctx, "", "From.callback", nil)
			if err != nil {
				g.res = err.Error()
			} else {
				g.res = string(res)
			}
		}
		seen <- g
	}))
	f.send(`{"method":"Network.requestWillBeSent","sessionId":"P","params":{"requestId":"1"}}`)
	f.send(`{"method":"Trigger.call","params":{}}`)
	c := f.read() // the callback's call
	// More events arrive while the callback waits for its reply.
	f.send(`{"method":"Network.responseReceived","sessionId":"P","params":{"requestId":"1"}}`)
	f.send(`{"method":"Network.loadingFinished","sessionId":"P"}`)
	f.reply(c.ID, `{"from":"callback"}`)

	want := []string{"Network.requestWillBeSent", "Trigger.call", "Network.responseReceived", "Network.loadingFinished"}
	for i, m := range want {
		g := <-seen
		if g.ev.Method != m {
			t.Fatalf("event %d = %s; want %s", i, g.ev.Method, m)
		}
		if m == "Trigger.call" && g.res != `{"from":"callback"}` {
			t.Errorf("call from the callback = %s", g.res)
		}
		if m == "Network.loadingFinished" && (g.ev.SessionID != "P" || string(g.ev.Params) != "{}") {
			t.Errorf("event without params = %+v; want session P and params {}", g.ev)
		}
	}
}

func TestConnSubscribeBySession(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	a, cancelA := conn.Session("A").Subscribe("Page.loadEventFired")
	defer cancelA()
	root, cancelRoot := conn.Session("").Subscribe("Page.loadEventFired")
	f.send(`{"method":"Page.loadEventFired","sessionId":"B","params":{"timestamp":1}}`)
	f.send(`{"method":"Page.loadEventFired","sessionId":"A","params":{"timestamp":2}}`)
	f.send(`{"method":"Page.loadEventFired","params":{"timestamp":3}}`)
	if v := <-a; string(v) != `{"timestamp":2}` {
		t.Errorf("session A got %s", v)
	}
	if v := <-root; string(v) != `{"timestamp":3}` {
		t.Errorf("browser session got %s", v)
	}
	cancelRoot()
	cancelRoot()
	if _, ok := <-root; ok {
		t.Error("channel open after cancel")
	}
	// The typed iterator of cdproto works on the channel.
	type loadEvent struct {
		Timestamp float64 `json:"timestamp"`
	}
	next, stop := iter.Pull2(cdp.Events(ctx, conn.Session("A"), cdp.Event[loadEvent]{Method: "Page.loadEventFired"}))
	defer stop()
	f.send(`{"method":"Page.loadEventFired","sessionId":"A","params":{"timestamp":4}}`)
	if ev, err, ok := next(); !ok || err != nil || ev.Timestamp != 4 {
		t.Errorf("cdp.Events = %+v, %v, %v", ev, err, ok)
	}
}

func TestConnSessionDetached(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialFake(t)
	events, cancel := conn.Session("S").Subscribe("Runtime.consoleAPICalled")
	defer cancel()
	ch := goCall(t, ctx, conn, "S", "Runtime.evaluate")
	f.read()
	f.send(`{"method":"Target.detachedFromTarget","params":{"sessionId":"S","targetId":"T"}}`)
	if r := <-ch; !errors.Is(r.err, ErrSessionDetached) {
		t.Errorf("err = %v; want ErrSessionDetached", r.err)
	}
	if _, ok := <-events; ok {
		t.Error("subscription of the detached session is open")
	}
	if conn.Err() != nil {
		t.Errorf("the connection ended: %v", conn.Err())
	}
}

func TestConnInvalidUnicode(t *testing.T) {
	ctx := testContext(t)
	events := make(chan Event, 1)
	conn, f := dialFake(t, OnEvent(func(ev Event) { events <- ev }))
	f.send(`{"method":"Runtime.consoleAPICalled","params":{"args":[{"type":"string","value":"\ud800"}]}}`)
	ev := <-events
	if !ev.Params.IsValid() {
		t.Errorf("params %q are not valid JSON", ev.Params)
	}
	ch := make(chan error, 1)
	var res struct {
		Value string `json:"value"`
	}
	go func() { ch <- conn.Session("").Call(ctx, "Runtime.evaluate", nil, &res) }()
	c := f.read()
	f.send("{\"id\":" + itoa(c.ID) + ",\"result\":{\"value\":\"a\xffb\\udc00\"}}")
	if err := <-ch; err != nil || res.Value != "a\uFFFDb\uFFFD" {
		t.Errorf("Call = %q, %v; want U+FFFD in place of the bad parts", res.Value, err)
	}
}

func TestConnMalformedMessage(t *testing.T) {
	conn, f := dialFake(t)
	f.send(`{"id":`)
	<-conn.Done()
	if err := conn.Err(); !errors.Is(err, ErrConnectionLost) || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("Err() = %v; want ErrConnectionLost for a malformed message", err)
	}
}

// TestConnSync: once a subscription has an event, Sync returns only after
// the OnEvent callback has returned for it and for every event before it.
func TestConnSync(t *testing.T) {
	ctx := testContext(t)
	release := make(chan struct{})
	var handled []string
	conn, f := dialFake(t, OnEvent(func(ev Event) {
		if ev.Method == "Slow.event" {
			<-release // the callback is behind the subscription
		}
		handled = append(handled, ev.Method)
	}))
	sub, cancel := conn.Session("").Subscribe("Page.loadEventFired")
	defer cancel()
	f.send(`{"method":"Slow.event","params":{}}`)
	f.send(`{"method":"Page.loadEventFired","params":{}}`)
	<-sub
	synced := make(chan error, 1)
	go func() { synced <- conn.Sync(ctx) }()
	select {
	case err := <-synced:
		t.Fatalf("Sync returned (%v) while the callback was still on an earlier event", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-synced; err != nil {
		t.Fatal(err)
	}
	if want := []string{"Slow.event", "Page.loadEventFired"}; !slices.Equal(handled, want) {
		t.Errorf("handled before Sync returned: %v, want %v", handled, want)
	}
	conn.Close()
	if err := conn.Sync(ctx); err == nil {
		t.Error("Sync on a closed connection: no error")
	}
}
