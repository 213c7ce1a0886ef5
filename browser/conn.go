package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/gorilla/websocket"
)

// Limits of a connection, which DialOptions change.
const (
	// DefaultMaxCommandSize is the size of the largest command that a
	// connection sends: 16 MiB. It is also the size of the write buffer, so
	// that every command goes out as one websocket frame. The memory pages of
	// the buffer are only touched as far as commands fill them.
	DefaultMaxCommandSize = 16 << 20

	// DefaultReadLimit is the size of the largest message that a connection
	// accepts from Chrome: 256 MiB. A response body arrives base64-encoded in
	// one message.
	DefaultReadLimit = 256 << 20

	readBufferSize = 64 << 10
)

// Event is a CDP event: a message from Chrome without an id.
type Event struct {
	// SessionID is the session that the event belongs to; "" for the
	// browser session, or for the target of a connection to a page endpoint.
	SessionID string
	// Method is the name of the event, such as "Runtime.consoleAPICalled".
	Method string
	// Params is the payload, a JSON object. It is valid JSON: strings that
	// are not valid Unicode have U+FFFD in their place. The event owns it;
	// it stays valid after the callback returns.
	Params jsonv2.Value

	synced chan struct{} // a marker of Sync's, not an event
}

// DialOption configures Dial.
type DialOption func(*dialConfig)

type dialConfig struct {
	onEvent        func(Event)
	maxCommandSize int
}

// OnEvent makes the connection call fn for every event, of every session, in
// the exact order in which Chrome sent them. (Channels from Subscribe, one per
// method, lose the order between methods, such as Network.requestWillBeSent
// before Network.responseReceived.)
//
// fn runs on one goroutine that the connection owns, never on two at once.
// Events queue up, without limit, while fn runs, so that fn never stops the
// connection from reading: fn may call Call and CallRaw and wait for their
// replies. fn should still return soon, or the queue grows. fn must not call
// Conn.Close, which waits for fn to return. After the connection ends, fn gets
// the events that arrived before the end, and then Done closes.
func OnEvent(fn func(Event)) DialOption {
	return func(c *dialConfig) { c.onEvent = fn }
}

// MaxCommandSize sets the size of the largest command that the connection
// sends, and of its write buffer on a websocket. See DefaultMaxCommandSize.
func MaxCommandSize(n int) DialOption {
	return func(c *dialConfig) { c.maxCommandSize = n }
}

// Conn is a CDP connection to Chrome: over a websocket, to the browser
// endpoint (ws://HOST/devtools/browser/ID), over which it can reach every
// target with flat sessions, or to one page (ws://HOST/devtools/page/ID); or
// over the DevTools pipe of a Chrome that Launch started with Pipe, which is
// the browser endpoint (see Chrome.Dial).
//
// A Conn owns up to three goroutines: one reads from the socket or pipe, one
// writes to it, and one runs the OnEvent callback. Close stops them and
// waits. All the methods are safe for concurrent use.
type Conn struct {
	url        string // "" over a pipe
	t          transport
	maxCommand int
	onEvent    func(Event)
	events     *fifo[Event] // for onEvent; nil without it
	sendq      chan []byte  // commands for the writer

	nextID atomic.Int64

	mu      sync.Mutex
	pending map[int64]*pendingCall
	subs    map[subKey]map[*subscription]struct{}
	stopErr error // the first reason to stop, from shutdown
	err     error // why the connection ended; nil while it is up

	dead    chan struct{} // closed when the connection has ended
	done    chan struct{} // closed when all goroutines have stopped
	running atomic.Int32  // goroutines that have not stopped
}

type pendingCall struct {
	method  string
	session string
	reply   chan reply // capacity 1; gets exactly one reply
}

type reply struct {
	result jsonv2.Value
	err    error
}

type subKey struct {
	session, method string
}

// Dial connects to the CDP websocket at wsURL, such as the URL that
// Chrome.WebSocketURL or ResolveBrowserURL returns. ctx bounds the dial only.
func Dial(ctx context.Context, wsURL string, opts ...DialOption) (*Conn, error) {
	cfg, err := newDialConfig(opts)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", wsURL, err)
	}
	d := websocket.Dialer{
		ReadBufferSize:  readBufferSize,
		WriteBufferSize: cfg.maxCommandSize,
	}
	ws, resp, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP status %s)", err, resp.Status)
		}
		return nil, fmt.Errorf("connecting to Chrome at %s: %w", wsURL, err)
	}
	ws.SetReadLimit(DefaultReadLimit)
	return newConn(wsURL, &wsTransport{ws: ws}, cfg), nil
}

// newDialConfig applies opts to the defaults, and checks the result.
func newDialConfig(opts []DialOption) (dialConfig, error) {
	cfg := dialConfig{maxCommandSize: DefaultMaxCommandSize}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxCommandSize <= 0 {
		return dialConfig{}, fmt.Errorf("MaxCommandSize must be positive, not %d", cfg.maxCommandSize)
	}
	return cfg, nil
}

