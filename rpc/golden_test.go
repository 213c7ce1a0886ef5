package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/codec")

// A goldenCase is one file of testdata/codec: an input byte stream and what
// the codec must make of it.
//
// The archive's comment holds settings, one "key: value" per line:
//
//	mode: decode   (default) Stream.ReadObject, as jsonrpc2 calls it;
//	               "decoded" lists the messages it delivered, "replies"
//	               what the stream wrote back
//	mode: json     plain JSON lines, as the worker's handshake: "decoded"
//	               lists the values
//	mode: serve    a jsonrpc2 connection with a test Mux (methods "echo",
//	               "sum", "ping", which takes no params, and "params",
//	               which shows the params it got); "replies" lists what
//	               it answered, sorted
//	max: N         the frame limit
//	input: quoted  each line of "input" is a Go string literal; the input
//	               is their concatenation (for \r and other bytes)
//	concat: no     leave the case out of the all-inputs-concatenated run
//
// "error" holds the error that ended reading, if it was not a clean EOF.
type goldenCase struct {
	name    string
	path    string
	archive *txtar.Archive
	mode    string
	max     int
	concat  bool
	input   []byte
}

type goldenResult struct {
	decoded []string
	replies []string
	err     string
}

func loadGoldenCases(t *testing.T) []*goldenCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/codec/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files in testdata/codec: %v", err)
	}
	var cases []*goldenCase
	for _, path := range paths {
		a, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := &goldenCase{name: strings.TrimSuffix(filepath.Base(path), ".txtar"), path: path, archive: a, mode: "decode", concat: true}
		quoted := false
		for _, line := range strings.Split(string(a.Comment), "\n") {
			key, value, ok := strings.Cut(line, ":")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			value = strings.TrimSpace(value)
			switch strings.TrimSpace(key) {
			case "mode":
				c.mode = value
			case "max":
				c.max, err = strconv.Atoi(value)
				if err != nil {
					t.Fatalf("%s: bad max: %v", path, err)
				}
			case "input":
				quoted = value == "quoted"
			case "concat":
				c.concat = value != "no"
			}
		}
		raw := section(a, "input")
		if quoted {
			var buf bytes.Buffer
			for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				s, err := strconv.Unquote(line)
				if err != nil {
					t.Fatalf("%s: input line %q is not a Go string literal: %v", path, line, err)
				}
				buf.WriteString(s)
			}
			raw = buf.Bytes()
		}
		c.input = raw
		cases = append(cases, c)
	}
	return cases
}

func section(a *txtar.Archive, name string) []byte {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data
		}
	}
	return nil
}

func lines(b []byte) []string {
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (c *goldenCase) want() goldenResult {
	return goldenResult{
		decoded: lines(section(c.archive, "decoded")),
		replies: lines(section(c.archive, "replies")),
		err:     strings.TrimSpace(string(section(c.archive, "error"))),
	}
}

// feedings returns the ways the input is delivered: whole, split at every
// byte boundary into two reads, and one byte per read.
func feedings(input []byte) map[string][][]byte {
	f := map[string][][]byte{"whole": {input}}
	for i := 1; i < len(input); i++ {
		f[fmt.Sprintf("split@%d", i)] = [][]byte{input[:i], input[i:]}
	}
	var bytewise [][]byte
	for i := range input {
		bytewise = append(bytewise, input[i:i+1])
	}
	f["bytewise"] = bytewise
	return f
}

func TestGolden(t *testing.T) {
	cases := loadGoldenCases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if *update {
				c.rewrite(t, run(t, c.mode, c.max, [][]byte{c.input}))
			}
			want := c.want()
			for name, chunks := range feedings(c.input) {
				got := run(t, c.mode, c.max, chunks)
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(goldenResult{})); diff != "" {
					t.Fatalf("feeding %s: result differs from %s (-want +got):\n%s", name, c.path, diff)
				}
			}
		})
	}
	// All inputs of a mode concatenated into one stream give all results,
	// in order: framing resets cleanly after every case.
	for _, mode := range []string{"decode", "json", "serve"} {
		t.Run("concatenated-"+mode, func(t *testing.T) {
			var input []byte
			var want goldenResult
			n := 0
			for _, c := range cases {
				if c.mode != mode || !c.concat || c.max != 0 {
					continue
				}
				n++
				input = append(input, c.input...)
				w := c.want()
				want.decoded = append(want.decoded, w.decoded...)
				want.replies = append(want.replies, w.replies...)
			}
			if n == 0 {
				t.Skip("no cases")
			}
			if mode == "serve" {
				slices.Sort(want.replies)
			}
			for _, feed := range []string{"whole", "bytewise"} {
				got := run(t, mode, 0, feedings(input)[feed])
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(goldenResult{})); diff != "" {
					t.Fatalf("%d cases concatenated, fed %s (-want +got):\n%s", n, feed, diff)
				}
			}
		})
	}
}

