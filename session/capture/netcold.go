package capture

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"sort"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/chromedp/cdproto/cdp/jsonv2"
)

// A session keeps 200,000 requests in a few megabytes: the network store
// is in two parts.
//
//   - The hot requests (c.network.order, a ring ordered by ord, and
//     c.network.byID): every request still in flight, and the newest
//     Options.HotRequests settled ones, in full in memory, where the
//     page's events find them.
//   - The cold ones (c.ncold): settled requests that left memory, each
//     written whole (record, bodies, frames, messages) to the session's
//     blob store on disk (SetColdNetwork), with an entry of 48 bytes in
//     memory: its ord and what a list's scope tests.
//
// A request goes cold once it has settled (finished or failed), oldest
// first, passing over those still in flight, which stay hot however old.
// The two parts interleave by ord, and a list walks them merged. Without a
// blob store every request stays hot, as MaxNetworkBytes allows. Past
// MaxRequests the oldest request, hot or cold, goes, counted. Cold bodies
// still count in the budget of bodies (BodyBudget): it bounds the disk.

// BlobStore is where cold requests are written and read back
// (journal.Blobs).
type BlobStore interface {
	Append(p []byte) (int64, error)
	ReadAt(p []byte, off int64) (int, error)
}

// netRef is a cold request.
type netRef struct {
	ord  uint64
	idh  uint64 // the hash of its request id
	off  int64  // of its blob
	n    uint32 // bytes of its blob
	body uint32 // bytes of its bodies, counted in c.bodyBytes
	ts   int32  // ms after ts0, floored
	nav  uint32
	tgt  uint32 // in targets; 0: none (the page)
	typ  uint8  // resource type, in types
}

// netCold is the cold part of the network store.
type netCold struct {
	refs    chunks[netRef]
	store   BlobStore
	ts0     float64
	started bool
	types   interned[uint8]
	targets interned[uint32]
	ttypes  map[string]string
	matches matchCache // counts of a filter over the cold requests (by ord)
	failed  bool       // the store failed a write: requests stay hot
}

func newNetCold() netCold {
	return netCold{types: interned[uint8]{max: 255}, targets: interned[uint32]{max: math.MaxUint32}, ttypes: map[string]string{}}
}

// coolBatch is how many settled requests past HotRequests wait before they
// go cold together, in one write.
const coolBatch = 256

// SetColdNetwork gives the capture a blob store for the requests it lets
// go of from memory. Call it before events flow.
func (c *Capture) SetColdNetwork(s BlobStore) {
	c.mu.Lock()
	c.ncold.store = s
	c.mu.Unlock()
}

// idHash is the hash of a request id, FNV-1a of 64 bits: the hash a
// session document's index holds (session.RequestIDHash), so that
// FromDocument finds a request by id.
func idHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// settled reports whether a request will not change any more.
func settled(s *slot) bool {
	return s.rec.State == protocol.StateFinished || s.rec.State == protocol.StateFailed
}

// networkCount is how many requests the store holds.
func (c *Capture) networkCount() int { return c.ncold.refs.len() + c.network.order.len() }

// pushRequest adds a new request to the store, and keeps the store within
// MaxRequests.
func (c *Capture) pushRequest(s *slot) {
	c.nextOrd++
	s.ord = c.nextOrd
	c.network.byID[s.rec.RequestID] = s
	if evicted, ok := c.network.order.push(s); ok {
		c.evict(evicted)
	}
	for c.networkCount() > c.opts.MaxRequests && c.ncold.refs.len() > 0 {
		c.evictCold()
	}
}

// evictCold lets go of the oldest cold request, counted.
func (c *Capture) evictCold() {
	x := &c.ncold
	r := x.refs.pop()
	c.dropped.Network++
	c.droppedNetwork.add("", x.types.name(r.typ), int(r.nav), x.target(r.tgt), x.ts0+float64(r.ts))
	c.dropped.Bytes += int64(r.n)
	c.bodyBytes -= int64(r.body)
}

