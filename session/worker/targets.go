package worker

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/target"
)

// The worker follows every target of the watched page: the out-of-process
// iframes, dedicated and service workers that Chrome auto-attaches to a
// page or iframe (Target.setAutoAttach with flatten, on every target it
// attaches, so nested ones come too), and, from the browser session, the
// pages the page opens (popups, target=_blank) and the shared workers of
// its origins. Chrome pauses each new target until Runtime.runIfWaitingForDebugger,
// which goes in one batch after the enables, so that no target's first
// request or console line is missed.
//
// A target of the browser that is not the page's (another tab, a shared
// worker of another site) is let go at once: resumed if paused, and
// detached.

// readyTimeout bounds the commands that make a target ready.
const readyTimeout = 30 * time.Second

// tracked is a target the worker follows.
type tracked struct {
	ref     *protocol.TargetRef // replaced, never changed: records share it
	session string              // its flat CDP session
	parent  string              // the session it was attached on
}

// targetTree is the targets the worker follows. Its maps belong to the
// connection's event goroutine (onEvent), which alone reads and writes
// them; the goroutines that make targets ready only send commands.
type targetTree struct {
	w         *worker
	bySession map[string]*tracked
	byID      map[string]*tracked
	main      *tracked // the watched page

	// sessions is the CDP session of each target by its id, for the
	// methods that act on a target (page/evaluate {target}); types, the
	// target type of each of those sessions; crashed, the sessions whose
	// target crashed while Chrome still has them, which take no more
	// commands. Other goroutines read them, under mu.
	mu       sync.Mutex
	sessions map[string]string
	types    map[string]string
	crashed  map[string]bool

	ctx    context.Context // ends when the worker shuts Chrome down
	cancel context.CancelFunc
	wg     sync.WaitGroup // the goroutines that make targets ready or let them go
}

func newTargetTree(w *worker, mainSession string, info browser.PageInfo) *targetTree {
	ctx, cancel := context.WithCancel(context.Background())
	t := &targetTree{w: w, bySession: map[string]*tracked{}, byID: map[string]*tracked{}, sessions: map[string]string{}, types: map[string]string{mainSession: protocol.TargetPage}, crashed: map[string]bool{}, ctx: ctx, cancel: cancel}
	t.main = &tracked{session: mainSession, ref: &protocol.TargetRef{
		ID: info.TargetID, Type: protocol.TargetPage, URL: w.capUrl(info.URL),
	}}
	t.bySession[mainSession] = t.main
	t.byID[info.TargetID] = t.main
	t.sessions[info.TargetID] = mainSession
	return t
}

// sessionOf returns the CDP session of a target the worker follows and
// may send commands to. Safe for concurrent use.
func (t *targetTree) sessionOf(id string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.sessions[id]
	return s, ok && !t.crashed[s]
}

// bodyRefusal says why no Network.getResponseBody may go to session, or
// nil when one may. A session the worker no longer follows, or whose
// target crashed, has nothing to give. A shared worker is not asked at
// all: Chrome 156 crashes (a CHECK, SIGTRAP) on a Network.getResponseBody
// that reaches a shared worker as it ends, which it does as soon as its
// last page leaves (4 of 61 runs of TestAttachedWholePage on a busy
// machine, and once in CI; each CDP trace showed that command last,
// unanswered, and no run without one crashed). No event can warn in time:
// the body's fetch can wait behind the CDP reader, which has not yet read
// that the page left. The request then says bodyOmitted "unavailable".
// Safe for concurrent use.
func (t *targetTree) bodyRefusal(session string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	typ, ok := t.types[session]
	switch {
	case !ok || t.crashed[session]:
		return errTargetEnded
	case typ == protocol.TargetSharedWorker:
		return errSharedWorkerBody
	}
	return nil
}

