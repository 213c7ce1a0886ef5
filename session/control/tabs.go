package control

import (
	"context"
	"os"
	"runtime"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// AttachHint is the advice of a failure to find or reach a running Chrome.
const AttachHint = "start Chrome with remote debugging: a separate --user-data-dir and --remote-debugging-port=9222 (Chrome 136+ ignores the port on the default profile), or turn on chrome://inspect/#remote-debugging (Chrome 144+); bdg-rpc tabs ENDPOINT checks it; see \"Attaching to your Chrome\" in docs/TROUBLESHOOTING.md"

// envProfileDirs are where auto-connect looks, from the environment.
func envProfileDirs(getenv func(string) string) browser.ProfileDirs {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return browser.ProfileDirs{GOOS: runtime.GOOS, Home: home, ConfigHome: getenv("XDG_CONFIG_HOME")}
}

// FindBrowser resolves the running Chrome that an endpoint or auto-connect
// names. Its errors are cdp_error ones with advice.
func FindBrowser(ctx context.Context, endpoint string, autoConnect bool, getenv func(string) string) (browser.Browser, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	dirs := envProfileDirs(getenv)
	var b browser.Browser
	var err error
	if autoConnect {
		b, err = browser.AutoConnectBrowser(ctx, dirs)
	} else {
		var ep browser.Endpoint
		if ep, err = browser.ParseEndpoint(endpoint); err == nil {
			b, err = browser.Resolve(ctx, ep, dirs)
		}
	}
	if err != nil {
		return b, protocol.Wrap(protocol.CDPError, err).WithHint(AttachHint)
	}
	return b, nil
}

// Tabs lists the tabs of the running Chrome that p names, and the session
// that watches each (see session.LockTab).
func Tabs(ctx context.Context, home string, p protocol.TabsParams, getenv func(string) string) (protocol.TabsResult, error) {
	if err := p.Validate(); err != nil {
		return protocol.TabsResult{}, protocol.Wrap(protocol.InvalidArgs, err).WithHint("bdg-rpc tabs ENDPOINT, or bdg-rpc tabs --auto-connect")
	}
	b, err := FindBrowser(ctx, p.Endpoint, p.AutoConnect, getenv)
	if err != nil {
		return protocol.TabsResult{}, err
	}
	res := protocol.TabsResult{Endpoint: b.Endpoint, Via: b.Via, Tabs: []protocol.Tab{}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := browser.Dial(ctx, b.WS)
	if err != nil {
		return res, protocol.Errorf(protocol.CDPError, "connecting to Chrome over %s: %v", b.WS, err).WithCause(err).WithHint(AttachHint)
	}
	defer conn.Close()
	tabs, err := browser.ListTabs(ctx, conn)
	if err != nil {
		return res, protocol.Wrap(protocol.CDPError, err)
	}
	if v, err := browser.Version(ctx, conn); err == nil {
		res.Version = v
	}
	for _, t := range tabs {
		res.Tabs = append(res.Tabs, protocol.Tab{Index: t.Index, ID: t.ID, Title: t.Title, URL: t.URL,
			Attached: t.Attached, Session: session.TabWatcher(home, t.ID)})
	}
	return res, nil
}
