package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The contenders of TestServeBench: clients of bdg-rpc serve and of a
// worker's socket, a bare CDP client, and the CPU times of their processes.

// ---- line clients: of bdg-rpc serve over stdio, of a worker's socket ----

// Lines the clients' read loop tells apart without decoding: workers encode
// notifications with jsonrpc, method and params in this order
// (session/capture/journal.go), and console messages with text before
// timestamp.
var (
	notificationPrefix = []byte(`{"jsonrpc":"2.0","method":"`)
	consolePrefix      = []byte(`{"jsonrpc":"2.0","method":"console/message",`)
	lineBurstText      = []byte(`"text":"m `)
)

// lineClient is an editor: it reads newline-delimited JSON-RPC with a fast
// line reader and decodes only what it needs.
type lineClient struct {
	t    *testing.T
	w    io.WriteCloser
	done chan struct{} // the read loop ended
	watchers

	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  int
	waiters map[string]chan []byte

	rec atomic.Pointer[recorder]
}

func newLineClient(t *testing.T, w io.WriteCloser, r io.Reader) *lineClient {
	c := &lineClient{t: t, w: w, done: make(chan struct{}), waiters: map[string]chan []byte{}}
	go c.read(r)
	return c
}

func (c *lineClient) read(r io.Reader) {
	defer close(c.done)
	readLines(r, func(line []byte, at time.Time) { c.handle(line, at.UnixNano()) })
}

// readLines calls fn with each line r gives, without its newline, and the
// time it was read, until r ends; the line is fn's during the call only.
func readLines(r io.Reader, fn func(line []byte, at time.Time)) {
	br := bufio.NewReaderSize(r, 1<<20)
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if err != nil {
			return
		}
		at := time.Now()
		if len(long) > 0 {
			line = append(long, line...)
			long = long[:0]
		}
		fn(line[:len(line)-1], at)
	}
}

func (c *lineClient) handle(line []byte, now int64) {
	if bytes.HasPrefix(line, consolePrefix) {
		if r := c.rec.Load(); r != nil {
			if i := bytes.Index(line, lineBurstText); i >= 0 {
				stamp, _ := numberAfter(line[i:], keyTimestamp)
				r.add(now, stamp, leadingInt(line[i+len(lineBurstText):]))
				return
			}
		}
	}
	if bytes.HasPrefix(line, notificationPrefix) {
		c.check(line, now)
		return
	}
	id, ok := leadingID(line)
	if !ok {
		var m struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(line, &m); err != nil || m.ID == nil {
			c.t.Errorf("a line that is neither a notification nor a response: %.300q", line)
			return
		}
		id = m.ID
	}
	c.mu.Lock()
	w := c.waiters[string(id)]
	delete(c.waiters, string(id))
	c.mu.Unlock()
	if w != nil {
		w <- bytes.Clone(line)
	}
}