// newConn returns a connection over t, which it owns, and starts its
// goroutines.
func newConn(url string, t transport, cfg dialConfig) *Conn {
	c := &Conn{
		url:        url,
		t:          t,
		maxCommand: cfg.maxCommandSize,
		onEvent:    cfg.onEvent,
		sendq:      make(chan []byte),
		pending:    make(map[int64]*pendingCall),
		subs:       make(map[subKey]map[*subscription]struct{}),
		dead:       make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.running.Store(2)
	if c.onEvent != nil {
		c.events = newFIFO[Event]()
		c.running.Add(1)
		go c.dispatchLoop()
	}
	go c.readLoop()
	go c.writeLoop()
	return c
}

// URL returns the websocket URL that the connection dialed; "" for a
// connection over a pipe.
func (c *Conn) URL() string { return c.url }

// Close ends the connection and waits until its goroutines have stopped and
// the OnEvent callback has seen every event that arrived. Calls that wait fail
// with ErrClosed. Close is safe to call more than once; it returns nil. It must
// not be called from the OnEvent callback. Closing a connection over a pipe
// closes the pipe, and Chrome then exits (see Chrome.Dial).
func (c *Conn) Close() error {
	c.shutdown(ErrClosed)
	<-c.done
	return nil
}

// Done returns a channel that closes when the connection has ended, because of
// Close or because it broke, and its goroutines have stopped.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while the connection is up. After it has ended, Err returns
// ErrClosed after Close, or else an error that wraps ErrConnectionLost and the
// cause.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Session returns the session with the id, which implements cdp.Session. The
// id "" is the browser session, or the page itself on a connection to a page
// endpoint. Other ids come from Target.attachToTarget with flatten: true, as
// AttachPage does.
func (c *Conn) Session(id string) *Session {
	return &Session{conn: c, id: id}
}

// CallRaw sends the command method with params, a JSON object or nil, to the
// session sessionID, and returns the result, a JSON object. It is for commands
// that pass through, such as the commands of users; typed code should use
// cdp.Call with Session. An error reply from Chrome is a *CDPError.
func (c *Conn) CallRaw(ctx context.Context, sessionID, method string, params jsonv2.Value) (jsonv2.Value, error) {
	p, err := checkParams(params)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return c.call(ctx, sessionID, method, p)
}

// call sends a command whose params are checked, and waits for its reply.
func (c *Conn) call(ctx context.Context, sessionID, method string, params jsonv2.Value) (jsonv2.Value, error) {
	id, p, err := c.send(ctx, sessionID, method, params)
	if err != nil {
		return nil, err
	}
	return c.await(ctx, id, p)
}

// send sends a command whose params are checked, and returns what to await
// its reply with. Commands that one goroutine sends reach Chrome in the
// order it sent them.
func (c *Conn) send(ctx context.Context, sessionID, method string, params jsonv2.Value) (int64, *pendingCall, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", method, err)
	}
	id := c.nextID.Add(1)
	data, err := encodeCommand(id, sessionID, method, params)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", method, err)
	}
	if len(data) > c.maxCommand {
		return 0, nil, fmt.Errorf("%s: %w: %d bytes, more than the limit of %d bytes (see MaxCommandSize)",
			method, ErrCommandTooLarge, len(data), c.maxCommand)
	}
	if err := c.t.checkMessage(data); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", method, err)
	}

	p := &pendingCall{method: method, session: sessionID, reply: make(chan reply, 1)}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, nil, fmt.Errorf("%s: %w", method, err)
	}
	c.pending[id] = p
	c.mu.Unlock()

	select {
	case c.sendq <- data:
	case <-c.dead:
		// The end of the connection failed every pending call.
	case <-ctx.Done():
		c.forget(id)
		return 0, nil, fmt.Errorf("%s: %w", method, ctx.Err())
	}
	return id, p, nil
}

// await waits for the reply to a command that send sent.
func (c *Conn) await(ctx context.Context, id int64, p *pendingCall) (jsonv2.Value, error) {
	select {
	case r := <-p.reply:
		return r.result, r.err
	case <-ctx.Done():
		c.forget(id)
		return nil, fmt.Errorf("%s: %w", p.method, ctx.Err())
	}
}

