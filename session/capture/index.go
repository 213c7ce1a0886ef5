package capture

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/chromedp/cdproto/cdp/jsonv2"
)

// A session keeps a million console messages in a few tens of megabytes:
// the console store is in three parts.
//
//   - The index (c.cindex) has every message kept, oldest first, as a
//     consoleRef of 24 bytes: its seq and what a list's scope tests.
//   - The hot cache (c.console) holds the newest messages themselves, up to
//     Options.HotConsole and MaxConsoleBytes: the index's last entries.
//   - The others are cold: on disk in the session's journal
//     (Options.Cold), which the worker writes from its own subscription,
//     and read back by seq when a list or session.json wants them.
//
// A message leaves the hot cache only once the journal holds it (Persisted
// says how far it does); one the journal lost (Lost) is dropped then,
// counted. Without a journal, or while it lags past MaxConsoleBytes, the
// oldest hot messages are dropped, counted, as a store without an index
// would. MaxConsole bounds the index: past it, the oldest go, counted.

// ColdReader reads records back from the session's journal: every record
// from number from on, in order (journal.Journal.Read).
type ColdReader interface {
	Read(from uint64, max int, fn func(n uint64, rec []byte) bool) error
	// Oldest is the number of the oldest record held; 0: none.
	Oldest() uint64
}

// consoleRef is a console message in the index: 16 bytes.
type consoleRef struct {
	dseq  uint32 // seq - x.seq0
	ts    int32  // ms after x.ts0, floored
	nav   uint16 // navigationId, at most maxNav
	tgt   uint16 // in x.targets; 0: none (the page) or past the bound
	kind  uint8  // type and source, in x.kinds
	level uint8  // in protocol.Levels, or'd with goneBit
}

// goneBit marks a message dropped while hot, never on disk.
const goneBit = 0x80

// maxNav is the largest navigationId the index tells apart: a scope of a
// later navigation selects those past it too (a session navigates a few
// thousand times a day).
const maxNav = math.MaxUint16

func (r *consoleRef) gone() bool        { return r.level&goneBit != 0 }
func (r *consoleRef) markGone()         { r.level |= goneBit }
func (r *consoleRef) levelName() string { return protocol.Levels[r.level&^goneBit] }

// chunkSize is the entries of one chunk of an index: it grows and shrinks
// a chunk at a time, never copying what it holds.
const chunkSize = 4096

// chunks is a FIFO of values in fixed-size chunks.
type chunks[T any] struct {
	c   [][]T
	off int // of the oldest in c[0]
	n   int
}

func (q *chunks[T]) len() int { return q.n }

func (q *chunks[T]) at(i int) *T {
	i += q.off
	return &q.c[i/chunkSize][i%chunkSize]
}

// count is how many values keep selects.
func (q *chunks[T]) count(keep func(*T) bool) int {
	n := 0
	for i := range q.n {
		if keep(q.at(i)) {
			n++
		}
	}
	return n
}

func (q *chunks[T]) push(v T) {
	end := q.off + q.n
	if end/chunkSize == len(q.c) {
		q.c = append(q.c, make([]T, chunkSize))
	}
	q.c[end/chunkSize][end%chunkSize] = v
	q.n++
}

func (q *chunks[T]) pop() T {
	v := q.c[0][q.off]
	q.off++
	q.n--
	if q.off == chunkSize || q.n == 0 {
		q.c[0] = nil
		q.c = q.c[1:]
		q.off = 0
		if q.n == 0 {
			q.c = nil
		}
	}
	return v
}

// interned numbers the few distinct strings of a field (types, sources,
// target ids), for the index.
type interned[N uint8 | uint16 | uint32] struct {
	names []string
	ix    map[string]N
	max   int
}

func (t *interned[N]) of(s string) N {
	if n, ok := t.ix[s]; ok {
		return n
	}
	if t.ix == nil {
		t.ix = map[string]N{}
		t.names = []string{""}
	}
	if len(t.names) >= t.max {
		return 0 // past the bound: unknown, which a scope never selects
	}
	n := N(len(t.names))
	t.names = append(t.names, s)
	t.ix[s] = n
	return n
}

