package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
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

var (
	benchServe          = flag.Bool("bench-serve", false, "measure what bdg-rpc serve delivers of a console burst (rate, latency) and what watching costs the page, against a bare CDP client in the same run, and print the tables of docs/BENCHMARKS.md (make bench-serve)")
	benchServeRounds    = flag.Int("bench-serve-rounds", 6, "rounds of each comparison; every round runs each contender once, in rotating order (a multiple of 3 puts each in each position equally often)")
	benchServeBurst     = flag.Int("bench-serve-burst", 50_000, "console messages of the throughput burst")
	benchServeLoop      = flag.Int("bench-serve-loop", 10_000, "console.log calls of the page-cost loop")
	benchServeParts     = flag.String("bench-serve-parts", "throughput,cost", "which parts of the benchmark to run")
	benchServeWorker    = flag.Bool("bench-serve-worker", true, "also measure a reader of the worker's socket, without serve, in the throughput rounds")
	benchServeTrace     = flag.Bool("bench-serve-trace", false, "print the latency at every tenth of each burst")
	benchServeExecTrace = flag.Bool("bench-serve-exectrace", false, "with -bench-serve-profile, the children also write an execution trace of each burst (go tool trace FILE)")
	benchServeNice      = flag.Int("bench-serve-nice", 0, "an experiment: renice the serve and worker children (every thread) to this value once the session has started; Chrome keeps its priority")
	benchServeExe       = flag.String("bench-serve-exe", "", "an A/B experiment: also measure a serve client of this executable's \"serve\" (and its workers), such as a test binary of a patched checkout (go test -c ./server) or bin/bdg-rpc")
	benchServeEnv       = flag.String("bench-serve-env", "", "space-separated NAME=value pairs added to the environment of the serve and worker children, such as GOGC=400 or GOMAXPROCS=1")
	benchServeProfile   = flag.String("bench-serve-profile", "", "a directory: the serve and worker children of the throughput rounds write a CPU profile of each burst there")
)

// The benchmark's goals, from the issue that built bdg-rpc serve. Nothing
// asserts them: the machines are shared and noisy.
const (
	goalRateRatio = 0.9                   // serve client's rate / bare reader's rate, at least
	goalP99       = 25 * time.Millisecond // serve client's p99 latency, at most
	goalPageCost  = 1.1                   // page loop with bdg-rpc / with a bare client, at most
)

const (
	burstFixture = "bench-serve-burst.html"
	// burstWait bounds the wait for a burst and its delivery; no figure
	// depends on it.
	burstWait = 5 * time.Minute
	// settle is the pause between two measurements, for the previous one's
	// after-effects (garbage collection, bdg-rpc's partial file) to pass.
	settle = time.Second
)

// altServe names the contender of -bench-serve-exe.
const altServe = "serve client of -bench-serve-exe"

// TestServeBench measures what docs/BENCHMARKS.md records for bdg-rpc serve:
// a page logs 50,000 console messages as fast as it can, and a bare CDP
// websocket reader, a stdio client of bdg-rpc serve and a reader of a
// worker's socket (bdg-rpc without serve) receive them, in rotating rounds
// (rate, latency from the page's timestamp, CPU of every process); then the
// page's own time for a loop of 10,000 console.log calls with bdg-rpc
// watching, with a bare CDP client, and with no client. It only runs with
// -bench-serve (make bench-serve), prints markdown tables, and asserts only
// that every message arrived, in order: the machines are shared and noisy.
func TestServeBench(t *testing.T) {
	if !*benchServe {
		t.Skip("run with -bench-serve (make bench-serve)")
	}
	e := newEnv(t)
	sb := &serveBench{t: t, e: e, chrome: browsertest.ExecPath(t), rounds: max(*benchServeRounds, 1)}
	if *benchServeProfile != "" {
		dir, err := filepath.Abs(*benchServeProfile)
		if err == nil {
			err = os.MkdirAll(dir, 0o700)
		}
		if err != nil {
			t.Fatal(err)
		}
		sb.profileDir = dir
		e.vars = append(e.vars, sessiontest.SpanProfileEnv+"="+dir)
		if *benchServeExecTrace {
			e.vars = append(e.vars, sessiontest.SpanTraceEnv+"=1")
		}
	}
	if *benchServeExe != "" {
		exe, err := filepath.Abs(*benchServeExe)
		if err != nil {
			t.Fatal(err)
		}
		sb.altExe = exe
		fmt.Printf("\n%q: serve and its workers run from %s\n", altServe, exe)
	}
	e.vars = append(e.vars, strings.Fields(*benchServeEnv)...)
	if *benchServeEnv != "" || *benchServeNice != 0 {
		fmt.Printf("\nserve and worker children run with the added environment %q, nice %d\n", *benchServeEnv, *benchServeNice)
	}
	parts := strings.Split(*benchServeParts, ",")
	if slices.Contains(parts, "throughput") {
		sb.throughput(*benchServeBurst)
	}
	if slices.Contains(parts, "cost") {
		sb.pageCost(*benchServeLoop)
	}
}

