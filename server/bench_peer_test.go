//go:build linux

package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

var (
	benchPeer         = flag.Bool("bench-peer", false, "measure bdg-rpc beside the MCP server chrome-devtools-mcp on the same fixture page, in alternating rounds (.ci/bench-peer.sh installs the peer and runs this)")
	benchPeerRounds   = flag.Int("bench-peer-rounds", 6, "rounds; every round starts each contender fresh, in alternating order (an even number puts each first equally often)")
	benchPeerMessages = flag.Int("bench-peer-messages", 10_000, "console messages the page logs before the listing")
	benchPeerLists    = flag.Int("bench-peer-lists", 3, "listings of all console messages per contender and round")
	benchPeerDir      = flag.String("bench-peer-dir", "../.tools/peer/node_modules/chrome-devtools-mcp", "the installed chrome-devtools-mcp package (.ci/bench-peer.sh --install puts it there)")
	benchPeerNode     = flag.String("bench-peer-node", "node", "the Node.js that runs the peer")
)

// peerVersion is the version of chrome-devtools-mcp the benchmark was
// written against; another one runs, with a warning.
const peerVersion = "1.11.0"

// mcpProtocolVersion is the MCP revision the peer's client asks for.
const mcpProtocolVersion = "2025-06-18"

// TestPeerBench measures bdg-rpc serve beside chrome-devtools-mcp, an MCP
// server on puppeteer, on the same fixture page (bench-serve-burst.html) with
// the same Chromium, fresh in each round, alternating which goes first: the
// time from spawning the server to the page loaded and ready; the time for
// the page's burst of console messages to be all listable; one listing of
// all of them; and the resident memory of each process tree (server, its
// helpers, Chrome) after the load and after the listing. It only runs with
// -bench-peer (.ci/bench-peer.sh) and prints markdown tables.
func TestPeerBench(t *testing.T) {
	if !*benchPeer {
		t.Skip("run with -bench-peer (.ci/bench-peer.sh)")
	}
	pb := newPeerBench(t)
	rounds := max(*benchPeerRounds, 1)
	var runs [2][]peerRun
	for round := range rounds {
		for k := range 2 {
			i := (round + k) % 2
			var r peerRun
			switch {
			case i == 0 && *benchPeerSide == "serve":
				r = pb.runBdg()
			case i == 0:
				r = pb.runBdgMCP()
			default:
				r = pb.runPeer()
			}
			r.round, r.order = round+1, k+1
			runs[i] = append(runs[i], r)
			time.Sleep(settle)
		}
	}
	pb.report(runs)
}

type peerBench struct {
	t      *testing.T
	sb     *serveBench // for its env, fixture server and session counter
	n      int
	lists  int
	chrome string
	node   string
	bin    string // the peer's executable script
	// learned from the first run
	peerVer, nodeVer, chromeVer string
	peerTools                   string // what tools/list said of the tools used
	load0                       string
}

func newPeerBench(t *testing.T) *peerBench {
	dir, err := filepath.Abs(*benchPeerDir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatalf("chrome-devtools-mcp is not installed in %s (%v): run .ci/bench-peer.sh --install, or point -bench-peer-dir at an installed copy", dir, err)
	}
	var pkg struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("%s/package.json: %v", dir, err)
	}
	if pkg.Bin["chrome-devtools-mcp"] == "" {
		t.Fatalf("%s/package.json names no chrome-devtools-mcp executable", dir)
	}
	if pkg.Version != peerVersion {
		fmt.Printf("\nwarning: chrome-devtools-mcp %s, not %s as the benchmark expects\n", pkg.Version, peerVersion)
	}
	node, err := exec.LookPath(*benchPeerNode)
	if err != nil {
		t.Fatalf("Node.js (%s) not found: %v", *benchPeerNode, err)
	}
	nv, _ := exec.Command(node, "--version").Output()
	e := newEnv(t)
	pb := &peerBench{t: t, n: max(*benchPeerMessages, 1), lists: max(*benchPeerLists, 1), chrome: browsertest.ExecPath(t),
		node: node, bin: filepath.Join(dir, pkg.Bin["chrome-devtools-mcp"]), peerVer: pkg.Version,
		nodeVer: strings.TrimSpace(string(nv)), load0: sessiontest.LoadAvg()}
	pb.sb = &serveBench{t: t, e: e, chrome: pb.chrome, rounds: 1}
	return pb
}

