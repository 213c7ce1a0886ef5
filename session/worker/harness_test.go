package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
	"github.com/bdg-rpc/bdg-rpc/session/worker"
)

// The test binary is also the worker: the launcher runs it as
// "<test binary> worker", as it runs "bdg-rpc worker". With BDG_FAKE_WORKER
// set it plays a misbehaving worker instead.
func TestMain(m *testing.M) {
	sessiontest.Child(map[string]func() int{"worker": func() int {
		if mode := os.Getenv("BDG_FAKE_WORKER"); mode != "" {
			return fakeWorker(mode)
		}
		return worker.Main()
	}})
	os.Exit(m.Run())
}

// waitLimit bounds every wait of these tests: a broken worker fails a test
// instead of hanging it. No assertion depends on it.
const waitLimit = 60 * time.Second

type harness struct {
	t        *testing.T
	home     string
	fx       *browsertest.Fixtures
	launcher control.Launcher
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	chrome := browsertest.ExecPath(t)
	return &harness{
		t:    t,
		home: t.TempDir(),
		fx:   browsertest.ServeFixtures(t),
		launcher: control.Launcher{
			Executable: exe,
			Env:        append(os.Environ(), "BDG_CHROME="+chrome, "BDG_FAKE_WORKER="),
		},
	}
}

func (h *harness) options(name, url string) session.Options {
	headless := true
	return session.Options{Session: name, Home: h.home, URL: url, Headless: &headless}
}