type serveBench struct {
	altExe     string // -bench-serve-exe
	t          *testing.T
	e          *env
	chrome     string
	rounds     int
	profileDir string
	headerDone bool
	sessions   int
}

func (sb *serveBench) header(version string) {
	if sb.headerDone {
		return
	}
	sb.headerDone = true
	fmt.Printf("\nGo %s, %s/%s, %d CPUs, %s; load average at the start %s\n", strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), version, sessiontest.LoadAvg())
}

// burstRun is one burst as one contender saw it.
type burstRun struct {
	who      string
	n        int
	pageMs   float64   // the loop's time by the page's clock
	trigger  time.Time // Runtime.evaluate sent
	replied  time.Time // its reply received
	received int       // burst messages received before "burst done"
	disorder int       // of them, not in the page's order
	arrivals []int64   // Unix ns at the reader, one per message
	stamps   []float64 // the page's timestamp of each message, ms since the epoch
	cpu      cpuTimes  // CPU time of each process during the burst
}

// rates returns messages per second from the first arrival to the last, and
// from the trigger to the last.
func (r burstRun) rates() (fromFirst, fromTrigger float64) {
	if len(r.arrivals) < 2 {
		return 0, 0
	}
	first, last := r.arrivals[0], r.arrivals[len(r.arrivals)-1]
	fromFirst = float64(len(r.arrivals)-1) / (float64(last-first) / 1e9)
	fromTrigger = float64(len(r.arrivals)) / (float64(last-r.trigger.UnixNano()) / 1e9)
	return fromFirst, fromTrigger
}

// latencies returns, per message, the reader's receive time minus the page's
// timestamp, in ms: both are the machine's wall clock.
func (r burstRun) latencies() []float64 {
	ls := make([]float64, len(r.arrivals))
	for i, a := range r.arrivals {
		ls[i] = float64(a)/1e6 - r.stamps[i]
	}
	slices.Sort(ls)
	return ls
}

// tailMs is how long after the evaluate's reply (the loop's end) the last
// message arrived.
func (r burstRun) tailMs() float64 {
	if len(r.arrivals) == 0 {
		return 0
	}
	return float64(r.arrivals[len(r.arrivals)-1]-r.replied.UnixNano()) / 1e6
}

// recorder collects the burst messages a reader receives. Only the reader's
// goroutine writes it, until the "burst done" message is seen.
type recorder struct {
	arrivals []int64
	stamps   []float64
	next     int // the index the next message should have
	disorder int
}

func newRecorder(n int) *recorder {
	return &recorder{arrivals: make([]int64, 0, n), stamps: make([]float64, 0, n)}
}

func (r *recorder) add(now int64, stamp float64, index int) {
	r.arrivals = append(r.arrivals, now)
	r.stamps = append(r.stamps, stamp)
	if index != r.next {
		r.disorder++
	}
	r.next = index + 1
}

// watchers signal the first line that contains a string.
type watchers struct {
	mu sync.Mutex
	ws map[*watch]struct{}
}

type watch struct {
	substr []byte
	at     chan int64 // Unix ns of the line's arrival
}

func (w *watchers) watch(substr string) *watch {
	wt := &watch{substr: []byte(substr), at: make(chan int64, 1)}
	w.mu.Lock()
	if w.ws == nil {
		w.ws = map[*watch]struct{}{}
	}
	w.ws[wt] = struct{}{}
	w.mu.Unlock()
	return wt
}

