package session

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// A session document of a day-long session is hundreds of megabytes: a
// reader of a session whose worker is gone must not decode it whole to
// answer a page of 100. So every document is written with an index beside
// it (IndexOf): for each record, where it is in the document and what a
// list's scope tests (time, navigation, target, level, type), in a fixed
// number of bytes. A reader loads the index (tens of bytes a record) and
// reads from the document only the records a query returns.
//
// The file: the magic line, the console entries, the request entries, a
// JSON trailer (the strings the entries name by number, and the size and
// time of the document it indexes), and the trailer's length in its last 8
// bytes. Numbers are little-endian.

// IndexOf returns the path of the index of a session document.
func IndexOf(path string) string {
	return strings.TrimSuffix(path, ".json") + ".index"
}

const indexMagic = "bdg-rpc document index 1\n"

// The sizes of an index's entries.
const (
	consoleEntrySize = 8 + 8 + 4 + 8 + 4 + 1 + 4 + 4 // seq, off, n, time, navigation, level, kind, target
	requestEntrySize = 8 + 4 + 8 + 4 + 4 + 4 + 8     // off, n, time, navigation, type, target, id hash
)

// indexTrailer is the JSON end of an index.
type indexTrailer struct {
	DataSize  int64  `json:"dataSize"`  // the size of the document indexed
	WrittenAt string `json:"writtenAt"` // its writtenAt
	// WrittenAtOffset is where the document's "writtenAt" member is in
	// it (-1: nowhere), so that a reader checks that the document it
	// opened is the one indexed (a partial document is rewritten every
	// few seconds, at times to the same size).
	WrittenAtOffset int64             `json:"writtenAtOffset"`
	Console         int               `json:"console"` // entries
	Network         int               `json:"network"`
	Strings         []string          `json:"strings"` // 0 is ""
	Targets         map[string]string `json:"targets"` // target id: type
}

// RequestIDHash is the hash of a request id an index holds, to find a
// request by id without the id: FNV-1a, 64 bits.
func RequestIDHash(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

// indexWriter writes the index of a document as the document is written:
// its entries go to a temporary file as they come, so that a document of a
// million records is never indexed in memory.
type indexWriter struct {
	path    string // the index's
	tmp     *os.File
	bw      *bufio.Writer
	trailer indexTrailer
	strs    map[string]uint32
	buf     [consoleEntrySize]byte
}

// newIndexWriter starts the index of the document at doc. Requests come
// first in a document, but console entries first in an index: the
// requests' entries are spooled to a second temporary file.
func newIndexWriter(doc string) (*indexWriter, error) {
	path := IndexOf(doc)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	w := &indexWriter{path: path, tmp: tmp, bw: bufio.NewWriterSize(tmp, 64<<10), strs: map[string]uint32{"": 0}}
	w.trailer.Strings = []string{""}
	w.trailer.Targets = map[string]string{}
	w.bw.WriteString(indexMagic)
	return w, nil
}

func (w *indexWriter) str(s string) uint32 {
	if n, ok := w.strs[s]; ok {
		return n
	}
	n := uint32(len(w.trailer.Strings))
	w.trailer.Strings = append(w.trailer.Strings, s)
	w.strs[s] = n
	return n
}

func (w *indexWriter) target(t *protocol.TargetRef) uint32 {
	if t == nil {
		return 0
	}
	w.trailer.Targets[t.ID] = t.Type
	return w.str(t.ID)
}

// console adds the entry of a console message written at off, n bytes.
func (w *indexWriter) console(m *protocol.ConsoleMessage, off, n int64) {
	b := w.buf[:0]
	b = binary.LittleEndian.AppendUint64(b, m.Seq)
	b = binary.LittleEndian.AppendUint64(b, uint64(off))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.Timestamp))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(m.NavigationID)))
	b = append(b, byte(max(0, slices.Index(protocol.Levels, m.Level))))
	b = binary.LittleEndian.AppendUint32(b, w.str(m.Type+"\x00"+m.Source))
	b = binary.LittleEndian.AppendUint32(b, w.target(m.Target))
	w.bw.Write(b)
	w.trailer.Console++
}

// request adds the entry of a request written at off, n bytes.
func (w *indexWriter) request(r *protocol.NetworkRequest, off, n int64, spool *bufio.Writer) {
	b := w.buf[:0]
	b = binary.LittleEndian.AppendUint64(b, uint64(off))
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Timestamp))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.NavigationID)))
	b = binary.LittleEndian.AppendUint32(b, w.str(r.ResourceType))
	b = binary.LittleEndian.AppendUint32(b, w.target(r.Target))
	b = binary.LittleEndian.AppendUint64(b, RequestIDHash(r.RequestID))
	spool.Write(b)
	w.trailer.Network++
}

