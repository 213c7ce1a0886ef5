// Package journal is a session's records on disk: an append-only journal of
// lines in segments, crash-safe and self-checking, with a sparse index for
// reading from any record on.
//
// A segment is a file named after the number of its first record
// (00000000000000000001.jsonl), cut when it passes Options.SegmentBytes.
// Every line is one record:
//
//	CRC N RECORD\n
//
// where N is the record's number (1, 2, ...), RECORD its JSON text, and CRC
// eight hex digits of the CRC-32C of "N RECORD". A line that does not check
// (a torn tail after kill -9, a bit flipped on disk) is found by its CRC,
// never taken for a record. `cut -d' ' -f3- SEGMENT | jq` reads a segment.
//
// Durability. Append buffers lines in memory; Flush writes them to the file
// (the owner flushes often: a record that is written survives the process's
// death, kill -9 included, as it is in the kernel's page cache). Sync, and
// Flush once SyncEvery has passed since the last sync, make it survive the
// machine's crash too (fsync). Open cuts a torn tail of the last segment
// and counts what it cut; a bad line elsewhere is skipped and counted.
//
// A failed write (a full disk) truncates the segment back to its last
// whole line, so nothing written before is lost; the journal then keeps
// what is appended in memory only, counted as lost (Stats), and tries the
// disk again every RetryEvery.
package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a journal. Zero fields take their defaults.
type Options struct {
	// SegmentBytes is the size past which a segment is cut (64 MiB).
	SegmentBytes int64
	// MaxBytes bounds the journal on disk: past it, the oldest segments
	// are deleted as new ones are cut, their records counted in
	// Stats.Dropped (0: no bound).
	MaxBytes int64
	// SyncEvery is the most time between fsyncs of written records, on
	// Flush (1 s); negative: only Sync and Close sync.
	SyncEvery time.Duration
	// IndexEvery is how many records apart the index keeps an offset
	// (256): the index of a million records is about 60 KB, and a read
	// from any record scans fewer than IndexEvery lines to find it.
	IndexEvery int
	// BufferBytes is how much Append buffers before it writes (64 KiB).
	BufferBytes int
	// RetryEvery is how often a journal whose write failed tries the disk
	// again (5 s).
	RetryEvery time.Duration
	// Now is the clock (time.Now).
	Now func() time.Time

	// open opens a segment for appends (creating it, when create); tests
	// put a failing file in its place.
	open func(path string, create bool) (appendFile, error)
}

// appendFile is what the journal does with the segment it appends to.
type appendFile interface {
	Write(b []byte) (int, error)
	Truncate(size int64) error
	Sync() error
	Close() error
}

func openAppend(path string, create bool) (appendFile, error) {
	flag := os.O_WRONLY | os.O_APPEND
	if create {
		flag |= os.O_CREATE | os.O_EXCL
	}
	return os.OpenFile(path, flag, 0o600)
}

func (o *Options) setDefaults() {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 64 << 20
	}
	if o.SyncEvery == 0 {
		o.SyncEvery = time.Second
	}
	if o.IndexEvery <= 0 {
		o.IndexEvery = 256
	}
	if o.BufferBytes <= 0 {
		o.BufferBytes = 64 << 10
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.open == nil {
		o.open = openAppend
	}
}

// Stats says what a journal holds and what it could not keep.
type Stats struct {
	Records  uint64 // the number of the last record appended
	Segments int
	Bytes    int64 // on disk, in whole lines
	// Cut is what Open cut from the tail of the last segment: the lines
	// of a write that a crash tore, in bytes.
	Cut int64
	// Corrupt counts the lines that did not check and were skipped.
	Corrupt int
	// Lost counts the records appended while the disk failed: they were
	// never written.
	Lost uint64
	// Dropped counts the records of the oldest segments deleted to keep
	// the journal under MaxBytes.
	Dropped uint64
	// Err is the write error the journal is in, if any.
	Err error
}

// segment is one file of the journal.
type segment struct {
	first uint64 // the number of its first record
	path  string
	size  int64 // bytes of whole lines
	// index holds the offset of every IndexEvery-th record, and of the
	// first: index[i] is the offset of record idx[i].
	idx   []uint64
	index []int64
	last  uint64   // the number of its last record; first-1 when empty
	rd    *os.File // for reads, opened on first use
}

// Journal is an open journal. Its methods are safe for concurrent use.
type Journal struct {
	dir  string
	opts Options

	mu       sync.Mutex
	segs     []*segment
	f        appendFile // the last segment, for appends
	buf      []byte     // lines appended, not yet written
	bufFirst uint64     // the number of the first record in buf
	bufRecs  uint64     // the records in buf
	next     uint64     // the number the next record gets
	lastSync time.Time
	unsynced bool
	stats    Stats
	failedAt time.Time // when the last write failed
	closed   bool
}

