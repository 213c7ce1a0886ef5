package capture

import (
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
)

// Chrome sends lone UTF-16 surrogates (console.log('\ud800')), which strict
// decoding rejects.
var decodeOpts = jsonv2.AllowInvalidUTF8(true)

// Source is where an event came from: its CDP session, which the commands
// that follow it up (a response body) go to, and the target of the page it
// belongs to, which the records it makes carry. The zero Source is the
// watched page, for a capture that follows one target only.
type Source struct {
	Session string
	Target  *protocol.TargetRef
}

// handler decodes one CDP event and applies it to the capture.
type handler func(c *Capture, src Source, params []byte) error

// on returns the handler that decodes an event into E and passes it to f,
// under the capture's lock, with c.src set to where it came from, until the
// capture has ended.
func on[E any](f func(*Capture, *E)) handler {
	return func(c *Capture, src Source, params []byte) error {
		var ev E
		if err := jsonv2.Unmarshal(params, &ev, decodeOpts); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.ended {
			c.src = src
			f(c, &ev)
			c.src = Source{}
		}
		return nil
	}
}

// handlers are the events the capture uses, by their CDP names. Console and
// page events decode into cdproto's types; network events into the lean
// ones of network.go (see there why).
var handlers = map[string]handler{
	network.RequestWillBeSent.Method:                  on((*Capture).onRequestWillBeSent),
	network.ResponseReceived.Method:                   on((*Capture).onResponseReceived),
	network.DataReceived.Method:                       on((*Capture).onDataReceived),
	network.RequestWillBeSentExtraInfo.Method:         on((*Capture).onRequestExtraInfo),
	network.ResponseReceivedExtraInfo.Method:          on((*Capture).onResponseExtraInfo),
	network.LoadingFinished.Method:                    on((*Capture).onLoadingFinished),
	network.LoadingFailed.Method:                      on((*Capture).onLoadingFailed),
	network.RequestServedFromCache.Method:             on((*Capture).onServedFromCache),
	runtime.ConsoleAPICalled.Method:                   on((*Capture).onConsoleAPICalled),
	runtime.ExceptionThrown.Method:                    on((*Capture).onExceptionThrown),
	log.EntryAdded.Method:                             on((*Capture).onLogEntry),
	page.FrameStartedNavigating.Method:                on((*Capture).onFrameStartedNavigating),
	page.FrameNavigated.Method:                        on((*Capture).onFrameNavigated),
	runtime.ExecutionContextCreated.Method:            on((*Capture).onContextCreated),
	network.WebSocketCreated.Method:                   on((*Capture).onWebSocketCreated),
	network.WebSocketWillSendHandshakeRequest.Method:  on((*Capture).onWebSocketHandshake),
	network.WebSocketHandshakeResponseReceived.Method: on((*Capture).onWebSocketResponse),
	network.WebSocketFrameSent.Method:                 on((*Capture).onWebSocketFrameSent),
	network.WebSocketFrameReceived.Method:             on((*Capture).onWebSocketFrameReceived),
	network.WebSocketFrameError.Method:                on((*Capture).onWebSocketFrameError),
	network.WebSocketClosed.Method:                    on((*Capture).onWebSocketClosed),
	network.EventSourceMessageReceived.Method:         on((*Capture).onEventSourceMessage),
	runtime.ExecutionContextDestroyed.Method:          on((*Capture).onContextDestroyed),
	runtime.ExecutionContextsCleared.Method:           on((*Capture).onContextsCleared),
}

// HandleEvent takes one CDP event of the watched page, in the order Chrome
// sent it. It reports whether the event was one the capture uses; events it
// cannot decode are logged and skipped.
func (c *Capture) HandleEvent(method string, params []byte) bool {
	return c.HandleEventFrom(Source{}, method, params)
}

