//go:build unix

package browser_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
)

// testTimeout bounds each test, so that a bug fails it instead of hanging it.
// No assertion depends on time.
const testTimeout = 60 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// fixtures serves the test pages.
func fixtures(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html><head><title>fixture</title></head><body>"+body+"</body></html>")
		}
	}
	mux.Handle("/console", html(`<script>console.log("hello from the page", 42)</script>`))
	// A lone UTF-16 surrogate: JavaScript allows it, JSON does not.
	mux.Handle("/surrogate", html(`<script>console.log('\ud800', 'after')</script>`))
	mux.Handle("/resources", html(`<img src="/pixel.gif"><script src="/app.js"></script>`))
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `fetch("/data.json").then(r => r.json()).then(d => console.log("data", d.n))`)
	})
	mux.HandleFunc("/data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"n":1}`)
	})
	mux.HandleFunc("/pixel.gif", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// navigate loads url in the page and waits for its load event.
func navigate(t *testing.T, ctx context.Context, sess *browser.Session, url string) {
	t.Helper()
	if _, err := cdp.Call(ctx, sess, page.Enable, page.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	loaded, cancel := sess.Subscribe(page.LoadEventFired.Method)
	defer cancel()
	res, err := cdp.Call(ctx, sess, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorText != "" {
		t.Fatalf("navigating to %s: %s", url, res.ErrorText)
	}
	select {
	case <-loaded:
	case <-ctx.Done():
		t.Fatalf("no load event for %s: %v", url, ctx.Err())
	}
}

// eventsOf returns an OnEvent option that sends the events of every session to
// a channel, and the channel.
func eventsOf() (browser.DialOption, <-chan browser.Event) {
	ch := make(chan browser.Event, 1024)
	return browser.OnEvent(func(ev browser.Event) { ch <- ev }), ch
}

// awaitEvent returns the next event on ch of the session and method for
// which match holds.
func awaitEvent(t *testing.T, ctx context.Context, ch <-chan browser.Event, session, method string, match func(browser.Event) bool) browser.Event {
	t.Helper()
	for {
		select {
		case ev := <-ch:
			if ev.SessionID == session && ev.Method == method && (match == nil || match(ev)) {
				return ev
			}
		case <-ctx.Done():
			t.Fatalf("no %s event: %v", method, ctx.Err())
		}
	}
}

// TestChrome runs the tests that can share one Chrome. Each subtest has a
// connection and a page of its own.
func TestChrome(t *testing.T) {
	chrome := browsertest.Launch(t)
	srv := fixtures(t)
	t.Logf("Chrome (pid %d) launched in %v", chrome.PID(), chrome.LaunchDuration())

	t.Run("Version", func(t *testing.T) {
		t.Parallel()
		conn := browsertest.Dial(t, chrome)
		product, err := browser.Version(testContext(t), conn)
		if err != nil {
			t.Fatal(err)
		}
		// Old headless mode says HeadlessChrome/, the new one Chrome/.
		if !strings.HasPrefix(product, "HeadlessChrome/") && !strings.HasPrefix(product, "Chrome/") {
			t.Errorf("product = %q; want Chrome/... or HeadlessChrome/...", product)
		}
	})

	t.Run("AttachPageTakesAPage", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		conn := browsertest.Dial(t, chrome)
		sess, info, err := browser.AttachPage(ctx, conn, browser.AttachOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sess.ID() == "" || info.TargetID == "" {
			t.Fatalf("session %q, info %+v", sess.ID(), info)
		}
		res, err := cdp.Call(ctx, conn.Session(""), target.GetTargetInfo, target.GetTargetInfoParams{TargetID: target.ID(info.TargetID)})
		if err != nil {
			t.Fatal(err)
		}
		if res.TargetInfo.Type != "page" {
			t.Errorf("attached to a target of type %q; want page", res.TargetInfo.Type)
		}
		// The session works.
		ev, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "1+2"})
		if err != nil || string(ev.Result.Value) != "3" {
			t.Errorf("evaluate 1+2 = %+v, %v", ev, err)
		}
	})

	t.Run("ResolveBrowserURLAndListPages", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		got, err := browser.ResolveBrowserURL(ctx, chrome.HTTPURL())
		if err != nil {
			t.Fatal(err)
		}
		if got != chrome.WebSocketURL() {
			t.Errorf("ResolveBrowserURL = %q; want %q", got, chrome.WebSocketURL())
		}
		bare := strings.TrimPrefix(chrome.HTTPURL(), "http://")
		if got, err := browser.ResolveBrowserURL(ctx, bare); err != nil || got != chrome.WebSocketURL() {
			t.Errorf("ResolveBrowserURL(%q) = %q, %v", bare, got, err)
		}
		pages, err := browser.ListPages(ctx, chrome.HTTPURL())
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) == 0 {
			t.Fatal("no pages listed")
		}
		for _, p := range pages {
			if p.Type != "page" || p.WebSocketDebuggerURL == "" {
				t.Errorf("listed %+v", p)
			}
		}
	})

	t.Run("PageEndpoint", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		_, info := browsertest.NewPage(t, browsertest.Dial(t, chrome))
		var wsURL string
		pages, err := browser.ListPages(ctx, chrome.HTTPURL())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if p.ID == info.TargetID {
				wsURL = p.WebSocketDebuggerURL
			}
		}
		if wsURL == "" {
			t.Fatalf("page %s not listed in %+v", info.TargetID, pages)
		}
		conn, err := browser.Dial(ctx, wsURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		sess, got, err := browser.AttachPage(ctx, conn, browser.AttachOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sess.ID() != "" || got.TargetID != info.TargetID {
			t.Errorf("AttachPage on a page endpoint = session %q, %+v; want session \"\" of %s", sess.ID(), got, info.TargetID)
		}
		navigate(t, ctx, sess, srv.URL+"/console")
		if _, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{NewPage: true}); err == nil {
			t.Error("AttachPage with NewPage on a page endpoint did not fail")
		}
	})

	t.Run("Console", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		onEvent, events := eventsOf()
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome, onEvent))
		if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		// Subscribe before the page logs: the iterator buffers from here.
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
		if !ok || err != nil {
			t.Fatalf("cdp.Events: %v, %v", err, ok)
		}
		if got.Type != runtime.ConsoleAPICalledTypeLog || len(got.Args) != 2 || string(got.Args[1].Value) != "42" {
			t.Errorf("cdp.Events: %+v", got)
		}
	})

	t.Run("LoneSurrogate", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		onEvent, events := eventsOf()
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome, onEvent))
		if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		typed, stop := iter.Pull2(cdp.Events(ctx, sess, runtime.ConsoleAPICalled))
		defer stop()
		navigate(t, ctx, sess, srv.URL+"/surrogate")

		ev := awaitEvent(t, ctx, events, sess.ID(), runtime.ConsoleAPICalled.Method, nil)
		if !ev.Params.IsValid() {
			t.Errorf("OnEvent params are not valid JSON: %q", ev.Params)
		}
		got, err, ok := typed()
		if !ok || err != nil {
			t.Fatalf("cdp.Events: %v, %v", err, ok)
		}
		var first, second string
		if len(got.Args) != 2 || jsonv2.Unmarshal(got.Args[0].Value, &first) != nil || jsonv2.Unmarshal(got.Args[1].Value, &second) != nil {
			t.Fatalf("args = %+v", got.Args)
		}
		if first != "\uFFFD" || second != "after" {
			t.Errorf("args = %q, %q; want U+FFFD, after", first, second)
		}

		// A result with a lone surrogate decodes too, in Call and CallRaw.
		byValue := true
		res, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: `'x\ud800y'`, ReturnByValue: &byValue})
		if err != nil {
			t.Fatal(err)
		}
		var s string
		if err := jsonv2.Unmarshal(res.Result.Value, &s); err != nil || s != "x\uFFFDy" {
			t.Errorf("evaluate = %q, %v", s, err)
		}
		raw, err := sess.CallRaw(ctx, "Runtime.evaluate", jsonv2.Value(`{"expression":"'\\ud800'","returnByValue":true}`))
		if err != nil || !raw.IsValid() {
			t.Errorf("CallRaw = %q, %v; want valid JSON", raw, err)
		}
	})

	t.Run("LargeCommand", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome))
		const n = 1 << 20
		expr := "'" + strings.Repeat("a", n) + "'.length"
		res, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: expr})
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Result.Value) != fmt.Sprint(n) {
			t.Errorf("length = %s; want %d", res.Result.Value, n)
		}
		// A large result arrives too: 8 MiB.
		byValue := true
		res, err = cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "'b'.repeat(8<<20)", ReturnByValue: &byValue})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Result.Value) != 8<<20+2 {
			t.Errorf("result of %d bytes; want %d", len(res.Result.Value), 8<<20+2)
		}
	})

	t.Run("CommandTooLarge", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome, browser.MaxCommandSize(64<<10)))
		_, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "'" + strings.Repeat("a", 100<<10) + "'"})
		if !errors.Is(err, browser.ErrCommandTooLarge) {
			t.Fatalf("err = %v; want ErrCommandTooLarge", err)
		}
		// The connection still works.
		if _, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: "1"}); err != nil {
			t.Error(err)
		}
	})

	t.Run("NetworkEventOrder", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		onEvent, events := eventsOf()
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome, onEvent))
		if _, err := cdp.Call(ctx, sess, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cdp.Call(ctx, sess, page.Enable, page.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := cdp.Call(ctx, sess, page.Navigate, page.NavigateParams{URL: srv.URL + "/resources"}); err != nil {
			t.Fatal(err)
		}
		// Await the end of every request, and record the order of events.
		wantPaths := []string{"/resources", "/pixel.gif", "/app.js", "/data.json"}
		urlOf := map[network.RequestID]string{}
		order := map[string][]string{} // path -> methods in order
		finished := 0
		for finished < len(wantPaths) {
			var ev browser.Event
			select {
			case ev = <-events:
			case <-ctx.Done():
				t.Fatalf("waiting for network events: %v; seen %v", ctx.Err(), order)
			}
			if ev.SessionID != sess.ID() || !strings.HasPrefix(ev.Method, "Network.") {
				continue
			}
			var p struct {
				RequestID network.RequestID `json:"requestId"`
				Request   struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			if err := jsonv2.Unmarshal(ev.Params, &p); err != nil {
				t.Fatal(err)
			}
			if ev.Method == network.RequestWillBeSent.Method {
				urlOf[p.RequestID] = strings.TrimPrefix(p.Request.URL, srv.URL)
			}
			path, ok := urlOf[p.RequestID]
			if !ok {
				path = "unknown:" + string(p.RequestID)
			}
			switch ev.Method {
			case network.RequestWillBeSent.Method, network.ResponseReceived.Method, network.LoadingFinished.Method:
				order[path] = append(order[path], ev.Method)
				if ev.Method == network.LoadingFinished.Method {
					finished++
				}
			}
		}
		want := []string{network.RequestWillBeSent.Method, network.ResponseReceived.Method, network.LoadingFinished.Method}
		for _, path := range wantPaths {
			got := order[path]
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("events of %s: %v; want %v", path, got, want)
			}
		}
	})

	t.Run("CDPError", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		conn := browsertest.Dial(t, chrome)
		_, err := conn.CallRaw(ctx, "", "Nope.notAMethod", nil)
		var cdpErr *browser.CDPError
		if !errors.As(err, &cdpErr) || cdpErr.Code != -32601 {
			t.Fatalf("err = %v; want a *CDPError with code -32601", err)
		}
		if conn.Err() != nil {
			t.Errorf("connection ended: %v", conn.Err())
		}
	})

	t.Run("CancelledCall", func(t *testing.T) {
		t.Parallel()
		ctx := testContext(t)
		onEvent, events := eventsOf()
		sess, _ := browsertest.NewPage(t, browsertest.Dial(t, chrome, onEvent))
		if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		callCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		await := true
		go func() {
			_, err := cdp.Call(callCtx, sess, runtime.Evaluate, runtime.EvaluateParams{
				Expression:   `new Promise(r => { window.release = r; console.log("waiting") })`,
				AwaitPromise: &await,
			})
			done <- err
		}()
		awaitEvent(t, ctx, events, sess.ID(), runtime.ConsoleAPICalled.Method, nil)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
		// Chrome's late reply is dropped; the next call gets its own reply.
		res, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{Expression: `window.release(1); "next"`})
		if err != nil || string(res.Result.Value) != `"next"` {
			t.Errorf("next call = %+v, %v", res, err)
		}
	})
}

