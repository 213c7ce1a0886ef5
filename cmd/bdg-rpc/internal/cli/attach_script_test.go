package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/bdg-rpc/bdg-rpc/browser"
)

// The commands of testdata/script/attach.txtar: a Chrome that plays the
// user's own browser, and what a script checks of it.

// userChromeTabs are the names of the tabs the user's browser has open, on
// testdata/fixtures/attach-tab.html?n=NAME.
var userChromeTabs = []string{"one", "two", "three"}

// cmdUserChrome launches "the user's browser": Chrome in a process group of
// its own, with its own profile ($WORK/profile), DevTools on a free port,
// and three tabs open on fixture pages. It sets CHROME_PORT, CHROME_HTTP
// (http://127.0.0.1:PORT), CHROME_WS (the browser's websocket) and
// CHROME_PATH (its path),
// CHROME_DIR, CHROME_PID, TAB_ONE, TAB_TWO, TAB_THREE (target ids) and
// TAB_TWO_WS (the page websocket of tab two). The script's end closes it.
//
//	userchrome
func cmdUserChrome(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: userchrome")
	}
	dir := ts.MkAbs("profile")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := append(browser.DefaultOptions(), browser.ExecPath(ts.Getenv("BDG_CHROME")), browser.UserDataDir(dir), browser.Output(io.Discard))
	c, err := browser.Launch(ctx, opts...)
	ts.Check(err)
	ts.Defer(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Close(cctx, nil)
	})
	conn, err := browser.Dial(ctx, c.WebSocketURL())
	ts.Check(err)
	defer conn.Close()
	root := conn.Session("")
	first, err := browser.ListTabs(ctx, conn)
	ts.Check(err)
	fixtures := ts.Getenv("FIXTURES")
	for _, n := range userChromeTabs {
		res, err := cdp.Call(ctx, root, target.CreateTarget, target.CreateTargetParams{URL: fixtures + "/attach-tab.html?n=" + n})
		ts.Check(err)
		ts.Setenv("TAB_"+strings.ToUpper(n), string(res.TargetID))
	}
	for _, t := range first { // the blank tab Chrome starts with
		_, err := cdp.Call(ctx, root, target.CloseTarget, target.CloseTargetParams{TargetID: target.ID(t.ID)})
		ts.Check(err)
	}
	awaitUserTabs(ts, ctx, conn)
	u, err := url.Parse(c.WebSocketURL())
	ts.Check(err)
	ts.Setenv("CHROME_PORT", u.Port())
	ts.Setenv("CHROME_HTTP", c.HTTPURL())
	ts.Setenv("CHROME_WS", c.WebSocketURL())
	ts.Setenv("CHROME_PATH", u.Path)
	ts.Setenv("CHROME_DIR", dir)
	ts.Setenv("CHROME_PID", strconv.Itoa(c.PID()))
	ts.Setenv("TAB_TWO_WS", "ws://"+u.Host+"/devtools/page/"+ts.Getenv("TAB_TWO"))
}

// awaitUserTabs waits until the browser has exactly the three tabs, loaded
// (their titles set by the page), and fails the script otherwise.
func awaitUserTabs(ts *testscript.TestScript, ctx context.Context, conn *browser.Conn) {
	var last []browser.Tab
	for ctx.Err() == nil {
		tabs, err := browser.ListTabs(ctx, conn)
		ts.Check(err)
		last = tabs
		var titles []string
		for _, t := range tabs {
			titles = append(titles, t.Title)
		}
		slices.Sort(titles)
		if slices.Equal(titles, []string{"tab one", "tab three", "tab two"}) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("the user's browser does not have its three tabs: %+v", last)
}

// cmdCheckTabs checks that the user's browser still runs with its three
// tabs, on their pages, and that no DevTools client is left attached to
// any (a session leaves the browser as it was). With an argument, a tab
// of that name is expected closed.
//
//	checktabs
//	checktabs -three
func cmdCheckTabs(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: checktabs [-NAME]")
	}
	want := map[string]bool{}
	for _, n := range userChromeTabs {
		want["tab "+n] = true
	}
	for _, a := range args {
		delete(want, "tab "+strings.TrimPrefix(a, "-"))
	}
	pid, err := strconv.Atoi(ts.Getenv("CHROME_PID"))
	ts.Check(err)
	if err := syscall.Kill(pid, 0); err != nil {
		ts.Fatalf("the user's browser (pid %d) is gone: %v", pid, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := browser.Dial(ctx, ts.Getenv("CHROME_WS"))
	ts.Check(err)
	defer conn.Close()
	var tabs []browser.Tab
	// A detach, and a tab closed by stop --close-tab, reach Chrome's list a
	// moment later.
	for ctx.Err() == nil {
		tabs, err = browser.ListTabs(ctx, conn)
		ts.Check(err)
		if !slices.ContainsFunc(tabs, func(t browser.Tab) bool { return t.Attached }) && len(tabs) == len(want) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := map[string]bool{}
	for _, t := range tabs {
		if t.Attached {
			ts.Fatalf("tab %q (%s) is still attached to", t.Title, t.URL)
		}
		name := strings.TrimPrefix(t.Title, "tab ")
		if !strings.HasSuffix(t.URL, "/attach-tab.html?n="+name) {
			ts.Fatalf("tab %q is on %s", t.Title, t.URL)
		}
		got[t.Title] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		ts.Fatalf("the user's browser has tabs %v, want %v", got, want)
	}
}

// cmdProxy serves a DevTools endpoint as Chrome 144's remote-debugging
// toggle does: the websocket only, with /json/* answered 404. It forwards
// every other connection to the user's browser, and sets PROXY_PORT.
//
//	wsproxy
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: wsproxy")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	upstream := "127.0.0.1:" + ts.Getenv("CHROME_PORT")
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	track := func(c net.Conn, add bool) {
		mu.Lock()
		defer mu.Unlock()
		if add {
			conns[c] = true
		} else {
			delete(conns, c)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			track(c, true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer track(c, false)
				proxyOne(c, upstream, track)
			}()
		}
	}()
	ts.Defer(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Setenv("PROXY_PORT", strconv.Itoa(port))
}

// proxyOne answers a request for /json/... with 404, and forwards any
// other connection to upstream, both ways.
func proxyOne(c net.Conn, upstream string, track func(net.Conn, bool)) {
	defer c.Close()
	buf := make([]byte, 4096)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(buf)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], "/json") {
		_, _ = io.WriteString(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	up, err := net.Dial("tcp", upstream)
	if err != nil {
		return
	}
	track(up, true)
	defer track(up, false)
	defer up.Close()
	if _, err := up.Write(buf[:n]); err != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, up)
		c.Close()
		close(done)
	}()
	_, _ = io.Copy(up, c)
	up.Close()
	<-done
}

// cmdWriteActivePort writes a DevToolsActivePort file into DIR (made as
// needed), as Chrome does in its profile: the port, then the browser's
// websocket path.
//
//	activeport $WORK/home/.config/google-chrome $PROXY_PORT $CHROME_PATH
func cmdWriteActivePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: activeport DIR PORT PATH")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o700))
	ts.Check(os.WriteFile(filepath.Join(dir, "DevToolsActivePort"), []byte(args[1]+"\n"+args[2]+"\n"), 0o600))
}