func (x *netCold) target(tgt uint32) *protocol.TargetRef {
	if tgt == 0 {
		return nil
	}
	id := x.targets.name(tgt)
	return &protocol.TargetRef{ID: id, Type: x.ttypes[id]}
}

// coolNetwork lets the oldest settled requests past HotRequests go cold, a
// batch at a time, in one write to the blob store. The caller holds c.mu.
func (c *Capture) coolNetwork() {
	x := &c.ncold
	hot := c.network.order.len()
	if x.store == nil || x.failed || hot < c.opts.HotRequests+coolBatch {
		return
	}
	var buf []byte
	var refs []netRef
	var gone []*slot
	want := hot - c.opts.HotRequests
	for i := 0; i < hot && len(gone) < want; i++ {
		s := c.network.order.at(i)
		if !settled(s) {
			continue
		}
		r := holding(s).request(true)
		b, err := json.Marshal(&r)
		if err != nil {
			continue // stays hot
		}
		ref := x.ref(&r, s.ord)
		ref.off, ref.n, ref.body = int64(len(buf)), uint32(len(b)), uint32(s.bodyBytes)
		buf = append(buf, b...)
		refs = append(refs, ref)
		gone = append(gone, s)
	}
	if len(gone) == 0 {
		return
	}
	base, err := x.store.Append(buf)
	if err != nil {
		x.failed = true
		c.opts.Logger.Error("the requests cannot be written to the disk; they stay in memory", "error", err)
		return
	}
	// The hot ring without them, in order; the cold part with them, in
	// order: each one's ord is past those cold before it.
	isGone := make(map[*slot]bool, len(gone))
	for i, s := range gone {
		isGone[s] = true
		refs[i].off += base
		if c.network.byID[s.rec.RequestID] == s {
			delete(c.network.byID, s.rec.RequestID)
		}
		c.networkBytes -= s.size
	}
	kept := newRing[*slot](c.opts.MaxRequests)
	for i := range hot {
		if s := c.network.order.at(i); !isGone[s] {
			kept.push(s)
		}
	}
	c.network.order = kept
	for _, r := range refs {
		x.refs.push(r)
	}
}

// ref makes the cold entry of a request.
func (x *netCold) ref(r *protocol.NetworkRequest, ord uint64) netRef {
	if !x.started {
		x.started, x.ts0 = true, math.Floor(r.Timestamp)
	}
	ref := netRef{ord: ord, idh: idHash(r.RequestID), ts: clampMs(r.Timestamp - x.ts0), nav: uint32(max(r.NavigationID, 0)), typ: x.types.of(r.ResourceType)}
	if r.Target != nil {
		ref.tgt = x.targets.of(r.Target.ID)
		x.ttypes[r.Target.ID] = r.Target.Type
	}
	return ref
}

// keeps reports whether the scope selects the cold request of r.
func (x *netCold) keeps(sc *Scope, r *netRef) bool {
	if sc.empty() {
		return true
	}
	return sc.matches("", x.types.name(r.typ), int(r.nav), x.target(r.tgt), x.ts0+float64(r.ts))
}

// read reads cold requests back from the blob store.
func (x *netCold) read(store BlobStore, r *netRef) (protocol.NetworkRequest, error) {
	var req protocol.NetworkRequest
	b := make([]byte, r.n)
	if _, err := store.ReadAt(b, r.off); err != nil {
		return req, fmt.Errorf("reading a request back from the disk: %w", err)
	}
	if err := jsonv2.Unmarshal(b, &req, jsonv2.AllowInvalidUTF8(true)); err != nil {
		return req, fmt.Errorf("a request on the disk is damaged: %w", err)
	}
	return req, nil
}

// netCand is a request a scan found: hot (h) or cold (ref).
type netCand struct {
	ord uint64
	hot bool
	h   held
	ref netRef
}

