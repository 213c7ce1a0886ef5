package rpc

import (
	"bytes"
	"errors"
	"io"
	"sync"
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

// FuzzLookahead reads frames through a lookahead that reads ahead at
// points the fuzzer picks, as a Handler waiting for a slot does, each time
// until the input ends: the frames are those of the input, in order, and
// the lines found ahead are lines of the input, each once, with the offset
// where it ends; after the last start, every complete line that follows is
// found.
func FuzzLookahead(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\r\n\n  \n{\"c\""), []byte{0, 3, 7}, []byte{1, 0, 1})
	f.Add([]byte("a\nbb\nccc\ndddd\n"), []byte{0}, []byte{0, 1})
	f.Add([]byte("x\n\ny\r\nz"), []byte{1, 250}, []byte{1})
	f.Fuzz(func(t *testing.T, input, sizes, starts []byte) {
		frames, _, _ := referenceFrames(input, DefaultMaxFrame)
		la := newLookahead(&chunked{input: bytes.Clone(input), sizes: sizes})
		rd := NewReader(la, 0)
		la.rd = rd
		type foundLine struct {
			line string
			end  int
		}
		var mu sync.Mutex
		var found []foundLine
		la.found = func(line []byte, end int) {
			mu.Lock()
			found = append(found, foundLine{string(line), end})
			mu.Unlock()
		}
		lastStart := -1
		var got [][]byte
		for i := 0; ; i++ {
			if len(starts) > 0 && starts[i%len(starts)]&1 == 1 {
				// Read ahead as long as there is input (less than the
				// window), as a handler that waits long does.
				lastStart = la.position()
				la.start()
				la.mu.Lock()
				for la.running {
					la.changed.Wait()
				}
				la.mu.Unlock()
				la.stop()
			}
			frame, err := rd.ReadFrame()
			if err != nil {
				break
			}
			got = append(got, bytes.Clone(frame))
		}
		if len(got) != len(frames) {
			t.Fatalf("read %d frames, want %d", len(got), len(frames))
		}
		for i := range got {
			if !bytes.Equal(got[i], frames[i]) {
				t.Fatalf("frame %d = %q, want %q", i, got[i], frames[i])
			}
		}
		mu.Lock()
		defer mu.Unlock()
		prev := -1
		for _, fl := range found {
			start := fl.end - 1 - len(fl.line)
			if fl.end <= prev || fl.end > len(input) || input[fl.end-1] != '\n' {
				t.Fatalf("found %q ending at %d after %d: not a line of the input, or found twice", fl.line, fl.end, prev)
			}
			if cr := fl.end - 2; cr >= 0 && input[cr] == '\r' {
				start--
			}
			if start < 0 || (start > 0 && input[start-1] != '\n') || string(bytes.TrimSuffix(input[start:fl.end-1], []byte("\r"))) != fl.line {
				t.Fatalf("found %q ending at %d: not a whole line of the input", fl.line, fl.end)
			}
			prev = fl.end
		}
		if lastStart < 0 {
			return
		}
		ends := map[int]bool{}
		for _, fl := range found {
			ends[fl.end] = true
		}
		lineStart := 0
		for i, c := range input {
			if c != '\n' {
				continue
			}
			if lineStart >= lastStart && i-lineStart <= maxCancelLine && !ends[i+1] {
				t.Fatalf("the line ending at %d, after the last start at %d, was not found (found %v)", i+1, lastStart, found)
			}
			lineStart = i + 1
		}
	})
}
