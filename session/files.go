package session

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
)

// WriteFileAtomic writes a file so that readers see the old content or the
// new, never a mix or a truncated file: it writes a temporary file in the
// same directory, syncs it, and renames it into place. On failure the old
// file is untouched and the temporary one removed. It cannot be redirected
// by a link: the temporary file has a random name and is created with
// O_CREATE|O_EXCL (which never follows a link), and the rename replaces
// whatever is at path, a link included, never writing through it.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteJSONAtomic writes v as JSON with WriteFileAtomic.
func WriteJSONAtomic(path string, v any) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	})
}

// WriteOutputAtomic writes a session document (session.json or
// session.partial.json) atomically, streaming its records one by one into
// the file: a document of tens of megabytes is never built in memory. out
// carries everything but the records, which come as shared pointers. Its
// summary (Summary) is written beside it.
func WriteOutputAtomic(path string, out protocol.Output, network []*protocol.NetworkRequest, console []*protocol.ConsoleMessage) error {
	return WriteOutputStream(path, out, RecordsOf(network), RecordsOf(console))
}

// Records are the records of one kind of a document, as a stream: Each
// calls visit with each, oldest first, until visit returns false (a
// session's million console messages are read from its journal as they
// are written); Newest are the newest of them, for the summary (nil: the
// newest Each gave).
type Records[T any] struct {
	Each   func(visit func(*T) bool) error
	Newest []*T
}

// RecordsOf streams the records of a slice.
func RecordsOf[T any](recs []*T) Records[T] {
	return Records[T]{Each: func(visit func(*T) bool) error {
		for _, r := range recs {
			if !visit(r) {
				break
			}
		}
		return nil
	}, Newest: recs}
}

// tracked returns the records, and a pointer to the newest of them once
// Each has run: Newest, or those Each gave.
func (r Records[T]) tracked() (Records[T], *[]*T) {
	newest := r.Newest
	if newest != nil {
		return r, &newest
	}
	all := r.Each
	r.Each = func(visit func(*T) bool) error {
		return all(func(v *T) bool {
			if len(newest) == 2*SummaryItems {
				newest = append(newest[:0], newest[SummaryItems:]...)
			}
			newest = append(newest, v)
			return visit(v)
		})
	}
	return r, &newest
}

// WriteOutputStream is WriteOutputAtomic with the records as streams.
func WriteOutputStream(path string, out protocol.Output, network Records[protocol.NetworkRequest], console Records[protocol.ConsoleMessage]) error {
	network, newestNetwork := network.tracked()
	console, newestConsole := console.tracked()
	if err := writeOutput(path, out, network.Each, console.Each); err != nil {
		return err
	}
	return writeSummary(path, out, *newestNetwork, *newestConsole)
}

func writeOutput(path string, out protocol.Output, network func(visit func(*protocol.NetworkRequest) bool) error,
	console func(visit func(*protocol.ConsoleMessage) bool) error) error {
	out.Data = protocol.OutputData{Network: []protocol.NetworkRequest{}, Console: []protocol.ConsoleMessage{}}
	head, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	marker := []byte(`"data":{"network":[],"console":[]}`)
	i := bytes.Index(head, marker)
	if i < 0 {
		return fmt.Errorf("encoding %s: no data member in the document", path)
	}
	// The index goes beside the document (docindex.go). The old one goes
	// first: an index present is never of an older document. An index
	// that cannot be written is only a loss of speed for readers.
	os.Remove(IndexOf(path))
	ix, ierr := newIndexWriter(path)
	var spool *os.File
	if ierr == nil {
		if spool, ierr = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(IndexOf(path))+".*.tmp"); ierr != nil {
			ix.abort()
			ix = nil
		} else {
			defer func() { spool.Close(); os.Remove(spool.Name()) }()
		}
	}
	var size int64
	writtenAtOff := int64(-1)
	err = WriteFileAtomic(path, func(w io.Writer) error {
		cw := &countingWriter{w: w}
		bw := bufio.NewWriterSize(cw, 64<<10)
		pos := func() int64 { return cw.n + int64(bw.Buffered()) }
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		bw.Write(head[:i])
		bw.WriteString(`"data":{"network":[`)
		var noteRequest func(*protocol.NetworkRequest, int64, int64)
		var noteMessage func(*protocol.ConsoleMessage, int64, int64)
		if ix != nil {
			sw := bufio.NewWriterSize(spool, 64<<10)
			defer sw.Flush()
			noteRequest = func(r *protocol.NetworkRequest, off, n int64) { ix.request(r, off, n, sw) }
			noteMessage = ix.console
		}
		encodeRequest := func(r *protocol.NetworkRequest) error { return enc.Encode(r) }
		// A console message by the event lines' writer, which writes what
		// encoding/json writes, several times as fast (a million of them
		// in a day-long session).
		var line []byte
		encodeMessage := func(m *protocol.ConsoleMessage) error {
			var ok bool
			if line, ok = wire.ConsoleMessage(line[:0], m); !ok {
				return enc.Encode(m) // text that is not UTF-8: encoding/json replaces it
			}
			bw.Write(append(line, '\n'))
			return nil
		}
		if err := writeArray(bw, encodeRequest, pos, network, noteRequest); err != nil {
			return err
		}
		bw.WriteString(`],"console":[`)
		if err := writeArray(bw, encodeMessage, pos, console, noteMessage); err != nil {
			return err
		}
		bw.WriteString(`]}`)
		if wa := bytes.Index(head[i+len(marker):], []byte(writtenAtMember)); wa >= 0 && out.WrittenAt != "" {
			writtenAtOff = pos() + int64(wa)
		}
		bw.Write(head[i+len(marker):])
		bw.WriteByte('\n')
		if err := bw.Flush(); err != nil {
			return err
		}
		size = cw.n
		return nil
	})
	if ix == nil {
		return err
	}
	if err != nil {
		ix.abort()
		return err
	}
	_ = ix.finish(spool, size, out.WrittenAt, writtenAtOff)
	return nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeArray writes the members of an array, comma-separated; note, if
