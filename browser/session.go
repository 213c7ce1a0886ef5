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