// finish appends the requests' entries (spooled in spool) and the trailer,
// and puts the index in place. The document must be in place already.
func (w *indexWriter) finish(spool *os.File, dataSize int64, writtenAt string, writtenAtOff int64) (err error) {
	defer func() {
		if err != nil {
			w.abort()
			err = fmt.Errorf("writing %s: %w", w.path, err)
		}
	}()
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(w.bw, spool); err != nil {
		return err
	}
	w.trailer.DataSize, w.trailer.WrittenAt, w.trailer.WrittenAtOffset = dataSize, writtenAt, writtenAtOff
	t, err := json.Marshal(&w.trailer)
	if err != nil {
		return err
	}
	w.bw.Write(t)
	w.bw.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(t))))
	if err := w.bw.Flush(); err != nil {
		return err
	}
	if err := w.tmp.Close(); err != nil {
		return err
	}
	return os.Rename(w.tmp.Name(), w.path)
}

// abort removes the temporary file.
func (w *indexWriter) abort() {
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// DocIndex is the index of a session document, open for reading.
type DocIndex struct {
	Doc     *os.File // the document, for reads of its records
	Console int      // how many console messages it has
	Network int      // and requests
	f       *os.File
	trailer indexTrailer
	targets []*protocol.TargetRef // by string number; nil where not a target
}

// ErrNoIndex is returned when a document has no index that matches it.
var ErrNoIndex = errors.New("no index of the document")

// OpenIndex opens the document at path and its index, if the index is
// that of the document as it is: of its size and its writtenAt.
func OpenIndex(path, writtenAt string) (ix *DocIndex, err error) {
	doc, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			doc.Close()
		}
	}()
	f, err := OpenFile(IndexOf(path), os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoIndex, err)
	}
	ix = &DocIndex{Doc: doc, f: f}
	if err := ix.readTrailer(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrNoIndex, IndexOf(path), err)
	}
	di, err := doc.Stat()
	if err != nil || di.Size() != ix.trailer.DataSize || writtenAt != ix.trailer.WrittenAt || !ix.writtenAtIn(doc) {
		f.Close()
		return nil, fmt.Errorf("%w: %s is of another version of %s", ErrNoIndex, IndexOf(path), path)
	}
	ix.Console, ix.Network = ix.trailer.Console, ix.trailer.Network
	ix.targets = make([]*protocol.TargetRef, len(ix.trailer.Strings))
	for i, s := range ix.trailer.Strings {
		if typ, ok := ix.trailer.Targets[s]; ok && s != "" {
			ix.targets[i] = &protocol.TargetRef{ID: s, Type: typ}
		}
	}
	return ix, nil
}

// writtenAtMember starts the "writtenAt" member of a document.
const writtenAtMember = `"writtenAt":`

// writtenAtIn reports whether doc has the writtenAt of the index where the
// index says.
func (ix *DocIndex) writtenAtIn(doc *os.File) bool {
	t := &ix.trailer
	if t.WrittenAtOffset < 0 {
		return t.WrittenAt == ""
	}
	want, err := json.Marshal(t.WrittenAt)
	if err != nil {
		return false
	}
	want = append([]byte(writtenAtMember), want...)
	got := make([]byte, len(want))
	_, err = doc.ReadAt(got, t.WrittenAtOffset)
	return err == nil && string(got) == string(want)
}

func (ix *DocIndex) readTrailer() error {
	fi, err := ix.f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size < int64(len(indexMagic))+8 {
		return errors.New("too short")
	}
	head := make([]byte, len(indexMagic))
	if _, err := ix.f.ReadAt(head, 0); err != nil || string(head) != indexMagic {
		return errors.New("not an index of this version")
	}
	var lb [8]byte
	if _, err := ix.f.ReadAt(lb[:], size-8); err != nil {
		return err
	}
	tl := int64(binary.LittleEndian.Uint64(lb[:]))
	if tl <= 0 || tl > size-8-int64(len(indexMagic)) {
		return errors.New("damaged")
	}
	t := make([]byte, tl)
	if _, err := ix.f.ReadAt(t, size-8-tl); err != nil {
		return err
	}
	if err := json.Unmarshal(t, &ix.trailer); err != nil {
		return fmt.Errorf("damaged: %w", err)
	}
	want := int64(len(indexMagic)) + int64(ix.trailer.Console)*consoleEntrySize + int64(ix.trailer.Network)*requestEntrySize + tl + 8
	if ix.trailer.Console < 0 || ix.trailer.Network < 0 || want != size {
		return errors.New("damaged: its size does not match its entries")
	}
	return nil
}