func (w *watchers) check(line []byte, now int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for wt := range w.ws {
		if bytes.Contains(line, wt.substr) {
			wt.at <- now
			delete(w.ws, wt)
		}
	}
}

func (wt *watch) wait(limit time.Duration) bool {
	select {
	case <-wt.at:
		return true
	case <-time.After(limit):
		return false
	}
}

// numberAfter parses the JSON number that follows key in b.
func numberAfter(b, key []byte) (float64, bool) {
	i := bytes.Index(b, key)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	end := 0
	for end < len(b) && (b[end] >= '0' && b[end] <= '9' || b[end] == '.' || b[end] == 'e' || b[end] == 'E' || b[end] == '-' || b[end] == '+') {
		end++
	}
	f, err := strconv.ParseFloat(string(b[:end]), 64)
	return f, err == nil
}

// leadingInt parses the decimal digits at the start of b.
func leadingInt(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

var keyTimestamp = []byte(`"timestamp":`)

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
		now := time.Now().UnixNano()
		if len(long) > 0 {
			line = append(long, line...)
			long = long[:0]
		}
		c.handle(line[:len(line)-1], now)
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
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(line, &m); err != nil || m.ID == nil {
		c.t.Errorf("a line that is neither a notification nor a response: %.300q", line)
		return
	}
	c.mu.Lock()
	w := c.waiters[string(m.ID)]
	delete(c.waiters, string(m.ID))
	c.mu.Unlock()
	if w != nil {
		w <- bytes.Clone(line)
	}
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
	t := sb.t
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	}
	sb.sessions++
	s := &serveSession{sb: sb, who: who, name: fmt.Sprintf("serve-%d", sb.sessions), stderr: &syncWriter{w: &strings.Builder{}}}
	s.cmd = exec.Command(exe, "serve")
	s.cmd.Env = sb.e.vars
	s.cmd.Stderr = s.stderr
	stdin, err := s.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.c = newLineClient(t, stdin, stdout)
	t.Cleanup(s.closeServe)
	if err := s.c.call(protocol.Initialize.Name, map[string]any{"clientInfo": map[string]string{"name": "bench"}}, nil, waitLimit); err != nil {
		t.Fatal(err)
	}
	s.c.notify(protocol.NotifyInitialized)
	ready := s.c.watch(`"text":"bench-serve ready"`)
	if err := s.c.call(protocol.Start.Name, protocol.StartParams{URL: sb.e.fx.URL(burstFixture), Session: s.name, Headless: ptr(true)}, &s.start, waitLimit); err != nil {
		t.Fatal(err)
	}
	if !ready.wait(waitLimit) {
		t.Fatalf("session %s: the page never said it was ready", s.name)
	}
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

// stop ends the session with Dir.Stop (session/stop on a connection of its own).
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

// ---- part 1: throughput and latency ----

// reader is one contender of the throughput benchmark: started fresh for
// each round, one burst, stopped.
type reader interface {
	burst(n int) burstRun
	stop()
}

