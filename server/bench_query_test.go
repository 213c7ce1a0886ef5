package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// queryMessages is how many console messages the query benchmark lists.
const queryMessages = 10_000

// queries measures what a query costs through serve against the same call
// on the worker's socket, side by side: console/list of 10,000 messages,
// and network/get of a 1 MB response body. The time is from writing the
// request to reading the whole reply line, not decoding it.
func (sb *serveBench) queries() {
	t := sb.t
	s := sb.startServe("", "bdg-rpc serve client")
	defer s.stop()
	conn, err := net.Dial("unix", s.start.SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	direct := newLineClient(t, conn, conn)

	// The load: 10,000 messages, and a 1 MB body.
	eval := func(expr string) {
		params := map[string]any{"session": s.name, "method": "Runtime.evaluate",
			"params": map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}}
		if err := s.c.call(protocol.CDPSend.Name, params, nil, waitLimit); err != nil {
			t.Fatal(err)
		}
	}
	eval(fmt.Sprintf("burst(%d)", queryMessages))
	eval("fetch('/big.json').then(r => r.text()).then(t => t.length)")
	var big string
	for deadline := time.Now().Add(waitLimit); big == "" || !sb.settled(s, queryMessages); {
		var list protocol.NetworkListResult
		if err := s.c.call(protocol.NetworkList.Name, map[string]any{"session": s.name, "filter": "big.json is:finished"}, &list, waitLimit); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) > 0 {
			big = list.Items[0].RequestID
		}
		if time.Now().After(deadline) {
			t.Fatal("the load did not settle")
		}
		time.Sleep(50 * time.Millisecond)
	}

	type query struct {
		name   string
		method string
		params map[string]any
	}
	queries := []query{
		{fmt.Sprintf("console/list of %d messages", queryMessages), protocol.ConsoleList.Name, map[string]any{"session": s.name, "last": queryMessages}},
		{"network/get of a 1 MB body", protocol.NetworkGet.Name, map[string]any{"session": s.name, "requestId": big, "body": true}},
		// What a call costs whatever its reply: serve's hop, its own
		// connection to the worker (the socket client keeps one), the
		// worker's liveness check.
		{"console/list of 1 message", protocol.ConsoleList.Name, map[string]any{"session": s.name, "limit": 1}},
	}
	// The floor of any backend: a bare relay process (relayMain) that
	// copies request lines to the worker's socket and the reply lines
	// back, doing nothing else.
	relay := startRelay(t, s.start.SocketPath)
	const rounds = 15
	fmt.Printf("\n### Queries through serve and on the worker's socket (median of %d calls each, alternating)\n\n", rounds)
	fmt.Println("| query | reply (bytes) | worker socket (ms) | serve (ms) | bare relay (ms) | serve / socket | relay / socket |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, q := range queries {
		took := map[*lineClient][]float64{}
		size := 0
		for i := range rounds {
			order := []*lineClient{direct, s.c, relay}
			for range i % 3 { // each first in turn
				order = append(order[1:], order[0])
			}
			for _, c := range order {
				ms, line := c.timedCall(q.method, q.params)
				size = len(line)
				took[c] = append(took[c], ms)
			}
		}
		sock, serve, bare := median(took[direct]), median(took[s.c]), median(took[relay])
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %.2fx | %.2fx |\n", q.name, size, sock, serve, bare, serve/sock, bare/sock)
	}
	if slices.ContainsFunc(sb.e.vars, func(v string) bool { return strings.HasPrefix(v, sessiontest.ProfileEnv+"=") }) {
		// -bench-serve-env BDG_BENCH_PROFILE=DIR: the children profiled
		// themselves from their start; SIGUSR2 writes the profiles.
		for _, pid := range []int{s.cmd.Process.Pid, s.start.PID} {
			_ = syscall.Kill(pid, syscall.SIGUSR2)
		}
		time.Sleep(time.Second)
		fmt.Printf("\nCPU profiles of serve (pid %d) and the worker (pid %d) written\n", s.cmd.Process.Pid, s.start.PID)
	}
}

// settled reports whether the session holds at least n console messages.
func (sb *serveBench) settled(s *serveSession, n int) bool {
	var st protocol.StatusResult
	if err := s.c.call(protocol.Status.Name, map[string]any{"session": s.name}, &st, waitLimit); err != nil {
		sb.t.Fatal(err)
	}
	return st.Counts.Console >= n
}

// timedCall sends a request and returns how long its reply line took to
// arrive, in ms, and the line; it fails the test on an error reply.
func (c *lineClient) timedCall(method string, params any) (float64, []byte) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan []byte, 1)
	c.waiters[strconv.Itoa(id)] = ch
	c.mu.Unlock()
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		c.t.Fatal(err)
	}
	t0 := time.Now()
	c.wmu.Lock()
	_, err = c.w.Write(append(req, '\n'))
	c.wmu.Unlock()
	if err != nil {
		c.t.Fatal(err)
	}
	var line []byte
	select {
	case line = <-ch:
	case <-time.After(waitLimit):
		c.t.Fatalf("%s: no reply", method)
	}
	took := float64(time.Since(t0).Microseconds()) / 1000
	if bytes.Contains(line[:min(len(line), 100)], []byte(`"error":`)) {
		c.t.Fatalf("%s: %.500s", method, line)
	}
	return took, line
}

func median(xs []float64) float64 {
	v := slices.Clone(xs)
	slices.Sort(v)
	return v[len(v)/2]
}

// startRelay starts this test binary as a bare relay to the worker's
// socket at path, and a client of it; both stop with the test.
func startRelay(t *testing.T, path string) *lineClient {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "relay", path)
	stdin, stdout := startPiped(t, cmd)
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("the relay: %v", err)
		}
	})
	return newLineClient(t, stdin, stdout)
}

// relayMain is the bare relay: for each request line on stdin, a
// connection to the socket (as serve makes one a call), the line written,
// and the reply line copied to stdout through a 256 KiB buffer, as serve
// copies it, with nothing else: no liveness check, no JSON.
func relayMain() int {
	path := os.Args[2]
	in := bufio.NewReader(os.Stdin)
	buf := make([]byte, 256<<10)
	for {
		req, err := in.ReadBytes('\n')
		if err != nil {
			return 0
		}
		c, err := net.Dial("unix", path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if _, err := c.Write(req); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for {
			n, err := c.Read(buf)
			if _, werr := os.Stdout.Write(buf[:n]); werr != nil {
				return 1
			}
			if n > 0 && buf[n-1] == '\n' {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		c.Close()
	}
}
