package rpc

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// onceServer answers the one request it reads on a pipe with lines.
func onceServer(t *testing.T, lines ...string) (net.Conn, <-chan string) {
	t.Helper()
	client, server := net.Pipe()
	got := make(chan string, 1)
	go func() {
		defer server.Close()
		req, err := bufio.NewReader(server).ReadString('\n')
		if err != nil {
			return
		}
		got <- req
		for _, l := range lines {
			if _, err := server.Write([]byte(l + "\n")); err != nil {
				return
			}
		}
		_, _ = io.Copy(io.Discard, server) // hold the pipe open until the client closes it
	}()
	t.Cleanup(func() { client.Close() })
	return client, got
}

func TestCallOnce(t *testing.T) {
	ctx := context.Background()
	big := `{"messages":[` + strings.Repeat(`{"text":"x \u2028 <b>"},`, 1000) + `{}],"total":1001}`
	c, got := onceServer(t,
		`{"jsonrpc":"2.0","method":"console/message","params":{"seq":1}}`,
		`{"id":1,"result":`+big+`,"jsonrpc":"2.0"}`)
	res, err := CallOnce(ctx, c, "console/list", []byte(`{"last":5}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != big {
		t.Errorf("the result changed on its way: %.200s", res)
	}
	if req := <-got; req != `{"jsonrpc":"2.0","id":1,"method":"console/list","params":{"last":5}}`+"\n" {
		t.Errorf("request %q", req)
	}

	c, _ = onceServer(t, `{"jsonrpc":"2.0","id":1,"error":{"code":-32010,"message":"no session \"x\"","data":{"kind":"no_session","hint":"start one"}}}`)
	_, err = CallOnce(ctx, c, "network/get", nil)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Kind != protocol.NoSession || pe.Hint != "start one" {
		t.Errorf("error reply: %v", err)
	}

	c, _ = onceServer(t, `{"id":1,"result":{"a":`)
	if _, err := CallOnce(ctx, c, "m", nil); err == nil {
		t.Error("a malformed reply was taken")
	}

	c, _ = onceServer(t) // never answers
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := CallOnce(cctx, c, "m", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("no answer: %v, want the context's deadline", err)
	}
}

// TestRawResultPassesAsIs: a handler's RawResult is the reply's result, byte
// for byte.
func TestRawResultPassesAsIs(t *testing.T) {
	raw := RawResult(`{"b":1,"a":"<\u2028>"}`)
	got, err := encodeResult("m", raw)
	if err != nil || string(got) != string(raw) {
		t.Errorf("encodeResult: %s, %v", got, err)
	}
	if got, _ := encodeResult("m", RawResult(nil)); string(got) != "null" {
		t.Errorf("an empty RawResult: %s", got)
	}
}

// TestForward: a reply passed on with CallForward reaches the client as
// one line under the client's id, byte for byte, through a buffer smaller
// than it; a reply cut off on its way closes the client's stream rather
// than leave it a broken line. Other replies are read whole.
func TestForward(t *testing.T) {
	ctx := context.Background()
	big := `{"messages":[` + strings.Repeat(`{"text":"a line of the page"},`, 30000) + `{}],"total":30001}`
	forward := func(t *testing.T, worker net.Conn) (string, error) {
		t.Helper()
		released := false
		f, err := CallForward(ctx, worker, "console/list", nil, func() { released = true })
		if err != nil {
			return "", err
		}
		a, b := net.Pipe()
		defer b.Close()
		s := NewStream(a)
		got := make(chan string, 1)
		go func() {
			line, _ := bufio.NewReader(b).ReadString('\n')
			got <- line
		}()
		err = s.writeForward([]byte(`{"id":"c7","result":`), f)
		f.Close()
		if !released {
			t.Error("the worker's connection was not let go")
		}
		if err != nil {
			a.Close()
		}
		return <-got, err
	}
	worker, _ := onceServer(t, `{"id":1,"result":`+big+`,"jsonrpc":"2.0"}`)
	line, err := forward(t, worker)
	if err != nil || line != `{"id":"c7","result":`+big+`,"jsonrpc":"2.0"}`+"\n" {
		t.Errorf("passed on: %v, %d bytes (want %d)", err, len(line), len(big)+38)
	}
	// A worker that dies in the middle of its reply.
	client, server := net.Pipe()
	go func() {
		_, _ = bufio.NewReader(server).ReadString('\n')
		_, _ = server.Write([]byte(`{"id":1,"result":` + big[:100000]))
		server.Close()
	}()
	line, err = forward(t, client)
	if !errors.Is(err, errForwardBroken) || strings.HasSuffix(line, "\n") {
		t.Errorf("cut off: %v; the client read %d bytes ending %q", err, len(line), line[max(0, len(line)-10):])
	}

	worker, _ = onceServer(t, `{"jsonrpc":"2.0","id":1,"error":{"code":-32010,"message":"gone","data":{"kind":"no_session"}}}`)
	if _, err := CallForward(ctx, worker, "m", nil, func() {}); protocol.KindOf(err) != protocol.NoSession {
		t.Errorf("an error reply: %v", err)
	}
	worker, _ = onceServer(t, `{"jsonrpc":"2.0","result":{"x":1},"id":1}`)
	f, err := CallForward(ctx, worker, "m", nil, func() {})
	if err != nil || string(f.raw) != `{"x":1}` {
		t.Errorf("another layout: %v, %q", err, f.raw)
	}
}

// discardConn is a client connection that takes every write.
type discardConn struct{ io.Reader }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (discardConn) Close() error                { return nil }

// BenchmarkForwardSmall: one call passed on with CallForward whose reply
// is small (most calls: a status, a page of 100): what it allocates is
// paid on every call, whatever the reply.
func BenchmarkForwardSmall(b *testing.B) {
	ctx := context.Background()
	reply := []byte(`{"id":1,"result":{"items":[{"seq":1,"level":"log","text":"hello"}],"total":1},"jsonrpc":"2.0"}` + "\n")
	s := NewStream(discardConn{strings.NewReader("")})
	b.ReportAllocs()
	for b.Loop() {
		client, server := net.Pipe()
		go func() {
			_, _ = bufio.NewReader(server).ReadString('\n')
			_, _ = server.Write(reply)
			server.Close()
		}()
		f, err := CallForward(ctx, client, "console/list", nil, func() { client.Close() })
		if err != nil {
			b.Fatal(err)
		}
		if err := s.writeForward([]byte(`{"id":"c7","result":`), f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
