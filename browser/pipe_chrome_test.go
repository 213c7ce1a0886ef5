//go:build linux

package browser_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/browser/internal/procgroup"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/runtime"
)

// These tests run a real Chrome on its DevTools pipe (browser.Pipe). They
// read /proc, so they are for Linux.

// TestPipeChrome drives a page over the pipe: attach, evaluate, events in
// both forms, large messages both ways, an error reply.
func TestPipeChrome(t *testing.T) {
	chrome := browsertest.Launch(t, browser.Pipe())
	srv := fixtures(t)
	ctx := testContext(t)
	t.Logf("Chrome (pid %d) launched on a pipe in %v", chrome.PID(), chrome.LaunchDuration())
	if !chrome.UsesPipe() || chrome.WebSocketURL() != "" || chrome.HTTPURL() != "" {
		t.Errorf("UsesPipe() = %v, WebSocketURL() = %q, HTTPURL() = %q; want true and no URLs",
			chrome.UsesPipe(), chrome.WebSocketURL(), chrome.HTTPURL())
	}
	if _, err := os.Stat(filepath.Join(chrome.UserDataDir(), "DevToolsActivePort")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DevToolsActivePort in the profile: stat: %v; want none", err)
	}
	args := cmdline(t, chrome.PID())
	if !slices.Contains(args, "--remote-debugging-pipe") {
		t.Errorf("arguments %q lack --remote-debugging-pipe", args)
	}
	for _, a := range args {
		if strings.HasPrefix(a, "--remote-debugging-port") || strings.HasPrefix(a, "--remote-debugging-address") {
			t.Errorf("argument %q on a pipe", a)
		}
	}

	onEvent, events := eventsOf()
	conn := browsertest.Dial(t, chrome, onEvent)
	if again, err := chrome.Dial(ctx); err == nil || !strings.Contains(err.Error(), "one connection") {
		t.Errorf("second Dial = %v, %v; want an error, the pipe has one connection", again, err)
	}
	product, err := browser.Version(ctx, conn)
	if err != nil || !strings.Contains(product, "Chrome/") {
		t.Errorf("Version = %q, %v", product, err)
	}

	sess, info, err := browser.AttachPage(ctx, conn, browser.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID() == "" || info.TargetID == "" {
		t.Fatalf("AttachPage = session %q, %+v", sess.ID(), info)
	}
	res, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "1+2"})
	if err != nil || string(res.Result.Value) != "3" {
		t.Errorf("evaluate 1+2 = %+v, %v", res, err)
	}

	if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	typed, stop := iter.Pull2(cdp.Events(ctx, sess, runtime.ConsoleAPICalled))
	defer stop()
	navigate(t, ctx, sess, srv.URL+"/console")
	ev := awaitEvent(t, ctx, events, sess.ID(), runtime.ConsoleAPICalled.Method, nil)
	var raw runtime.EventConsoleAPICalled
	if err := jsonv2.Unmarshal(ev.Params, &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Args) != 2 || string(raw.Args[0].Value) != `"hello from the page"` {
		t.Errorf("OnEvent: args = %s", ev.Params)
	}
	got, err, ok := typed()
	if !ok || err != nil || len(got.Args) != 2 || string(got.Args[1].Value) != "42" {
		t.Errorf("cdp.Events = %+v, %v, %v", got, err, ok)
	}

	// A command of 1 MiB, and a result of 8 MiB: many reads of the pipe.
	const n = 1 << 20
	res, err = cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "'" + strings.Repeat("a", n) + "'.length"})
	if err != nil || string(res.Result.Value) != fmt.Sprint(n) {
		t.Errorf("length of a 1 MiB string = %+v, %v", res, err)
	}
	byValue := true
	res, err = cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "'b'.repeat(8<<20)", ReturnByValue: &byValue})
	if err != nil || len(res.Result.Value) != 8<<20+2 {
		t.Errorf("8 MiB result: %d bytes, %v", len(res.Result.Value), err)
	}
	// A NUL in a string goes escaped, and comes back.
	res, err = cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "'a\\0b' + '\x00'", ReturnByValue: &byValue})
	if err != nil || string(res.Result.Value) != `"a\u0000b\u0000"` {
		t.Errorf("evaluate with NULs = %s, %v", res.Result.Value, err)
	}

	if _, err := conn.CallRaw(ctx, "", "Nope.notAMethod", nil); !isCDPError(err, -32601) {
		t.Errorf("unknown method: err = %v; want a *CDPError with code -32601", err)
	}
	if conn.Err() != nil {
		t.Errorf("connection ended: %v", conn.Err())
	}
	// browsertest's clean-ups close the connection, so that Chrome sees
	// the end of its pipe, then Close, and check that nothing is left.
}

func isCDPError(err error, code int64) bool {
	var e *browser.CDPError
	return errors.As(err, &e) && e.Code == code
}

