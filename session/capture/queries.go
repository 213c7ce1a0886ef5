package capture

import (
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// withoutBody returns r without its response body: bodies travel only when
// asked for.
func withoutBody(r *protocol.NetworkRequest) protocol.NetworkRequest {
	v := *r
	v.ResponseBody = ""
	return v
}

// State is a snapshot of the counters, for session/status.
type State struct {
	Counts     protocol.Counts
	Dropped    protocol.Counts
	LastSeq    uint64
	Navigation protocol.Navigation
}

// State returns the current counters.
func (c *Capture) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Capture) stateLocked() State {
	return State{
		Counts:     protocol.Counts{Network: c.network.order.len(), Console: c.console.len()},
		Dropped:    c.dropped,
		LastSeq:    c.journal.last,
		Navigation: c.navigation,
	}
}

// NetworkFilter selects requests; nil selects all.
type NetworkFilter func(*protocol.NetworkRequest) bool

// Requests returns up to last of the newest requests that keep selects,
// after skipping offset of them, oldest first, with their bodies if asked;
// and how many matched in all.
func (c *Capture) Requests(last, offset int, keep NetworkFilter, bodies bool) ([]protocol.NetworkRequest, int) {
	c.mu.Lock()
	slots, total := c.network.order.last(last, offset, func(s *slot) bool { return keep == nil || keep(s.rec) })
	recs := make([]*protocol.NetworkRequest, len(slots))
	for i, s := range slots {
		recs[i] = s.rec
	}
	c.mu.Unlock()
	out := make([]protocol.NetworkRequest, len(recs))
	for i, r := range recs {
		if bodies {
			out[i] = *r
		} else {
			out[i] = withoutBody(r)
		}
	}
	return out, total
}

// Request returns one request, with its body if asked.
func (c *Capture) Request(id string, body bool) (protocol.NetworkRequest, bool) {
	c.mu.Lock()
	s, ok := c.network.byID[id]
	c.mu.Unlock()
	if !ok {
		return protocol.NetworkRequest{}, false
	}
	if body {
		return *s.rec, true
	}
	return withoutBody(s.rec), true
}

// Console returns up to last of the newest console messages of the given
// levels (nil: all), after skipping offset, oldest first; and how many
// matched in all.
func (c *Capture) Console(last, offset int, levels []string) ([]protocol.ConsoleMessage, int) {
	c.mu.Lock()
	msgs, total := c.console.last(last, offset, func(m *protocol.ConsoleMessage) bool {
		return len(levels) == 0 || slices.Contains(levels, m.Level)
	})
	c.mu.Unlock()
	out := make([]protocol.ConsoleMessage, len(msgs))
	for i, m := range msgs {
		out[i] = *m
	}
	return out, total
}

// Snapshot is everything captured, for session.json and its partial twin.
// The records are shared, not copied: they never change.
type Snapshot struct {
	State
	Network     []*protocol.NetworkRequest // with bodies
	Console     []*protocol.ConsoleMessage
	Navigations []protocol.Navigation
}

// Snapshot takes what has been captured. The lock is held only to copy
// pointers.
func (c *Capture) Snapshot() Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	slots, _ := c.network.order.last(0, 0, nil)
	recs := make([]*protocol.NetworkRequest, len(slots))
	for i, s := range slots {
		recs[i] = s.rec
	}
	msgs, _ := c.console.last(0, 0, nil)
	return Snapshot{State: c.stateLocked(), Network: recs, Console: msgs, Navigations: slices.Clone(c.navs)}
}