func TestChromeKilled(t *testing.T) {
	ctx := testContext(t)
	chrome := browsertest.Launch(t)
	onEvent, events := eventsOf()
	conn := browsertest.Dial(t, chrome, onEvent)
	sess, _, err := browser.AttachPage(ctx, conn, browser.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cdp.Call(ctx, sess, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	subscription, cancelSub := sess.Subscribe(runtime.ConsoleAPICalled.Method)
	defer cancelSub()

	pending := make(chan error, 1)
	await := true
	go func() {
		_, err := cdp.Call(ctx, sess, runtime.Evaluate, runtime.EvaluateParams{
			Expression:   `new Promise(() => console.log("never resolves"))`,
			AwaitPromise: &await,
		})
		pending <- err
	}()
	// Chrome runs the call: it is pending.
	awaitEvent(t, ctx, events, sess.ID(), runtime.ConsoleAPICalled.Method, nil)

	if err := syscall.Kill(chrome.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = <-pending
	if !errors.Is(err, browser.ErrConnectionLost) || !strings.Contains(err.Error(), "connection to Chrome lost") {
		t.Errorf("pending call: err = %v; want ErrConnectionLost", err)
	}
	<-conn.Done()
	if _, err := browser.Version(ctx, conn); !errors.Is(err, browser.ErrConnectionLost) {
		t.Errorf("later call: err = %v; want ErrConnectionLost", err)
	}
	for range subscription {
		// The event that came before the end, then the channel closes.
	}
	<-chrome.Done()
	if err := chrome.ExitErr(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("ExitErr() = %v; want signal: killed", err)
	}
	// browsertest's clean-up checks that Close removes the rest.
}

func TestCloseCleansUp(t *testing.T) {
	ctx := testContext(t)
	var out strings.Builder
	chrome, err := browser.Launch(ctx, browser.ExecPath(browsertest.ExecPath(t)), browser.Output(&syncWriter{w: &out}))
	if err != nil {
		t.Fatal(err)
	}
	dir := chrome.UserDataDir()
	if !chrome.TemporaryProfile() {
		t.Errorf("profile %s is not temporary", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "DevToolsActivePort")); err != nil {
		t.Errorf("profile: %v", err)
	}
	if !strings.HasPrefix(chrome.WebSocketURL(), "ws://127.0.0.1:") {
		t.Errorf("WebSocketURL() = %q", chrome.WebSocketURL())
	}
	if chrome.ExitErr() != nil {
		t.Errorf("ExitErr() = %v while running", chrome.ExitErr())
	}
	if err := chrome.Close(ctx, nil); err != nil {
		t.Fatal(err)
	}
	<-chrome.Done()
	t.Logf("exit after Close: %v", chrome.ExitErr())
	browsertest.AssertGroupGone(t, chrome.PID())
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s still exists: %v", dir, err)
	}
	if err := chrome.Close(ctx, nil); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if !strings.Contains(out.String(), "DevTools listening on") {
		t.Errorf("Output did not get Chrome's output; got %q", out.String())
	}
}

func TestCloseWithConnAndUserDataDir(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	// A stale file from an earlier run must not be taken for the new port.
	stale := "1\n/devtools/browser/stale"
	if err := os.WriteFile(filepath.Join(dir, "DevToolsActivePort"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	chrome, err := browser.Launch(ctx, browser.ExecPath(browsertest.ExecPath(t)), browser.UserDataDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(chrome.WebSocketURL(), "stale") || chrome.TemporaryProfile() {
		t.Errorf("WebSocketURL() = %q, TemporaryProfile() = %v", chrome.WebSocketURL(), chrome.TemporaryProfile())
	}
	conn, err := browser.Dial(ctx, chrome.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := chrome.Close(ctx, conn); err != nil {
		t.Fatal(err)
	}
	browsertest.AssertGroupGone(t, chrome.PID())
	<-conn.Done()
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Close removed the caller's profile: %v", err)
	}
}

func TestLaunchFailsFast(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where Launch makes its temporary profiles

	_, err := browser.Launch(context.Background(), browser.ExecPath("/bin/false"))
	if !errors.Is(err, browser.ErrLaunchFailed) || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("/bin/false: err = %v; want ErrLaunchFailed with exit status 1", err)
	}
	var le *browser.LaunchError
	if !errors.As(err, &le) || le.ExecPath != "/bin/false" {
		t.Errorf("err = %#v; want a *LaunchError for /bin/false", err)
	}

	script := filepath.Join(t.TempDir(), "fake-chrome")
	body := "#!/bin/sh\necho starting\necho 'fatal: cannot open display' >&2\nexit 3\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = browser.Launch(context.Background(), browser.ExecPath(script))
	if !errors.Is(err, browser.ErrLaunchFailed) || !strings.Contains(err.Error(), "exit status 3") ||
		!strings.Contains(err.Error(), "fatal: cannot open display") || !strings.Contains(err.Error(), "starting") {
		t.Errorf("script: err = %v; want ErrLaunchFailed with the exit status and the output", err)
	}

	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary profiles left behind: %v", entries)
	}
}

func TestLaunchContextEnds(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := filepath.Join(t.TempDir(), "hanging-chrome")
	// A "Chrome" that never opens its port, and has a child.
	body := "#!/bin/sh\necho $$ > " + pidFile + "\nsleep 1000 &\nexec sleep 1000\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the script runs.
		for {
			if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
				cancel()
				return
			}
			select {
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
				return
			}
		}
	}()
	_, err := browser.Launch(ctx, browser.ExecPath(script))
	cancel()
	if !errors.Is(err, browser.ErrLaunchFailed) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want ErrLaunchFailed and context.Canceled", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	browsertest.AssertGroupGone(t, pid)
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary profiles left behind: %v", entries)
	}
}