func (t *interned[N]) name(n N) string {
	if int(n) < len(t.names) {
		return t.names[n]
	}
	return ""
}

// consoleIndex is the console store's index and what it needs.
type consoleIndex struct {
	refs    chunks[consoleRef]
	gone    int     // refs marked gone
	seq0    uint64  // what the refs' seqs are counted from
	ts0     float64 // the floor of the first message's time
	started bool
	kinds   interned[uint8]  // "type\x00source"
	targets interned[uint16] // target ids
	ttypes  map[string]string
	cold    ColdReader
	durable uint64      // the journal holds every event up to it, but the lost
	lost    [][2]uint64 // ranges of seqs the journal lost, merged
	matches matchCache
}

// maxLostRanges bounds the lost ranges remembered; past it the oldest
// merge (a wider range counts a few more as lost).
const maxLostRanges = 256

func newConsoleIndex() consoleIndex {
	return consoleIndex{kinds: interned[uint8]{max: 255}, targets: interned[uint16]{max: math.MaxUint16}, ttypes: map[string]string{}}
}

// seqOf is the seq of the message of r.
func (x *consoleIndex) seqOf(r *consoleRef) uint64 { return x.seq0 + uint64(r.dseq) }

// typeOf is the type of the message of r.
func (x *consoleIndex) typeOf(r *consoleRef) string {
	typ, _, _ := strings.Cut(x.kinds.name(r.kind), "\x00")
	return typ
}

// indexConsole adds the entry of a message, the newest. Entries count
// seqs from the oldest held: past 2^32 seqs after it, they are counted
// again from the oldest, and an entry older than 2^32 seqs (a session of
// billions of events) is dropped, counted.
func (c *Capture) indexConsole(m *protocol.ConsoleMessage) {
	c.indexConsoleKind(m, c.cindex.kinds.of(m.Type+"\x00"+m.Source))
}

// indexConsoleKind is indexConsole with the message's kind (its type and
// source, interned) known.
func (c *Capture) indexConsoleKind(m *protocol.ConsoleMessage, kind uint8) {
	x := &c.cindex
	if !x.started {
		x.started, x.ts0, x.seq0 = true, math.Floor(m.Timestamp), m.Seq
	}
	for m.Seq-x.seq0 > math.MaxUint32 { // count from the oldest held again
		if x.refs.len() == 0 {
			x.seq0 = m.Seq
			break
		}
		base := x.seqOf(x.refs.at(0))
		if m.Seq-base > math.MaxUint32 {
			r := x.refs.pop()
			if r.gone() {
				x.gone--
			} else {
				c.dropRef(&r)
			}
			continue
		}
		for i := range x.refs.len() {
			x.refs.at(i).dseq -= uint32(base - x.seq0)
		}
		x.seq0 = base
	}
	r := consoleRef{dseq: uint32(m.Seq - x.seq0), ts: clampMs(m.Timestamp - x.ts0), nav: uint16(min(max(m.NavigationID, 0), maxNav)),
		level: uint8(max(slices.Index(protocol.Levels, m.Level), 0)), kind: kind}
	if m.Target != nil {
		r.tgt = x.targets.of(m.Target.ID)
		x.ttypes[m.Target.ID] = m.Target.Type
	}
	x.refs.push(r)
}

func clampMs(v float64) int32 {
	return int32(max(min(math.Floor(v), math.MaxInt32), math.MinInt32))
}

// target returns the target of a ref, id and type only; nil: none.
func (x *consoleIndex) target(r *consoleRef) *protocol.TargetRef {
	if r.tgt == 0 {
		return nil
	}
	id := x.targets.name(r.tgt)
	return &protocol.TargetRef{ID: id, Type: x.ttypes[id]}
}

