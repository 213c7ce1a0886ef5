package browser

import (
	"context"
	"fmt"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// Session is one CDP session on a connection: the browser session, or a
// target that the connection attached to with flatten: true. It implements
// cdp.Session, so the typed API of cdproto works on it:
//
//	res, err := cdp.Call(ctx, sess, page.Navigate, page.NavigateParams{URL: u})
//	for ev, err := range cdp.Events(ctx, sess, runtime.ConsoleAPICalled) { ... }
type Session struct {
	conn *Conn
	id   string
}

var _ cdp.Session = (*Session)(nil)

// ID returns the session id; "" for the browser session, or for the page of a
// connection to a page endpoint.
func (s *Session) ID() string { return s.id }

// Conn returns the connection of the session.
func (s *Session) Conn() *Conn { return s.conn }

// Call sends the command method with params, and decodes the result into
// result, which may be nil. params may be nil, a struct or map that encodes as
// a JSON object, or JSON text as jsonv2.Value or []byte. An error reply from
// Chrome is a *CDPError; a broken connection gives an error that wraps
// ErrConnectionLost; the end of ctx gives an error that wraps ctx.Err().
func (s *Session) Call(ctx context.Context, method string, params, result any) error {
	p, err := marshalParams(params)
	if err != nil {
		return fmt.Errorf("%s: encoding params: %w", method, err)
	}
	res, err := s.conn.call(ctx, s.id, method, p)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := jsonv2.Unmarshal(res, result, lenient); err != nil {
		return fmt.Errorf("%s: decoding result: %w", method, err)
	}
	return nil
}

// Command is one command of a Batch: a method and its params (as for Call),
// and where to decode its result, which may be nil.
type Command struct {
	Method string
	Params any
	Result any
}

// Batch sends the commands one after the other without waiting for replies,
// so that Chrome gets them in this order at once, and then waits for every
// reply. It returns one error per command, nil where it succeeded.
//
// It is how a target that waits for the debugger is made ready: the enables
// and then Runtime.runIfWaitingForDebugger, in one go. Awaited one by one,
// some of them never answer while the target waits (Network.enable on a
// service worker, measured on Chrome 156).
func (s *Session) Batch(ctx context.Context, cmds ...Command) []error {
	type sent struct {
		id int64
		p  *pendingCall
	}
	errs := make([]error, len(cmds))
	pend := make([]sent, len(cmds))
	for i, cmd := range cmds {
		params, err := marshalParams(cmd.Params)
		if err != nil {
			errs[i] = fmt.Errorf("%s: encoding params: %w", cmd.Method, err)
			continue
		}
		pend[i].id, pend[i].p, errs[i] = s.conn.send(ctx, s.id, cmd.Method, params)
	}
	for i, cmd := range cmds {
		if pend[i].p == nil {
			continue
		}
		res, err := s.conn.await(ctx, pend[i].id, pend[i].p)
		switch {
		case err != nil:
			errs[i] = err
		case cmd.Result != nil:
			if err := jsonv2.Unmarshal(res, cmd.Result, lenient); err != nil {
				errs[i] = fmt.Errorf("%s: decoding result: %w", cmd.Method, err)
			}
		}
	}
	return errs
}

// CallRaw is Conn.CallRaw on this session.
func (s *Session) CallRaw(ctx context.Context, method string, params jsonv2.Value) (jsonv2.Value, error) {
	return s.conn.CallRaw(ctx, s.id, method, params)
}

// Subscribe returns a channel with the params of every event of the method on
// this session, from the moment Subscribe returns, and a func that ends the
// subscription. The buffer of the channel has no limit, so a slow reader never
// holds up the connection; a reader that stops reading must call cancel. When
// the connection ends, or Chrome detaches the session, the channel gives the
// events that it holds and then closes. cancel closes it at once; it is safe to
// call more than once.
func (s *Session) Subscribe(method string) (<-chan jsonv2.Value, func()) {
	return s.conn.subscribe(s.id, method)
}

// subscription is a channel of events with a queue that has no limit, and the
// goroutine that moves events from the queue to the channel.
type subscription struct {
	queue    *fifo[jsonv2.Value]
	out      chan jsonv2.Value
	stop     chan struct{}
	stopOnce sync.Once
}

func (c *Conn) subscribe(session, method string) (<-chan jsonv2.Value, func()) {
	s := &subscription{
		queue: newFIFO[jsonv2.Value](),
		out:   make(chan jsonv2.Value),
		stop:  make(chan struct{}),
	}
	key := subKey{session, method}
	c.mu.Lock()
	if c.err != nil {
		s.queue.close() // the connection has ended: the channel closes at once
	} else {
		set := c.subs[key]
		if set == nil {
			set = make(map[*subscription]struct{})
			c.subs[key] = set
		}
		set[s] = struct{}{}
	}
	c.mu.Unlock()
	go s.pump()
	cancel := func() {
		c.mu.Lock()
		if set := c.subs[key]; set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(c.subs, key)
			}
		}
		c.mu.Unlock()
		s.stopOnce.Do(func() { close(s.stop) })
	}
	return s.out, cancel
}

// pump runs until the queue ends or the subscription is cancelled.
func (s *subscription) pump() {
	defer close(s.out)
	for {
		v, ok := s.queue.pop(s.stop)
		if !ok {
			return
		}
		select {
		case s.out <- v:
		case <-s.stop:
			return
		}
	}
}