// HandleEventFrom takes one CDP event of any target of the page, in the
// order Chrome sent the events of all of them.
func (c *Capture) HandleEventFrom(src Source, method string, params []byte) bool {
	h, ok := handlers[method]
	if !ok {
		return false
	}
	if err := h(c, src, params); err != nil {
		c.opts.Logger.Warn("skipping an event that does not decode", "method", method, "error", err)
	}
	return true
}

// A navigation starts when the main frame starts navigating to a new
// document; items captured from then on carry its id. It is announced
// (page/navigated) when it commits.
func (c *Capture) onFrameStartedNavigating(ev *page.EventFrameStartedNavigating) {
	if p := c.src.Target; p != nil && p.Type == protocol.TargetPopup {
		if string(ev.FrameID) == p.ID && ev.NavigationType != "sameDocument" {
			c.navSeq++
			c.popupNavs[p.ID] = &popupNav{id: c.navSeq, loader: string(ev.LoaderID), pending: true}
		}
		return
	}
	if !c.fromWatchedPage() || string(ev.FrameID) != c.mainFrame || ev.NavigationType == "sameDocument" {
		return
	}
	c.startNavigation(ev.URL)
	c.navLoader = string(ev.LoaderID)
}

func (c *Capture) onFrameNavigated(ev *page.EventFrameNavigated) {
	f := ev.Frame
	if f == nil || f.ParentID != "" {
		return
	}
	if p := c.src.Target; p != nil && p.Type == protocol.TargetPopup {
		c.popupNavigated(p, f)
		return
	}
	if !c.fromWatchedPage() {
		return
	}
	if c.mainFrame == "" {
		c.mainFrame = string(f.ID)
	}
	if c.navPending && c.navLoader != "" && string(f.LoaderID) != c.navLoader {
		// The late commit of a document from before the navigation that
		// has started (the blank page a session starts on): it is not
		// the page's, and announcing it would put it after the new
		// page's first request.
		return
	}
	if !c.navPending {
		c.startNavigation(f.URL) // a Chrome without frameStartedNavigating
	}
	c.navPending = false
	c.setNavigationURL(f.URL + f.URLFragment)
	if n := len(c.navs); n > 0 {
		c.navs[n-1] = c.navigation
	}
	c.journal.append(protocol.NotifyNavigated, c.navigation, navigationSize(&c.navigation))
	c.changed = true
}

// setNavigationURL sets the URL of the current navigation, cut to its cap.
// A navigation is counted in dropped.truncated once, when its URL is
// first cut.
func (c *Capture) setNavigationURL(url string) {
	k := cutter{caps: &c.opts.Caps}
	c.navigation.URL = k.str(url, k.caps.URL, &k.t.URL)
	was := c.navigation.OriginalSizes
	if c.navigation.Truncated, c.navigation.OriginalSizes = k.truncated(); c.navigation.Truncated {
		switch {
		case was == nil:
			c.dropped.Truncated++
			c.dropped.Bytes += k.bytes
		case *was != k.t: // the same URL, started and committed, counts once
			c.dropped.Bytes += k.bytes
		}
	}
}

// maxNavigations bounds the navigation history kept for session.json.
const maxNavigations = 1000

func (c *Capture) startNavigation(url string) {
	c.navSeq++
	c.navigation = protocol.Navigation{ID: c.navSeq, Timestamp: c.now()}
	c.setNavigationURL(url)
	c.navPending = true
	if len(c.navs) == maxNavigations {
		c.navs = c.navs[1:]
	}
	c.navs = append(c.navs, c.navigation)
	c.navLoader = ""
}

// fromWatchedPage reports whether the event being applied came from the
// watched page's own target (not an iframe, worker or popup of it).
func (c *Capture) fromWatchedPage() bool {
	return c.src.Target == nil || c.src.Target.Type == protocol.TargetPage
}

// maxContexts bounds the execution contexts whose frames the capture knows
// (a page that makes frames without end must not grow it): past it, the
// messages of new contexts carry no frameId.
const maxContexts = 4096

// contextKey is an execution context of one CDP session.
type contextKey struct {
	session string
	id      int64
}

