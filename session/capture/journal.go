package capture

import (
	"context"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
)

// entry is one event in the journal: its seq, its notification method and
// the immutable record (or event) it carries.
type entry struct {
	seq     uint64
	method  string
	payload any   // *protocol.ConsoleMessage, *protocol.NetworkRequest, protocol.Navigation, *protocol.EndedEvent
	size    int64 // what the payload counts against the journal's bytes
}

// journal retains the newest events for subscribers to follow and replay:
// at most size events, and as many of the newest as fit in maxBytes (the
// newest always). Records evicted from the stores live on in the events
// that carry them until these leave the journal, so the journal has a byte
// budget of its own.
type journal struct {
	entries  []entry // seq s is at (s-1) % size; grows up to size
	size     uint64
	first    uint64 // seq of the oldest retained event
	last     uint64 // seq of the newest event; 0 before the first
	bytes    int64  // sizes of the retained events
	maxBytes int64
	subs     map[*Subscription]struct{}
}

func newJournal(size int, maxBytes int64) journal {
	return journal{size: uint64(size), first: 1, maxBytes: maxBytes, subs: map[*Subscription]struct{}{}}
}

// oldest returns the seq of the oldest retained event.
func (j *journal) oldest() uint64 { return j.first }

// append adds an event of the given size and wakes the subscribers. The
// caller holds c.mu.
func (j *journal) append(method string, payload any, size int64) uint64 {
	j.last++
	e := entry{seq: j.last, method: method, payload: payload, size: size}
	if uint64(len(j.entries)) < j.size {
		j.entries = append(j.entries, e)
	} else {
		i := (j.last - 1) % j.size
		if old := j.entries[i].seq; old >= j.first { // still retained: it goes now
			j.bytes -= j.entries[i].size
			j.first = old + 1
		}
		j.entries[i] = e
	}
	j.bytes += size
	for j.bytes > j.maxBytes && j.first < j.last {
		i := (j.first - 1) % j.size
		j.bytes -= j.entries[i].size
		j.entries[i] = entry{seq: j.first} // let the record go
		j.first++
	}
	for s := range j.subs {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return j.last
}

func (j *journal) at(seq uint64) entry {
	return j.entries[(seq-1)%j.size]
}

// encode renders the entry as a complete notification line.
func (e entry) encode(session string) ([]byte, error) {
	switch p := e.payload.(type) {
	case *protocol.ConsoleMessage:
		return wire.Console(make([]byte, 0, 256+len(p.Text)+len(p.Stack)), session, e.seq, p)
	case *protocol.NetworkRequest:
		return wire.Network(nil, e.method, session, e.seq, p)
	case protocol.Navigation:
		return wire.Navigated(nil, session, e.seq, p)
	case *protocol.WebSocketFrame:
		return wire.Frame(nil, session, e.seq, p)
	case *protocol.EventSourceMessage:
		return wire.EventSource(nil, session, e.seq, p)
	case *targetEvent:
		return p.encode(e.method, session, e.seq)
	case *protocol.EndedEvent:
		ev := *p
		ev.Session, ev.Seq = session, e.seq
		return wire.Ended(nil, ev)
	}
	return nil, fmt.Errorf("no wire format for a %T", e.payload)
}

// Subscription follows the journal from a seq on.
type Subscription struct {
	c      *Capture
	next   uint64
	wake   chan struct{}
	closed bool
	own    bool // the worker's own (its journal's writer), not a client
}

// Subscribe starts a subscription. With since, the retained events after it
// come first; without it, only events from now on.
func (c *Capture) Subscribe(since *uint64) (*Subscription, protocol.SubscribeResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &Subscription{c: c, next: c.journal.last + 1, wake: make(chan struct{}, 1)}
	if since != nil {
		s.next = *since + 1
	}
	c.journal.subs[s] = struct{}{}
	return s, protocol.SubscribeResult{LastSeq: c.journal.last, OldestSeq: c.journal.oldest()}
}

// Subscribers counts the subscriptions.
func (c *Capture) Subscribers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for s := range c.journal.subs {
		if !s.own {
			n++
		}
	}
	return n
}

// Own marks the subscription as the worker's own: Subscribers, which
// counts the clients, leaves it out.
func (s *Subscription) Own() {
	s.c.mu.Lock()
	s.own = true
	s.c.mu.Unlock()
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	delete(s.c.journal.subs, s)
	s.closed = true
}

// Batch is what Next delivers: notification lines in seq order, preceded
// by an events/dropped line when the subscriber fell behind the journal.
type Batch struct {
	Lines   [][]byte
	LastSeq uint64 // seq of the last event in Lines
	Ended   bool   // Lines ends with session/ended: nothing follows
}

// Next waits for events after the subscription's position and returns up to
// max of them, encoded, advancing the position. It returns ctx's error when
// ctx ends first.
func (s *Subscription) Next(ctx context.Context, max int) (Batch, error) {
	for {
		s.c.mu.Lock()
		j := &s.c.journal
		var b Batch
		if oldest := j.oldest(); s.next < oldest && j.last > 0 {
			line, err := wire.Dropped(nil, protocol.DroppedEvent{
				Session: s.c.opts.Session, Count: oldest - s.next, FromSeq: s.next, ToSeq: oldest - 1,
			})
			if err == nil {
				b.Lines = append(b.Lines, line)
			}
			s.next = oldest
		}
		var batch []entry
		for s.next <= j.last && len(batch) < max {
			batch = append(batch, j.at(s.next))
			s.next++
		}
		s.c.mu.Unlock()

		for _, e := range batch {
			line, err := e.encode(s.c.opts.Session)
			if err != nil {
				s.c.opts.Logger.Error("encoding an event", "seq", e.seq, "error", err)
				continue
			}
			b.Lines = append(b.Lines, line)
			b.LastSeq = e.seq
			if e.method == protocol.NotifyEnded {
				b.Ended = true
			}
		}
		if len(b.Lines) > 0 {
			return b, nil
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return Batch{}, ctx.Err()
		}
	}
}
