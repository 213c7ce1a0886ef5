package capture

import (
	"fmt"
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// The answers to the query methods. The worker gives them from the live
// capture; readers whose worker is gone give the same answers from a
// capture restored from the session's file.

// Peek answers session/peek.
func (c *Capture) Peek(p protocol.PeekParams) protocol.PeekResult {
	last := p.Last
	if last == 0 {
		last = protocol.DefaultPeekLast
	}
	st := c.State()
	res := protocol.PeekResult{Network: []protocol.NetworkRequest{}, Console: []protocol.ConsoleMessage{},
		Counts: st.Counts, Dropped: st.Dropped, LastSeq: st.LastSeq}
	if len(p.Kinds) == 0 || slices.Contains(p.Kinds, protocol.KindNetwork) {
		res.Network, _ = c.Requests(last, 0, nil, false)
	}
	if len(p.Kinds) == 0 || slices.Contains(p.Kinds, protocol.KindConsole) {
		res.Console, _ = c.Console(last, 0, nil)
	}
	return res
}

// NetworkList answers network/list.
func (c *Capture) NetworkList(p protocol.NetworkListParams) (protocol.NetworkListResult, error) {
	keep, err := ParseFilter(p.Filter)
	if err != nil {
		return protocol.NetworkListResult{}, rpc.InvalidParams(err.Error())
	}
	reqs, total := c.Requests(p.Last, p.Offset, keep, p.Bodies)
	return protocol.NetworkListResult{Requests: reqs, Total: total}, nil
}

// NetworkGet answers network/get.
func (c *Capture) NetworkGet(p protocol.NetworkGetParams) (protocol.NetworkGetResult, error) {
	r, ok := c.Request(p.RequestID, p.Body)
	if !ok {
		return protocol.NetworkGetResult{}, protocol.NewError(protocol.KindNotFound,
			fmt.Sprintf("no request %q in session %q", p.RequestID, c.opts.Session),
			"list the requests with their ids: bdg-rpc network list")
	}
	return protocol.NetworkGetResult{Request: r}, nil
}

// ConsoleList answers console/list.
func (c *Capture) ConsoleList(p protocol.ConsoleListParams) protocol.ConsoleListResult {
	msgs, total := c.Console(p.Last, p.Offset, p.Levels)
	return protocol.ConsoleListResult{Messages: msgs, Total: total}
}

// Restore rebuilds a capture from a session document (session.json or
// session.partial.json), so that a session without a worker answers
// queries as it did when it ran. The stores keep all the document holds.
func Restore(out protocol.Output) *Capture {
	c := New(Options{
		Session:     out.Session,
		MaxRequests: max(len(out.Data.Network), 1),
		MaxConsole:  max(len(out.Data.Console), 1),
		JournalSize: 1,
	})
	for i := range out.Data.Network {
		r := out.Data.Network[i]
		s := &slot{rec: &r}
		c.network.byID[r.RequestID] = s
		c.network.order.push(s)
	}
	for i := range out.Data.Console {
		m := out.Data.Console[i]
		c.console.push(&m)
	}
	c.dropped = out.Dropped
	c.journal.last = out.LastSeq
	if n := len(out.Navigations); n > 0 {
		c.navigation = out.Navigations[n-1]
		c.navs = slices.Clone(out.Navigations)
	}
	c.ended = true
	return c
}
