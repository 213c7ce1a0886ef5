package browser

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// readerTransport is a pipe transport that reads from r through a buffer of
// size bytes, for the framing tests.
func readerTransport(r io.Reader, size, limit int) *pipeTransport {
	return &pipeTransport{br: bufio.NewReaderSize(r, size), limit: limit}
}

// readAll reads messages until an error, and returns them and the error.
func readAll(t *pipeTransport) ([]string, error) {
	var got []string
	var buf bytes.Buffer
	for {
		data, err := t.readMessage(&buf)
		if err != nil {
			return got, err
		}
		got = append(got, string(data))
	}
}

func TestPipeReadSplitsAtNUL(t *testing.T) {
	long := `{"s":"` + strings.Repeat("x", 100) + `"}` // longer than the buffer
	stream := `{"id":1}` + "\x00" + long + "\x00" + `{"method":"A.b","params":{"s":"a\u0000b"}}` + "\x00"
	for name, r := range map[string]io.Reader{
		"whole":      strings.NewReader(stream),
		"byte-wise":  iotest.OneByteReader(strings.NewReader(stream)),
		"half-reads": iotest.HalfReader(strings.NewReader(stream)),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAll(readerTransport(r, 16, DefaultReadLimit))
			if !errors.Is(err, io.EOF) {
				t.Errorf("end: err = %v; want io.EOF", err)
			}
			want := []string{`{"id":1}`, long, `{"method":"A.b","params":{"s":"a\u0000b"}}`}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("messages = %q; want %q", got, want)
			}
		})
	}
}

func TestPipeReadLimit(t *testing.T) {
	const limit = 40
	exact := strings.Repeat("a", limit)
	got, err := readAll(readerTransport(iotest.OneByteReader(strings.NewReader(exact+"\x00")), 16, limit))
	if len(got) != 1 || got[0] != exact || !errors.Is(err, io.EOF) {
		t.Errorf("a message of the limit: %d messages, err %v; want it whole", len(got), err)
	}
	// One byte more fails, whether or not its NUL has arrived yet, and no
	// matter how the reads split it.
	for _, stream := range []string{exact + "b\x00", exact + "b", exact + strings.Repeat("b", 1000)} {
		for _, size := range []int{16, 4096} {
			got, err := readAll(readerTransport(strings.NewReader(stream), size, limit))
			if len(got) != 0 || err == nil || !strings.Contains(err.Error(), "read limit of 40 bytes") {
				t.Errorf("%d bytes, buffer %d: %q, err %v; want the read limit error", len(stream), size, got, err)
			}
		}
	}
}

func TestPipeReadEndsInMessage(t *testing.T) {
	got, err := readAll(readerTransport(strings.NewReader(`{"id":1}`+"\x00"+`{"id":2,"res`), 16, DefaultReadLimit))
	if len(got) != 1 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("messages %q, err %v; want one message and io.ErrUnexpectedEOF", got, err)
	}
}

// osPipe returns both ends of a pipe, closed at the end of the test.
func osPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func TestPipeWrite(t *testing.T) {
	r, w := osPipe(t)
	p := newPipeTransport(r, w) // reads its own writes
	if err := p.writeMessage([]byte(`{"id":1,"method":"A.b"}`)); err != nil {
		t.Fatal(err)
	}
	// A raw NUL would end the message early; the writer refuses it and
	// writes nothing.
	if err := p.writeMessage([]byte("{\"id\":2,\"params\":{\"s\":\"a\x00b\"}}")); !errors.Is(err, errNULInMessage) {
		t.Errorf("raw NUL: err = %v; want errNULInMessage", err)
	}
	if err := p.writeMessage([]byte(`{"id":3}`)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":1,"method":"A.b"}` + "\x00" + `{"id":3}` + "\x00"; string(b) != want {
		t.Errorf("wrote %q; want %q", b, want)
	}
}

