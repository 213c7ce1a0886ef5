package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/server"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The test binary plays bdg-rpc: "<binary> serve [--listen PATH]" is the
// backend, with the same server package "bdg-rpc serve" runs, and
// "<binary> worker" is a session worker.
func TestMain(m *testing.M) {
	sessiontest.Child(map[string]func() int{"serve": func() int { return serveMain(os.Args[2:]) }, "relay": relayMain, "mcp": mcpMain})
	os.Exit(m.Run())
}

func serveMain(args []string) int {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	exe, _ := os.Executable()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := server.New(server.Config{Home: os.Getenv("BDG_HOME"), Log: log, Launcher: control.Launcher{Executable: exe}})
	if len(args) == 2 && args[0] == "--listen" {
		if err := srv.Listen(ctx, args[1]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	return srv.ServeConn(ctx, rpc.StdioConn{In: os.Stdin, Out: os.Stdout})
}

// waitLimit bounds every wait: a broken backend fails a test instead of
// hanging it. No assertion depends on it.
const waitLimit = 60 * time.Second

type env struct {
	t    *testing.T
	home string
	fx   *browsertest.Fixtures
	vars []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, home: t.TempDir(), fx: browsertest.ServeFixtures(t)}
	e.vars = append(os.Environ(), "BDG_HOME="+e.home, "BDG_CHROME="+browsertest.ExecPath(t))
	t.Cleanup(e.stopAll)
	return e
}

// stopAll stops every session left running and checks nothing survives.
func (e *env) stopAll() {
	names, _ := session.List(e.home)
	for _, name := range names {
		d, _ := session.NewDir(e.home, name)
		m, merr := d.ReadMeta()
		if alive, _ := d.WorkerAlive(); alive {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			if _, err := control.Stop(ctx, d); err != nil {
				e.t.Errorf("stopping session %q: %v", name, err)
			}
			cancel()
		}
		if merr == nil && m.Chrome.PID != 0 {
			browsertest.AssertGroupGone(e.t, m.Chrome.PID)
		}
	}
}

// backend is a client of a "bdg-rpc serve": of a child over its stdio, or
// of a server listening on a socket.
type backend struct {
	t      *testing.T
	cmd    *exec.Cmd      // the child, when over stdio
	stdin  io.WriteCloser // what the client writes to
	stderr *strings.Builder

	mu      sync.Mutex
	waiters map[string]chan json.RawMessage // by id
	lines   []string                        // everything the server wrote, in order
	notes   chan map[string]json.RawMessage
	done    chan struct{}
	nextID  int

	pause chan struct{} // closed by stopReading
	quit  chan struct{} // closed at the end of the test

	stdout io.Closer     // the client's read end
	exited chan struct{} // closed when the child has been reaped (stdio)
}

// vanish makes the client disappear mid-stream: both of its ends close at
// once, as when an editor crashes.
func (b *backend) vanish() {
	b.stopReading()
	b.stdin.Close()
	b.stdout.Close()
}

// stopReading makes the client stop reading what the backend writes, as a
// stuck editor would.
func (b *backend) stopReading() { close(b.pause) }

// serve starts a backend over pipes.
func (e *env) serve() *backend {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	b := &backend{t: e.t, waiters: map[string]chan json.RawMessage{}, notes: make(chan map[string]json.RawMessage, 1<<17),
		done: make(chan struct{}), stderr: &strings.Builder{}, nextID: 1000, pause: make(chan struct{}), quit: make(chan struct{})}
	b.cmd = exec.Command(exe, "serve")
	b.cmd.Env = e.vars
	b.cmd.Stderr = &syncWriter{w: b.stderr}
	b.stdin, err = b.cmd.StdinPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	stdout, err := b.cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	b.stdout = stdout
	if err := b.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	b.exited = make(chan struct{})
	go func() { b.cmd.Wait(); close(b.exited) }() // the reaper
	go b.read(stdout)                             // ends when the backend closes stdout
	e.t.Cleanup(func() {
		close(b.quit)
		b.stdin.Close()
		select {
		case <-b.exited:
		case <-time.After(waitLimit):
			b.cmd.Process.Kill()
			<-b.exited
		}
		if e.t.Failed() {
			e.t.Logf("backend stderr:\n%s", b.stderr.String())
		}
	})
	return b
}

// listen starts a backend on a Unix socket and returns its path.
func (e *env) listen() string {
	e.t.Helper()
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	path := e.home + "/serve.sock"
	cmd := exec.Command(exe, "serve", "--listen", path)
	cmd.Env = e.vars
	stderr := &syncWriter{w: &strings.Builder{}}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if e.t.Failed() {
			e.t.Logf("listening backend stderr:\n%s", stderr.w.String())
		}
	})
	deadline := time.Now().Add(waitLimit)
	for {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return path
		}
		if time.Now().After(deadline) {
			e.t.Fatal("the backend never listened")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connect opens a client connection to a listening backend.
func (e *env) connect(path string) *backend {
	e.t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		e.t.Fatal(err)
	}
	b := &backend{t: e.t, stdin: conn, waiters: map[string]chan json.RawMessage{}, notes: make(chan map[string]json.RawMessage, 1<<17),
		done: make(chan struct{}), stderr: &strings.Builder{}, nextID: 1000, pause: make(chan struct{}), quit: make(chan struct{})}
	b.stdout = conn
	go b.read(conn) // ends when the connection closes
	e.t.Cleanup(func() { close(b.quit); conn.Close(); <-b.done })
	return b
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (b *backend) read(stdout io.Reader) {
	defer close(b.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for {
		select {
		case <-b.pause:
			<-b.quit
			return
		default:
		}
		if !sc.Scan() {
			return
		}
		line := sc.Text()
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			b.t.Errorf("the backend wrote a line that is not JSON: %q", line)
			continue
		}
		b.mu.Lock()
		b.lines = append(b.lines, line)
		id, isResponse := m["id"]
		var w chan json.RawMessage
		if isResponse {
			w = b.waiters[string(id)]
			delete(b.waiters, string(id))
		}
		b.mu.Unlock()
		switch {
		case isResponse && w != nil:
			w <- json.RawMessage(line)
		case !isResponse:
			b.notes <- m
		}
	}
}

// send writes raw bytes to the backend.
func (b *backend) send(raw string) {
	b.t.Helper()
	if _, err := io.WriteString(b.stdin, raw); err != nil {
		b.t.Fatalf("writing to the backend: %v", err)
	}
}

// expect registers a waiter for the response with id.
func (b *backend) expect(id string) chan json.RawMessage {
	ch := make(chan json.RawMessage, 1)
	b.mu.Lock()
	b.waiters[id] = ch
	b.mu.Unlock()
	return ch
}

// wait returns the response a waiter gets.
func (b *backend) wait(ch chan json.RawMessage, what string) json.RawMessage {
	b.t.Helper()
	select {
	case resp := <-ch:
		return resp
	case <-time.After(waitLimit):
		b.t.Fatalf("no response to %s", what)
		return nil
	}
}

// call sends a request and returns its whole response line.
func (b *backend) call(method string, params any) json.RawMessage {
	b.t.Helper()
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	b.mu.Unlock()
	ch := b.expect(fmt.Sprint(id))
	req, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	b.send(string(req) + "\n")
	return b.wait(ch, method)
}

// result calls and decodes the result, failing the test on an error.
func (b *backend) result(method string, params, result any) {
	b.t.Helper()
	resp := b.call(method, params)
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.Error != nil {
		b.t.Fatalf("%s: %s", method, resp)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			b.t.Fatalf("%s: decoding %s: %v", method, r.Result, err)
		}
	}
}

