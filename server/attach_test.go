package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TestAttachToUsersChrome: through serve, browser/tabs lists the tabs of a
// running Chrome; session/start {attach, tab} watches the one picked and
// its events flow; session/stop {closeTab} closes that tab and only it,
// and leaves the browser running. Bad params are -32602.
func TestAttachToUsersChrome(t *testing.T) {
	e := newEnv(t)
	chrome := browsertest.Launch(t, browser.Headless(true))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := browser.Dial(ctx, chrome.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, n := range []string{"one", "two"} {
		if _, err := cdp.Call(ctx, conn.Session(""), target.CreateTarget, target.CreateTargetParams{URL: e.fx.URL("attach-tab.html?n=" + n)}); err != nil {
			t.Fatal(err)
		}
	}

	b := e.serve()
	b.initialize()
	var tabs protocol.TabsResult
	for ctx.Err() == nil { // until both pages have their titles
		b.result(protocol.Tabs.Name, protocol.TabsParams{Endpoint: chrome.HTTPURL()}, &tabs)
		if titles(tabs)["tab two"] != "" && titles(tabs)["tab one"] != "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if tabs.Via != "/json/version" || !strings.HasPrefix(tabs.Version, "Chrome/") || len(tabs.Tabs) != 3 {
		t.Fatalf("browser/tabs: %+v", tabs)
	}
	two := titles(tabs)["tab two"]

	var res protocol.StartResult
	b.result(protocol.Start.Name, protocol.StartParams{Session: "mine", AttachOptions: protocol.AttachOptions{Attach: chrome.HTTPURL(), Tab: two, Reload: true}}, &res)
	want := protocol.AttachInfo{Endpoint: chrome.HTTPURL(), Via: "/json/version", Picked: "id", Tabs: 3, CaptureFrom: protocol.CaptureFromReload}
	if res.Attach == nil || *res.Attach != want || res.Target.ID != two || res.Chrome.Launched {
		t.Errorf("session/start: %+v attach %+v, want %+v", res, res.Attach, want)
	}
	b.await("the reloaded tab's fetch", consoleText("tab two fetched loaded2"))
	b.result(protocol.Tabs.Name, protocol.TabsParams{Endpoint: chrome.HTTPURL()}, &tabs)
	for _, tab := range tabs.Tabs {
		if (tab.ID == two) != (tab.Session == "mine") {
			t.Errorf("tab %+v: watched by %q", tab, tab.Session)
		}
	}
	perr := b.errorOf(protocol.Start.Name, protocol.StartParams{Session: "second", AttachOptions: protocol.AttachOptions{Attach: chrome.HTTPURL(), Tab: two}})
	if perr.Kind != protocol.AlreadyRunning || !strings.Contains(perr.Message, `session "mine"`) {
		t.Errorf("a second session on the tab: %+v", perr)
	}

	b.result(protocol.Stop.Name, protocol.StopParams{Session: "mine", CloseTab: true}, nil)
	b.result(protocol.Tabs.Name, protocol.TabsParams{Endpoint: chrome.HTTPURL()}, &tabs)
	if len(tabs.Tabs) != 2 || titles(tabs)["tab two"] != "" || titles(tabs)["tab one"] == "" {
		t.Errorf("after stop with closeTab: %+v", tabs.Tabs)
	}

	for _, p := range []any{
		map[string]any{},
		map[string]any{"endpoint": "9222", "autoConnect": true},
	} {
		if perr := b.errorOf(protocol.Tabs.Name, p); perr.Code != protocol.CodeInvalidParams {
			t.Errorf("browser/tabs %v: %+v", p, perr)
		}
	}
	for _, p := range []map[string]any{
		{"url": "", "tab": "1"},
		{"url": "", "attach": "9222", "autoConnect": true},
		{"url": "http://x/", "attach": "9222", "tab": "1"},
		{"url": "", "attach": "9222", "newTab": true, "reload": true},
	} {
		if perr := b.errorOf(protocol.Start.Name, p); perr.Code != protocol.CodeInvalidParams {
			t.Errorf("session/start %v: %+v", p, perr)
		}
	}
}

// titles maps the titles of tabs to their ids.
func titles(r protocol.TabsResult) map[string]string {
	m := map[string]string{}
	for _, t := range r.Tabs {
		m[t.Title] = t.ID
	}
	return m
}