// TestPipeOpensNoPort: a Chrome on a pipe has no listening TCP socket in its
// process group; a Chrome on a port has one, which shows that the check sees
// them.
func TestPipeOpensNoPort(t *testing.T) {
	onPort := browsertest.Launch(t)
	onPipe := browsertest.Launch(t, browser.Pipe())
	if l := listeners(t, onPort.PID()); len(l) == 0 {
		t.Errorf("found no listening socket of the Chrome on a port (%s): the check is blind", onPort.WebSocketURL())
	} else {
		t.Logf("Chrome on a port listens: %v", l)
	}
	if l := listeners(t, onPipe.PID()); len(l) != 0 {
		t.Errorf("Chrome on a pipe listens: %v", l)
	}
}

func TestPipeCloseCleansUp(t *testing.T) {
	ctx := testContext(t)
	var out strings.Builder
	chrome, err := browser.Launch(ctx, browser.ExecPath(browsertest.ExecPath(t)), browser.Pipe(), browser.Output(&syncWriter{w: &out}))
	if err != nil {
		t.Fatal(err)
	}
	dir := chrome.UserDataDir()
	conn, err := chrome.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	// Without a connection from the caller, Close uses the one over the pipe.
	start := time.Now()
	if err := chrome.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("Close took %v", time.Since(start))
	<-chrome.Done()
	if err := chrome.ExitErr(); err != nil {
		t.Errorf("ExitErr() = %v; want a clean exit after Browser.close", err)
	}
	<-conn.Done()
	if !errors.Is(conn.Err(), browser.ErrConnectionLost) {
		t.Errorf("connection: Err() = %v; want ErrConnectionLost", conn.Err())
	}
	browsertest.AssertGroupGone(t, chrome.PID())
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s still exists: %v", dir, err)
	}
	if err := chrome.Close(ctx, nil); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := chrome.Dial(ctx); err == nil {
		t.Error("Dial after Close did not fail")
	}
	if strings.Contains(out.String(), "DevTools listening on") {
		t.Errorf("Chrome on a pipe announced a DevTools server: %q", out.String())
	}
}

func TestPipeCloseWithoutDial(t *testing.T) {
	ctx := testContext(t)
	chrome, err := browser.Launch(ctx, browser.ExecPath(browsertest.ExecPath(t)), browser.Pipe())
	if err != nil {
		t.Fatal(err)
	}
	// Close sends Browser.close over the pipe that nobody took.
	if err := chrome.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := chrome.ExitErr(); err != nil {
		t.Errorf("ExitErr() = %v; want a clean exit after Browser.close", err)
	}
	browsertest.AssertGroupGone(t, chrome.PID())
	if _, err := os.Stat(chrome.UserDataDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s still exists: %v", chrome.UserDataDir(), err)
	}
}

// TestPipeConnCloseEndsChrome: Chrome exits on its own when its pipe closes.
func TestPipeConnCloseEndsChrome(t *testing.T) {
	ctx := testContext(t)
	chrome := browsertest.Launch(t, browser.Pipe())
	conn, err := chrome.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	select {
	case <-chrome.Done():
	case <-ctx.Done():
		t.Fatalf("Chrome still runs after its pipe closed: %v", ctx.Err())
	}
	if err := chrome.ExitErr(); err != nil {
		t.Errorf("ExitErr() = %v; want a clean exit", err)
	}
}

// TestPipeChromeKilled: when Chrome dies, the end of the pipe reaches the
// connection (no other process holds Chrome's end).
func TestPipeChromeKilled(t *testing.T) {
	ctx := testContext(t)
	chrome := browsertest.Launch(t, browser.Pipe())
	onEvent, events := eventsOf()
	conn := browsertest.Dial(t, chrome, onEvent)
	sess, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	pending := make(chan error, 1)
	await := true
	go func() {
		_, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{
			Expression: `new Promise(() => console.log("never resolves"))`, AwaitPromise: &await,
		})
		pending <- err
	}()
	awaitEvent(t, ctx, events, sess.ID(), runtime.ConsoleAPICalled.Method, nil)
	if err := syscall.Kill(chrome.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := <-pending; !errors.Is(err, browser.ErrConnectionLost) {
		t.Errorf("pending call: err = %v; want ErrConnectionLost", err)
	}
	<-conn.Done()
}