// keeps reports whether the scope selects the message of r.
func (x *consoleIndex) keeps(sc *Scope, r *consoleRef) bool {
	if r.gone() {
		return false
	}
	if sc.empty() {
		return true
	}
	ts := x.ts0 + float64(r.ts)
	nav := int(r.nav)
	if nav == maxNav && sc.Navigation > maxNav {
		nav = sc.Navigation
	}
	return sc.keeps(r.levelName(), x.typeOf(r), nav, x.target(r)) && sc.overlaps(ts, ts)
}

// drop counts the message of r as dropped.
func (c *Capture) dropRef(r *consoleRef) {
	x := &c.cindex
	c.dropped.Console++
	c.droppedConsole.add(r.levelName(), x.typeOf(r), int(r.nav), x.target(r), x.ts0+float64(r.ts))
}

// lostSeq reports whether the journal lost the event of seq.
func (x *consoleIndex) lostSeq(seq uint64) bool {
	k := sort.Search(len(x.lost), func(i int) bool { return x.lost[i][1] >= seq })
	return k < len(x.lost) && x.lost[k][0] <= seq
}

// Persisted tells the capture that the journal holds every event up to
// seq (but those it said it lost): the hot cache may let them go.
func (c *Capture) Persisted(seq uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq > c.cindex.durable {
		c.cindex.durable = seq
		c.trimConsole()
		c.releaseEvents()
	}
}

// Lost tells the capture that the journal lost the events from seq from to
// seq to: the messages among them are dropped as they leave the hot cache.
func (c *Capture) Lost(from, to uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := &c.cindex
	if n := len(x.lost); n > 0 && x.lost[n-1][1]+1 >= from {
		x.lost[n-1][1] = max(x.lost[n-1][1], to)
		return
	}
	x.lost = append(x.lost, [2]uint64{from, to})
	if len(x.lost) > maxLostRanges {
		x.lost[1][0] = x.lost[0][0]
		x.lost = x.lost[1:]
	}
}

// SetCold gives the capture the journal to read cold records from. Call
// it before events flow.
func (c *Capture) SetCold(r ColdReader) {
	c.mu.Lock()
	c.cindex.cold = r
	c.mu.Unlock()
}

// hotMax is how many messages the hot cache holds: all of them without a
// journal.
func (c *Capture) hotMax() int {
	if c.cindex.cold == nil {
		return c.opts.MaxConsole
	}
	return min(c.opts.HotConsole, c.opts.MaxConsole)
}

// trimConsole keeps the console store within its bounds: it lets go of
// the oldest hot messages the journal holds past the hot cache's bounds,
// drops those it cannot hold past MaxConsoleBytes, and the oldest of the
// index past MaxConsole.
func (c *Capture) trimConsole() {
	x := &c.cindex
	for c.console.len() > 0 {
		overBytes := c.consoleBytes > c.opts.MaxConsoleBytes && c.console.len() > 1
		if c.console.len() <= c.hotMax() && !overBytes {
			break
		}
		m := c.console.at(0)
		r := x.refs.at(x.refs.len() - c.console.len())
		switch {
		case x.cold != nil && m.Seq <= x.durable:
			c.console.pop()
			c.consoleBytes -= consoleSize(m)
			if x.lostSeq(m.Seq) {
				r.markGone()
				x.gone++
				c.dropRef(r)
			}
		case overBytes || c.console.len() > c.opts.MaxConsole:
			c.console.pop()
			size := consoleSize(m)
			c.consoleBytes -= size
			c.dropped.Bytes += size
			c.dropRef(r)
			if x.cold == nil { // the index is the hot cache
				x.refs.pop()
			} else {
				r.markGone()
				x.gone++
			}
		default:
			return // the journal lags: it holds them past the count a while
		}
	}
	for x.refs.len() > c.opts.MaxConsole {
		if x.refs.len() == c.console.len() {
			m := c.console.pop()
			c.consoleBytes -= consoleSize(m)
		}
		r := x.refs.pop()
		if r.gone() {
			x.gone--
			continue
		}
		c.dropRef(&r)
	}
}

// consoleCount is how many messages the store holds.
func (c *Capture) consoleCount() int { return c.cindex.refs.len() - c.cindex.gone }