// A NUL cannot reach the writer through the API: JSON has it escaped, and
// params with a raw one are not JSON.
func TestCommandsHoldNoNUL(t *testing.T) {
	p, err := marshalParams(map[string]string{"s": "a\x00b"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := encodeCommand(1, "sess\x00ion", "A.b\x00", p)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(data, 0) >= 0 || !strings.Contains(string(data), `a\u0000b`) {
		t.Errorf("command %q holds a raw NUL, or lost the escaped one", data)
	}
	if _, err := checkParams(jsonv2.Value("{\"s\":\"a\x00b\"}")); err == nil {
		t.Error("params with a raw NUL in a string passed as JSON")
	}
}

// pipeFake is the Chrome side of a connection over a pipe.
type pipeFake struct {
	t  *testing.T
	br *bufio.Reader // commands
	w  *os.File      // messages
}

// dialPipeFake returns a connection over a pair of pipes, whose read limit is
// limit, and the fake Chrome at their other ends.
func dialPipeFake(t *testing.T, limit int, opts ...DialOption) (*Conn, *pipeFake) {
	t.Helper()
	cmdR, cmdW := osPipe(t)
	msgR, msgW := osPipe(t)
	cfg, err := newDialConfig(opts)
	if err != nil {
		t.Fatal(err)
	}
	tr := newPipeTransport(msgR, cmdW)
	tr.limit = limit
	conn := newConn("", tr, cfg)
	t.Cleanup(func() { conn.Close() })
	return conn, &pipeFake{t: t, br: bufio.NewReader(cmdR), w: msgW}
}

func (f *pipeFake) read() fakeCommand {
	f.t.Helper()
	data, err := f.br.ReadBytes(0)
	if err != nil {
		f.t.Fatalf("fake: reading a command: %v", err)
	}
	var c fakeCommand
	if err := jsonv2.Unmarshal(data[:len(data)-1], &c); err != nil {
		f.t.Fatalf("fake: decoding %q: %v", data, err)
	}
	return c
}

func (f *pipeFake) send(msg string) {
	f.t.Helper()
	if _, err := f.w.Write([]byte(msg + "\x00")); err != nil {
		f.t.Fatalf("fake: writing: %v", err)
	}
}

func TestPipeConn(t *testing.T) {
	ctx := testContext(t)
	events := make(chan Event, 10)
	conn, f := dialPipeFake(t, DefaultReadLimit, OnEvent(func(ev Event) { events <- ev }), MaxCommandSize(1024))
	if conn.URL() != "" {
		t.Errorf("URL() = %q; want \"\" over a pipe", conn.URL())
	}
	ch := goCall(t, ctx, conn, "S", "A.one")
	c := f.read()
	if c.Method != "A.one" || c.SessionID != "S" {
		t.Errorf("command = %+v", c)
	}
	// An event and the reply arrive in one write.
	f.send(`{"method":"E.v","sessionId":"S","params":{"n":1}}` + "\x00" + `{"id":` + itoa(c.ID) + `,"result":{"ok":true}}`)
	if r := <-ch; r.err != nil || string(r.res) != `{"ok":true}` {
		t.Errorf("call = %s, %v", r.res, r.err)
	}
	if ev := <-events; ev.Method != "E.v" || ev.SessionID != "S" || string(ev.Params) != `{"n":1}` {
		t.Errorf("event = %+v", ev)
	}
	big := jsonv2.Value(`{"s":"` + strings.Repeat("a", 2000) + `"}`)
	if _, err := conn.CallRaw(ctx, "", "Big.call", big); !errors.Is(err, ErrCommandTooLarge) {
		t.Errorf("big command: err = %v; want ErrCommandTooLarge", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	// Close closed the pipe: the fake reads its end.
	if _, err := f.br.ReadBytes(0); !errors.Is(err, io.EOF) {
		t.Errorf("fake after Close: err = %v; want io.EOF", err)
	}
	if !errors.Is(conn.Err(), ErrClosed) {
		t.Errorf("Err() = %v; want ErrClosed", conn.Err())
	}
}

func TestPipeConnLost(t *testing.T) {
	ctx := testContext(t)
	conn, f := dialPipeFake(t, DefaultReadLimit)
	ch := goCall(t, ctx, conn, "", "Pending.call")
	f.read()
	f.w.Close() // as when Chrome exits
	if r := <-ch; !errors.Is(r.err, ErrConnectionLost) {
		t.Errorf("pending call: err = %v; want ErrConnectionLost", r.err)
	}
	<-conn.Done()
}

func TestPipeConnReadLimit(t *testing.T) {
	conn, f := dialPipeFake(t, 64)
	f.send(`{"method":"Big.event","params":{"s":"` + strings.Repeat("a", 100) + `"}}`)
	<-conn.Done()
	if err := conn.Err(); !errors.Is(err, ErrConnectionLost) || !strings.Contains(err.Error(), "read limit") {
		t.Errorf("Err() = %v; want ErrConnectionLost for the read limit", err)
	}
}

// Pipe drops the port flags, whatever sets them and in whatever order, and
// always asks for JSON on the pipe.
func TestPipeFlags(t *testing.T) {
	cfg := &launchConfig{flags: map[string]any{}}
	for _, o := range append(DefaultOptions(), Pipe(), Flag("remote-debugging-port", 9222), Flag("remote-debugging-pipe", "cbor")) {
		o(cfg)
	}
	if !cfg.pipe {
		t.Fatal("Pipe() did not set the pipe mode")
	}
	cfg.pipeFlags()
	args, err := cfg.args()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(args, "--remote-debugging-pipe") {
		t.Errorf("args lack --remote-debugging-pipe: %v", args)
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--remote-debugging-") && a != "--remote-debugging-pipe" {
			t.Errorf("args on a pipe have %s", a)
		}
	}
}
