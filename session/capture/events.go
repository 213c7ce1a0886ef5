package capture

import (
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Chrome sends lone UTF-16 surrogates (console.log('\ud800')), which strict
// decoding rejects.
var decodeOpts = jsontext.AllowInvalidUTF8(true)

type evFrameStartedNavigating struct {
	FrameID        string `json:"frameId"`
	URL            string `json:"url"`
	NavigationType string `json:"navigationType"`
}

type evFrameNavigated struct {
	Frame struct {
		ID       string `json:"id"`
		ParentID string `json:"parentId"`
		URL      string `json:"url"`
		Fragment string `json:"urlFragment"`
	} `json:"frame"`
	Type string `json:"type"`
}

// HandleEvent takes one CDP event of the page, in the order Chrome sent it.
// It reports whether the event was one the capture uses; events it cannot
// decode are logged and skipped.
func (c *Capture) HandleEvent(method string, params []byte) bool {
	var v any
	switch method {
	case "Network.requestWillBeSent":
		v = new(evRequestWillBeSent)
	case "Network.responseReceived":
		v = new(evResponseReceived)
	case "Network.loadingFinished":
		v = new(evLoadingFinished)
	case "Network.loadingFailed":
		v = new(evLoadingFailed)
	case "Network.requestServedFromCache":
		v = new(evServedFromCache)
	case "Runtime.consoleAPICalled":
		v = new(evConsoleAPICalled)
	case "Runtime.exceptionThrown":
		v = new(evExceptionThrown)
	case "Log.entryAdded":
		v = new(evLogEntry)
	case "Page.frameStartedNavigating":
		v = new(evFrameStartedNavigating)
	case "Page.frameNavigated":
		v = new(evFrameNavigated)
	default:
		return false
	}
	if err := json.Unmarshal(params, v, decodeOpts); err != nil {
		c.opts.Logger.Warn("skipping an event that does not decode", "method", method, "error", err)
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return true
	}
	switch ev := v.(type) {
	case *evRequestWillBeSent:
		c.onRequestWillBeSent(ev)
	case *evResponseReceived:
		c.onResponseReceived(ev)
	case *evLoadingFinished:
		c.onLoadingFinished(ev)
	case *evLoadingFailed:
		c.onLoadingFailed(ev)
	case *evServedFromCache:
		c.onServedFromCache(ev)
	case *evConsoleAPICalled:
		c.onConsoleAPICalled(ev)
	case *evExceptionThrown:
		c.onExceptionThrown(ev)
	case *evLogEntry:
		c.onLogEntry(ev)
	case *evFrameStartedNavigating:
		c.onFrameStartedNavigating(ev)
	case *evFrameNavigated:
		c.onFrameNavigated(ev)
	}
	return true
}

// A navigation starts when the main frame starts navigating to a new
// document; items captured from then on carry its id. It is announced
// (page/navigated) when it commits.
func (c *Capture) onFrameStartedNavigating(ev *evFrameStartedNavigating) {
	if ev.FrameID != c.mainFrame || ev.NavigationType == "sameDocument" {
		return
	}
	c.startNavigation(ev.URL)
}

func (c *Capture) onFrameNavigated(ev *evFrameNavigated) {
	if ev.Frame.ParentID != "" {
		return
	}
	if c.mainFrame == "" {
		c.mainFrame = ev.Frame.ID
	}
	if !c.navPending {
		c.startNavigation(ev.Frame.URL) // a Chrome without frameStartedNavigating
	}
	c.navPending = false
	c.navigation.URL = ev.Frame.URL + ev.Frame.Fragment
	if n := len(c.navs); n > 0 {
		c.navs[n-1] = c.navigation
	}
	c.journal.append(protocol.NotifyNavigated, c.navigation)
	c.changed = true
}

// maxNavigations bounds the navigation history kept for session.json.
const maxNavigations = 1000

func (c *Capture) startNavigation(url string) {
	c.navigation = protocol.Navigation{ID: c.navigation.ID + 1, URL: url, Timestamp: c.now()}
	c.navPending = true
	if len(c.navs) == maxNavigations {
		c.navs = c.navs[1:]
	}
	c.navs = append(c.navs, c.navigation)
}