// Open opens the journal in dir, creating dir (0700) and the journal if
// need be. It checks every line of every segment, cuts a torn tail from
// the last one, and builds the index.
func Open(dir string, opts Options) (*Journal, error) {
	opts.setDefaults()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	j := &Journal{dir: dir, opts: opts, next: 1, lastSync: opts.Now()}
	names, err := segmentNames(dir)
	if err != nil {
		return nil, err
	}
	for i, name := range names {
		s, err := j.scan(filepath.Join(dir, name), i == len(names)-1)
		if err != nil {
			return nil, err
		}
		if s.last >= s.first {
			j.next = s.last + 1
		}
		j.segs = append(j.segs, s)
	}
	if len(j.segs) == 0 {
		if err := j.cut(j.next); err != nil {
			return nil, err
		}
	} else {
		last := j.segs[len(j.segs)-1]
		f, err := opts.open(last.path, false)
		if err != nil {
			return nil, fmt.Errorf("opening the journal: %w", err)
		}
		j.f = f
	}
	j.stats.Records = j.next - 1
	return j, nil
}

// segmentNames lists the segments of dir in order.
func segmentNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	var names []string
	for _, e := range ents {
		if _, ok := segmentFirst(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // zero-padded: the order of their first records
	return names, nil
}

const segmentSuffix = ".jsonl"

func segmentName(first uint64) string { return fmt.Sprintf("%020d%s", first, segmentSuffix) }

func segmentFirst(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil && n > 0
}

// scan reads a segment: it checks every line, indexes the records, and,
// for the last segment, cuts what follows the last whole line that checks.
func (j *Journal) scan(path string, last bool) (*segment, error) {
	first, _ := segmentFirst(filepath.Base(path))
	s := &segment{first: first, path: path, last: first - 1}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256<<10)
	var off int64
	for {
		line, err := r.ReadSlice('\n')
		for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			long := slices.Clone(line)
			line, err = r.ReadSlice('\n')
			line = append(long, line...)
		}
		if err == io.EOF && len(line) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		n, _, ok := checkLine(line)
		if !ok || n <= s.last || err == io.EOF {
			if last {
				// A torn tail: the crash cut this write short. What
				// follows it was never acknowledged either.
				fi, serr := f.Stat()
				if serr != nil {
					return nil, fmt.Errorf("reading %s: %w", path, serr)
				}
				j.stats.Cut += fi.Size() - off
				if err := os.Truncate(path, off); err != nil {
					return nil, fmt.Errorf("cutting the torn tail of %s: %w", path, err)
				}
				break
			}
			j.stats.Corrupt++
			off += int64(len(line))
			if err == io.EOF {
				break
			}
			continue
		}
		s.add(n, off, j.opts.IndexEvery)
		off += int64(len(line))
	}
	s.size = off
	j.stats.Bytes += off
	j.stats.Segments++
	return s, nil
}

// add indexes record n at off.
func (s *segment) add(n uint64, off int64, every int) {
	if s.last < s.first || len(s.idx) == 0 || n-s.idx[len(s.idx)-1] >= uint64(every) {
		s.idx = append(s.idx, n)
		s.index = append(s.index, off)
	}
	s.last = n
}