// forget drops a pending call, so that a late reply to it is dropped.
func (c *Conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// shutdown starts the end of the connection for the reason, unless it has
// started already: closing the transport makes the reader stop, and the
// reader ends the rest.
func (c *Conn) shutdown(reason error) {
	c.mu.Lock()
	first := c.stopErr == nil
	if first {
		c.stopErr = reason
	}
	c.mu.Unlock()
	if first {
		_ = c.t.close()
	}
}

// stopped counts down the goroutines, and closes done after the last.
func (c *Conn) stopped() {
	if c.running.Add(-1) == 0 {
		close(c.done)
	}
}

func (c *Conn) readLoop() {
	defer c.stopped()
	// One buffer for every message: decodeMessage copies what it keeps.
	var buf bytes.Buffer
	for {
		data, err := c.t.readMessage(&buf)
		if err != nil {
			c.end(err)
			return
		}
		m, err := decodeMessage(data)
		if err != nil {
			c.shutdown(fmt.Errorf("malformed message from Chrome: %w", err))
			continue // the next read fails, as the transport is closed
		}
		if m.ID != 0 {
			c.deliverReply(m)
		} else if m.Method != "" {
			c.deliverEvent(m)
		}
	}
}

// end fails every pending call and ends every subscription and the event
// queue. readErr is the error of the read that failed.
func (c *Conn) end(readErr error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reason := c.stopErr
	if reason == nil {
		reason = readErr
		c.stopErr = readErr
	}
	if errors.Is(reason, ErrClosed) {
		c.err = ErrClosed
	} else {
		c.err = fmt.Errorf("%w: %w", ErrConnectionLost, reason)
	}
	for id, p := range c.pending {
		p.reply <- reply{err: fmt.Errorf("%s: %w", p.method, c.err)}
		delete(c.pending, id)
	}
	for key, set := range c.subs {
		for s := range set {
			s.queue.close()
		}
		delete(c.subs, key)
	}
	if c.events != nil {
		c.events.close()
	}
	close(c.dead)
	_ = c.t.close()
}

func (c *Conn) deliverReply(m message) {
	c.mu.Lock()
	p := c.pending[m.ID]
	delete(c.pending, m.ID)
	c.mu.Unlock()
	if p == nil {
		return // its caller gave up
	}
	if m.Error != nil {
		e := *m.Error
		e.Method = p.method
		p.reply <- reply{err: &e}
		return
	}
	result := m.Result
	if len(result) == 0 {
		result = jsonv2.Value("{}")
	}
	p.reply <- reply{result: result}
}

func (c *Conn) deliverEvent(m message) {
	params := m.Params
	if len(params) == 0 {
		params = jsonv2.Value("{}")
	}
	if m.Method == "Target.detachedFromTarget" {
		c.detached(params)
	}
	// The subscriptions' copies are made before the callback may have the
	// event, and handed over after it is queued for the callback: a
	// subscriber that has an event knows that Sync waits for it.
	var copies []subCopy
	c.mu.Lock()
	for s := range c.subs[subKey{m.SessionID, m.Method}] {
		copies = append(copies, subCopy{s, params.Clone()})
	}
	c.mu.Unlock()
	if c.events != nil {
		c.events.push(Event{SessionID: m.SessionID, Method: m.Method, Params: params})
	}
	for _, sc := range copies {
		sc.sub.queue.push(sc.params)
	}
}

// subCopy is a subscription's copy of an event's params.
type subCopy struct {
	sub    *subscription
	params jsonv2.Value
}

// detached fails the calls that wait on a session that Chrome detached, as
// they get no reply, and ends the subscriptions of the session.
func (c *Conn) detached(params jsonv2.Value) {
	var ev struct {
		SessionID string `json:"sessionId"`
	}
	if err := jsonv2.Unmarshal(params, &ev); err != nil || ev.SessionID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, p := range c.pending {
		if p.session == ev.SessionID {
			p.reply <- reply{err: fmt.Errorf("%s: %w (session %s)", p.method, ErrSessionDetached, ev.SessionID)}
			delete(c.pending, id)
		}
	}
	for key, set := range c.subs {
		if key.session == ev.SessionID {
			for s := range set {
				s.queue.close()
			}
			delete(c.subs, key)
		}
	}
}

func (c *Conn) writeLoop() {
	defer c.stopped()
	for {
		select {
		case data := <-c.sendq:
			// On a websocket, data fits the write buffer, so it goes out
			// as one frame.
			if err := c.t.writeMessage(data); err != nil {
				c.shutdown(fmt.Errorf("writing to Chrome: %w", err))
				return
			}
		case <-c.dead:
			return
		}
	}
}

func (c *Conn) dispatchLoop() {
	defer c.stopped()
	for {
		ev, ok := c.events.pop(nil)
		if !ok {
			return
		}
		if ev.synced != nil {
			close(ev.synced)
			continue
		}
		c.onEvent(ev)
	}
}

// Sync waits until the OnEvent callback has returned for every event read
// before Sync was called. A subscription hears of an event before the
// callback does: after Sync, what the callback made of the events up to
// one a subscription has seen is in place. Without OnEvent it returns at
// once.
func (c *Conn) Sync(ctx context.Context) error {
	if c.events == nil {
		return nil
	}
	done := make(chan struct{})
	if !c.events.push(Event{synced: done}) {
		return c.closedErr()
	}
	select {
	case <-done:
		return nil
	case <-c.dead:
		return c.closedErr()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closedErr is why the connection ended.
func (c *Conn) closedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return errors.New("the connection to Chrome is closed")
	}
	return fmt.Errorf("the connection to Chrome ended: %w", c.err)
}