// peerRun is one contender's round.
type peerRun struct {
	who          string
	round, order int
	steps        []peerStep
	startup      time.Duration // spawn to the page loaded and ready
	ingest       time.Duration // burst triggered to its last message listable
	trigger      time.Duration // the trigger's reply: cdp/send Runtime.evaluate, or evaluate_script
	pageMs       float64       // the page's own time for the burst's loop
	burstCPU     time.Duration // CPU time of the whole process tree over the ingest
	lists        []float64     // ms, each listing of all messages
	items        int           // messages the listing returned
	total        int           // messages the contender says it holds
	bytes        int           // size of the listing's reply line
	memLoad      treeMem       // after the page loaded
	memAfter     treeMem       // after the burst and the listings
}

type peerStep struct {
	name string
	took time.Duration
}

func (r *peerRun) step(name string, since *time.Time) {
	now := time.Now()
	r.steps = append(r.steps, peerStep{name, now.Sub(*since)})
	*since = now
}

// ---- bdg-rpc ----

// runBdg starts "bdg-rpc serve" (this test binary) and a session on the
// fixture page through it, loads it with the burst, lists it, stops it.
func (pb *peerBench) runBdg() peerRun {
	t, sb := pb.t, pb.sb
	r := peerRun{who: "bdg-rpc"}
	t0 := time.Now()
	mark := t0
	s := sb.startServeSteps("", r.who, "peer", func(phase string) { r.step(phase, &mark) })
	r.startup = time.Since(t0)
	if pb.chromeVer == "" {
		pb.chromeVer = s.start.Chrome.Version
	}
	roots := []int{s.cmd.Process.Pid, s.start.PID, s.start.Chrome.PID}

	time.Sleep(settle)
	r.memLoad = readTreeMem(pb.chrome, roots...)

	before := pb.bdgCount(s)
	cpu0 := readTreeMem(pb.chrome, roots...).cpu
	t1 := time.Now()
	var res struct {
		Result struct {
			Value float64 `json:"value"`
		} `json:"result"`
	}
	if err := s.c.call(protocol.CDPSend.Name, protocol.CDPSendParams{Session: s.name, Method: "Runtime.evaluate",
		Params: json.RawMessage(fmt.Sprintf(`{"expression":"burst(%d)","returnByValue":true}`, pb.n))}, &res, burstWait); err != nil {
		t.Fatalf("bdg-rpc: triggering the burst: %v", err)
	}
	r.trigger = time.Since(t1)
	r.pageMs = res.Result.Value
	want := before + pb.n + 1 // the burst and "burst done"
	for deadline := time.Now().Add(burstWait); pb.bdgCount(s) < want; {
		if time.Now().After(deadline) {
			t.Fatalf("bdg-rpc: the session never held %d console messages", want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.ingest = time.Since(t1)
	r.burstCPU = readTreeMem(pb.chrome, roots...).cpu - cpu0
	r.total = pb.bdgCount(s)

	time.Sleep(settle)
	for range pb.lists {
		took, line := s.c.timedCall(protocol.ConsoleList.Name, map[string]any{"session": s.name, "limit": 0})
		r.lists = append(r.lists, took)
		r.bytes = len(line)
		var list struct {
			Result struct {
				Items []json.RawMessage `json:"items"`
			} `json:"result"`
		}
		if err := json.Unmarshal(line, &list); err != nil {
			t.Fatalf("bdg-rpc: console/list: %v", err)
		}
		r.items = len(list.Result.Items)
	}
	r.memAfter = readTreeMem(pb.chrome, roots...)
	s.stop()
	return r
}

func (pb *peerBench) bdgCount(s *serveSession) int {
	var st protocol.StatusResult
	if err := s.c.call(protocol.Status.Name, map[string]any{"session": s.name}, &st, waitLimit); err != nil {
		pb.t.Fatal(err)
	}
	return st.Counts.Console
}

// ---- chrome-devtools-mcp ----

var (
	reSelectedPage = regexp.MustCompile(`(?m)^(\d+): .*\[selected\]`)
	reShowing      = regexp.MustCompile(`Showing (\d+)-(\d+) of (\d+)`)
	reJSONBlock    = regexp.MustCompile("```json\\s*([0-9.eE+-]+)\\s*```")
)

// runPeer spawns chrome-devtools-mcp over stdio, navigates its page to the
// fixture, loads it with the burst, lists it, stops it.
func (pb *peerBench) runPeer() peerRun {
	t := pb.t
	r := peerRun{who: "chrome-devtools-mcp"}
	home, tmp := t.TempDir(), t.TempDir()
	args := []string{pb.bin, "--headless", "--isolated", "--executablePath", pb.chrome,
		"--no-usage-statistics", "--no-performance-crux"}
	chromeArgs := []string{"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"}
	if os.Geteuid() == 0 {
		chromeArgs = append(chromeArgs, "--no-sandbox") // as bdg-rpc does as root
	}
	for _, a := range chromeArgs {
		args = append(args, "--chromeArg="+a)
	}
	stderr := &syncWriter{w: &strings.Builder{}}

	t0 := time.Now()
	mark := t0
	cmd := exec.Command(pb.node, args...)
	// HOME and TMPDIR of its own: the peer's caches, its isolated profile
	// and Chrome's temporary files go where the test removes them.
	cmd.Env = append(os.Environ(), "HOME="+home, "TMPDIR="+tmp,
		"CHROME_DEVTOOLS_MCP_NO_USAGE_STATISTICS=1", "CHROME_DEVTOOLS_MCP_NO_UPDATE_CHECKS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = stderr
	p := &peerProc{t: t, cmd: cmd, stderr: stderr}
	stdin, stdout := startPiped(t, cmd)
	p.c = newMCPClient(t, stdin, stdout)
	t.Cleanup(p.stop)

	var init struct {
		ProtocolVersion string `json:"protocolVersion"`
		ServerInfo      struct {
			Name, Version string
		} `json:"serverInfo"`
	}
	p.c.call("initialize", map[string]any{"protocolVersion": mcpProtocolVersion, "capabilities": map[string]any{},
		"clientInfo": map[string]string{"name": "bdg-rpc-bench-peer", "version": "0"}}, &init)
	p.c.notify("notifications/initialized")
	var tools struct {
		Tools []struct {
			Name        string `json:"name"`
			InputSchema struct {
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			} `json:"inputSchema"`
		} `json:"tools"`
	}
	p.c.call("tools/list", map[string]any{}, &tools)
	r.step("spawn node + initialize + tools/list", &mark)

	// The tools and parameters used, checked against what the peer says.
	need := map[string][]string{
		"list_pages":            nil,
		"navigate_page":         {"pageId", "type", "url"},
		"evaluate_script":       {"pageId", "function"},
		"list_console_messages": {"pageId", "pageSize", "pageIdx"},
	}
	var said []string
	for _, tool := range tools.Tools {
		params, ok := need[tool.Name]
		if !ok {
			continue
		}
		delete(need, tool.Name)
		for _, prm := range params {
			if _, ok := tool.InputSchema.Properties[prm]; !ok {
				t.Fatalf("chrome-devtools-mcp: tool %s has no parameter %q", tool.Name, prm)
			}
		}
		said = append(said, fmt.Sprintf("%s(%s; required: %s)", tool.Name, strings.Join(slices.Sorted(maps.Keys(tool.InputSchema.Properties)), ", "), strings.Join(tool.InputSchema.Required, ", ")))
	}
	if len(need) > 0 {
		t.Fatalf("chrome-devtools-mcp %s (protocol %s) lacks the tools %v", init.ServerInfo.Version, init.ProtocolVersion, slices.Sorted(maps.Keys(need)))
	}
	if pb.peerTools == "" {
		slices.Sort(said)
		pb.peerTools = fmt.Sprintf("%d tools; of those used: %s", len(tools.Tools), strings.Join(said, "; "))
	}

	pages := p.c.tool("list_pages", map[string]any{})
	m := reSelectedPage.FindStringSubmatch(pages.text)
	if m == nil {
		t.Fatalf("chrome-devtools-mcp: no selected page in list_pages: %.300q", pages.text)
	}
	pageID, _ := strconv.Atoi(m[1])
	r.step("list_pages (launches Chrome)", &mark)
	p.c.tool("navigate_page", map[string]any{"pageId": pageID, "type": "url", "url": pb.sb.e.fx.URL(burstFixture)})
	r.step("navigate_page (returns after the load)", &mark)
	r.startup = time.Since(t0)
	p.findChrome(pb.chrome)

	time.Sleep(settle)
	r.memLoad = readTreeMem(pb.chrome, cmd.Process.Pid, p.chromePID)
	// Not timed: the page is the fixture and its script ran.
	if first := p.c.tool("list_console_messages", map[string]any{"pageId": pageID, "pageSize": 5}); !strings.Contains(first.text, "bench-serve ready") {
		t.Fatalf("chrome-devtools-mcp: the page's ready message is not listed: %.500q", first.text)
	}

	cpu0 := readTreeMem(pb.chrome, cmd.Process.Pid, p.chromePID).cpu
	t1 := time.Now()
	ev := p.c.tool("evaluate_script", map[string]any{"pageId": pageID, "function": fmt.Sprintf("() => burst(%d)", pb.n), "waitForStableDom": false})
	r.trigger = time.Since(t1)
	if m := reJSONBlock.FindStringSubmatch(ev.text); m != nil {
		r.pageMs, _ = strconv.ParseFloat(m[1], 64)
	}
	// Done when the last message listed is "burst done N".
	done := fmt.Sprintf("burst done %d", pb.n)
	for deadline := time.Now().Add(burstWait); ; {
		head := p.c.tool("list_console_messages", map[string]any{"pageId": pageID, "pageSize": 1})
		if m := reShowing.FindStringSubmatch(head.text); m != nil {
			total, _ := strconv.Atoi(m[3])
			last := p.c.tool("list_console_messages", map[string]any{"pageId": pageID, "pageSize": 1, "pageIdx": total - 1})
			if strings.Contains(last.text, done) {
				r.total = total
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("chrome-devtools-mcp: %q never listed last", done)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.ingest = time.Since(t1)
	r.burstCPU = readTreeMem(pb.chrome, cmd.Process.Pid, p.chromePID).cpu - cpu0

	time.Sleep(settle)
	for range pb.lists {
		// Without pageSize the tool returns every message it holds, in one
		// text block.
		all := p.c.tool("list_console_messages", map[string]any{"pageId": pageID})
		r.lists = append(r.lists, sessiontest.MsF(all.took))
		r.bytes = all.size
		r.items = 0
		for line := range strings.SplitSeq(all.text, "\n") {
			if strings.HasPrefix(line, "msgid=") {
				r.items++
			}
		}
		if m := reShowing.FindStringSubmatch(all.text); m == nil || m[1] != "1" || m[2] != m[3] {
			t.Errorf("chrome-devtools-mcp: the listing without pageSize is not all of them: %.200q", all.text)
		}
	}
	r.memAfter = readTreeMem(pb.chrome, cmd.Process.Pid, p.chromePID)
	p.stop()
	return r
}

// peerProc is a running chrome-devtools-mcp, in a process group of its
// own; puppeteer starts Chrome in another.
type peerProc struct {
	t         *testing.T
	cmd       *exec.Cmd
	c         *mcpClient
	stderr    *syncWriter
	chromePID int // the browser process, leader of Chrome's group
	stopped   bool
}

// findChrome finds the browser process: the child of node running exe.
func (p *peerProc) findChrome(exe string) {
	for _, pr := range readProcs() {
		if pr.ppid != p.cmd.Process.Pid {
			continue
		}
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pr.pid)); err == nil && target == exe {
			p.chromePID = pr.pid
			return
		}
	}
	p.t.Fatalf("chrome-devtools-mcp: no child of node %d runs %s", p.cmd.Process.Pid, exe)
}

// stop closes the peer's stdin and waits for it to exit; then SIGTERM
// (puppeteer closes Chrome on it), then SIGKILL to both process groups.
func (p *peerProc) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	if p.chromePID == 0 {
		// A failure before findChrome: find it now, if any.
		for _, pr := range readProcs() {
			if pr.ppid == p.cmd.Process.Pid && pr.pgid == pr.pid {
				p.chromePID = pr.pid
			}
		}
	}
	exited := make(chan struct{})
	go func() { p.cmd.Wait(); close(exited) }()
	p.c.w.Close()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) // anything left in node's group
	if p.chromePID != 0 {
		// Puppeteer closes Chrome when node exits normally; a Chrome that
		// outlives node goes with its group.
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(-p.chromePID, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if syscall.Kill(-p.chromePID, 0) == nil {
			p.t.Logf("chrome-devtools-mcp: Chrome's group %d outlived node; killing it", p.chromePID)
			_ = syscall.Kill(-p.chromePID, syscall.SIGKILL)
		}
		browsertest.AssertGroupGone(p.t, p.chromePID)
	}
	if p.t.Failed() {
		p.t.Logf("chrome-devtools-mcp stderr:\n%s", p.stderr.w.String())
	}
}

// mcpClient is a client of an MCP server over stdio: newline-delimited
// JSON-RPC 2.0. The time of a reply is taken when its line has been read,
// before it is decoded.
type mcpClient struct {
	t       *testing.T
	w       io.WriteCloser
	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  int64
	waiters map[int64]chan mcpReply
	done    chan struct{}
}

type mcpReply struct {
	line []byte
	at   time.Time
}

func newMCPClient(t *testing.T, w io.WriteCloser, r io.Reader) *mcpClient {
	c := &mcpClient{t: t, w: w, waiters: map[int64]chan mcpReply{}, done: make(chan struct{})}
	go c.read(r)
	return c
}

func (c *mcpClient) read(r io.Reader) {
	defer close(c.done)
	readLines(r, func(line []byte, at time.Time) {
		line = slices.Clone(line) // kept past the call
		var m struct {
			ID     *int64 `json:"id"`
			Method string `json:"method"`
		}
		if err := json.Unmarshal(line, &m); err != nil {
			c.t.Errorf("MCP server wrote a line that is not JSON: %.300q", line)
			return
		}
		switch {
		case m.Method != "" && m.ID != nil:
			// A request of the server's (roots/list, ping...): none is
			// expected, as the client declares no capability.
			c.write(map[string]any{"jsonrpc": "2.0", "id": *m.ID, "error": map[string]any{"code": -32601, "message": "method not found"}})
		case m.Method != "":
			// A notification: logging, list changes. Ignored.
		case m.ID != nil:
			c.mu.Lock()
			ch := c.waiters[*m.ID]
			delete(c.waiters, *m.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- mcpReply{line, at}
			}
		}
	})
}

func (c *mcpClient) write(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(append(b, '\n')); err != nil {
		c.t.Errorf("writing to the MCP server: %v", err)
	}
}

func (c *mcpClient) notify(method string) {
	c.write(map[string]any{"jsonrpc": "2.0", "method": method})
}

// rawCall sends a request and returns its reply line and how long it took.
func (c *mcpClient) rawCall(method string, params any) ([]byte, time.Duration) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan mcpReply, 1)
	c.waiters[id] = ch
	c.mu.Unlock()
	t0 := time.Now()
	c.write(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	select {
	case r := <-ch:
		return r.line, r.at.Sub(t0)
	case <-c.done:
		c.t.Fatalf("MCP %s: the server closed its output", method)
	case <-time.After(burstWait):
		c.t.Fatalf("MCP %s: no reply within %s", method, burstWait)
	}
	return nil, 0
}

// call sends a request and decodes its result; an error fails the test.
func (c *mcpClient) call(method string, params, result any) time.Duration {
	line, took := c.rawCall(method, params)
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		c.t.Fatalf("MCP %s: %v", method, err)
	}
	if r.Error != nil {
		c.t.Fatalf("MCP %s: %s", method, r.Error)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			c.t.Fatalf("MCP %s: %v", method, err)
		}
	}
	return took
}

type toolResult struct {
	text string // the text blocks, joined
	took time.Duration
	size int // of the reply line
}

// tool calls an MCP tool; an error, or a result with isError, fails the test.
func (c *mcpClient) tool(name string, args map[string]any) toolResult {
	line, took := c.rawCall("tools/call", map[string]any{"name": name, "arguments": args})
	var r struct {
		Result struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			IsError bool `json:"isError"`
		} `json:"result"`
		Error json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(line, &r); err != nil {
		c.t.Fatalf("MCP tool %s: %v", name, err)
	}
	var texts []string
	for _, ct := range r.Result.Content {
		if ct.Type == "text" {
			texts = append(texts, ct.Text)
		}
	}
	text := strings.Join(texts, "\n")
	if r.Error != nil || r.Result.IsError {
		c.t.Fatalf("MCP tool %s(%v): %s %.500s", name, args, r.Error, text)
	}
	return toolResult{text: text, took: took, size: len(line)}
}

// ---- memory and CPU of a process tree, from /proc ----

type procInfo struct{ pid, ppid, pgid int }

func readProcs() []procInfo {
	var ps []procInfo
	entries, _ := os.ReadDir("/proc")
	for _, de := range entries {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgid, _ := strconv.Atoi(f[2])
		ps = append(ps, procInfo{pid, ppid, pgid})
	}
	return ps
}

// treeMem is what a process tree holds: the sum of its processes' VmRSS
// (shared pages count once per process) and of their PSS (shared pages
// split among their sharers), and their CPU time so far.
type treeMem struct {
	procs int
	rssKB int
	pssKB int
	cpu   time.Duration
	// serverRSSKB and serverPSSKB are those of the processes that are not
	// Chrome's: serve and the worker, or node.
	serverRSSKB, serverPSSKB int
	roles                    map[string][2]int // by process role: count, PSS in KB
}

// readTreeMem sums over the roots, their descendants, and the members of
// the roots' process groups (Chrome's group, should a process of it have
// been reparented).
func readTreeMem(chrome string, roots ...int) treeMem {
	ps := readProcs()
	in := map[int]bool{}
	groups := map[int]bool{}
	for _, r := range roots {
		if r > 0 {
			in[r] = true
			groups[r] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range ps {
			if !in[p.pid] && (in[p.ppid] || groups[p.pgid]) {
				in[p.pid] = true
				changed = true
			}
		}
	}
	m := treeMem{roles: map[string][2]int{}}
	for pid := range in {
		mem, err := sessiontest.ReadMem(pid)
		if err != nil {
			continue
		}
		pss, _ := readPSS(pid) // 0 when unreadable
		m.procs++
		m.rssKB += mem.RSS
		m.pssKB += pss
		role := procRole(pid, chrome)
		if !strings.HasPrefix(role, "Chrome") {
			m.serverRSSKB += mem.RSS
			m.serverPSSKB += pss
		}
		rc := m.roles[role]
		m.roles[role] = [2]int{rc[0] + 1, rc[1] + pss}
		if _, cpu, ok := sessiontest.CPU(pid); ok {
			m.cpu += cpu
		}
	}
	return m
}

// procRole names what a process is: a Chrome process by its --type (and
// utility sub-type), bdg-rpc's by its subcommand, another by its
// executable's name. Chrome's children rewrite their command line into one
// space-separated string.
func procRole(pid int, chrome string) string {
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.FieldsFunc(string(b), func(r rune) bool { return r == 0 || r == ' ' })
	if exe != chrome {
		if len(args) > 1 && (args[1] == "serve" || args[1] == "worker") {
			return "bdg-rpc " + args[1]
		}
		return filepath.Base(exe)
	}
	kind, sub := "browser", ""
	for _, arg := range args {
		if v, ok := strings.CutPrefix(arg, "--type="); ok {
			kind = v
		}
		if v, ok := strings.CutPrefix(arg, "--utility-sub-type="); ok {
			sub = " " + strings.TrimSuffix(v[strings.LastIndexByte(v, '.')+1:], "Service")
		}
	}
	return "Chrome " + kind + sub
}

func readPSS(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Pss:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, err := strconv.Atoi(f[0])
				return n, err == nil
			}
		}
	}
	return 0, false
}