// candidate is a message a scan found in the index: the message itself
// when it is hot, its seq when it is to be read from the journal.
type candidate struct {
	seq uint64
	m   *protocol.ConsoleMessage
}

// scanChunk is how many index entries a scan takes under the lock at once.
const scanChunk = 4096

// consoleScan calls visit with every message the scope and keep select,
// walking from after (a seq; 0: the start) in the order desc says, until
// visit returns false. The lock is held only to take a chunk of the index
// at a time; cold messages are read from the journal outside it. want is
// how many messages visit is likely to take (0: all): the first chunk is
// that big, and each next one twice the last, up to scanChunk, so that a
// short page reads from the disk only about what it returns.
func (c *Capture) consoleScan(sc *Scope, keep ConsoleFilter, after uint64, desc bool, want int, visit func(*protocol.ConsoleMessage) bool) error {
	first := true
	chunk := scanChunk
	if want > 0 {
		chunk = min(want, scanChunk)
	}
	for {
		c.mu.Lock()
		x := &c.cindex
		n := x.refs.len()
		hotFrom := n - c.console.len()
		seqAt := func(i int) uint64 { return x.seqOf(x.refs.at(i)) }
		var i, step int
		switch {
		case !desc:
			i, step = sort.Search(n, func(i int) bool { return seqAt(i) > after }), 1
		case first && after == 0:
			i, step = n-1, -1
		default:
			i, step = sort.Search(n, func(i int) bool { return seqAt(i) >= after })-1, -1
		}
		first = false
		var cands []candidate
		for ; i >= 0 && i < n && len(cands) < chunk; i += step {
			r := x.refs.at(i)
			after = x.seqOf(r)
			if !x.keeps(sc, r) {
				continue
			}
			cd := candidate{seq: after}
			if i >= hotFrom {
				cd.m = c.console.at(i - hotFrom)
			}
			cands = append(cands, cd)
		}
		done := i < 0 || i >= n
		cold := x.cold
		c.mu.Unlock()

		if err := readCold(cold, cands); err != nil {
			return err
		}
		for _, cd := range cands {
			if cd.m == nil {
				continue // not in the journal: dropped meanwhile
			}
			if (keep == nil || keep(cd.m)) && !visit(cd.m) {
				return nil
			}
		}
		if done {
			return nil
		}
		chunk = min(2*chunk, scanChunk)
	}
}

// readCold fills in the messages of the candidates that are cold, from the
// journal.
func readCold(cold ColdReader, cands []candidate) error {
	var want []uint64
	at := map[uint64]int{}
	for k, cd := range cands {
		if cd.m == nil {
			want = append(want, cd.seq)
			at[cd.seq] = k
		}
	}
	if len(want) == 0 {
		return nil
	}
	if cold == nil {
		return nil
	}
	slices.Sort(want)
	last := want[len(want)-1]
	var decodeErr error
	err := cold.Read(want[0], 0, func(n uint64, rec []byte) bool {
		if k, ok := at[n]; ok {
			var ev struct {
				Params struct {
					Message *protocol.ConsoleMessage `json:"message"`
				} `json:"params"`
			}
			// jsonv2: 2.5 times as fast as encoding/json on these lines,
			// with a fifth of the allocations.
			if err := jsonv2.Unmarshal(rec, &ev, jsonv2.AllowInvalidUTF8(true)); err != nil || ev.Params.Message == nil {
				decodeErr = fmt.Errorf("record %d on the disk is not a console message: the file is damaged", n)
				return false
			}
			cands[k].m = ev.Params.Message
		}
		return n < last
	})
	if err != nil {
		return fmt.Errorf("reading the session's journal: %w", err)
	}
	return decodeErr
}

// matchCache remembers how many messages a filtered list matched, so that
// the pages of a walk count only what came since: a filter is tested on
// the message itself, which for a cold one is a read from the disk.
type matchCache struct {
	key         string
	first, upTo uint64 // the oldest seq of the index, the newest counted
	n           int
}