// checkLine returns the record of a line and its number, if the line is
// whole and checks.
func checkLine(line []byte) (n uint64, rec []byte, ok bool) {
	if len(line) < 12 || line[len(line)-1] != '\n' || line[8] != ' ' {
		return 0, nil, false
	}
	want, err := strconv.ParseUint(string(line[:8]), 16, 32)
	if err != nil {
		return 0, nil, false
	}
	body := line[9 : len(line)-1]
	if crc32.Checksum(body, castagnoli) != uint32(want) {
		return 0, nil, false
	}
	num, rec, found := bytes.Cut(body, []byte{' '})
	if !found {
		return 0, nil, false
	}
	n, err = strconv.ParseUint(string(num), 10, 64)
	return n, rec, err == nil && n > 0
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendLine appends the line of record n.
func appendLine(b []byte, n uint64, rec []byte) []byte {
	start := len(b)
	b = append(b, "00000000 "...)
	b = strconv.AppendUint(b, n, 10)
	b = append(b, ' ')
	b = append(b, rec...)
	sum := crc32.Checksum(b[start+9:], castagnoli)
	const hex = "0123456789abcdef"
	for i := 7; i >= 0; i-- {
		b[start+i] = hex[sum&0xf]
		sum >>= 4
	}
	return append(b, '\n')
}

// ErrClosed is the error of a closed journal.
var ErrClosed = errors.New("the journal is closed")

// Append adds a record, one JSON value without a newline, and returns its
// number. It writes when its buffer is full. The error is that of the
// disk: the record keeps its number, is counted as lost, and the journal
// goes on (see the package comment).
func (j *Journal) Append(rec []byte) (uint64, error) {
	return j.append(0, rec)
}

// AppendAt adds a record under the number n, which must be past the last
// record's: numbers may skip (the owner numbers the records, such as by
// the seq of the event each one holds). Otherwise it is Append.
func (j *Journal) AppendAt(n uint64, rec []byte) error {
	if n == 0 {
		return errors.New("record number 0")
	}
	_, err := j.append(n, rec)
	return err
}

func (j *Journal) append(at uint64, rec []byte) (uint64, error) {
	if bytes.IndexByte(rec, '\n') >= 0 {
		return 0, errors.New("a record holds a newline")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return 0, ErrClosed
	}
	if at != 0 && at < j.next {
		return 0, fmt.Errorf("record %d is not past the last record, %d", at, j.next-1)
	}
	n := j.next
	if at != 0 {
		n = at
	}
	j.next = n + 1
	j.stats.Records = n
	if len(j.buf) == 0 {
		j.bufFirst = n
		j.bufRecs = 0
	}
	j.bufRecs++
	j.buf = appendLine(j.buf, n, rec)
	if len(j.buf) >= j.opts.BufferBytes {
		return n, j.flushLocked()
	}
	return n, nil
}

// Flush writes what Append buffered, and syncs when SyncEvery has passed.
func (j *Journal) Flush() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.flushLocked()
}

func (j *Journal) flushLocked() error {
	if j.closed {
		return ErrClosed
	}
	if len(j.buf) == 0 {
		return j.maybeSync()
	}
	if j.stats.Err != nil && j.opts.Now().Sub(j.failedAt) < j.opts.RetryEvery {
		j.loseBuffer()
		return j.stats.Err
	}
	if err := j.write(); err != nil {
		j.stats.Err, j.failedAt = err, j.opts.Now()
		j.loseBuffer()
		return err
	}
	j.stats.Err = nil
	return j.maybeSync()
}

// loseBuffer drops the lines buffered, counting their records as lost.
func (j *Journal) loseBuffer() {
	j.stats.Lost += j.bufRecs
	j.bufRecs = 0
	j.buf = j.buf[:0]
}

// write writes the buffered lines to the last segment, cutting segments
// at SegmentBytes; on a failure it truncates the segment back to its last
// whole line, and what is still buffered is the caller's to drop.
func (j *Journal) write() error {
	done := 0
	defer func() {
		// What was written goes; the rest stays for the caller.
		j.buf = j.buf[:copy(j.buf, j.buf[done:])]
	}()
	for done < len(j.buf) {
		rest := j.buf[done:]
		first, _, _ := checkLine(rest[:bytes.IndexByte(rest, '\n')+1])
		j.bufFirst = first
		s := j.segs[len(j.segs)-1]
		if s.size >= j.opts.SegmentBytes && s.last >= s.first {
			if err := j.cut(first); err != nil {
				return err
			}
			continue
		}
		// Up to the segment's size, in whole lines (at least one).
		end := 0
		room := j.opts.SegmentBytes - s.size
		for end < len(rest) {
			i := bytes.IndexByte(rest[end:], '\n')
			if end > 0 && int64(end+i+1) > room {
				break
			}
			end += i + 1
		}
		chunk := rest[:end]
		if _, err := j.f.Write(chunk); err != nil {
			// Nothing of this chunk counts: cut it off, so the segment
			// ends with a whole line.
			if terr := j.f.Truncate(s.size); terr != nil {
				err = fmt.Errorf("%w (and truncating %s back failed: %v)", err, s.path, terr)
			}
			return fmt.Errorf("writing the journal: %w", err)
		}
		for off := 0; off < len(chunk); {
			i := bytes.IndexByte(chunk[off:], '\n')
			n, _, _ := checkLine(chunk[off : off+i+1])
			s.add(n, s.size+int64(off), j.opts.IndexEvery)
			j.bufRecs--
			off += i + 1
		}
		s.size += int64(len(chunk))
		j.stats.Bytes += int64(len(chunk))
		j.unsynced = true
		done += end
	}
	return nil
}

