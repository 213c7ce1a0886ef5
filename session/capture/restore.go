package capture

import (
	"slices"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Restore rebuilds a capture from a session document (session.json or
// session.partial.json), so that a session without a worker answers
// queries as it did when it ran. The stores keep all the document holds,
// whatever their budgets.
func Restore(out protocol.Output) *Capture {
	c := New(Options{
		Session:     out.Session,
		MaxRequests: max(len(out.Data.Network), 1),
		MaxConsole:  max(len(out.Data.Console), 1),
		JournalSize: 1,
	})
	for i := range out.Data.Network {
		r := out.Data.Network[i]
		s := &slot{rec: &r, reqBody: r.RequestBody, respBody: r.ResponseBody}
		for i := range r.Frames {
			s.frames = append(s.frames, &r.Frames[i])
		}
		for i := range r.Messages {
			s.messages = append(s.messages, &r.Messages[i])
		}
		r.RequestBody, r.ResponseBody, r.Frames, r.Messages = "", "", nil, nil
		c.nextOrd++
		s.ord = c.nextOrd
		c.network.byID[r.RequestID] = s
		c.network.order.push(s)
	}
	for i := range out.Data.Console {
		m := out.Data.Console[i]
		c.console.push(&m)
		c.indexConsole(&m)
	}
	c.dropped = out.Dropped
	// The file does not say what the drops were: every list counts them.
	c.droppedConsole.other, c.droppedNetwork.other = out.Dropped.Console, out.Dropped.Network
	c.journal.last = out.LastSeq
	c.journal.first = max(1, out.LastSeq)
	c.navs = slices.Clone(out.Navigations)
	for _, n := range out.Navigations {
		if n.Target == nil { // the page's, not a popup's
			c.navigation = n
		}
		c.navSeq = max(c.navSeq, n.ID)
	}
	for _, t := range out.Targets {
		if t.Ended == 0 {
			c.targets.live[t.ID] = &t
			c.targets.liveCount[t.Type]++
		} else {
			c.targets.ended = append(c.targets.ended, t)
			c.targets.endedCount[t.Type]++
		}
	}
	c.ended = true
	return c
}
