package capture

import (
	"maps"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
)

// Bounds of the targets a capture keeps track of.
const (
	// DefaultMaxTargets is how many targets of the page a session follows
	// at once: a page that makes more workers or popups than this has the
	// rest left alone, counted in dropped.targets.
	DefaultMaxTargets = 256
	// maxEndedTargets is how many targets that went are remembered, for
	// session.json; the counts stay exact.
	maxEndedTargets = 1000
)

// targetEvent is a target/attached or target/detached event in the journal.
type targetEvent struct {
	ref    protocol.TargetRef
	reason string
}

func (e *targetEvent) encode(method, session string, seq uint64) ([]byte, error) {
	return wire.Target(nil, method, session, seq, e.ref, e.reason)
}

// targetSet keeps the targets of the page: those followed now, and the
// latest of those that went.
type targetSet struct {
	live  map[string]*protocol.TargetState
	ended []protocol.TargetState
	// per type
	liveCount, endedCount map[string]int
}

func newTargetSet() targetSet {
	return targetSet{live: map[string]*protocol.TargetState{}, liveCount: map[string]int{}, endedCount: map[string]int{}}
}

// TargetAttached records that the session follows a target from now on,
// and journals target/attached. It returns false, and counts the target in
// dropped.targets, when the session follows as many as it may: the caller
// then leaves the target alone. A target the capture follows already is
// not counted twice.
func (c *Capture) TargetAttached(ref *protocol.TargetRef) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	if _, ok := c.targets.live[ref.ID]; ok {
		return true
	}
	if len(c.targets.live) >= c.opts.MaxTargets {
		c.dropped.Targets++
		return false
	}
	c.targets.live[ref.ID] = &protocol.TargetState{TargetRef: *ref, Attached: c.now()}
	c.targets.liveCount[ref.Type]++
	c.journal.append(protocol.NotifyAttached, &targetEvent{ref: *ref}, targetSize(ref))
	c.changed = true
	return true
}

// TargetChanged records a target's new URL.
func (c *Capture) TargetChanged(ref *protocol.TargetRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.targets.live[ref.ID]; ok {
		t.TargetRef = *ref
		c.changed = true
	}
}

// TargetGone records that a target went, why, and journals
// target/detached; its records stay. A target it does not follow is
// ignored.
func (c *Capture) TargetGone(id, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.targets.live[id]
	if !ok || c.ended {
		return
	}
	delete(c.targets.live, id)
	delete(c.popupNavs, id)
	c.targets.liveCount[t.Type]--
	if c.targets.liveCount[t.Type] == 0 {
		delete(c.targets.liveCount, t.Type)
	}
	c.targets.endedCount[t.Type]++
	t.Ended, t.Reason = c.now(), reason
	if len(c.targets.ended) == maxEndedTargets {
		c.targets.ended = c.targets.ended[1:]
	}
	c.targets.ended = append(c.targets.ended, *t)
	c.journal.append(protocol.NotifyDetached, &targetEvent{ref: t.TargetRef, reason: reason}, targetSize(&t.TargetRef))
	c.changed = true
}

// targetCounts returns the counts of targets followed now and gone, by type.
func (c *Capture) targetCounts() (live, ended map[string]int) {
	return maps.Clone(c.targets.liveCount), maps.Clone(c.targets.endedCount)
}

// targetStates returns every target known, those that went first.
func (c *Capture) targetStates() []protocol.TargetState {
	out := make([]protocol.TargetState, 0, len(c.targets.ended)+len(c.targets.live))
	out = append(out, c.targets.ended...)
	for _, t := range c.targets.live {
		out = append(out, *t)
	}
	return out
}

func targetSize(r *protocol.TargetRef) int64 {
	return int64(64 + len(r.ID) + len(r.Type) + len(r.URL) + len(r.ParentID))
}