// cut starts a new segment whose first record is first, syncing the last
// one.
func (j *Journal) cut(first uint64) error {
	if j.f != nil {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("syncing the journal: %w", err)
		}
		if err := j.f.Close(); err != nil {
			return fmt.Errorf("closing a segment of the journal: %w", err)
		}
		j.f = nil
	}
	path := filepath.Join(j.dir, segmentName(first))
	f, err := j.opts.open(path, true)
	if err != nil {
		return fmt.Errorf("starting a segment of the journal: %w", err)
	}
	j.f = f
	j.segs = append(j.segs, &segment{first: first, path: path, last: first - 1})
	j.stats.Segments++
	for j.opts.MaxBytes > 0 && j.stats.Bytes > j.opts.MaxBytes && len(j.segs) > 1 {
		old := j.segs[0]
		if err := os.Remove(old.path); err != nil {
			return fmt.Errorf("deleting the oldest segment of the journal: %w", err)
		}
		if old.rd != nil {
			old.rd.Close()
		}
		if old.last >= old.first {
			j.stats.Dropped += old.last - old.first + 1
		}
		j.stats.Bytes -= old.size
		j.stats.Segments--
		j.segs = j.segs[1:]
	}
	return syncDir(j.dir)
}

// maybeSync syncs when SyncEvery has passed since the last sync.
func (j *Journal) maybeSync() error {
	if !j.unsynced || j.opts.SyncEvery < 0 || j.opts.Now().Sub(j.lastSync) < j.opts.SyncEvery {
		return nil
	}
	return j.syncLocked()
}

func (j *Journal) syncLocked() error {
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal: %w", err)
	}
	j.unsynced, j.lastSync = false, j.opts.Now()
	return nil
}

// Sync writes what is buffered and syncs it to the disk.
func (j *Journal) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.flushLocked(); err != nil {
		return err
	}
	return j.syncLocked()
}

// Close writes, syncs and closes the journal.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	err := j.flushLocked()
	if j.unsynced {
		err = errors.Join(err, j.f.Sync())
	}
	err = errors.Join(err, j.f.Close())
	for _, s := range j.segs {
		if s.rd != nil {
			s.rd.Close()
		}
	}
	j.closed = true
	return err
}

// Stats returns what the journal holds and what it lost.
func (j *Journal) Stats() Stats {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stats
}

// Oldest returns the number of the oldest record the journal holds; 0
// when it holds none.
func (j *Journal) Oldest() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, s := range j.segs {
		if s.last >= s.first {
			return s.first
		}
	}
	if j.bufRecs > 0 {
		return j.bufFirst
	}
	return 0
}

// Read calls fn with every record from number from on, in order, up to
// max of them (0: all), until fn returns false. It writes what is buffered
// first, so that it reads every record appended before it was called. A
// record lost to a failed write is not there; a line that does not check
// is skipped.
func (j *Journal) Read(from uint64, max int, fn func(n uint64, rec []byte) bool) error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return ErrClosed
	}
	if err := j.flushLocked(); err != nil && j.stats.Err == nil {
		j.mu.Unlock()
		return err
	}
	type part struct {
		s    *segment
		off  int64
		size int64
	}
	var parts []part
	for i, s := range j.segs {
		if s.last < s.first || s.last < from {
			continue
		}
		if i+1 < len(j.segs) && j.segs[i+1].first <= from && j.segs[i+1].last >= j.segs[i+1].first {
			continue
		}
		off := int64(0)
		if k, found := slices.BinarySearch(s.idx, from); found {
			off = s.index[k]
		} else if k > 0 {
			off = s.index[k-1]
		}
		if s.rd == nil {
			f, err := os.Open(s.path)
			if err != nil {
				j.mu.Unlock()
				return fmt.Errorf("reading the journal: %w", err)
			}
			s.rd = f
		}
		parts = append(parts, part{s, off, s.size})
	}
	j.mu.Unlock()

	count := 0
	for _, p := range parts {
		r := bufio.NewReaderSize(io.NewSectionReader(p.s.rd, p.off, p.size-p.off), 64<<10)
		for {
			line, err := r.ReadSlice('\n')
			for errors.Is(err, bufio.ErrBufferFull) {
				long := slices.Clone(line)
				line, err = r.ReadSlice('\n')
				line = append(long, line...)
			}
			if len(line) == 0 && err != nil {
				break
			}
			n, rec, ok := checkLine(line)
			if ok && n >= from {
				if !fn(n, rec) {
					return nil
				}
				count++
				if max > 0 && count == max {
					return nil
				}
			}
			if err != nil {
				break
			}
		}
	}
	return nil
}

// syncDir syncs a directory, so that a file created in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