// leadingID reads the id of a response laid out as bdg-rpc writes them,
// {"id":N,..., without decoding the rest of a line that may be megabytes.
func leadingID(line []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"id":`))
	if !ok {
		return nil, false
	}
	end := bytes.IndexByte(rest, ',')
	if end <= 0 || rest[0] == '"' {
		return nil, false
	}
	return rest[:end], true
}

// notify sends a notification.
func (c *lineClient) notify(method string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, _ = fmt.Fprintf(c.w, `{"jsonrpc":"2.0","method":%q,"params":{}}`+"\n", method)
}

// call sends a request and decodes its result.
func (c *lineClient) call(method string, params, result any, limit time.Duration) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan []byte, 1)
	c.waiters[strconv.Itoa(id)] = ch
	c.mu.Unlock()
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	c.wmu.Lock()
	_, err = c.w.Write(append(req, '\n'))
	c.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: writing: %w", method, err)
	}
	var resp []byte
	select {
	case resp = <-ch:
	case <-c.done:
		return fmt.Errorf("%s: the connection closed", method)
	case <-time.After(limit):
		return fmt.Errorf("%s: no response within %s", method, limit)
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if r.Error != nil {
		return fmt.Errorf("%s: %s", method, resp)
	}
	if result != nil {
		return json.Unmarshal(r.Result, result)
	}
	return nil
}

// burst makes the page log n messages with cdp/send (session names the
// session for serve; a worker ignores it) and records what the client
// receives. procs are the processes whose CPU time counts besides Chrome's.
func (c *lineClient) burst(who, session string, n, chromePID int, procs map[string]int, profile func(syscall.Signal)) burstRun {
	t := c.t
	rec := newRecorder(n)
	c.rec.Store(rec)
	defer c.rec.Store(nil)
	done := c.watch(fmt.Sprintf(`"text":"burst done %d"`, n))
	if profile != nil {
		profile(syscall.SIGUSR1)
	}
	cpu0 := sampleCPU(chromePID, procs)
	r := burstRun{who: who, n: n, trigger: time.Now()}
	var res struct {
		Result struct {
			Value float64 `json:"value"`
		} `json:"result"`
	}
	err := c.call(protocol.CDPSend.Name, protocol.CDPSendParams{Session: session, Method: "Runtime.evaluate",
		Params: json.RawMessage(fmt.Sprintf(`{"expression":"burst(%d)","returnByValue":true}`, n))}, &res, burstWait)
	r.replied = time.Now()
	if err != nil {
		t.Fatalf("%s: triggering the burst: %v", who, err)
	}
	r.pageMs = res.Result.Value
	if !done.wait(burstWait) {
		t.Fatalf("%s: \"burst done %d\" never arrived", who, n)
	}
	r.cpu = sampleCPU(chromePID, procs).minus(cpu0)
	if profile != nil {
		profile(syscall.SIGUSR2)
	}
	r.received, r.disorder, r.arrivals, r.stamps = len(rec.arrivals), rec.disorder, rec.arrivals, rec.stamps
	return r
}

// serveSession is a session started through a serve child of its own, over
// its stdio.
type serveSession struct {
	sb     *serveBench
	who    string
	c      *lineClient
	cmd    *exec.Cmd
	stderr *syncWriter
	name   string
	start  protocol.StartResult
}

// startServe starts "exe serve" (this test binary when exe is "") and a
// session through it.
func (sb *serveBench) startServe(exe, who string) *serveSession {
	return sb.startServeSteps(exe, who, "serve", nil)
}

// startServeSteps is startServe, its session named after prefix, calling
// step (when not nil) as each phase ends: serve spawned and initialized,
// session/start answered, the page's ready message arrived.
func (sb *serveBench) startServeSteps(exe, who, prefix string, step func(phase string)) *serveSession {
	t := sb.t
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	if step == nil {
		step = func(string) {}
	}
	sb.sessions++
	s := &serveSession{sb: sb, who: who, name: fmt.Sprintf("%s-%d", prefix, sb.sessions), stderr: &syncWriter{w: &strings.Builder{}}}
	s.cmd = exec.Command(exe, "serve")
	s.cmd.Env = sb.e.vars
	s.cmd.Stderr = s.stderr
	stdin, stdout := startPiped(t, s.cmd)
	s.c = newLineClient(t, stdin, stdout)
	t.Cleanup(s.closeServe)
	s.c.initialize("bench")
	step("spawn serve + initialize")
	ready := s.c.watch(`"text":"bench-serve ready"`)
	if err := s.c.call(protocol.Start.Name, protocol.StartParams{URL: sb.e.fx.URL(burstFixture), Session: s.name, Headless: ptr(true)}, &s.start, waitLimit); err != nil {
		t.Fatal(err)
	}
	step("session/start (launches Chrome, opens the page)")
	if !ready.wait(waitLimit) {
		t.Fatalf("session %s: the page never said it was ready", s.name)
	}
	step("the page's ready message arrives")
	sb.renice(s.start.PID, s.cmd.Process.Pid)
	return s
}

func (s *serveSession) burst(n int) burstRun {
	var profile func(syscall.Signal)
	if s.sb.profileDir != "" {
		profile = func(sig syscall.Signal) { s.sb.profile(sig, s.start.PID, s.cmd.Process.Pid) }
	}
	return s.c.burst(s.who, s.name, n, s.start.Chrome.PID,
		map[string]int{"worker": s.start.PID, "serve": s.cmd.Process.Pid}, profile)
}

// stop ends the session with session/stop, then the backend.
func (s *serveSession) stop() {
	t := s.sb.t
	ended := s.c.watch(`"method":"session/ended"`)
	var res protocol.StopResult
	if err := s.c.call(protocol.Stop.Name, protocol.StopParams{Session: s.name}, &res, waitLimit); err != nil {
		t.Errorf("stopping session %s: %v", s.name, err)
	}
	if !ended.wait(waitLimit) {
		t.Errorf("session %s: no session/ended", s.name)
	}
	s.closeServe()
	browsertest.AssertGroupGone(t, s.start.Chrome.PID)
}

// closeServe ends the backend: its stdin closes, it exits.
func (s *serveSession) closeServe() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.c.w.Close()
	select {
	case <-s.c.done:
	case <-time.After(waitLimit):
		s.cmd.Process.Kill()
	}
	s.cmd.Wait()
	if s.sb.t.Failed() {
		s.sb.t.Logf("backend stderr:\n%s", s.stderr.w.String())
	}
}

// workerSession is a session whose worker the test launches itself, read
// on the worker's socket: bdg-rpc without serve.
type workerSession struct {
	sb   *serveBench
	c    *lineClient
	conn net.Conn
	w    *control.Worker
}

func (sb *serveBench) startWorker() *workerSession {
	t := sb.t
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sb.sessions++
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	l := control.Launcher{Executable: exe, Env: sb.e.vars}
	ws := &workerSession{sb: sb}
	ws.w, err = l.Start(ctx, session.Options{Session: fmt.Sprintf("worker-%d", sb.sessions), Home: sb.e.home,
		URL: sb.e.fx.URL(burstFixture), Headless: ptr(true)})
	if err != nil {
		t.Fatalf("starting a worker: %v", err)
	}
	if ws.conn, err = net.Dial("unix", ws.w.Handshake.SocketPath); err != nil {
		t.Fatalf("connecting to the worker: %v", err)
	}
	ws.c = newLineClient(t, ws.conn, ws.conn)
	t.Cleanup(func() { ws.conn.Close() })
	ready := ws.c.watch(`"text":"bench-serve ready"`)
	var sub protocol.SubscribeResult
	if err := ws.c.call(protocol.Subscribe.Name, protocol.SubscribeParams{Since: ptr(uint64(0))}, &sub, waitLimit); err != nil {
		t.Fatal(err)
	}
	if !ready.wait(waitLimit) {
		t.Fatalf("worker %d: the page never said it was ready", ws.w.Handshake.PID)
	}
	sb.renice(ws.w.Handshake.PID)
	return ws
}

// renice sets the nice value of every thread of the processes to
// -bench-serve-nice; threads created later inherit it.
func (sb *serveBench) renice(pids ...int) {
	if *benchServeNice == 0 {
		return
	}
	for _, pid := range pids {
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		for _, task := range tasks {
			if tid, err := strconv.Atoi(task.Name()); err == nil {
				if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, *benchServeNice); err != nil {
					sb.t.Errorf("renicing thread %d of %d: %v", tid, pid, err)
				}
			}
		}
	}
}

func (ws *workerSession) burst(n int) burstRun {
	var profile func(syscall.Signal)
	if ws.sb.profileDir != "" {
		profile = func(sig syscall.Signal) { ws.sb.profile(sig, ws.w.Handshake.PID) }
	}
	return ws.c.burst("worker socket reader", "", n, ws.w.Handshake.Chrome.PID, map[string]int{"worker": ws.w.Handshake.PID}, profile)
}

// stop ends the session with control.Stop (session/stop on a connection of its own).
func (ws *workerSession) stop() {
	t := ws.sb.t
	ws.conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if _, err := control.Stop(ctx, ws.w.Dir); err != nil {
		t.Errorf("stopping session %s: %v", ws.w.Dir.Name, err)
	}
	select {
	case <-ws.w.Done():
	case <-time.After(waitLimit):
		t.Errorf("worker %d did not exit", ws.w.Handshake.PID)
	}
	browsertest.AssertGroupGone(t, ws.w.Handshake.Chrome.PID)
}

// profile sends sig to the processes: SIGUSR1 starts their CPU profile,
// SIGUSR2 stops it, and then profile waits until they are written.
func (sb *serveBench) profile(sig syscall.Signal, pids ...int) {
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			sb.t.Errorf("signalling %d: %v", pid, err)
		}
	}
	if sig != syscall.SIGUSR2 {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for {
			m, _ := filepath.Glob(filepath.Join(sb.profileDir, fmt.Sprintf("cpu-*-%d-*.done", pid)))
			if len(m) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// ---- the bare CDP client ----

var (
	bareBurstArg = []byte(`"value":"m"},`)
	keyValue     = []byte(`"value":`)
)

// bareClient is a bare CDP websocket reader on a Chrome of its own: with
// watch, it enables the domains the worker enables and counts the
// console events; without, it enables nothing.
type bareClient struct {
	sb       *serveBench
	watching bool
	chrome   *browser.Chrome
	conn     *browser.Conn
	page     *browser.Session
	watchers
	rec     atomic.Pointer[recorder]
	version string
}

func (sb *serveBench) startBare(enable bool) *bareClient {
	t := sb.t
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	b := &bareClient{sb: sb, watching: enable}
	var err error
	b.chrome, err = browser.Launch(ctx, append(browser.DefaultOptions(), browser.ExecPath(sb.chrome), browser.Headless(true))...)
	if err != nil {
		t.Fatalf("launching Chrome: %v", err)
	}
	t.Cleanup(b.close)
	var opts []browser.DialOption
	if enable {
		opts = append(opts, browser.OnEvent(b.onEvent))
	}
	if b.conn, err = browser.Dial(ctx, b.chrome.WebSocketURL(), opts...); err != nil {
		t.Fatalf("dialing Chrome: %v", err)
	}
	if b.page, _, err = browser.AttachPage(ctx, b.conn, browser.AttachOptions{}); err != nil {
		t.Fatalf("attaching to the page: %v", err)
	}
	b.version, _ = browser.Version(ctx, b.conn)
	var ready *watch
	if enable {
		// What the worker enables (session/worker/worker.go enableDomains).
		for _, c := range []struct {
			method string
			params any
		}{
			{"Network.enable", map[string]any{"maxResourceBufferSize": 6 << 20, "maxTotalBufferSize": 256 << 20}},
			{"Runtime.enable", nil}, {"Log.enable", nil}, {"Page.enable", nil}, {"Inspector.enable", nil},
		} {
			if err := b.page.Call(ctx, c.method, c.params, nil); err != nil {
				t.Fatalf("%s: %v", c.method, err)
			}
		}
		if err := b.conn.Session("").Call(ctx, "Target.setDiscoverTargets", map[string]any{"discover": true}, nil); err != nil {
			t.Fatalf("Target.setDiscoverTargets: %v", err)
		}
		ready = b.watch(`"value":"bench-serve ready"`)
	}
	if err := b.page.Call(ctx, "Page.navigate", map[string]any{"url": sb.e.fx.URL(burstFixture)}, nil); err != nil {
		t.Fatalf("Page.navigate: %v", err)
	}
	if enable {
		if !ready.wait(waitLimit) {
			t.Fatal("bare client: the page never said it was ready")
		}
		return b
	}
	// No domains, no events: ask the page until it has loaded.
	for {
		var res struct {
			Result struct {
				Value bool `json:"value"`
			} `json:"result"`
		}
		err := b.page.Call(ctx, "Runtime.evaluate", map[string]any{"expression": `document.readyState === "complete" && typeof burst === "function"`, "returnByValue": true}, &res)
		if err == nil && res.Result.Value {
			return b
		}
		if ctx.Err() != nil {
			t.Fatal("the page without a client never loaded")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// onEvent timestamps and counts the console events: the bare reader.
func (b *bareClient) onEvent(ev browser.Event) {
	if ev.Method != "Runtime.consoleAPICalled" {
		return
	}
	now := time.Now().UnixNano()
	if r := b.rec.Load(); r != nil {
		if i := bytes.Index(ev.Params, bareBurstArg); i >= 0 {
			stamp, _ := numberAfter(ev.Params, keyTimestamp)
			rest := ev.Params[i+len(bareBurstArg):]
			index := -1
			if j := bytes.Index(rest, keyValue); j >= 0 {
				index = leadingInt(rest[j+len(keyValue):])
			}
			r.add(now, stamp, index)
			return
		}
	}
	b.check(ev.Params, now)
}

// burst makes the page log n messages; a watching client records them.
func (b *bareClient) burst(n int) burstRun {
	t := b.sb.t
	ctx, cancel := context.WithTimeout(context.Background(), burstWait)
	defer cancel()
	var rec *recorder
	var done *watch
	if b.watching {
		rec = newRecorder(n)
		b.rec.Store(rec)
		defer b.rec.Store(nil)
		done = b.watch(`"value":"burst done"`)
	}
	cpu0 := sampleCPU(b.chrome.PID(), nil)
	r := burstRun{who: "bare CDP reader", n: n, trigger: time.Now()}
	var res struct {
		Result struct {
			Value float64 `json:"value"`
		} `json:"result"`
	}
	err := b.page.Call(ctx, "Runtime.evaluate", map[string]any{"expression": fmt.Sprintf("burst(%d)", n), "returnByValue": true}, &res)
	r.replied = time.Now()
	if err != nil {
		t.Fatalf("triggering the burst: %v", err)
	}
	r.pageMs = res.Result.Value
	if done != nil {
		if !done.wait(burstWait) {
			t.Fatalf("bare client: \"burst done\" never arrived")
		}
		r.received, r.disorder, r.arrivals, r.stamps = len(rec.arrivals), rec.disorder, rec.arrivals, rec.stamps
	}
	r.cpu = sampleCPU(b.chrome.PID(), nil).minus(cpu0)
	return r
}

func (b *bareClient) stop() { b.close() }

func (b *bareClient) close() {
	if b.chrome == nil {
		return
	}
	if err := b.chrome.Close(context.Background(), b.conn); err != nil {
		b.sb.t.Errorf("closing Chrome: %v", err)
	}
	if b.conn != nil {
		b.conn.Close()
	}
	browsertest.AssertGroupGone(b.sb.t, b.chrome.PID())
	b.chrome = nil
}

// ---- CPU time per process, from /proc ----

// cpuTimes is the CPU time (user + system) of each process of a burst.
type cpuTimes map[string]time.Duration

const (
	cpuChrome   = "Chrome, all processes"
	cpuRenderer = "of which the page's renderer"
	cpuBrowser  = "of which the browser process"
	cpuSelf     = "the test process (the reader)"
	psiSome     = "cpu pressure"
	wallTime    = "wall time"
)

// sampleCPU reads the CPU time of Chrome's process group (pgid chrome),
// of its renderers, of the named processes and of this process.
func sampleCPU(chrome int, procs map[string]int) cpuTimes {
	ct := cpuTimes{}
	entries, _ := os.ReadDir("/proc")
	for _, de := range entries {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		pgrp, cpu, ok := sessiontest.CPU(pid)
		if !ok || pgrp != chrome {
			continue
		}
		ct[cpuChrome] += cpu
		if pid == chrome {
			ct[cpuBrowser] += cpu
		} else if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && bytes.Contains(cmd, []byte("--type=renderer")) {
			ct[cpuRenderer] += cpu
		}
	}
	for name, pid := range procs {
		_, cpu, _ := sessiontest.CPU(pid)
		ct[name] = cpu
	}
	_, ct[cpuSelf], _ = sessiontest.CPU(os.Getpid())
	ct[psiSome] = sessiontest.CPUPressure()
	ct[wallTime] = time.Duration(time.Now().UnixNano())
	return ct
}

// pressure is the share of the span during which some task waited for a
// CPU: how contended the machine was.
func (a cpuTimes) pressure() float64 {
	if a[wallTime] <= 0 {
		return 0
	}
	return float64(a[psiSome]) / float64(a[wallTime])
}

func (a cpuTimes) minus(b cpuTimes) cpuTimes {
	d := cpuTimes{}
	for k, v := range a {
		d[k] = v - b[k]
	}
	return d
}

// startPiped starts cmd with pipes to its stdin and from its stdout.
func startPiped(t *testing.T, cmd *exec.Cmd) (io.WriteCloser, io.ReadCloser) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stdin, stdout
}

// initialize is the LSP-style handshake of a backend's client.
func (c *lineClient) initialize(name string) {
	if err := c.call(protocol.Initialize.Name, map[string]any{"clientInfo": map[string]string{"name": name}}, nil, waitLimit); err != nil {
		c.t.Fatal(err)
	}
	c.notify(protocol.NotifyInitialized)
}
