package drive

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// releaseTimeout bounds the clean-up calls after a command.
const releaseTimeout = 5 * time.Second

// lifecycleNames are Chrome's lifecycle events for each waitUntil but
// commit, which is the main frame's Page.frameNavigated.
var lifecycleNames = map[string]string{
	protocol.WaitDOMContentLoaded: "DOMContentLoaded",
	protocol.WaitLoad:             "load",
	protocol.WaitNetworkIdle:      "networkIdle",
}

// Navigate goes to a URL and waits.
func (pg *Page) Navigate(ctx context.Context, p protocol.NavigateParams) (protocol.NavigateResult, error) {
	return pg.navigation(ctx, p.WaitParams, false, func(ctx context.Context) (string, error) {
		var res struct {
			LoaderID  string `json:"loaderId"`
			ErrorText string `json:"errorText"`
		}
		if err := call(ctx, pg.Main, "Page.navigate", map[string]string{"url": p.URL}, &res); err != nil {
			return "", err
		}
		if res.ErrorText != "" {
			return "", protocol.Errorf(protocol.CDPError, "navigating to %s: %s", p.URL, res.ErrorText).
				WithHint("the failed request is in the session: bdg-rpc network list")
		}
		if res.LoaderID == "" {
			return "", errSameDocument
		}
		return res.LoaderID, nil
	})
}

// Reload reloads the page and waits.
func (pg *Page) Reload(ctx context.Context, p protocol.ReloadParams) (protocol.NavigateResult, error) {
	return pg.navigation(ctx, p.WaitParams, false, func(ctx context.Context) (string, error) {
		return "", call(ctx, pg.Main, "Page.reload", map[string]bool{"ignoreCache": p.IgnoreCache}, nil)
	})
}

// Back goes one entry back in the page's history and waits.
func (pg *Page) Back(ctx context.Context, p protocol.HistoryParams) (protocol.NavigateResult, error) {
	return pg.history(ctx, p, -1)
}

// Forward goes one entry forward in the page's history and waits.
func (pg *Page) Forward(ctx context.Context, p protocol.HistoryParams) (protocol.NavigateResult, error) {
	return pg.history(ctx, p, +1)
}

func (pg *Page) history(ctx context.Context, p protocol.HistoryParams, step int) (protocol.NavigateResult, error) {
	var h struct {
		CurrentIndex int `json:"currentIndex"`
		Entries      []struct {
			ID  int    `json:"id"`
			URL string `json:"url"`
		} `json:"entries"`
	}
	if err := call(ctx, pg.Main, "Page.getNavigationHistory", nil, &h); err != nil {
		return protocol.NavigateResult{}, err
	}
	i := h.CurrentIndex + step
	if i < 0 || i >= len(h.Entries) {
		way := "back"
		if step > 0 {
			way = "forward"
		}
		return protocol.NavigateResult{}, protocol.Errorf(protocol.InvalidArgs, "there is no page to go %s to (%d entries in the tab's history, at %d)", way, len(h.Entries), h.CurrentIndex+1).
			WithHint("bdg-rpc navigate URL goes somewhere new")
	}
	return pg.navigation(ctx, p.WaitParams, true, func(ctx context.Context) (string, error) {
		return "", call(ctx, pg.Main, "Page.navigateToHistoryEntry", map[string]int{"entryId": h.Entries[i].ID}, nil)
	})
}

// errSameDocument is what a navigation's start returns for a navigation
// within the document, which loads nothing.
var errSameDocument = errors.New("same document")

