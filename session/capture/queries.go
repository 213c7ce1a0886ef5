package capture

import (
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// held is a request as a query takes it, under the lock: its record and
// its bodies.
type held struct {
	rec               *protocol.NetworkRequest
	reqBody, respBody string
	frames            []*protocol.WebSocketFrame
	messages          []*protocol.EventSourceMessage
}

func holding(s *slot) held {
	return held{s.rec, s.reqBody, s.respBody, slices.Clip(s.frames), slices.Clip(s.messages)}
}

// bare reports whether the request has nothing beside its record.
func (h held) bare() bool {
	return h.reqBody == "" && h.respBody == "" && len(h.frames) == 0 && len(h.messages) == 0
}

// request returns the request with its post data, and with its response
// body when asked: events carry neither, lists the post data (the list's
// bodies param adds the response bodies), network/get both.
func (h held) request(withResponse bool) protocol.NetworkRequest {
	r := *h.rec
	r.RequestBody = h.reqBody
	if withResponse {
		r.ResponseBody = h.respBody
		for _, f := range h.frames {
			r.Frames = append(r.Frames, *f)
		}
		for _, m := range h.messages {
			r.Messages = append(r.Messages, *m)
		}
	}
	return r
}

// State is a snapshot of the counters, for session/status.
type State struct {
	Counts     protocol.Counts
	Dropped    protocol.Counts
	LastSeq    uint64
	Navigation protocol.Navigation
	// Targets and TargetsEnded count the targets followed now and
	// those that went, by type.
	Targets, TargetsEnded map[string]int
}

// State returns the current counters.
func (c *Capture) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

// Navigation returns the page's current navigation: the one whose id the
// records made now carry.
func (c *Capture) Navigation() protocol.Navigation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.navigation
}

func (c *Capture) stateLocked() State {
	st := State{
		Counts:     protocol.Counts{Network: c.networkCount(), Console: c.consoleCount()},
		Dropped:    c.dropped,
		LastSeq:    c.journal.last,
		Navigation: c.navigation,
	}
	st.Targets, st.TargetsEnded = c.targetCounts()
	return st
}

// NetworkFilter selects requests; nil selects all.
type NetworkFilter func(*protocol.NetworkRequest) bool

// Requests returns up to last of the newest requests that keep selects,
// after skipping offset of them, oldest first, with their bodies if asked;
// and how many matched in all.
func (c *Capture) Requests(last, offset int, keep NetworkFilter, bodies bool) ([]protocol.NetworkRequest, int, error) {
	res, err := c.NetworkList(Scope{}, keep, "", Page{Last: last, Offset: offset}, bodies)
	return res.Items, res.Matched, err
}

// Request returns one request, with its post data, and its response body
// if asked; the error is that of the disk, for a cold one.
func (c *Capture) Request(id string, body bool) (protocol.NetworkRequest, bool, error) {
	c.mu.Lock()
	s, ok := c.network.byID[id]
	var h held
	if ok {
		h = holding(s)
	}
	c.mu.Unlock()
	if !ok {
		r, found, err := c.coldRequest(id)
		if !body {
			r.ResponseBody, r.Base64Encoded, r.Frames, r.Messages = "", false, nil, nil
		}
		return r, found, err
	}
	return h.request(body), true, nil
}

// Console returns up to last of the newest console messages of the given
// levels (nil: all), after skipping offset, oldest first; and how many
// matched in all.
func (c *Capture) Console(last, offset int, levels []string) ([]protocol.ConsoleMessage, int, error) {
	res, err := c.ConsoleList(Scope{Levels: levels}, nil, "", Page{Last: last, Offset: offset})
	return res.Items, res.Matched, err
}

// ConsoleRecords calls visit with every console message the session
// holds, oldest first, the cold ones read from the journal, until visit
// returns false: for session.json, which is written without holding them
// all in memory.
func (c *Capture) ConsoleRecords(visit func(*protocol.ConsoleMessage) bool) error {
	return c.consoleScan(&Scope{}, nil, 0, false, 0, visit)
}

// Snapshot is what was captured, for session.json and its partial twin.
// The records are shared, not copied (they never change), but for those
// with bodies, which are copies with the bodies in. Console holds the hot
// console messages, the newest: every one unless the older are cold in
// the journal (Cold says so), which ConsoleRecords reads.
type Snapshot struct {
	State
	Network []*protocol.NetworkRequest // with bodies
	Console []*protocol.ConsoleMessage
	Cold    bool // older console messages are in the journal only
	// ColdNetwork says Network holds only the hot requests: the others
	// are on disk, which NetworkRecords reads.
	ColdNetwork bool
	Navigations []protocol.Navigation
	Targets     []protocol.TargetState
}

// Snapshot takes what has been captured. The lock is held only to copy
// pointers.
func (c *Capture) Snapshot() Snapshot {
	c.mu.Lock()
	slots, _ := c.network.order.last(0, 0, nil)
	hs := make([]held, len(slots))
	for i, s := range slots {
		hs[i] = holding(s)
	}
	msgs, _ := c.console.last(0, 0, nil)
	snap := Snapshot{State: c.stateLocked(), Console: msgs, Navigations: slices.Clone(c.navs), Targets: c.targetStates(),
		Cold: len(msgs) < c.consoleCount(), ColdNetwork: c.ncold.refs.len() > 0}
	c.mu.Unlock()
	snap.Network = make([]*protocol.NetworkRequest, len(hs))
	for i, h := range hs {
		if h.bare() {
			snap.Network[i] = h.rec
			continue
		}
		r := h.request(true)
		snap.Network[i] = &r
	}
	return snap
}

// InFlight counts the requests the capture holds that have not finished
// or failed, WebSockets and EventSources aside (they stay open by design).
func (c *Capture) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.network.byID {
		r := s.rec
		if (r.State == protocol.StatePending || r.State == protocol.StateResponded) &&
			r.ResourceType != protocol.ResourceWebSocket && r.ResourceType != "EventSource" { // Chrome's resourceType
			n++
		}
	}
	return n
}
