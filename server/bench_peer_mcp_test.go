//go:build linux

package server_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/session"
)

// bdg-rpc's contender in the peer benchmark (bench_peer_test.go): by
// default its MCP server, bdg-rpc mcp, through the same MCP client as the
// peer's (issue 18); -bench-peer-side serve puts its editors' backend there
// instead (issue 14's comparison).
var benchPeerSide = flag.String("bench-peer-side", "mcp", "bdg-rpc's contender: mcp (bdg-rpc mcp, the peer's kind of server) or serve (the editors' backend)")

var (
	reHolds     = regexp.MustCompile(`the session holds (\d+);`)
	reListedMsg = regexp.MustCompile(`(?m)^#\d+ `)
)

// runBdgMCP runs bdg-rpc's round as an agent's host would: bdg-rpc mcp
// spawned, initialize and tools/list, start_session on the fixture page
// (which launches Chrome), then the burst through evaluate, the lists
// through list_console_messages, and stop_session.
func (pb *peerBench) runBdgMCP() peerRun {
	t, sb := pb.t, pb.sb
	r := peerRun{who: "bdg-rpc mcp"}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sb.sessions++
	name := fmt.Sprintf("mcp-%d", sb.sessions)
	stderr := &syncWriter{w: &strings.Builder{}}

	t0 := time.Now()
	mark := t0
	cmd := exec.Command(exe, "mcp")
	cmd.Env = sb.e.vars
	cmd.Stderr = stderr
	stdin, stdout := startPiped(t, cmd)
	c := newMCPClient(t, stdin, stdout)
	stopped := false
	closeServer := func() {
		if stopped {
			return
		}
		stopped = true
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			stderr.mu.Lock()
			defer stderr.mu.Unlock()
			t.Errorf("bdg-rpc mcp: %v; stderr: %s", err, stderr.w.String())
		}
	}
	t.Cleanup(closeServer)
	c.call("initialize", map[string]any{"protocolVersion": mcpProtocolVersion, "capabilities": map[string]any{},
		"clientInfo": map[string]string{"name": "bdg-rpc-bench-peer", "version": "0"}}, nil)
	c.notify("notifications/initialized")
	c.call("tools/list", map[string]any{}, nil)
	r.step("spawn bdg-rpc mcp + initialize + tools/list", &mark)

	c.tool("start_session", map[string]any{"url": sb.e.fx.URL(burstFixture), "session": name})
	r.step("start_session (launches Chrome, opens the page)", &mark)
	for deadline := time.Now().Add(waitLimit); ; {
		if strings.Contains(c.tool("list_console_messages", map[string]any{"session": name, "filter": "bench-serve ready", "limit": 1}).text, "bench-serve ready") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bdg-rpc mcp: the page's ready message was never listed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.step("the page's ready message is listed", &mark)
	r.startup = time.Since(t0)
	d, err := session.NewDir(sb.e.home, name)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := d.ReadMeta()
	if err != nil {
		t.Fatal(err)
	}
	roots := []int{cmd.Process.Pid, meta.PID, meta.Chrome.PID}
	if pb.chromeVer == "" {
		pb.chromeVer = meta.Chrome.Version
	}
	sb.renice(meta.PID, cmd.Process.Pid)

	time.Sleep(settle)
	r.memLoad = readTreeMem(pb.chrome, roots...)
	holds := func() int {
		m := reHolds.FindStringSubmatch(c.tool("list_console_messages", map[string]any{"session": name, "limit": 1}).text)
		if m == nil {
			t.Fatal("bdg-rpc mcp: a list that does not say what the session holds")
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	before := holds()

	cpu0 := readTreeMem(pb.chrome, roots...).cpu
	t1 := time.Now()
	ev := c.tool("evaluate", map[string]any{"session": name, "expression": fmt.Sprintf("burst(%d)", pb.n)})
	r.trigger = time.Since(t1)
	r.pageMs, _ = strconv.ParseFloat(strings.TrimSpace(ev.text), 64)
	want := before + pb.n + 1 // the burst and "burst done"
	done := fmt.Sprintf("burst done %d", pb.n)
	for deadline := time.Now().Add(burstWait); ; {
		last := c.tool("list_console_messages", map[string]any{"session": name, "limit": 1, "order": "desc"})
		if strings.Contains(last.text, done) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bdg-rpc mcp: %q never listed last", done)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.ingest = time.Since(t1)
	r.burstCPU = readTreeMem(pb.chrome, roots...).cpu - cpu0
	if r.total = holds(); r.total < want {
		t.Fatalf("bdg-rpc mcp: the session holds %d messages, want %d", r.total, want)
	}

	time.Sleep(settle)
	for range pb.lists {
		// The most one call gives (10,000): as many as the peer keeps.
		all := c.tool("list_console_messages", map[string]any{"session": name, "limit": 10000})
		r.lists = append(r.lists, float64(all.took)/float64(time.Millisecond))
		r.bytes = all.size
		r.items = len(reListedMsg.FindAllStringIndex(all.text, -1))
	}
	r.memAfter = readTreeMem(pb.chrome, roots...)
	c.tool("stop_session", map[string]any{"session": name})
	closeServer()
	return r
}
