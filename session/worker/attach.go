package worker

import (
	"context"
	"errors"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// chooseTab says which page of a running Chrome the session takes: the one
// --tab names, a new one (--new-tab, or a URL to open: never navigate away
// a tab of someone's own Chrome), the page of a page endpoint, or the
// active tab, else the first.
func (w *worker) chooseTab(ctx context.Context, b browser.Browser) (browser.AttachOptions, error) {
	info := &w.attached
	info.CaptureFrom = protocol.CaptureFromAttach
	if w.opts.Reload {
		info.CaptureFrom = protocol.CaptureFromReload
	}
	if b.Page != "" {
		info.Picked, info.Tabs = browser.PickedPage, 1
		if w.opts.NewTab || w.opts.URL != "" {
			return browser.AttachOptions{}, protocol.Errorf(protocol.InvalidArgs, "a page endpoint (%s) is one tab: it cannot open another", b.WS).
				WithHint("give the browser's endpoint (a port, or /devtools/browser/...) to open a tab")
		}
		return browser.AttachOptions{TargetID: b.Page}, nil
	}
	tabs, err := browser.ListTabs(ctx, w.conn)
	if err != nil {
		return browser.AttachOptions{}, cdpErr("listing the tabs", err)
	}
	info.Tabs = len(tabs)
	if w.opts.NewTab || w.opts.URL != "" || len(tabs) == 0 {
		info.Picked, info.CaptureFrom = browser.PickedNew, protocol.CaptureFromLoad
		return browser.AttachOptions{NewPage: true}, nil
	}
	var t browser.Tab
	if w.opts.Tab != "" {
		t, info.Picked, err = browser.SelectTab(tabs, w.opts.Tab)
		if err != nil {
			kind := protocol.NotFound
			if len(tabs) > 0 && !errors.Is(err, browser.ErrNoTab) {
				kind = protocol.InvalidArgs
			}
			return browser.AttachOptions{}, protocol.Wrap(kind, err).WithHint("bdg-rpc tabs " + w.attached.Endpoint + " lists them, with their indexes and ids")
		}
	} else {
		t, info.Picked, _ = browser.PickTab(ctx, b.HTTP, tabs)
	}
	return browser.AttachOptions{TargetID: t.ID}, nil
}

// lockTab takes the tab for the session: refused, already_running, when
// another session watches it.
func (w *worker) lockTab(id string) error {
	l, err := session.LockTab(w.opts.Home, id, w.opts.Session)
	if err != nil {
		return err
	}
	w.tabLock = l
	return nil
}

// reload reloads the attached tab, once capture is on (--reload).
func (w *worker) reload(ctx context.Context) error {
	if _, err := cdp.Call(ctx, w.page, page.Reload, page.ReloadParams{}); err != nil {
		return cdpErr("reloading the tab", err)
	}
	return nil
}

// leaveBrowser leaves a running Chrome as it was: the session's tab is
// detached (Chrome turns off the domains the session enabled), or closed
// when stop asked for it; the browser and every other tab stay. A Chrome
// the worker launched is not left but closed (shutdownChrome).
func (w *worker) leaveBrowser(ctx context.Context) {
	if w.chrome != nil || w.conn == nil || w.targets == nil {
		return
	}
	id := w.getTarget().ID
	root := w.conn.Session("")
	switch {
	case w.closeTab.Load() && w.page.ID() == "": // a page endpoint
		_, err := cdp.Call(ctx, w.page, page.Close, cdp.Empty{})
		w.logLeave("closing the tab", err)
	case w.closeTab.Load():
		_, err := cdp.Call(ctx, root, target.CloseTarget, target.CloseTargetParams{TargetID: target.ID(id)})
		w.logLeave("closing the tab", err)
	case w.page.ID() != "":
		err := root.Call(ctx, "Target.detachFromTarget", map[string]string{"sessionId": w.page.ID()}, nil)
		w.logLeave("detaching from the tab", err)
	}
}

func (w *worker) logLeave(what string, err error) {
	if err != nil {
		w.log.Warn(what, "error", err)
	}
}
