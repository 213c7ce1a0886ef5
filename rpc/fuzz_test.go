package rpc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// referenceFrames splits input the slow, obvious way: the complete lines,
// without "\r\n" or "\n", blank ones dropped. A frame longer than max stops
// the list; so does the end of input inside a line.
func referenceFrames(input []byte, max int) (frames [][]byte, tooLarge, truncated bool) {
	for {
		i := bytes.IndexByte(input, '\n')
		if i < 0 {
			return frames, len(input) > max+1, !isBlank(input)
		}
		line := bytes.TrimSuffix(input[:i], []byte("\r"))
		input = input[i+1:]
		if len(line) > max {
			return frames, true, false
		}
		if !isBlank(line) {
			frames = append(frames, line)
		}
	}
}

// chunked delivers input in reads whose sizes come from sizes, cycling.
type chunked struct {
	input []byte
	sizes []byte
	i     int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.input) == 0 {
		return 0, io.EOF
	}
	n := len(c.input)
	if len(c.sizes) > 0 {
		n = min(n, int(c.sizes[c.i%len(c.sizes)])+1)
		c.i++
	}
	n = copy(p, c.input[:n])
	c.input = c.input[n:]
	return n, nil
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\r\n\n  \n{\"c\""), []byte{0, 3, 7}, uint16(16))
	f.Add([]byte("日本語\n🎉\n"), []byte{0}, uint16(0))
	f.Add([]byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nshort\n"), []byte{1, 250}, uint16(8))
	f.Fuzz(func(t *testing.T, input, sizes []byte, max16 uint16) {
		max := int(max16)%64 + 1
		if max16 == 0 {
			max = DefaultMaxFrame
		}
		want, tooLarge, truncated := referenceFrames(input, max)
		rd := NewReader(&chunked{input: bytes.Clone(input), sizes: sizes}, max)
		var got [][]byte
		var err error
		for {
			var frame []byte
			frame, err = rd.ReadFrame()
			if err != nil {
				break
			}
			got = append(got, bytes.Clone(frame))
		}
		if len(got) > len(want) {
			t.Fatalf("delivered %d frames, input holds %d complete ones", len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d = %q, want %q", i, got[i], want[i])
			}
		}
		var big *FrameTooLargeError
		switch {
		case errors.As(err, &big):
			if !tooLarge {
				t.Fatalf("frame too large reported, but no frame exceeds %d: %q", max, input)
			}
		case tooLarge:
			t.Fatalf("err = %v, want a frame-too-large error", err)
		case len(got) != len(want):
			t.Fatalf("delivered %d frames, want %d (err %v)", len(got), len(want), err)
		case truncated && !errors.Is(err, ErrTruncatedFrame):
			t.Fatalf("err = %v, want ErrTruncatedFrame", err)
		case !truncated && err != io.EOF:
			t.Fatalf("err = %v, want io.EOF", err)
		}
	})
}

// FuzzStream checks that no input makes the stream panic or deliver a
// message that was not a complete line of valid JSON-RPC.
func FuzzStream(f *testing.F) {
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"method\":\"a\"}\nnot json\n[1]\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"), []byte{5})
	f.Add([]byte("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}\n{\"jsonrpc\":\"2.0\",\"id\":-1,\"method\":\"x\"}"), []byte{})
	f.Fuzz(func(t *testing.T, input, sizes []byte) {
		frames, _, _ := referenceFrames(input, DefaultMaxFrame)
		conn := &chunkConn{chunks: [][]byte{bytes.Clone(input)}}
		s := NewStream(conn)
		delivered := 0
		for {
			var m Message
			if err := s.ReadObject(&m); err != nil {
				break
			}
			delivered++
			var h header
			if fe := inspect([]byte(canonical(&m)), &h); fe != nil {
				t.Fatalf("delivered a message that is not JSON-RPC 2.0: %+v: %s", m, fe.err.Message)
			}
		}
		if delivered > len(frames) {
			t.Fatalf("delivered %d messages from %d complete lines", delivered, len(frames))
		}
		for _, line := range conn.output() {
			if !bytes.HasPrefix([]byte(line), []byte(`{"jsonrpc":"2.0","id":`)) {
				t.Fatalf("wrote something that is not a reply: %q", line)
			}
		}
	})
}
