package capture

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
)

// entry is one event in the journal: its seq, its notification method and
// the immutable record (or event) it carries.
type entry struct {
	payload any   // *protocol.ConsoleMessage, *protocol.NetworkRequest, protocol.Navigation, *protocol.EndedEvent
	size    int32 // what the payload counts against the journal's bytes
	method  uint8 // in eventMethods
}

// eventMethods are the notifications an entry can be, numbered for the
// entries (24 bytes each, 80,000 of them).
var eventMethods = [...]string{
	protocol.NotifyConsole, protocol.NotifyRequest, protocol.NotifyResponse, protocol.NotifyFinished,
	protocol.NotifyFailed, protocol.NotifyWebSocket, protocol.NotifyNavigated, protocol.NotifyFrame,
	protocol.NotifyEventSource, protocol.NotifyAttached, protocol.NotifyDetached, protocol.NotifyEnded,
}

// methodCode numbers a notification method; it panics on one that is not
// an event's, a bug of the capture.
func methodCode(method string) uint8 {
	for i, m := range eventMethods {
		if m == method {
			return uint8(i)
		}
	}
	panic("capture: no event method " + method)
}

func (e entry) methodName() string { return eventMethods[e.method] }

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
	size = min(size, math.MaxInt32)
	e := entry{method: methodCode(method), payload: payload, size: int32(size)}
	if uint64(len(j.entries)) < j.size {
		j.entries = append(j.entries, e)
	} else {
		i := (j.last - 1) % j.size
		if old := j.last - j.size; old >= j.first { // still retained: it goes now
			j.bytes -= int64(j.entries[i].size)
			j.first = old + 1
		}
		j.entries[i] = e
	}
	j.bytes += size
	for j.bytes > j.maxBytes && j.first < j.last {
		i := (j.first - 1) % j.size
		j.bytes -= int64(j.entries[i].size)
		j.entries[i] = entry{} // let the record go
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

// encode renders the entry, of seq, as a complete notification line.
func (e entry) encode(session string, seq uint64) ([]byte, error) {
	switch p := e.payload.(type) {
	case *protocol.ConsoleMessage:
		return wire.Console(make([]byte, 0, 256+len(p.Text)+len(p.Stack)), session, seq, p)
	case *protocol.NetworkRequest:
		return wire.Network(nil, e.methodName(), session, seq, p)
	case protocol.Navigation:
		return wire.Navigated(nil, session, seq, p)
	case *protocol.WebSocketFrame:
		return wire.Frame(nil, session, seq, p)
	case *protocol.EventSourceMessage:
		return wire.EventSource(nil, session, seq, p)
	case *targetEvent:
		return p.encode(e.methodName(), session, seq)
	case *protocol.EndedEvent:
		ev := *p
		ev.Session, ev.Seq = session, seq
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
	oldest := c.journal.oldest()
	if c.cindex.cold != nil {
		if n := c.cindex.cold.Oldest(); n != 0 {
			oldest = min(oldest, n)
		}
	}
	return s, protocol.SubscribeResult{LastSeq: c.journal.last, OldestSeq: oldest}
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

// With the session's journal on disk, the replay ring keeps in memory only
// the newest events, once the journal holds them: a subscriber further
// behind (a since from long ago, a client that lagged) reads the journal,
// which holds each event as the very line Next would send.
const (
	hotEvents     = 10_000
	hotEventBytes = 16 << 20
)

// releaseEvents lets go of the replay ring's oldest events that the
// journal holds, past the newest hotEvents and hotEventBytes. It stops at
// an event the journal lost: from there the ring's own bounds apply. The
// caller holds c.mu.
func (c *Capture) releaseEvents() {
	j, x := &c.journal, &c.cindex
	for j.first <= x.durable && j.first < j.last && !x.lostSeq(j.first) &&
		(j.last-j.first+1 > hotEvents || j.bytes > hotEventBytes) {
		i := (j.first - 1) % j.size
		j.bytes -= int64(j.entries[i].size)
		j.entries[i] = entry{}
		j.first++
	}
}

// canReadCold reports whether the subscription, behind the replay ring,
// can read its next events from the journal. The caller holds c.mu.
func (s *Subscription) canReadCold() bool {
	x := &s.c.cindex
	return x.cold != nil && !s.own && s.next <= x.durable
}

// readCold reads the subscription's next events, up to until and max of
// them, from the journal. A gap (events the journal lost, or deleted with
// its oldest segments) is said with events/dropped, as at most the first
// line of a batch. A journal that cannot be read is logged, and what it
// should have given is said lost.
func (s *Subscription) readCold(cold ColdReader, from, until uint64, max int) Batch {
	var b Batch
	next := from
	skip := func(to uint64) bool {
		if len(b.Lines) > 0 {
			return false
		}
		line, err := wire.Dropped(nil, protocol.DroppedEvent{Session: s.c.opts.Session, Count: to - next + 1, FromSeq: next, ToSeq: to})
		if err == nil {
			b.Lines = append(b.Lines, line)
			b.Seqs = append(b.Seqs, 0)
		}
		b.Skipped = [2]uint64{next, to}
		next = to + 1
		return true
	}
	err := cold.Read(from, max, func(n uint64, rec []byte) bool {
		if n > until {
			return false
		}
		if n != next && !skip(n-1) {
			return false
		}
		b.Lines = append(b.Lines, bytes.Clone(rec))
		b.Seqs = append(b.Seqs, n)
		b.LastSeq = n
		next = n + 1
		return len(b.Lines) < max
	})
	if err != nil {
		s.c.opts.Logger.Error("reading events from the session's journal", "from", next, "error", err)
	}
	if len(b.Lines) == 0 || err != nil && next <= until {
		skip(until)
	}
	s.next = next
	return b
}

// Batch is what Next delivers: notification lines in seq order, preceded
// by an events/dropped line when the subscriber fell behind the journal.
type Batch struct {
	Lines   [][]byte
	Seqs    []uint64 // the seq of each line; 0 for events/dropped
	LastSeq uint64   // seq of the last event in Lines
	Ended   bool     // Lines ends with session/ended: nothing follows
	// Skipped is the range of seqs that events/dropped says were lost to
	// this subscriber, if any.
	Skipped [2]uint64
}

// Next waits for events after the subscription's position and returns up to
// max of them, encoded, advancing the position. It returns ctx's error when
// ctx ends first.
func (s *Subscription) Next(ctx context.Context, max int) (Batch, error) {
	for {
		s.c.mu.Lock()
		j := &s.c.journal
		var b Batch
		if oldest := j.oldest(); s.next < oldest && j.last > 0 && s.canReadCold() {
			from, until, cold := s.next, min(oldest-1, s.c.cindex.durable), s.c.cindex.cold
			s.c.mu.Unlock()
			b := s.readCold(cold, from, until, max)
			if len(b.Lines) > 0 {
				return b, nil
			}
			continue
		}
		if oldest := j.oldest(); s.next < oldest && j.last > 0 {
			line, err := wire.Dropped(nil, protocol.DroppedEvent{
				Session: s.c.opts.Session, Count: oldest - s.next, FromSeq: s.next, ToSeq: oldest - 1,
			})
			if err == nil {
				b.Lines = append(b.Lines, line)
				b.Seqs = append(b.Seqs, 0)
			}
			b.Skipped = [2]uint64{s.next, oldest - 1}
			s.next = oldest
		}
		from := s.next
		var batch []entry
		for s.next <= j.last && len(batch) < max {
			batch = append(batch, j.at(s.next))
			s.next++
		}
		s.c.mu.Unlock()

		for k, e := range batch {
			seq := from + uint64(k)
			line, err := e.encode(s.c.opts.Session, seq)
			if err != nil {
				s.c.opts.Logger.Error("encoding an event", "seq", seq, "error", err)
				continue
			}
			b.Lines = append(b.Lines, line)
			b.Seqs = append(b.Seqs, seq)
			b.LastSeq = seq
			if e.methodName() == protocol.NotifyEnded {
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