// targetCrashed takes Inspector.targetCrashed of a target other than the
// watched page: its process is gone (Chrome says so of a shared worker
// that its last page left, too), and Chrome keeps the session until it
// says the target was destroyed. The session takes no more commands; the
// target is forgotten when Chrome says it went.
func (t *targetTree) targetCrashed(session string) {
	if tr, ok := t.bySession[session]; ok && tr != t.main {
		t.mu.Lock()
		t.crashed[session] = true
		t.mu.Unlock()
	}
}

// stop ends the commands in flight and waits for their goroutines.
func (t *targetTree) stop() {
	t.cancel()
	t.wg.Wait()
}

// source returns where an event of the session came from, or false for a
// session the worker does not follow.
func (t *targetTree) source(session string) (capture.Source, bool) {
	tr, ok := t.bySession[session]
	if !ok {
		return capture.Source{}, false
	}
	return capture.Source{Session: session, Target: tr.ref}, true
}

// attachedToTarget takes Target.attachedToTarget, which came on the session
// parent: follows the target if it is the page's, else lets it go.
func (t *targetTree) attachedToTarget(parent string, params []byte) {
	var ev struct {
		SessionID          string      `json:"sessionId"`
		TargetInfo         target.Info `json:"targetInfo"`
		WaitingForDebugger bool        `json:"waitingForDebugger"`
	}
	if jsonv2.Unmarshal(params, &ev, jsonv2.AllowInvalidUTF8(true)) != nil || ev.SessionID == "" {
		return
	}
	if _, ok := t.bySession[ev.SessionID]; ok {
		return // the worker's own attach to the page
	}
	info := &ev.TargetInfo
	id := string(info.TargetID)
	ref, ours := t.classify(parent, info)
	if !ours || t.byID[id] != nil || !t.w.capture.TargetAttached(ref) {
		// Not the page's, one followed already on another session (a
		// service worker of two pages), or one too many.
		t.release(parent, ev.SessionID, ev.WaitingForDebugger)
		return
	}
	tr := &tracked{ref: ref, session: ev.SessionID, parent: parent}
	t.bySession[ev.SessionID] = tr
	t.byID[id] = tr
	t.mu.Lock()
	t.sessions[id] = tr.session
	t.types[tr.session] = ref.Type
	t.mu.Unlock()
	t.w.log.Debug("target attached", "type", ref.Type, "id", id, "url", ref.URL, "session", ev.SessionID)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		t.ready(tr)
	}()
}

// classify says whether a target attached on the session parent is the
// page's, and what it is.
func (t *targetTree) classify(parent string, info *target.Info) (*protocol.TargetRef, bool) {
	ref := &protocol.TargetRef{ID: string(info.TargetID), Type: info.Type, URL: t.w.capUrl(info.URL)}
	if p, ok := t.bySession[parent]; ok && parent != "" {
		// Auto-attached by a target the worker follows: its own.
		switch info.Type {
		case protocol.TargetIframe, protocol.TargetWorker, protocol.TargetServiceWorker, protocol.TargetSharedWorker:
		default:
			return nil, false
		}
		ref.ParentID = p.ref.ID
		return ref, true
	}
	switch {
	case info.Type == "page" && info.OpenerID != "" && t.byID[string(info.OpenerID)] != nil:
		ref.Type, ref.ParentID = protocol.TargetPopup, string(info.OpenerID)
		return ref, true
	case info.Type == protocol.TargetSharedWorker && t.ownOrigin(info.URL):
		return ref, true
	}
	return nil, false
}

// ownOrigin reports whether rawURL is of the origin of a page or frame
// target the worker follows: a shared worker of that origin is the page's.
func (t *targetTree) ownOrigin(rawURL string) bool {
	o := origin(rawURL)
	if o == "" {
		return false
	}
	for _, tr := range t.byID {
		switch tr.ref.Type {
		case protocol.TargetPage, protocol.TargetIframe, protocol.TargetPopup:
			if origin(tr.ref.URL) == o {
				return true
			}
		}
	}
	return false
}