func TestPipeLaunchFails(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where Launch makes its temporary profiles
	script := func(body string) string {
		p := filepath.Join(t.TempDir(), "fake-chrome")
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, exec string
		want       []string
	}{
		{"exits", "/bin/false", []string{"exited before it answered on its DevTools pipe", "exit status 1"}},
		{"exits with output", script("echo 'fatal: no display' >&2\nexit 3\n"), []string{"exit status 3", "fatal: no display"}},
		// Closes the pipe and lives on.
		{"closes the pipe", script("exec 3<&- 4>&-\nexec sleep 1000\n"), []string{"talking to Chrome over its DevTools pipe"}},
		// Answers garbage.
		{"garbage", script("printf 'not json\\000' >&4\nexec sleep 1000\n"), []string{"malformed message from Chrome"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := browser.Launch(testContext(t), browser.ExecPath(tc.exec), browser.Pipe())
			if !errors.Is(err, browser.ErrLaunchFailed) {
				t.Fatalf("err = %v; want ErrLaunchFailed", err)
			}
			t.Logf("err = %v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v; want it to say %q", err, w)
				}
			}
		})
	}

	// A Chrome that never answers, and a context that ends.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := browser.Launch(ctx, browser.ExecPath(script("echo $$ > "+pidFile+"\nsleep 1000 &\nexec sleep 1000\n")), browser.Pipe())
	if !errors.Is(err, browser.ErrLaunchFailed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("silent Chrome: err = %v; want ErrLaunchFailed and DeadlineExceeded", err)
	}
	var pid int
	if b, err := os.ReadFile(pidFile); err == nil {
		fmt.Sscan(string(b), &pid)
		browsertest.AssertGroupGone(t, pid)
	} else {
		t.Errorf("the script did not run: %v", err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary profiles left behind: %v", entries)
	}
}

// BenchmarkLaunchPipeVsPort launches Chrome on a port and on a pipe in turn,
// and reports the medians of LaunchDuration and of the time until the first
// reply on a connection (Launch, Dial, Browser.getVersion). Run it with
// -bench LaunchPipeVsPort -benchtime 5x.
func BenchmarkLaunchPipeVsPort(b *testing.B) {
	exe := browsertest.ExecPath(b)
	modes := []struct {
		name string
		opts []browser.LaunchOption
	}{{"port", nil}, {"pipe", []browser.LaunchOption{browser.Pipe()}}}
	launch := map[string][]time.Duration{}
	ready := map[string][]time.Duration{}
	for b.Loop() {
		for _, m := range modes {
			l, r := timeLaunch(b, exe, m.opts)
			launch[m.name] = append(launch[m.name], l)
			ready[m.name] = append(ready[m.name], r)
		}
	}
	for _, m := range modes {
		b.ReportMetric(float64(median(launch[m.name]).Microseconds())/1000, m.name+"-launch-ms")
		b.ReportMetric(float64(median(ready[m.name]).Microseconds())/1000, m.name+"-ready-ms")
		b.Logf("%s: LaunchDuration %v; until the first reply %v", m.name, launch[m.name], ready[m.name])
	}
}

// timeLaunch launches Chrome once, and returns its LaunchDuration and the
// time until Browser.getVersion answered on a new connection.
func timeLaunch(b *testing.B, exe string, opts []browser.LaunchOption) (launch, ready time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	chrome, err := browser.Launch(ctx, append([]browser.LaunchOption{browser.ExecPath(exe)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	defer chrome.Close(context.Background(), nil)
	conn, err := chrome.Dial(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := browser.Version(ctx, conn); err != nil {
		b.Fatal(err)
	}
	ready = time.Since(start)
	if err := chrome.Close(ctx, conn); err != nil {
		b.Fatal(err)
	}
	return chrome.LaunchDuration(), ready
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// cmdline returns the arguments of the process pid.
func cmdline(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// listeners returns the TCP sockets in the LISTEN state that a live process
// of the group pgid holds, as "pid N: ADDR:PORT" in the hex of /proc/net/tcp.
// It reads the tables of each process's own network namespace.
func listeners(t *testing.T, pgid int) []string {
	t.Helper()
	pids, err := procgroup.Members(pgid)
	if err != nil || len(pids) == 0 {
		t.Fatalf("members of group %d: %v, %v", pgid, pids, err)
	}
	var found []string
	for _, pid := range pids {
		inodes := socketInodes(pid)
		for _, table := range []string{"tcp", "tcp6"} {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
			if err != nil {
				continue // the process exited
			}
			for _, l := range listening(b) {
				if inodes[l.inode] {
					found = append(found, fmt.Sprintf("pid %d: %s %s", pid, table, l.addr))
				}
			}
		}
	}
	return found
}

// socketInodes returns the inodes of the sockets that the process pid has
// open.
func socketInodes(pid int) map[string]bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, _ := os.ReadDir(dir)
	inodes := map[string]bool{}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return inodes
}

type tcpSocket struct{ addr, inode string }

// listening parses a /proc/net/tcp table, and returns its sockets in the
// LISTEN state (0A).
func listening(table []byte) []tcpSocket {
	var out []tcpSocket
	sc := bufio.NewScanner(bytes.NewReader(table))
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 10 && f[3] == "0A" {
			out = append(out, tcpSocket{addr: f[1], inode: f[9]})
		}
	}
	return out
}