func (h *harness) dir(name string) session.Dir {
	d, err := session.NewDir(h.home, name)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// start launches a session and, at the end of the test, stops it if it is
// still running and checks that neither the worker nor its Chrome is left.
func (h *harness) start(opts session.Options) *control.Worker {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	w, err := h.launcher.Start(ctx, opts)
	if err != nil {
		h.t.Fatalf("starting session %q: %v", opts.Session, err)
	}
	m, _ := w.Dir.ReadMeta()
	h.t.Cleanup(func() {
		h.reap(w)
		if m.Chrome.TempProfile {
			assertRemoved(h.t, m.Chrome.UserDataDir)
		}
	})
	return w
}

// assertRemoved fails unless path is gone (a Chrome on its way out may
// still write to its profile for a moment).
func assertRemoved(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s was left behind", path)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reap stops the worker if it is still running and asserts that nothing of
// the session survives.
func (h *harness) reap(w *control.Worker) {
	defer func() {
		if h.t.Failed() {
			if b, err := os.ReadFile(w.Dir.File(session.LogFile)); err == nil {
				if len(b) > 8<<10 {
					b = b[len(b)-8<<10:]
				}
				h.t.Logf("end of worker.log of session %q:\n%s", w.Dir.Name, b)
			}
		}
	}()
	select {
	case <-w.Done():
	default:
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		// no_session: the test stopped it already, and the worker is on
		// its way out (awaited below).
		if _, err := control.Stop(ctx, w.Dir); err != nil && protocol.KindOf(err) != protocol.NoSession {
			h.t.Errorf("stopping session %q at the end of the test: %v", w.Dir.Name, err)
			_ = syscall.Kill(w.Handshake.PID, syscall.SIGKILL)
		}
		cancel()
	}
	select {
	case <-w.Done():
	case <-time.After(waitLimit):
		h.t.Errorf("worker %d of session %q did not exit", w.Handshake.PID, w.Dir.Name)
	}
	if pid := w.Handshake.Chrome.PID; pid != 0 {
		browsertest.AssertGroupGone(h.t, pid)
	}
	if alive, _ := w.Dir.WorkerAlive(); alive {
		h.t.Errorf("session %q still has a worker", w.Dir.Name)
	}
}

func (h *harness) client(d session.Dir) *control.Client {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := control.Connect(ctx, d, nil, nil)
	if err != nil {
		h.t.Fatalf("connecting to session %q: %v", d.Name, err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// call calls a method of the worker and fails the test if it fails.
func call[P, R any](h *harness, c *control.Client, m rpc.Spec[P, R], params P) R {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := rpc.Call(ctx, c.Conn, m, params)
	if err != nil {
		h.t.Fatalf("%s: %v", m.MethodName(), err)
	}
	return res
}

// note is one notification a subscriber received.
type note struct {
	Method string
	Params json.RawMessage
	Seq    uint64
}

func (n note) console() protocol.ConsoleMessage {
	var ev protocol.ConsoleEvent
	_ = json.Unmarshal(n.Params, &ev)
	return ev.Message
}

func (n note) request() protocol.NetworkRequest {
	var ev protocol.NetworkEvent
	_ = json.Unmarshal(n.Params, &ev)
	return ev.Request
}

// subscriber collects the events of one subscription, in order.
type subscriber struct {
	t      *testing.T
	client *control.Client
	notes  chan note
	seen   []note
}

// subscribe connects to the session and subscribes, replaying after since.
func (h *harness) subscribe(d session.Dir, since *uint64) *subscriber {
	h.t.Helper()
	s := &subscriber{t: h.t, notes: make(chan note, 1<<16)}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := control.Connect(ctx, d, nil, nil, rpc.InterceptNotifications(func(method string, frame []byte, _ bool) bool {
		var m struct {
			Params json.RawMessage `json:"params"`
		}
		_ = json.Unmarshal(frame, &m)
		var seq struct {
			Seq uint64 `json:"seq"`
		}
		_ = json.Unmarshal(m.Params, &seq)
		s.notes <- note{Method: method, Params: m.Params, Seq: seq.Seq}
		return true
	}))
	if err != nil {
		h.t.Fatalf("connecting to session %q: %v", d.Name, err)
	}
	h.t.Cleanup(func() { c.Close() })
	s.client = c
	if _, err := rpc.Call(ctx, c.Conn, protocol.Subscribe, protocol.SubscribeParams{Since: since}); err != nil {
		h.t.Fatalf("subscribing: %v", err)
	}
	return s
}

// await reads events until one satisfies done, and returns all read so far.
func (s *subscriber) await(what string, done func(note) bool) []note {
	s.t.Helper()
	return s.awaitWithin(what, waitLimit, done)
}

// awaitWithin is await with a limit of its own, for a page that keeps
// Chrome busy for long.
func (s *subscriber) awaitWithin(what string, limit time.Duration, done func(note) bool) []note {
	s.t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case n := <-s.notes:
			s.seen = append(s.seen, n)
			if done(n) {
				return s.seen
			}
			if n.Method == protocol.NotifyEnded {
				// Nothing comes after the session's last event: say why it
				// ended now rather than at the deadline.
				var ev protocol.EndedEvent
				_ = json.Unmarshal(n.Params, &ev)
				s.t.Fatalf("waiting for %s: the session ended first (%s: %s), after %d events", what, ev.Reason, ev.Error, len(s.seen))
			}
		case <-deadline:
			var methods []string
			for _, n := range s.seen {
				methods = append(methods, n.Method)
			}
			s.t.Fatalf("waiting for %s: not seen in %d events: %s", what, len(s.seen), strings.Join(methods, " "))
		}
	}
}

// consoleText is a predicate for a console message containing text.
func consoleText(text string) func(note) bool {
	return func(n note) bool {
		return n.Method == protocol.NotifyConsole && strings.Contains(n.console().Text, text)
	}
}

func ptr[T any](v T) *T { return &v }

// fakeWorker plays a worker for the launcher's tests.
func fakeWorker(mode string) int {
	hs := fmt.Sprintf(`{"version":"test","pid":%d,"socketPath":"/nonexistent.sock","chrome":{"pid":0,"version":"fake"},"target":{"id":"T","url":"about:blank","title":""}}`+"\n", os.Getpid())
	switch mode {
	case "chunked-handshake":
		// The handshake in three writes with pauses between: a launcher
		// that parses the first chunk would call the worker dead.
		for _, part := range []string{hs[:10], hs[10:40], hs[40:]} {
			os.Stdout.WriteString(part)
			time.Sleep(30 * time.Millisecond)
		}
	case "stderr-flood":
		// 10 MB on stderr, which nobody reads: with a pipe the worker would
		// block long before its handshake.
		line := strings.Repeat("x", 1023) + "\n"
		for i := 0; i < 10*1024; i++ {
			os.Stderr.WriteString(line)
		}
		os.Stdout.WriteString(hs)
	case "exit-early":
		fmt.Fprintln(os.Stderr, "fake worker: cannot go on: the sky fell")
		return 3
	case "silent":
		time.Sleep(time.Hour)
	}
	return 0
}