// ---- the report ----

func (pb *peerBench) report(runs [2][]peerRun) {
	bdg, peer := runs[0], runs[1]
	rounds := len(bdg)
	us := bdg[0].who
	mb := func(kb int) float64 { return float64(kb) / 1024 }
	fmt.Printf("\nGo %s, %s/%s, %d CPUs, %s (the same binary for both), Node %s, chrome-devtools-mcp %s; load average at the start %s, at the end %s\n",
		strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), pb.chromeVer, pb.nodeVer, pb.peerVer, pb.load0, sessiontest.LoadAvg())
	fmt.Printf("\nThe peer's tools/list: %s\n", pb.peerTools)

	fmt.Printf("\n### %s beside chrome-devtools-mcp %s: the fixture page, %d console messages (%d rounds, alternating order)\n\n", us, pb.peerVer, pb.n, rounds)
	fmt.Println("| round | order | contender | spawn to page ready (ms) | burst to all listable (ms) | trigger's reply (ms) | CPU of the tree over it (ms) | page's loop (ms) | listing of all (ms, each) | messages returned / held | reply (bytes) | RSS after load (MB) | PSS after load (MB) | RSS after listing (MB) | PSS after listing (MB) | processes |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for round := range rounds {
		for _, r := range []peerRun{bdg[round], peer[round]} {
			var ls []string
			for _, l := range r.lists {
				ls = append(ls, fmt.Sprintf("%.0f", l))
			}
			fmt.Printf("| %d | %d | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %d / %d | %d | %.0f | %.0f | %.0f | %.0f | %d |\n", r.round, r.order, r.who,
				sessiontest.MsF(r.startup), sessiontest.MsF(r.ingest), sessiontest.MsF(r.trigger), sessiontest.MsF(r.burstCPU), r.pageMs, strings.Join(ls, ", "), r.items, r.total, r.bytes,
				mb(r.memLoad.rssKB), mb(r.memLoad.pssKB), mb(r.memAfter.rssKB), mb(r.memAfter.pssKB), r.memAfter.procs)
		}
	}

	fmt.Printf("\nWhere the start-up goes (medians of the rounds, ms):\n\n| contender | step | ms |\n|---|---|---|\n")
	for _, rs := range [][]peerRun{bdg, peer} {
		for i, st := range rs[0].steps {
			var xs []float64
			for _, r := range rs {
				xs = append(xs, sessiontest.MsF(r.steps[i].took))
			}
			fmt.Printf("| %s | %s | %.0f |\n", rs[0].who, st.name, sessiontest.Median(xs))
		}
	}

	med := func(rs []peerRun, f func(peerRun) float64) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, f(r))
		}
		return sessiontest.Median(xs)
	}
	allLists := func(rs []peerRun) float64 {
		var xs []float64
		for _, r := range rs {
			xs = append(xs, r.lists...)
		}
		return sessiontest.Median(xs)
	}
	type row struct {
		name string
		b, p float64
		unit string
	}
	returned := func(rs []peerRun) string {
		lo, hi := rs[0].items, rs[0].items
		for _, r := range rs {
			lo, hi = min(lo, r.items), max(hi, r.items)
		}
		if lo == hi {
			return strconv.Itoa(lo)
		}
		return fmt.Sprintf("%d-%d", lo, hi)
	}
	rows := []row{
		{"spawn to the page loaded and ready (ms)", med(bdg, func(r peerRun) float64 { return sessiontest.MsF(r.startup) }), med(peer, func(r peerRun) float64 { return sessiontest.MsF(r.startup) }), "%.0f"},
		{fmt.Sprintf("burst of %d to all listable (ms)", pb.n), med(bdg, func(r peerRun) float64 { return sessiontest.MsF(r.ingest) }), med(peer, func(r peerRun) float64 { return sessiontest.MsF(r.ingest) }), "%.0f"},
		{"of which the trigger's reply (ms)", med(bdg, func(r peerRun) float64 { return sessiontest.MsF(r.trigger) }), med(peer, func(r peerRun) float64 { return sessiontest.MsF(r.trigger) }), "%.0f"},
		{"CPU of the whole tree over that (ms)", med(bdg, func(r peerRun) float64 { return sessiontest.MsF(r.burstCPU) }), med(peer, func(r peerRun) float64 { return sessiontest.MsF(r.burstCPU) }), "%.0f"},
		{"the page's own time for the burst's loop (ms)", med(bdg, func(r peerRun) float64 { return r.pageMs }), med(peer, func(r peerRun) float64 { return r.pageMs }), "%.0f"},
		{"listing of all console messages, first of the round (ms)", med(bdg, func(r peerRun) float64 { return r.lists[0] }), med(peer, func(r peerRun) float64 { return r.lists[0] }), "%.1f"},
		{fmt.Sprintf("listing of all console messages, all %d of the rounds (ms)", pb.lists), allLists(bdg), allLists(peer), "%.1f"},
		{"listing's reply (KB)", med(bdg, func(r peerRun) float64 { return float64(r.bytes) / 1024 }), med(peer, func(r peerRun) float64 { return float64(r.bytes) / 1024 }), "%.0f"},
		{"RSS of the tree after the load (MB, sum of VmRSS)", med(bdg, func(r peerRun) float64 { return mb(r.memLoad.rssKB) }), med(peer, func(r peerRun) float64 { return mb(r.memLoad.rssKB) }), "%.0f"},
		{"PSS of the tree after the load (MB)", med(bdg, func(r peerRun) float64 { return mb(r.memLoad.pssKB) }), med(peer, func(r peerRun) float64 { return mb(r.memLoad.pssKB) }), "%.0f"},
		{"of which the server (serve + worker, or node), PSS after the load (MB)", med(bdg, func(r peerRun) float64 { return mb(r.memLoad.serverPSSKB) }), med(peer, func(r peerRun) float64 { return mb(r.memLoad.serverPSSKB) }), "%.0f"},
		{"RSS of the tree after the burst and listings (MB)", med(bdg, func(r peerRun) float64 { return mb(r.memAfter.rssKB) }), med(peer, func(r peerRun) float64 { return mb(r.memAfter.rssKB) }), "%.0f"},
		{"PSS of the tree after the burst and listings (MB)", med(bdg, func(r peerRun) float64 { return mb(r.memAfter.pssKB) }), med(peer, func(r peerRun) float64 { return mb(r.memAfter.pssKB) }), "%.0f"},
		{"of which the server (serve + worker, or node), PSS after the listings (MB)", med(bdg, func(r peerRun) float64 { return mb(r.memAfter.serverPSSKB) }), med(peer, func(r peerRun) float64 { return mb(r.memAfter.serverPSSKB) }), "%.0f"},
	}
	fmt.Printf("\nMedians of the %d rounds:\n\n| | %s | chrome-devtools-mcp %s | peer / %s |\n|---|---|---|---|\n", rounds, us, pb.peerVer, us)
	fmt.Printf("| console messages the listing returned (the page logged %d) | %s | %s | - |\n", pb.n+2, returned(bdg), returned(peer))
	for _, r := range rows {
		ratio := "-"
		if r.b > 0 {
			ratio = fmt.Sprintf("%.2fx", r.p/r.b)
		}
		fmt.Printf("| %s | "+r.unit+" | "+r.unit+" | %s |\n", r.name, r.b, r.p, ratio)
	}

	// What the memory is, by process, in the last round.
	fmt.Printf("\nPSS by process after the listings, round %d (MB; count of processes in brackets):\n\n| contender | process | PSS (MB) |\n|---|---|---|\n", rounds)
	for _, r := range []peerRun{bdg[rounds-1], peer[rounds-1]} {
		for _, role := range slices.Sorted(maps.Keys(r.memAfter.roles)) {
			rc := r.memAfter.roles[role]
			fmt.Printf("| %s | %s (%d) | %.1f |\n", r.who, role, rc[0], mb(rc[1]))
		}
		fmt.Printf("| %s | all %d processes | %.1f |\n", r.who, r.memAfter.procs, mb(r.memAfter.pssKB))
	}
}