func (c *goldenCase) rewrite(t *testing.T, r goldenResult) {
	t.Helper()
	join := func(ss []string) []byte {
		if len(ss) == 0 {
			return nil
		}
		return []byte(strings.Join(ss, "\n") + "\n")
	}
	files := []txtar.File{{Name: "input", Data: section(c.archive, "input")}}
	if r.decoded != nil || c.mode != "serve" {
		files = append(files, txtar.File{Name: "decoded", Data: join(r.decoded)})
	}
	if r.replies != nil || c.mode == "serve" {
		files = append(files, txtar.File{Name: "replies", Data: join(r.replies)})
	}
	if r.err != "" {
		files = append(files, txtar.File{Name: "error", Data: []byte(r.err + "\n")})
	}
	c.archive.Files = files
	if err := os.WriteFile(c.path, txtar.Format(c.archive), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chunkConn delivers its chunks one Read at a time and records what is
// written to it. Before it reports the end of input it calls beforeEOF, so a
// server can finish answering.
type chunkConn struct {
	chunks    [][]byte
	beforeEOF func()
	mu        sync.Mutex
	written   bytes.Buffer
	closed    bool
}

func (c *chunkConn) Read(p []byte) (int, error) {
	for len(c.chunks) > 0 && len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	if len(c.chunks) == 0 {
		if c.beforeEOF != nil {
			c.beforeEOF()
			c.beforeEOF = nil
		}
		return 0, io.EOF
	}
	n := copy(p, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	return n, nil
}

func (c *chunkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errors.New("write on closed conn")
	}
	return c.written.Write(p)
}

func (c *chunkConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *chunkConn) output() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return lines(c.written.Bytes())
}

func run(t *testing.T, mode string, max int, chunks [][]byte) goldenResult {
	t.Helper()
	// Copy the chunks: the reader consumes them.
	chunks = slices.Clone(chunks)
	switch mode {
	case "decode":
		return runDecode(chunks, max)
	case "json":
		return runJSON(chunks, max)
	case "serve":
		return runServe(t, chunks, max)
	}
	t.Fatalf("unknown mode %q", mode)
	return goldenResult{}
}

func runDecode(chunks [][]byte, max int) goldenResult {
	conn := &chunkConn{chunks: chunks}
	s := newStreamMax(conn, max)
	var r goldenResult
	for {
		// What jsonrpc2 decodes its messages from: the frame, once the
		// stream has checked it.
		var m json.RawMessage
		err := s.ReadObject(&m)
		if err != nil {
			r.err = endError(err)
			break
		}
		r.decoded = append(r.decoded, canonical(m))
	}
	r.replies = conn.output()
	return r
}

func runJSON(chunks [][]byte, max int) goldenResult {
	rd := NewReader(&chunkConn{chunks: chunks}, orDefault(max))
	var r goldenResult
	for {
		frame, err := rd.ReadFrame()
		if err != nil {
			r.err = endError(err)
			break
		}
		var v any
		if err := json.Unmarshal(frame, &v); err != nil {
			r.decoded = append(r.decoded, "invalid: "+err.Error())
			continue
		}
		r.decoded = append(r.decoded, canonical(v))
	}
	return r
}

func runServe(t *testing.T, chunks [][]byte, max int) goldenResult {
	mux := NewMux()
	Handle(mux, protocol.Method[echoParams, echoParams]{Name: "echo"}, func(_ context.Context, p echoParams) (echoParams, error) {
		return p, nil
	})
	Handle(mux, protocol.Method[[]int, int]{Name: "sum"}, func(_ context.Context, p []int) (int, error) {
		total := 0
		for _, n := range p {
			total += n
		}
		return total, nil
	})
	Handle(mux, protocol.Method[protocol.None, string]{Name: "ping"}, func(context.Context, protocol.None) (string, error) {
		return "pong", nil
	})
	mux.Handle("params", func(_ context.Context, r *Request) (any, error) {
		return map[string]any{"absent": r.Params == nil, "params": r.Params}, nil
	})
	h := NewHandler(mux.Dispatch, nil)
	conn := &chunkConn{chunks: chunks, beforeEOF: h.Wait}
	c := NewConn(context.Background(), newStreamMax(conn, max), h, nil)
	<-c.DisconnectNotify()
	h.Wait()
	replies := conn.output()
	slices.Sort(replies)
	return goldenResult{replies: replies}
}

type echoParams struct {
	Text   string `json:"text"`
	Repeat int    `json:"repeat,omitempty"`
}

func (p echoParams) Validate() error {
	if p.Text == "" {
		return errors.New(`missing required field "text"`)
	}
	return nil
}

// newStreamMax returns a Stream over rwc whose frame limit is max (0: the
// default).
func newStreamMax(rwc io.ReadWriteCloser, max int) *Stream {
	s := NewStream(rwc)
	s.rd.max = orDefault(max)
	return s
}

func orDefault(max int) int {
	if max == 0 {
		return DefaultMaxFrame
	}
	return max
}

func endError(err error) string {
	if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	return err.Error()
}

func canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "unencodable: " + err.Error()
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