func TestLaunchChromeNotFound(t *testing.T) {
	_, err := browser.Launch(context.Background(), browser.ExecPath("/nonexistent/chromium"))
	if !errors.Is(err, browser.ErrChromeNotFound) {
		t.Errorf("err = %v; want ErrChromeNotFound", err)
	}
}

func TestResolveBrowserURLErrors(t *testing.T) {
	ctx := testContext(t)

	// Nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := browser.ResolveBrowserURL(ctx, "http://"+addr); err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "--remote-debugging-port") {
		t.Errorf("refused: err = %v", err)
	}

	// Something that is not Chrome.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json/version":
			fmt.Fprint(w, "<html>hello</html>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	if _, err := browser.ResolveBrowserURL(ctx, srv.URL); err == nil || !strings.Contains(err.Error(), "not the JSON") {
		t.Errorf("not JSON: err = %v", err)
	}
	if _, err := browser.ListPages(ctx, srv.URL); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404: err = %v", err)
	}
	if _, err := browser.ResolveBrowserURL(ctx, "ftp://x"); err == nil {
		t.Error("ftp URL: no error")
	}
	if got, err := browser.ResolveBrowserURL(ctx, "ws://127.0.0.1:1/devtools/browser/x"); err != nil || got != "ws://127.0.0.1:1/devtools/browser/x" {
		t.Errorf("ws URL = %q, %v; want it back", got, err)
	}
}