// wireError is an error object as it travels.
type wireError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// errorOf calls and returns the error, failing the test on success.
func (b *backend) errorOf(method string, params any) *protocol.Error {
	b.t.Helper()
	resp := b.call(method, params)
	var r struct {
		Error *wireError `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.Error == nil {
		b.t.Fatalf("%s succeeded: %s", method, resp)
	}
	return protocol.FromWire(r.Error.Code, r.Error.Message, r.Error.Data)
}

func (b *backend) initialize() {
	b.t.Helper()
	b.result(protocol.Initialize.Name, map[string]any{"clientInfo": map[string]string{"name": "go-test"}}, nil)
	b.send(`{"jsonrpc":"2.0","method":"initialized","params":{}}` + "\n")
}

// event is one notification.
type event struct {
	Method  string
	Session string
	Seq     uint64
	Params  json.RawMessage
}

func (ev event) text() string {
	var p protocol.ConsoleEvent
	_ = json.Unmarshal(ev.Params, &p)
	return p.Message.Text
}

// await reads notifications until done accepts one; it returns all read.
func (b *backend) await(what string, done func(event) bool) []event {
	b.t.Helper()
	var seen []event
	deadline := time.After(waitLimit)
	for {
		select {
		case m := <-b.notes:
			ev := event{Params: m["params"]}
			_ = json.Unmarshal(m["method"], &ev.Method)
			var p struct {
				Session string `json:"session"`
				Seq     uint64 `json:"seq"`
			}
			_ = json.Unmarshal(ev.Params, &p)
			ev.Session, ev.Seq = p.Session, p.Seq
			seen = append(seen, ev)
			if done(ev) {
				return seen
			}
		case <-deadline:
			b.t.Fatalf("waiting for %s: not among %d notifications", what, len(seen))
		}
	}
}

func consoleText(text string) func(event) bool {
	return func(ev event) bool { return ev.Method == protocol.NotifyConsole && strings.Contains(ev.text(), text) }
}

func ptr[T any](v T) *T { return &v }