func (sb *serveBench) throughput(n int) {
	t := sb.t
	contenders := []struct {
		name  string
		start func() reader
	}{
		{"bare CDP reader", func() reader {
			b := sb.startBare(true)
			sb.header(b.version)
			return b
		}},
		{"bdg-rpc serve client", func() reader { return sb.startServe("", "bdg-rpc serve client") }},
	}
	if *benchServeWorker {
		contenders = append(contenders, struct {
			name  string
			start func() reader
		}{"worker socket reader", func() reader { return sb.startWorker() }})
	}
	if sb.altExe != "" {
		contenders = append(contenders, struct {
			name  string
			start func() reader
		}{altServe, func() reader { return sb.startServe(sb.altExe, altServe) }})
	}
	runs := make([][]burstRun, len(contenders))
	var rows []burstRun
	var rowRounds []int
	for round := range sb.rounds {
		for k := range contenders {
			i := (round + k) % len(contenders)
			r := contenders[i].start()
			time.Sleep(settle)
			run := r.burst(n)
			r.stop()
			runs[i] = append(runs[i], run)
			rows, rowRounds = append(rows, run), append(rowRounds, round+1)
			if run.received != n || run.disorder != 0 {
				t.Errorf("%s received %d of %d messages before \"burst done\", %d out of order", run.who, run.received, n, run.disorder)
			}
		}
	}
	bare, serve := runs[0], runs[1]

	fmt.Printf("\n### Throughput and latency: a burst of %d console messages (%d rounds, rotating order)\n\n", n, sb.rounds)
	fmt.Printf("| round | reader | received | page's loop (ms) | rate, first to last (msg/s) | rate, trigger to last (msg/s) | last after loop end (ms) | latency p50 (ms) | p90 | p99 | max | CPU pressure |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range rows {
		ff, ft := r.rates()
		ls := r.latencies()
		fmt.Printf("| %d | %s | %d | %.0f | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f%% |\n", rowRounds[i], r.who, r.received, r.pageMs, ff, ft, r.tailMs(),
			sessiontest.Percentile(ls, 50), sessiontest.Percentile(ls, 90), sessiontest.Percentile(ls, 99), sessiontest.Percentile(ls, 100), 100*r.cpu.pressure())
	}
	if *benchServeTrace {
		fmt.Printf("\nLatency (ms) by position in the burst, at every tenth of the messages:\n\n| round | reader | 10%% | 20%% | 30%% | 40%% | 50%% | 60%% | 70%% | 80%% | 90%% | 100%% |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for i, r := range rows {
			fmt.Printf("| %d | %s |", rowRounds[i], r.who)
			for k := 1; k <= 10; k++ {
				j := min(len(r.arrivals)*k/10, len(r.arrivals)) - 1
				if j >= 0 {
					fmt.Printf(" %.0f |", float64(r.arrivals[j])/1e6-r.stamps[j])
				}
			}
			fmt.Println()
		}
	}

	type col struct {
		name    string
		of      func(burstRun) float64
		unit    string
		noRatio bool // the bare reader's figure is about 0
	}
	rateFirst := func(r burstRun) float64 { f, _ := r.rates(); return f }
	rateTrigger := func(r burstRun) float64 { _, f := r.rates(); return f }
	lat := func(p float64) func(burstRun) float64 {
		return func(r burstRun) float64 { return sessiontest.Percentile(r.latencies(), p) }
	}
	cols := []col{
		{"rate, first to last arrival (msg/s)", rateFirst, "%.0f", false},
		{"rate, trigger to last arrival (msg/s)", rateTrigger, "%.0f", false},
		{"page's own loop time (ms)", func(r burstRun) float64 { return r.pageMs }, "%.0f", false},
		{"last arrival after the loop's end (ms)", burstRun.tailMs, "%.0f", true},
		{"latency p50 (ms)", lat(50), "%.1f", false},
		{"latency p90 (ms)", lat(90), "%.1f", false},
		{"latency p99 (ms)", lat(99), "%.1f", false},
		{"latency max (ms)", lat(100), "%.1f", false},
	}
	med := func(rs []burstRun, f func(burstRun) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		return sessiontest.Median(xs)
	}
	// medRatio is the median of the rounds' ratios of rs to the bare reader.
	medRatio := func(rs []burstRun, f func(burstRun) float64) float64 {
		var xs []float64
		for i := range min(len(rs), len(bare)) {
			if v := f(bare[i]); v != 0 {
				xs = append(xs, f(rs[i])/v)
			}
		}
		return sessiontest.Median(xs)
	}
	delivered := func(rs []burstRun) string {
		all := 0
		for _, r := range rs {
			if r.received == n && r.disorder == 0 {
				all++
			}
		}
		return fmt.Sprintf("all, in order, in %d of %d rounds", all, len(rs))
	}
	fmt.Printf("\nMedians of the %d rounds (ratios: the median of the rounds' ratios to the bare reader):\n\n", sb.rounds)
	fmt.Printf("|")
	for _, c := range contenders {
		fmt.Printf(" | %s", c.name)
	}
	for _, c := range contenders[1:] {
		fmt.Printf(" | %s / bare", strings.TrimSuffix(c.name, " client"))
	}
	fmt.Printf(" |\n|---|%s\n", strings.Repeat("---|", 2*len(contenders)-1))
	fmt.Printf("| delivered (%d messages)", n)
	for _, rs := range runs {
		fmt.Printf(" | %s", delivered(rs))
	}
	fmt.Printf("%s |\n", strings.Repeat(" | -", len(contenders)-1))
	for _, c := range cols {
		fmt.Printf("| %s", c.name)
		for _, rs := range runs {
			fmt.Printf(" | "+c.unit, med(rs, c.of))
		}
		for _, rs := range runs[1:] {
			if c.noRatio {
				fmt.Printf(" | -")
			} else {
				fmt.Printf(" | %.2fx", medRatio(rs, c.of))
			}
		}
		fmt.Printf(" |\n")
	}

	// Where the CPU goes during a burst.
	fmt.Printf("\nCPU time from the trigger to the last message, per process (median of the rounds, ms of user + system CPU; µs per message in brackets):\n\n|")
	for _, c := range contenders {
		fmt.Printf(" | %s", c.name)
	}
	fmt.Printf(" |\n|---|%s\n", strings.Repeat("---|", len(contenders)))
	total := func(r burstRun) float64 {
		var d time.Duration
		for _, k := range []string{cpuChrome, "worker", "serve", cpuSelf} {
			d += r.cpu[k]
		}
		return float64(d) / 1e6
	}
	for _, name := range []string{cpuChrome, cpuRenderer, cpuBrowser, "worker", "serve", cpuSelf, "all of them"} {
		fmt.Printf("| %s", name)
		for _, rs := range runs {
			f := func(r burstRun) float64 { return float64(r.cpu[name]) / 1e6 }
			if name == "all of them" {
				f = total
			}
			if _, ok := rs[0].cpu[name]; !ok && name != "all of them" {
				fmt.Printf(" | -")
				continue
			}
			m := med(rs, f)
			fmt.Printf(" | %.0f (%.1f)", m, m*1e3/float64(n))
		}
		fmt.Printf(" |\n")
	}

	rate := medRatio(serve, rateFirst)
	p99 := time.Duration(med(serve, lat(99)) * 1e6)
	fmt.Printf("\nGoals: all %d delivered: %s; at least %.1fx the bare reader's rate: %s (%.2fx, first to last arrival; %.2fx, trigger to last); "+
		"p99 under %s: %s (%.1f ms).\n", n, sessiontest.MetOrMissed(!t.Failed()), goalRateRatio, sessiontest.MetOrMissed(rate >= goalRateRatio), rate,
		medRatio(serve, rateTrigger), goalP99, sessiontest.MetOrMissed(p99 < goalP99), float64(p99)/1e6)
	if sb.profileDir != "" {
		fmt.Printf("\nCPU profiles of the serve and worker children, one per burst: %s (go tool pprof -top FILE...).\n", sb.profileDir)
	}
}