// netScan calls visit with every request the scope and keep select, and
// its ord, in ord order from after (0: the start; desc: from the newest),
// with its bodies, until visit returns false. The lock is held only to take a
// chunk of candidates at a time; cold ones are read outside it. want is
// as for consoleScan.
func (c *Capture) netScan(sc *Scope, keep NetworkFilter, after uint64, desc bool, want int, visit func(ord uint64, r protocol.NetworkRequest) bool) error {
	chunk := scanChunk
	if want > 0 {
		chunk = min(want, scanChunk)
	}
	first := true
	for {
		c.mu.Lock()
		x, hot := &c.ncold, &c.network.order
		nc, nh := x.refs.len(), hot.len()
		coldOrd := func(i int) uint64 { return x.refs.at(i).ord }
		hotOrd := func(i int) uint64 { return hot.at(i).ord }
		var i, j int // the next cold and hot positions
		if !desc {
			i = sort.Search(nc, func(k int) bool { return coldOrd(k) > after })
			j = sort.Search(nh, func(k int) bool { return hotOrd(k) > after })
		} else if first && after == 0 {
			i, j = nc-1, nh-1
		} else {
			i = sort.Search(nc, func(k int) bool { return coldOrd(k) >= after }) - 1
			j = sort.Search(nh, func(k int) bool { return hotOrd(k) >= after }) - 1
		}
		first = false
		step := 1
		if desc {
			step = -1
		}
		var cands []netCand
		inCold := func(k int) bool { return k >= 0 && k < nc }
		inHot := func(k int) bool { return k >= 0 && k < nh }
		for len(cands) < chunk && (inCold(i) || inHot(j)) {
			takeCold := inCold(i) && (!inHot(j) || (coldOrd(i) < hotOrd(j)) != desc)
			if takeCold {
				r := x.refs.at(i)
				after = r.ord
				if x.keeps(sc, r) {
					cands = append(cands, netCand{ord: r.ord, ref: *r})
				}
				i += step
				continue
			}
			s := hot.at(j)
			after = s.ord
			if rec := s.rec; sc.empty() || sc.matches("", rec.ResourceType, rec.NavigationID, rec.Target, rec.Timestamp) {
				cands = append(cands, netCand{ord: s.ord, hot: true, h: holding(s)})
			}
			j += step
		}
		done := !inCold(i) && !inHot(j)
		store := x.store
		c.mu.Unlock()

		for k := range cands {
			cd := &cands[k]
			var r protocol.NetworkRequest
			if cd.hot {
				r = cd.h.request(true)
			} else {
				var err error
				if r, err = c.ncold.read(store, &cd.ref); err != nil {
					return err
				}
			}
			if keep != nil && !keep(&r) {
				continue
			}
			if !visit(cd.ord, r) {
				return nil
			}
		}
		if done {
			return nil
		}
		chunk = min(2*chunk, scanChunk)
	}
}

// coldRequest finds a cold request by its id, the newest first.
func (c *Capture) coldRequest(id string) (protocol.NetworkRequest, bool, error) {
	h := idHash(id)
	c.mu.Lock()
	x := &c.ncold
	var refs []netRef
	for i := x.refs.len() - 1; i >= 0; i-- {
		if r := x.refs.at(i); r.idh == h {
			refs = append(refs, *r)
		}
	}
	store := x.store
	c.mu.Unlock()
	for _, ref := range refs {
		r, err := x.read(store, &ref)
		if err != nil {
			return r, false, err
		}
		if r.RequestID == id {
			return r, true, nil
		}
	}
	return protocol.NetworkRequest{}, false, nil
}

// NetworkRecords calls visit with every request the session holds, in the
// order they were sent, with their bodies, the cold ones read from the
// disk, until visit returns false: for session.json, which is written
// without holding them all in memory.
func (c *Capture) NetworkRecords(visit func(*protocol.NetworkRequest) bool) error {
	return c.netScan(&Scope{}, nil, 0, false, 0, func(_ uint64, r protocol.NetworkRequest) bool { return visit(&r) })
}