// navigation starts a navigation with start, which returns the loader of
// the new document when it knows it, and waits until the page's main frame
// has reached p.WaitUntil in that document (or, with sameDocOK, has
// navigated within its document). It answers with the navigation's id as
// the capture has it once every event up to that point is in.
func (pg *Page) navigation(ctx context.Context, p protocol.WaitParams, sameDocOK bool, start func(context.Context) (string, error)) (protocol.NavigateResult, error) {
	until := p.WaitUntil
	if until == "" {
		until = protocol.WaitLoad
	}
	timeout := time.Duration(p.TimeoutMs) * time.Millisecond
	if p.TimeoutMs == 0 {
		timeout = protocol.DefaultNavigateTimeoutMs * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := pg.enableLifecycle(ctx); err != nil {
		return protocol.NavigateResult{}, err
	}
	w := pg.watch()
	defer w.cancel()

	timedOut := func(err error) error {
		if ctx.Err() == nil {
			return err
		}
		nav := pg.Navigation()
		return protocol.Errorf(protocol.CDPTimeout, "the page did not reach %q within %s (it is at %s)", until, timeout, nav.URL).
			WithHint(`waitUntil "commit" returns as soon as the document is there; timeout (ms) waits longer`).WithCause(err)
	}
	loader, err := start(ctx)
	switch {
	case errors.Is(err, errSameDocument):
		until = "sameDocument"
	case err != nil:
		return protocol.NavigateResult{}, timedOut(err)
	default:
		if until, err = pg.await(ctx, w, loader, until, sameDocOK); err != nil {
			return protocol.NavigateResult{}, timedOut(err)
		}
	}
	// The capture hears of an event after a subscription does: wait for it
	// to have taken in everything up to here.
	if err := pg.Conn.Sync(ctx); err != nil {
		return protocol.NavigateResult{}, cdpError("waiting for the capture", err)
	}
	nav := pg.Navigation()
	return protocol.NavigateResult{NavigationID: nav.ID, URL: nav.URL, WaitedFor: until}, nil
}

// enableLifecycle turns on the page's lifecycle events, once.
func (pg *Page) enableLifecycle(ctx context.Context) error {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.lifecycle {
		return nil
	}
	if err := call(ctx, pg.Main, "Page.setLifecycleEventsEnabled", map[string]bool{"enabled": true}, nil); err != nil {
		return err
	}
	pg.lifecycle = true
	return nil
}

// watcher holds the subscriptions a navigation waits on.
type watcher struct {
	lifecycle, navigated, within <-chan jsonv2.Value
	cancels                      []func()
}

func (w *watcher) cancel() {
	for _, c := range w.cancels {
		c()
	}
}

func (pg *Page) watch() *watcher {
	w := &watcher{}
	sub := func(method string) <-chan jsonv2.Value {
		ch, cancel := pg.Main.Subscribe(method)
		w.cancels = append(w.cancels, cancel)
		return ch
	}
	w.lifecycle = sub("Page.lifecycleEvent")
	w.navigated = sub("Page.frameNavigated")
	w.within = sub("Page.navigatedWithinDocument")
	return w
}

// await waits for the main frame to reach until in the document of loader
// ("" until the first new document commits), and returns what it waited
// for: until, "sameDocument", or "backForwardCache" for a page restored
// from the back/forward cache, which loads nothing.
func (pg *Page) await(ctx context.Context, w *watcher, loader, until string, sameDocOK bool) (string, error) {
	want := lifecycleNames[until]
	for {
		select {
		case raw, ok := <-w.lifecycle:
			if !ok {
				return "", pageGone()
			}
			var ev struct {
				FrameID  string `json:"frameId"`
				LoaderID string `json:"loaderId"`
				Name     string `json:"name"`
			}
			if json.Unmarshal([]byte(raw), &ev) != nil || ev.FrameID != pg.MainFrame {
				continue
			}
			if loader == "" && ev.Name == "init" {
				loader = ev.LoaderID
			}
			if ev.LoaderID == loader && ev.Name == want {
				return until, nil
			}
		case raw, ok := <-w.navigated:
			if !ok {
				return "", pageGone()
			}
			var ev struct {
				Frame struct {
					ID       string `json:"id"`
					ParentID string `json:"parentId"`
					LoaderID string `json:"loaderId"`
				} `json:"frame"`
				Type string `json:"type"`
			}
			if json.Unmarshal([]byte(raw), &ev) != nil || ev.Frame.ID != pg.MainFrame {
				continue
			}
			if loader == "" {
				loader = ev.Frame.LoaderID
			}
			if ev.Frame.LoaderID != loader {
				continue
			}
			if until == protocol.WaitCommit {
				return until, nil
			}
			if ev.Type == "BackForwardCacheRestore" {
				return "backForwardCache", nil
			}
		case raw, ok := <-w.within:
			if !ok {
				return "", pageGone()
			}
			var ev struct {
				FrameID string `json:"frameId"`
			}
			if sameDocOK && json.Unmarshal([]byte(raw), &ev) == nil && ev.FrameID == pg.MainFrame {
				return "sameDocument", nil
			}
		case <-ctx.Done():
			return until, ctx.Err()
		}
	}
}

// pageGone is the error of a navigation whose page closed, crashed or
// was detached while it waited.
func pageGone() error {
	return protocol.Errorf(protocol.CDPError, "the page went away while it navigated").
		WithHint("bdg-rpc status says whether the session still runs")
}
