package capture

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// DocumentIndex is the index of a session document (session.DocIndex):
// where each record is in the document, and what a scope tests of it.
type DocumentIndex interface {
	// EachConsole calls fn with each console message, oldest first; m
	// holds its seq, timestamp, navigationId, level, type, source and
	// target, and is reused.
	EachConsole(fn func(off int64, n int, m *protocol.ConsoleMessage)) error
	// EachRequest calls fn with each request, in order; idHash is the
	// FNV-1a hash of its id; r holds its timestamp, navigationId,
	// resourceType and target, and is reused.
	EachRequest(fn func(off int64, n int, idHash uint64, r *protocol.NetworkRequest)) error
	// Counts says how many console messages and requests it has.
	Counts() (console, network int)
}

// FromDocument rebuilds a capture from a session document through its
// index, for a session whose worker is gone: out is the document without
// its records (its summary), doc the document. The capture holds only the
// index (tens of bytes a record); the records a query returns are read
// from doc, as a running session reads its cold records from its journal.
func FromDocument(out protocol.Output, doc io.ReaderAt, ix DocumentIndex) (*Capture, error) {
	out.Data = protocol.OutputData{}
	c := Restore(out)
	nc, _ := ix.Counts()
	dc := &docConsole{doc: doc, seqs: make([]uint64, 0, nc), offs: make([]int64, 0, nc), lens: make([]uint32, 0, nc)}
	kinds := map[[2]string]uint8{}
	err := ix.EachConsole(func(off int64, n int, m *protocol.ConsoleMessage) {
		if len(dc.seqs) > 0 && m.Seq <= dc.seqs[len(dc.seqs)-1] {
			return // out of order: not a document this worker wrote
		}
		kind, ok := kinds[[2]string{m.Type, m.Source}]
		if !ok {
			kind = c.cindex.kinds.of(m.Type + "\x00" + m.Source)
			kinds[[2]string{m.Type, m.Source}] = kind
		}
		c.indexConsoleKind(m, kind)
		dc.seqs = append(dc.seqs, m.Seq)
		dc.offs = append(dc.offs, off)
		dc.lens = append(dc.lens, uint32(n))
	})
	if err != nil {
		return nil, err
	}
	c.cindex.cold = dc
	c.opts.MaxConsole = max(len(dc.seqs), 1)
	x := &c.ncold
	err = ix.EachRequest(func(off int64, n int, idh uint64, r *protocol.NetworkRequest) {
		c.nextOrd++
		ref := x.ref(r, c.nextOrd)
		ref.off, ref.n, ref.idh = off, uint32(n), idh
		x.refs.push(ref)
	})
	if err != nil {
		return nil, err
	}
	x.store = docBlobs{doc}
	c.opts.MaxRequests = max(x.refs.len(), 1)
	return c, nil
}

// docConsole reads console messages from a session document: a
// ColdReader over it.
type docConsole struct {
	doc  io.ReaderAt
	seqs []uint64 // oldest first
	offs []int64
	lens []uint32
}

// docReadSpan is the most a read of docConsole takes from the document at
// once.
const docReadSpan = 1 << 20

func (d *docConsole) Oldest() uint64 {
	if len(d.seqs) == 0 {
		return 0
	}
	return d.seqs[0]
}

// Read gives fn each message from seq from on, as the journal holds it
// (a console/message event line), max of them (0: all), until fn returns
// false. Messages next to each other in the document are read together.
func (d *docConsole) Read(from uint64, most int, fn func(n uint64, rec []byte) bool) error {
	i := sort.Search(len(d.seqs), func(k int) bool { return d.seqs[k] >= from })
	given := 0
	var buf []byte
	for i < len(d.seqs) {
		// A span of records: up to docReadSpan bytes, or one record.
		j := i + 1
		start := d.offs[i]
		end := start + int64(d.lens[i])
		for j < len(d.seqs) && (most == 0 || j-i < most-given) {
			e := d.offs[j] + int64(d.lens[j])
			if d.offs[j] < end || e-start > docReadSpan {
				break
			}
			end = e
			j++
		}
		span := make([]byte, end-start)
		if _, err := d.doc.ReadAt(span, start); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the session document: %w", err)
		}
		for k := i; k < j; k++ {
			rec := span[d.offs[k]-start:][:d.lens[k]]
			buf = append(append(append(buf[:0], `{"params":{"message":`...), rec...), `}}`...)
			given++
			if !fn(d.seqs[k], buf) || (most > 0 && given >= most) {
				return nil
			}
		}
		i = j
	}
	return nil
}

// docBlobs reads requests from a session document: a BlobStore that
// takes no appends.
type docBlobs struct{ doc io.ReaderAt }

func (b docBlobs) Append([]byte) (int64, error) {
	return 0, errors.New("a session document takes no records")
}

func (b docBlobs) ReadAt(p []byte, off int64) (int, error) { return b.doc.ReadAt(p, off) }