func origin(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// ready enables what the capture needs on a new target, tells Chrome to
// attach to its own targets, and lets it run: in one batch, in this order.
func (t *targetTree) ready(tr *tracked) {
	ctx, cancel := context.WithTimeout(t.ctx, readyTimeout)
	defer cancel()
	sess := t.w.conn.Session(tr.session)
	cmds := t.w.enables(tr.ref.Type)
	cmds = append(cmds, autoAttach(), browser.Command{Method: "Runtime.runIfWaitingForDebugger"})
	for i, err := range sess.Batch(ctx, cmds...) {
		if err != nil && t.ctx.Err() == nil {
			// A target that went while it was made ready fails them all.
			t.w.log.Debug("making a target ready", "type", tr.ref.Type, "id", tr.ref.ID, "command", cmds[i].Method, "error", err)
		}
	}
}

// release lets go of a target that is not followed: it runs on if Chrome
// paused it, and the session detaches.
func (t *targetTree) release(parent, session string, waiting bool) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(t.ctx, readyTimeout)
		defer cancel()
		if waiting {
			_ = t.w.conn.Session(session).Call(ctx, "Runtime.runIfWaitingForDebugger", nil, nil)
		}
		_ = t.w.conn.Session(parent).Call(ctx, "Target.detachFromTarget", map[string]string{"sessionId": session}, nil)
	}()
}

// detached takes Target.detachedFromTarget: a target the worker followed
// went. Chrome detaches an auto-attached target when it ends (a worker
// terminated, an iframe removed, a popup closed), before it says that the
// target was destroyed. The watched page's own end is the worker's to
// handle.
func (t *targetTree) detached(session string) {
	tr, ok := t.bySession[session]
	if !ok || tr == t.main {
		return
	}
	t.forget(tr, protocol.TargetDestroyed)
}

// gone takes Target.targetDestroyed and Target.targetCrashed of a target
// other than the watched page.
func (t *targetTree) gone(id, reason string) {
	if tr, ok := t.byID[id]; ok && tr != t.main {
		t.forget(tr, reason)
	}
}

func (t *targetTree) forget(tr *tracked, reason string) {
	delete(t.bySession, tr.session)
	delete(t.byID, tr.ref.ID)
	t.mu.Lock()
	delete(t.sessions, tr.ref.ID)
	delete(t.types, tr.session)
	delete(t.crashed, tr.session)
	t.mu.Unlock()
	t.w.capture.TargetGone(tr.ref.ID, reason)
	t.w.log.Debug("target gone", "type", tr.ref.Type, "id", tr.ref.ID, "reason", reason)
}

// infoChanged takes Target.targetInfoChanged: a target's new URL.
func (t *targetTree) infoChanged(info *target.Info) {
	tr, ok := t.byID[string(info.TargetID)]
	if !ok {
		return
	}
	u := t.w.capUrl(info.URL)
	if u == tr.ref.URL {
		return
	}
	ref := *tr.ref
	ref.URL = u
	tr.ref = &ref
	t.w.capture.TargetChanged(&ref)
}

// autoAttach is the command that makes Chrome attach the targets a target
// makes, paused until they are ready.
func autoAttach() browser.Command {
	flatten := true
	return browser.Command{Method: "Target.setAutoAttach", Params: target.SetAutoAttachParams{
		AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: &flatten,
	}}
}

// browserAutoAttach is the command that makes Chrome attach, on the browser
// session, every new page and shared worker, paused until the worker has
// told whether it is the page's.
func browserAutoAttach() browser.Command {
	flatten := true
	return browser.Command{Method: "Target.setAutoAttach", Params: target.SetAutoAttachParams{
		AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: &flatten,
		Filter: target.Filter{{Type: "page"}, {Type: protocol.TargetSharedWorker}, {Exclude: true}},
	}}
}