// not nil, is told where each one is in the document (pos gives the
// offset of the next byte written).
func writeArray[T any](bw *bufio.Writer, encode func(*T) error, pos func() int64, each func(visit func(*T) bool) error, note func(v *T, off, n int64)) error {
	j, werr := 0, error(nil)
	err := each(func(v *T) bool {
		if j > 0 {
			bw.WriteByte(',')
		}
		j++
		off := pos()
		werr = encode(v)
		if note != nil && werr == nil {
			note(v, off, pos()-off)
		}
		return werr == nil
	})
	return errors.Join(err, werr)
}

// Meta is session.meta.json: who the worker is and how to reach it. The
// worker writes it when it starts and again once it is ready.
type Meta struct {
	Version    string          `json:"version"`
	Session    string          `json:"session"`
	State      string          `json:"state"` // starting | running
	PID        int             `json:"pid"`
	PIDStart   uint64          `json:"pidStart"` // the process's start time in clock ticks, against PID reuse
	Executable string          `json:"executable"`
	SocketPath string          `json:"socketPath"`
	StartTime  time.Time       `json:"startTime"`
	URL        string          `json:"url"`
	Target     protocol.Target `json:"target"`
	Chrome     MetaChrome      `json:"chrome"`
	Options    Options         `json:"options"`
}

// MetaChrome is what a session knows of its Chrome: what session/status
// reports, and enough to clean up after a worker that died without closing
// it.
type MetaChrome struct {
	protocol.Chrome
	PIDStart    uint64 `json:"pidStart,omitempty"`
	UserDataDir string `json:"userDataDir,omitempty"`
	TempProfile bool   `json:"tempProfile,omitempty"` // UserDataDir is ours to delete
}

// ReadMeta reads the session's metadata; a session.meta.json that is a
// link is not read (a session_file error).
func (d Dir) ReadMeta() (Meta, error) {
	var m Meta
	b, err := ReadFile(d.File(MetaFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("reading %s: %w", d.File(MetaFile), err)
	}
	return m, nil
}

// ErrNoOutput is returned when a session has left no data file behind.
var ErrNoOutput = errors.New("no session data")

// ReadOutput reads what a session left on disk when its worker cannot be
// asked: the newer of session.json (the session ended) and
// session.partial.json (it did not end cleanly). It returns the document,
// the file it came from, and how old that file is. A file that is a link
// is not read: it is a session_file error.
func (d Dir) ReadOutput() (protocol.Output, string, time.Duration, error) {
	var out protocol.Output
	path, mod, err := d.newestOutput()
	if err != nil {
		return out, "", 0, err
	}
	b, err := ReadFile(path)
	if err != nil {
		return out, path, 0, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, path, 0, fmt.Errorf("reading %s: %w", path, err)
	}
	// A file "from the future" means the clock went back: its age is
	// unknown, and zero is the honest lower bound.
	return out, path, max(0, time.Since(mod)), nil
}
