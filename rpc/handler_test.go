package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// testServer serves mux on one end of a connection: a net.Pipe, which
// buffers nothing (a write blocks until the other side reads it), or a Unix
// socket, which has the kernel's buffers as a real client has.
type testServer struct {
	t      *testing.T
	client net.Conn
	h      *Handler
}

func newTestServer(t *testing.T, mux *Mux) *testServer {
	t.Helper()
	srv, cli := net.Pipe()
	return serveOn(t, mux, srv, cli)
}

func newSocketServer(t *testing.T, mux *Mux) *testServer {
	t.Helper()
	dir, err := os.MkdirTemp("", "rpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cli, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, mux, srv, cli)
}

func serveOn(t *testing.T, mux *Mux, srv, cli net.Conn) *testServer {
	h := NewHandler(mux.Dispatch, nil)
	c := NewConn(context.Background(), NewStream(srv), h, nil)
	t.Cleanup(func() {
		cli.Close()
		select {
		case <-c.DisconnectNotify():
			h.Wait()
		case <-time.After(10 * time.Second):
			t.Error("the connection did not close when the client closed its end")
		}
	})
	return &testServer{t: t, client: cli, h: h}
}

// write sends lines from a goroutine (the pipe blocks it while the server
// does not read); the channel reports the end.
func (s *testServer) write(lines func(w *bufio.Writer)) <-chan error {
	done := make(chan error, 1)
	go func() {
		w := bufio.NewWriterSize(s.client, 4<<10)
		lines(w)
		done <- w.Flush()
	}()
	return done
}

type reply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code int64 `json:"code"`
	} `json:"error"`
}

// readReplies reads replies as they come onto the returned channel.
func (s *testServer) readReplies() <-chan reply {
	ch := make(chan reply, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(s.client)
		for sc.Scan() {
			var r reply
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				s.t.Errorf("reply %q: %v", sc.Text(), err)
				return
			}
			ch <- r
		}
	}()
	return ch
}

func (s *testServer) next(ch <-chan reply, what string) reply {
	s.t.Helper()
	select {
	case r, ok := <-ch:
		if !ok {
			s.t.Fatalf("the connection closed before the reply to %s", what)
		}
		return r
	case <-time.After(20 * time.Second):
		s.t.Fatalf("no reply to %s", what)
	}
	return reply{}
}

func request(w *bufio.Writer, id any, method string) {
	b, _ := json.Marshal(id)
	fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"method":%q}`+"\n", b, method)
}

func cancelLine(id any) string {
	b, _ := json.Marshal(id)
	return fmt.Sprintf(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":%s}}`+"\n", b)
}

// TestBackpressure: 100,000 pipelined requests whose replies are not read.
// The connection holds at most MaxCallsInFlight of them (goroutines
// included) and reads no further; once the client reads, every reply
// comes, in order.
func TestBackpressure(t *testing.T) {
	t.Run("pipe", func(t *testing.T) { testBackpressure(t, newTestServer) })
	t.Run("socket", func(t *testing.T) { testBackpressure(t, newSocketServer) })
}

