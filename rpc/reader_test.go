package rpc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
)

// TestReaderLinear feeds large frames one byte per read and checks that
// every byte is searched for the end of its frame exactly once, and that the
// bytes moved while the buffer grows stay within a small multiple of the
// input.
func TestReaderLinear(t *testing.T) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		line := strings.Repeat("x", size)
		input := []byte(line + "\n" + line + "\n")
		chunks := make([][]byte, len(input))
		for i := range input {
			chunks[i] = input[i : i+1]
		}
		rd := NewReader(&chunkConn{chunks: chunks}, 0)
		for range 2 {
			frame, err := rd.ReadFrame()
			if err != nil || len(frame) != size {
				t.Fatalf("size %d: got %d bytes, %v", size, len(frame), err)
			}
		}
		if _, err := rd.ReadFrame(); err != io.EOF {
			t.Fatalf("size %d: end = %v, want EOF", size, err)
		}
		if rd.examined != len(input) {
			t.Errorf("size %d: searched %d bytes for newlines, input has %d", size, rd.examined, len(input))
		}
	}
}

// TestReaderShrinks checks that one large frame does not pin a large buffer.
func TestReaderShrinks(t *testing.T) {
	big := strings.Repeat("y", 4<<20)
	input := big + "\n" + strings.Repeat("{\"a\":1}\n", 100)
	rd := NewReader(strings.NewReader(input), 0)
	if f, err := rd.ReadFrame(); err != nil || len(f) != len(big) {
		t.Fatalf("big frame: %d bytes, %v", len(f), err)
	}
	for {
		if _, err := rd.ReadFrame(); err != nil {
			break
		}
	}
	if len(rd.buf) > keepBufSize {
		t.Errorf("buffer still %d bytes after the big frame was consumed", len(rd.buf))
	}
}

// TestReaderStopsAtLimit checks that an oversized frame is not read whole:
// the reader stops once the limit is passed.
func TestReaderStopsAtLimit(t *testing.T) {
	const limit = 1 << 20
	src := &countingReader{r: strings.NewReader(strings.Repeat("z", 64<<20) + "\n")}
	rd := NewReader(src, limit)
	_, err := rd.ReadFrame()
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("err = %v, want FrameTooLargeError", err)
	}
	if src.n > 2*limit {
		t.Errorf("read %d bytes of a 64 MiB frame with a limit of %d", src.n, limit)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestStreamWrite checks the writing rules: one Write per message, one line,
// U+2028 and U+2029 escaped even inside pre-encoded params.
func TestStreamWrite(t *testing.T) {
	w := &writeRecorder{}
	s := NewStream(rwc{nil, w})
	msg := &Message{JSONRPC: "2.0", Method: "console/message",
		Params: []byte("{\"text\":\"a\u2028b\u2029c <&> \\n\"}")}
	if err := s.WriteObject(msg); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLine([]byte("{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"t\":\"\u2028\"}}")); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLine([]byte("{\"a\":\n1}")); err == nil {
		t.Error("WriteLine accepted a raw newline")
	}
	want := []string{
		`{"jsonrpc":"2.0","method":"console/message","params":{"text":"a\u2028b\u2029c <&> \n"}}` + "\n",
		`{"jsonrpc":"2.0","method":"x","params":{"t":"\u2028"}}` + "\n",
	}
	if len(w.writes) != len(want) {
		t.Fatalf("%d writes, want %d: %q", len(w.writes), len(want), w.writes)
	}
	for i := range want {
		if w.writes[i] != want[i] {
			t.Errorf("write %d = %q, want %q", i, w.writes[i], want[i])
		}
	}
}

type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, string(bytes.Clone(p)))
	return len(p), nil
}

// TestQueueAndWriteLines: queued lines go out with the next write, before
// it, in order; WriteLines is one Write; a raw newline is refused.
func TestQueueAndWriteLines(t *testing.T) {
	w := &writeRecorder{}
	s := NewStream(rwc{nil, w})
	if err := s.QueueLine([]byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.QueueLine([]byte("{\"b\":\"\u2028\"}")); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 0 {
		t.Fatalf("queued lines were written at once: %q", w.writes)
	}
	if err := s.WriteObject(&Message{JSONRPC: "2.0", Method: "c"}); err != nil {
		t.Fatal(err)
	}
	want := "{\"a\":1}\n{\"b\":\"\\u2028\"}\n{\"jsonrpc\":\"2.0\",\"method\":\"c\"}\n"
	if len(w.writes) != 1 || w.writes[0] != want {
		t.Fatalf("writes %q, want one write %q", w.writes, want)
	}
	if err := s.WriteLines([][]byte{[]byte(`{"d":1}`), []byte(`{"e":2}`)}); err != nil || len(w.writes) != 2 || w.writes[1] != "{\"d\":1}\n{\"e\":2}\n" {
		t.Fatalf("WriteLines: %v, writes %q", err, w.writes)
	}
	if err := s.QueueLine([]byte("{\"x\":\n1}")); err == nil {
		t.Error("QueueLine accepted a raw newline")
	}
	if err := s.Flush(); err != nil || len(w.writes) != 2 {
		t.Errorf("Flush of an empty queue wrote: %v %q", err, w.writes)
	}
}

// TestTrustedNotifications: with TrustNotifications, the event lines the
// recognizer accepts reach the interceptor undecoded, with "more" telling
// whether another frame is buffered; other lines are still checked.
func TestTrustedNotifications(t *testing.T) {
	input := `{"jsonrpc":"2.0","method":"console/message","params":{"session":"s","seq":1}}` + "\n" +
		`{"jsonrpc":"2.0","method":"network/request","params":{"session":"s","seq":2}}` + "\n" +
		`{"method":"x","jsonrpc":"2.0"}` + "\n" +
		`{"jsonrpc":"2.0","method":"broken` + "\n" +
		`{"jsonrpc":"2.0","id":1,"result":{}}` + "\n"
	var got []string
	conn := &chunkConn{chunks: [][]byte{[]byte(input)}}
	s := NewStream(conn, TrustNotifications(wire.Recognize), InterceptNotifications(func(method string, frame []byte, more bool) bool {
		got = append(got, fmt.Sprintf("%s more=%v", method, more))
		return true
	}))
	var m Message
	if err := s.ReadObject(&m); err != nil {
		t.Fatal(err)
	}
	want := []string{"console/message more=true", "network/request more=true", "x more=true"}
	if !slices.Equal(got, want) || string(m.ID) != "1" {
		t.Errorf("intercepted %q, then %+v; want %q, then the response", got, m, want)
	}
	if out := conn.output(); len(out) != 1 || !strings.Contains(out[0], "-32700") {
		t.Errorf("the broken line got %q, want a parse error", out)
	}
}