// Counts says how many console messages and requests the document has.
func (ix *DocIndex) Counts() (console, network int) { return ix.Console, ix.Network }

// Close closes the index and the document.
func (ix *DocIndex) Close() error {
	return errors.Join(ix.f.Close(), ix.Doc.Close())
}

func (ix *DocIndex) str(n uint32) string {
	if int(n) < len(ix.trailer.Strings) {
		return ix.trailer.Strings[n]
	}
	return ""
}

func (ix *DocIndex) target(n uint32) *protocol.TargetRef {
	if int(n) < len(ix.targets) {
		return ix.targets[n]
	}
	return nil
}

// entries calls fn with each entry of size bytes from off on, count of
// them.
func (ix *DocIndex) entries(off int64, count, size int, fn func(b []byte)) error {
	r := bufio.NewReaderSize(io.NewSectionReader(ix.f, off, int64(count*size)), 256<<10)
	b := make([]byte, size)
	for range count {
		if _, err := io.ReadFull(r, b); err != nil {
			return fmt.Errorf("reading the index of %s: %w", ix.Doc.Name(), err)
		}
		fn(b)
	}
	return nil
}

// EachConsole calls fn with each console message of the document, oldest
// first: where it is (off, n bytes), and in m what a scope tests (seq,
// timestamp, navigationId, level, type, source, target). m is reused.
func (ix *DocIndex) EachConsole(fn func(off int64, n int, m *protocol.ConsoleMessage)) error {
	var m protocol.ConsoleMessage
	le := binary.LittleEndian
	return ix.entries(int64(len(indexMagic)), ix.Console, consoleEntrySize, func(b []byte) {
		m.Seq = le.Uint64(b)
		off, n := int64(le.Uint64(b[8:])), int(le.Uint32(b[16:]))
		m.Timestamp = math.Float64frombits(le.Uint64(b[20:]))
		m.NavigationID = int(int32(le.Uint32(b[28:])))
		m.Level = ""
		if l := int(b[32]); l < len(protocol.Levels) {
			m.Level = protocol.Levels[l]
		}
		m.Type, m.Source, _ = strings.Cut(ix.str(le.Uint32(b[33:])), "\x00")
		m.Target = ix.target(le.Uint32(b[37:]))
		fn(off, n, &m)
	})
}

// EachRequest calls fn with each request of the document, in order: where
// it is (off, n bytes), the hash of its id (RequestIDHash), and in r what
// a scope tests (timestamp, navigationId, resourceType, target). r is
// reused.
func (ix *DocIndex) EachRequest(fn func(off int64, n int, idHash uint64, r *protocol.NetworkRequest)) error {
	var r protocol.NetworkRequest
	le := binary.LittleEndian
	start := int64(len(indexMagic)) + int64(ix.Console)*consoleEntrySize
	return ix.entries(start, ix.Network, requestEntrySize, func(b []byte) {
		off, n := int64(le.Uint64(b)), int(le.Uint32(b[8:]))
		r.Timestamp = math.Float64frombits(le.Uint64(b[12:]))
		r.NavigationID = int(int32(le.Uint32(b[20:])))
		r.ResourceType = ix.str(le.Uint32(b[24:]))
		r.Target = ix.target(le.Uint32(b[28:]))
		fn(off, n, le.Uint64(b[32:]), &r)
	})
}

// OpenIndexed opens the newer of the session's documents through its
// index, when the document has a current summary and index: out is the
// summary's document without its records, age how old the document is.
// Without them it returns an error (ErrNoIndex, ErrNoOutput), and the
// document must be read whole (ReadOutput).
func (d Dir) OpenIndexed() (out protocol.Output, ix *DocIndex, path string, age time.Duration, err error) {
	path, mod, err := d.newestOutput()
	if err != nil {
		return out, nil, path, 0, err
	}
	s, ok := d.summary(path)
	if !ok {
		return out, nil, path, 0, fmt.Errorf("%w: %s has no current summary", ErrNoIndex, path)
	}
	ix, err = OpenIndex(path, s.WrittenAt)
	if err != nil {
		return out, nil, path, 0, err
	}
	out = s.Output
	out.Data = protocol.OutputData{}
	return out, ix, path, max(0, time.Since(mod)), nil
}