func testBackpressure(t *testing.T, newServer func(*testing.T, *Mux) *testServer) {
	const n = 100_000
	var seq atomic.Int64
	var outOfOrder atomic.Int64
	mux := NewMux()
	mux.Handle("next", func(_ context.Context, r *Request) (any, error) {
		if int64(r.ID.Num) != seq.Add(1) {
			outOfOrder.Add(1)
		}
		return r.ID.Num, nil
	})
	base := runtime.NumGoroutine()
	s := newServer(t, mux)
	wrote := s.write(func(w *bufio.Writer) {
		for i := 1; i <= n; i++ {
			request(w, i, "next")
		}
	})

	// Read nothing for a while: the calls held, and the goroutines, stay
	// bounded, and the client's writes stop.
	var peakHeld, peakGoroutines int
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		peakHeld = max(peakHeld, len(s.h.slots))
		peakGoroutines = max(peakGoroutines, runtime.NumGoroutine()-base)
		time.Sleep(time.Millisecond)
	}
	started := seq.Load()
	t.Logf("while no reply was read: %d calls started, at most %d held, at most %d goroutines above the test's own",
		started, peakHeld, peakGoroutines)
	if peakHeld > MaxCallsInFlight {
		t.Errorf("held %d calls, want at most %d", peakHeld, MaxCallsInFlight)
	}
	// The calls and the connection's own: the read loop, its closer, the
	// reader ahead, the writer of this test.
	if limit := MaxCallsInFlight + 8; peakGoroutines > limit {
		t.Errorf("%d goroutines above the test's own, want at most %d", peakGoroutines, limit)
	}
	if started >= n/2 {
		t.Errorf("%d calls started although no reply was read", started)
	}
	select {
	case err := <-wrote:
		t.Fatalf("the client wrote all %d requests (%v) although the server held %d calls", n, err, peakHeld)
	default:
	}

	replies := s.readReplies()
	for i := 1; i <= n; i++ {
		r := s.next(replies, fmt.Sprintf("request %d", i))
		if string(r.ID) != fmt.Sprint(i) || string(r.Result) != fmt.Sprint(i) {
			t.Fatalf("reply %d: id %s, result %s (error %v): want the replies in order", i, r.ID, r.Result, r.Error)
		}
		if i%1000 == 0 {
			peakGoroutines = max(peakGoroutines, runtime.NumGoroutine()-base)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if outOfOrder.Load() != 0 {
		t.Errorf("%d calls started out of order", outOfOrder.Load())
	}
	if limit := MaxCallsInFlight + 8; peakGoroutines > limit {
		t.Errorf("%d goroutines above the test's own while reading the replies, want at most %d", peakGoroutines, limit)
	}
}

// TestBackpressureAsync: calls that called Async hold their slot until
// they reply, so the connection stops reading when MaxCallsInFlight of
// them run at once; as they reply, the rest are read and answered.
func TestBackpressureAsync(t *testing.T) {
	const n = 3 * MaxCallsInFlight
	release := make(chan struct{})
	var running, peak atomic.Int64
	mux := NewMux()
	mux.Handle("hold", func(ctx context.Context, r *Request) (any, error) {
		Async(ctx)
		now := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
		}
		select {
		case <-release:
			return r.ID.Num, nil
		case <-ctx.Done(): // the test failed and closed the connection
			return nil, ctx.Err()
		}
	})
	s := newTestServer(t, mux)
	wrote := s.write(func(w *bufio.Writer) {
		for i := 1; i <= n; i++ {
			request(w, i, "hold")
		}
	})
	replies := s.readReplies()
	waitFor(t, "the calls to fill the slots", func() bool { return running.Load() == MaxCallsInFlight })
	time.Sleep(100 * time.Millisecond)
	if got := running.Load(); got != MaxCallsInFlight {
		t.Errorf("%d calls run at once, want %d", got, MaxCallsInFlight)
	}
	close(release)
	seen := map[string]bool{}
	for range n {
		r := s.next(replies, "a held call")
		if r.Error != nil || seen[string(r.ID)] {
			t.Fatalf("reply %s: %+v (seen before: %v)", r.ID, r.Error, seen[string(r.ID)])
		}
		seen[string(r.ID)] = true
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if peak.Load() > MaxCallsInFlight {
		t.Errorf("%d calls ran at once, want at most %d", peak.Load(), MaxCallsInFlight)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// blockMux has "block", which ends only when cancelled (calling Async
// first when async), and "quick".
func blockMux(async bool, started *atomic.Int64) *Mux {
	return blockMuxIDs(async, started, nil)
}

// blockMuxIDs is blockMux that also records, in ids when not nil, the
// ids of the calls started.
func blockMuxIDs(async bool, started *atomic.Int64, ids *sync.Map) *Mux {
	mux := NewMux()
	mux.Handle("block", func(ctx context.Context, r *Request) (any, error) {
		if async {
			Async(ctx)
		}
		if ids != nil {
			ids.Store(r.ID.String(), true)
		}
		started.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	mux.Handle("quick", func(_ context.Context, r *Request) (any, error) { return "ok", nil })
	return mux
}

// TestCancelWhileFull: calls that hold every slot, and end only when
// cancelled, can be cancelled although the read loop is blocked: the
// cancellation is behind more requests than the connection takes, in what
// the reader has buffered, or read ahead after it, even byte by byte.
func TestCancelWhileFull(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bytewise bool
	}{{"buffered", false}, {"read-ahead-bytewise", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var started atomic.Int64
			var ids sync.Map
			s := newTestServer(t, blockMuxIDs(true, &started, &ids))
			replies := s.readReplies()
			const extra = 40 // requests beyond the bound, ahead of the cancellation
			wrote := s.write(func(w *bufio.Writer) {
				for i := 1; i <= MaxCallsInFlight+extra; i++ {
					request(w, i, "block")
				}
				if tc.bytewise {
					w.Flush()
					time.Sleep(50 * time.Millisecond) // the read loop blocks first
					for _, c := range []byte(cancelLine(7)) {
						w.WriteByte(c)
						w.Flush()
					}
				} else {
					w.WriteString(cancelLine(7))
				}
			})
			r := s.next(replies, "the cancelled call")
			if string(r.ID) != "7" || r.Error == nil || r.Error.Code != protocol.CodeRequestCancelled {
				t.Fatalf("first reply %s %+v, want call 7 cancelled (-32800)", r.ID, r.Error)
			}
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
			// Its slot went to the next call (call 7 itself may have been
			// cancelled before it started); cancel them all, each in turn.
			next := strconv.Itoa(MaxCallsInFlight + 1)
			waitFor(t, "the next call to start", func() bool { _, ok := ids.Load(next); return ok })
			cancels := s.write(func(w *bufio.Writer) {
				for i := 1; i <= MaxCallsInFlight+extra; i++ {
					if i != 7 {
						w.WriteString(cancelLine(i))
					}
				}
			})
			for range MaxCallsInFlight + extra - 1 {
				if r := s.next(replies, "a cancelled call"); r.Error == nil || r.Error.Code != protocol.CodeRequestCancelled {
					t.Fatalf("reply %s %+v, want -32800", r.ID, r.Error)
				}
			}
			if err := <-cancels; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCancelHeadOfLine: a sequential call that ends only when cancelled
// holds up every call behind it, which fill the slots; cancelling it, from
// behind requests the connection has not taken, lets the rest through in
// order.
func TestCancelHeadOfLine(t *testing.T) {
	var started atomic.Int64
	s := newTestServer(t, blockMux(false, &started))
	replies := s.readReplies()
	const quick = 2 * MaxCallsInFlight
	wrote := s.write(func(w *bufio.Writer) {
		request(w, "head", "block")
		for i := 1; i <= quick; i++ {
			request(w, i, "quick")
		}
		w.WriteString(cancelLine("head"))
		request(w, "last", "quick")
	})
	r := s.next(replies, "the head")
	if string(r.ID) != `"head"` || r.Error == nil || r.Error.Code != protocol.CodeRequestCancelled {
		t.Fatalf("first reply %s %+v, want the head cancelled (-32800)", r.ID, r.Error)
	}
	for i := 1; i <= quick; i++ {
		if r := s.next(replies, "a quick call"); string(r.ID) != fmt.Sprint(i) || r.Error != nil {
			t.Fatalf("reply %s %+v, want %d answered, in order", r.ID, r.Error, i)
		}
	}
	if r := s.next(replies, "the last call"); string(r.ID) != `"last"` {
		t.Fatalf("reply %s, want the last call", r.ID)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

// TestCancelNotYetTaken: a cancellation of a request that the connection
// had not yet taken when the cancellation was read ahead still cancels it,
// in its turn.
func TestCancelNotYetTaken(t *testing.T) {
	var started atomic.Int64
	s := newTestServer(t, blockMux(true, &started))
	replies := s.readReplies()
	wrote := s.write(func(w *bufio.Writer) {
		for i := 1; i <= MaxCallsInFlight+2; i++ {
			request(w, i, "block")
		}
		w.WriteString(cancelLine(MaxCallsInFlight + 2)) // not taken yet
		w.WriteString(cancelLine(1))                    // frees a slot
	})
	got := map[string]int64{}
	for range 2 {
		r := s.next(replies, "a cancelled call")
		if r.Error != nil {
			got[string(r.ID)] = r.Error.Code
		}
	}
	want := map[string]int64{"1": protocol.CodeRequestCancelled, fmt.Sprint(MaxCallsInFlight + 2): protocol.CodeRequestCancelled}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replies %v, want %v", got, want)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

// TestCancelTarget: params that name no call cancel nothing, not the call
// whose id is 0.
func TestCancelTarget(t *testing.T) {
	for params, want := range map[string]string{
		``: "none", `null`: "none", `{}`: "none", `{"id":null}`: "none", `{"id":{}}`: "none", `[1]`: "none",
		`{"id":0}`: "0", `{"id":7}`: "7", `{"id":"7"}`: `"7"`,
	} {
		id, ok := cancelTarget(json.RawMessage(params))
		got := "none"
		if ok {
			got = id.String()
			if id.IsString {
				got = fmt.Sprintf("%q", id.Str)
			}
		}
		if got != want {
			t.Errorf("cancelTarget(%s) = %s, want %s", params, got, want)
		}
	}
}

// TestLookaheadScan: the lines read ahead are found whole, with the
// offset where each ends, however the bytes are split, "\r\n" included; a
// line too long to be a cancellation is not examined.
func TestLookaheadScan(t *testing.T) {
	long := strings.Repeat("x", maxCancelLine+1)
	longest := strings.Repeat("y", maxCancelLine)
	input := "a\r\n" + long + "\n\nbb\n" + longest + "\nc"
	want := []string{
		fmt.Sprintf("a@%d", 3),
		fmt.Sprintf("@%d", 3+len(long)+2),
		fmt.Sprintf("bb@%d", 3+len(long)+5),
		fmt.Sprintf("%s@%d", longest, 3+len(long)+6+len(longest)),
	}
	for _, size := range []int{1, 2, 3, 7, 1 << 10, len(input)} {
		var got []string
		la := newLookahead(nil)
		la.found = func(line []byte, end int) { got = append(got, fmt.Sprintf("%s@%d", line, end)) }
		for i := 0; i < len(input); i += size {
			la.scan([]byte(input[i:min(i+size, len(input))]))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || la.scanned != len(input) || string(la.line) != "c" {
			t.Errorf("chunks of %d: found %d lines %.40q, scanned %d, pending %q", size, len(got), got, la.scanned, la.line)
		}
	}
}

// TestLookaheadRead: bytes read ahead reach the reader in order, followed
// by the source's error.
func TestLookaheadRead(t *testing.T) {
	srv, cli := net.Pipe()
	defer cli.Close()
	la := newLookahead(srv)
	la.rd = NewReader(la, 0)
	var mu sync.Mutex
	var found []string
	la.found = func(line []byte, _ int) { mu.Lock(); found = append(found, string(line)); mu.Unlock() }
	la.start()
	go func() {
		for i := range 100 {
			fmt.Fprintf(cli, "line %d\n", i)
		}
		cli.Close()
	}()
	waitFor(t, "the lines to be read ahead", func() bool { mu.Lock(); defer mu.Unlock(); return len(found) == 100 })
	la.stop()
	for i := range 100 {
		frame, err := la.rd.ReadFrame()
		if err != nil || string(frame) != fmt.Sprintf("line %d", i) {
			t.Fatalf("frame %d: %q, %v", i, frame, err)
		}
	}
	if _, err := la.rd.ReadFrame(); err == nil {
		t.Error("no error at the end")
	}
}

// TestCloseWhileFull: a client that goes away while the connection holds
// every slot, with a request waiting for one, closes the connection: the
// calls are cancelled, none waits for ever.
func TestCloseWhileFull(t *testing.T) {
	var started atomic.Int64
	srv, cli := net.Pipe()
	h := NewHandler(blockMux(true, &started).Dispatch, nil)
	c := NewConn(context.Background(), NewStream(srv), h, nil)
	go func() {
		w := bufio.NewWriter(cli)
		for i := 1; i <= MaxCallsInFlight+1; i++ {
			request(w, i, "block")
		}
		w.Flush()
	}()
	go io.Copy(io.Discard, cli)
	waitFor(t, "the calls to fill the slots", func() bool { return started.Load() == MaxCallsInFlight })
	time.Sleep(50 * time.Millisecond) // the last request waits for a slot
	cli.Close()
	select {
	case <-c.DisconnectNotify():
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not close when the client went away")
	}
	done := make(chan struct{})
	go func() { h.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the calls did not end when the connection closed")
	}
	if got := started.Load(); got != MaxCallsInFlight {
		t.Errorf("%d calls started, want %d: the one waiting for a slot is dropped", got, MaxCallsInFlight)
	}
}