// ---- part 2: what watching costs the page ----

func (sb *serveBench) pageCost(n int) {
	t := sb.t
	s := sb.startServe("", "bdg-rpc serve client")
	bare := sb.startBare(true)
	none := sb.startBare(false)
	sb.header(bare.version)
	serveRun := func(s *serveSession) func() burstRun {
		return func() burstRun {
			return s.c.burst(s.who, s.name, n, s.start.Chrome.PID, map[string]int{"worker": s.start.PID, "serve": s.cmd.Process.Pid}, nil)
		}
	}
	type contender struct {
		name, short string
		watches     bool // receives the events, and is checked
		run         func() burstRun
	}
	// The bare client is contenders[bareAt]; none, contenders[noneAt].
	const bareAt, noneAt = 1, 2
	contenders := []contender{
		{"bdg-rpc (serve, events to the client)", "bdg-rpc", true, serveRun(s)},
		{"bare CDP client (same domains, counts)", "bare", true, func() burstRun { return bare.burst(n) }},
		{"no client (no domains enabled)", "none", false, func() burstRun { return none.burst(n) }},
	}
	var alt *serveSession
	if sb.altExe != "" {
		alt = sb.startServe(sb.altExe, altServe)
		contenders = append(contenders, contender{"bdg-rpc of -bench-serve-exe", "alt", true, serveRun(alt)})
	}
	// One loop each to warm up (JIT, first allocations), not counted.
	for _, c := range contenders {
		c.run()
		time.Sleep(settle)
	}
	k := len(contenders)
	times, pressures := make([][]float64, k), make([][]float64, k)
	watcherCPU, chromeCPU := make([][]float64, k), make([][]float64, k) // ms
	var orders []string
	for round := range sb.rounds {
		var order []string
		for j := range contenders {
			i := (round + j) % k
			c := contenders[i]
			r := c.run()
			if c.watches && (r.received != n || r.disorder != 0) {
				t.Errorf("%s received %d of %d messages before \"burst done\", %d out of order", c.name, r.received, n, r.disorder)
			}
			times[i] = append(times[i], r.pageMs)
			pressures[i] = append(pressures[i], 100*r.cpu.pressure())
			watcherCPU[i] = append(watcherCPU[i], float64(r.cpu["worker"]+r.cpu["serve"]+r.cpu[cpuSelf])/1e6)
			chromeCPU[i] = append(chromeCPU[i], float64(r.cpu[cpuChrome])/1e6)
			order = append(order, c.short)
			time.Sleep(settle)
		}
		orders = append(orders, strings.Join(order, ", "))
	}
	s.stop()
	if alt != nil {
		alt.stop()
	}
	bare.close()
	none.close()

	fmt.Printf("\n### What watching costs the page: the page's own time for %d console.log calls (%d rounds, rotating order)\n\n", n, sb.rounds)
	fmt.Printf("| round | order |")
	for _, c := range contenders {
		fmt.Printf(" %s (ms) |", c.short)
	}
	for i, c := range contenders {
		if i != bareAt && i != noneAt {
			fmt.Printf(" %s / bare |", c.short)
		}
	}
	fmt.Printf(" bare / none | CPU pressure (%s) |\n|---|---|%s\n", strings.Join(func() []string {
		var ss []string
		for _, c := range contenders {
			ss = append(ss, c.short)
		}
		return ss
	}(), ", "), strings.Repeat("---|", 2*k))
	ratios := make([][]float64, k) // of each to the bare client, per round
	for r := range sb.rounds {
		fmt.Printf("| %d | %s |", r+1, orders[r])
		for i := range contenders {
			fmt.Printf(" %.0f |", times[i][r])
			ratios[i] = append(ratios[i], times[i][r]/times[bareAt][r])
		}
		for i := range contenders {
			if i != bareAt && i != noneAt {
				fmt.Printf(" %.2fx |", ratios[i][r])
			}
		}
		fmt.Printf(" %.2fx |", times[bareAt][r]/times[noneAt][r])
		var ps []string
		for i := range contenders {
			ps = append(ps, fmt.Sprintf("%.0f%%", pressures[i][r]))
		}
		fmt.Printf(" %s |\n", strings.Join(ps, ", "))
	}
	mb, mc := sessiontest.Median(times[bareAt]), sessiontest.Median(times[noneAt])
	fmt.Printf("\n| | page's loop, median (ms) | µs per console.log | vs bare CDP client (median of the rounds' ratios) | vs bare (of the medians) | vs no client (of the medians) | CPU of Chrome (ms) | CPU of the watcher: worker + serve + client, or the bare reader (ms) |\n|---|---|---|---|---|---|---|---|\n")
	for i, c := range contenders {
		m := sessiontest.Median(times[i])
		perRound := fmt.Sprintf("%.2fx", sessiontest.Median(ratios[i]))
		if i == 0 {
			perRound = "**" + perRound + "**"
		}
		fmt.Printf("| %s | %.0f | %.1f | %s | %.2fx | %.2fx | %.0f | %.0f |\n", c.name, m, m*1e3/float64(n), perRound, m/mb, m/mc,
			sessiontest.Median(chromeCPU[i]), sessiontest.Median(watcherCPU[i]))
	}
	var bc []float64
	for r := range sb.rounds {
		bc = append(bc, times[bareAt][r]/times[noneAt][r])
	}
	cost := sessiontest.Median(ratios[0])
	fmt.Printf("\nGoal: the page's loop with bdg-rpc at most %.1fx its time with the bare client: %s (%.2fx, median of the rounds' ratios; %.2fx of the medians). "+
		"The bare client itself: %.2fx the page's time with no client.\n", goalPageCost, sessiontest.MetOrMissed(cost <= goalPageCost),
		cost, sessiontest.Median(times[0])/mb, sessiontest.Median(bc))
}

// ---- statistics ----