func (c *Capture) onContextCreated(ev *runtime.EventExecutionContextCreated) {
	d := ev.Context
	if d == nil || len(c.contexts) >= maxContexts {
		return
	}
	var aux struct {
		FrameID   string `json:"frameId"`
		IsDefault bool   `json:"isDefault"`
	}
	if len(d.AuxData) == 0 || jsonv2.Unmarshal(d.AuxData, &aux, decodeOpts) != nil || aux.FrameID == "" {
		return
	}
	c.contexts[contextKey{c.src.Session, int64(d.ID)}] = frameContext{aux.FrameID, aux.IsDefault}
}

// frameContext is what the capture knows of an execution context: its
// frame, and whether it is the frame's main world (not an extension's or
// an isolated world).
type frameContext struct {
	frame     string
	isDefault bool
}

// FrameContext returns the session and id of the main world of a frame of
// a target the worker follows, as Runtime.executionContextCreated said.
func (c *Capture) FrameContext(frameID string) (session string, id int64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, fc := range c.contexts {
		if fc.frame == frameID && fc.isDefault {
			return k.session, k.id, true
		}
	}
	return "", 0, false
}

// evContextDestroyed is Runtime.executionContextDestroyed with the id that
// cdproto leaves out (deprecated, and still sent by Chrome 156).
type evContextDestroyed struct {
	ExecutionContextID int64 `json:"executionContextId"`
}

func (c *Capture) onContextDestroyed(ev *evContextDestroyed) {
	delete(c.contexts, contextKey{c.src.Session, ev.ExecutionContextID})
}

func (c *Capture) onContextsCleared(*runtime.EventExecutionContextsCleared) {
	for k := range c.contexts {
		if k.session == c.src.Session {
			delete(c.contexts, k)
		}
	}
}

// frameOf returns the frame of an execution context of the event's session.
func (c *Capture) frameOf(id runtime.ExecutionContextID) string {
	return c.contexts[contextKey{c.src.Session, int64(id)}].frame
}

// popupNav is the current navigation of a popup of the page.
type popupNav struct {
	id      int
	loader  string // of the navigation pending, when Chrome said
	pending bool
}

// popupNavigated announces a popup's main frame's commit, as onFrameNavigated
// does the page's.
func (c *Capture) popupNavigated(p *protocol.TargetRef, f *cdp.Frame) {
	n := c.popupNavs[p.ID]
	if n != nil && n.pending && n.loader != "" && string(f.LoaderID) != n.loader {
		return // a late commit from before the navigation pending
	}
	if n == nil || !n.pending {
		c.navSeq++
		n = &popupNav{id: c.navSeq}
		c.popupNavs[p.ID] = n
	}
	n.pending = false
	k := cutter{caps: &c.opts.Caps}
	nav := protocol.Navigation{ID: n.id, URL: k.str(f.URL+f.URLFragment, k.caps.URL, &k.t.URL), Timestamp: c.now(), Target: p}
	if nav.Truncated, nav.OriginalSizes = k.truncated(); nav.Truncated {
		c.dropped.Truncated++
		c.dropped.Bytes += k.bytes
	}
	if len(c.navs) == maxNavigations {
		c.navs = c.navs[1:]
	}
	c.navs = append(c.navs, nav)
	c.journal.append(protocol.NotifyNavigated, nav, navigationSize(&nav))
	c.changed = true
}

// navID is the navigation that the records of the event being applied
// carry: the page's, or, for a popup and what it made, the popup's.
func (c *Capture) navID() int {
	t := c.src.Target
	for range 16 { // a target's ancestors: page or popup, iframes, workers
		switch {
		case t == nil || t.Type == protocol.TargetPage:
			return c.navigation.ID
		case t.Type == protocol.TargetPopup:
			if n := c.popupNavs[t.ID]; n != nil {
				return n.id
			}
			return c.navigation.ID
		}
		parent, ok := c.targets.live[t.ParentID]
		if !ok {
			return c.navigation.ID
		}
		t = &parent.TargetRef
	}
	return c.navigation.ID
}
