// Package worker is the session worker: the detached process ("bdg-rpc
// worker") that owns one session. It drives one Chrome page over CDP,
// captures its console and network activity, keeps it on disk
// (session.partial.json while it runs, session.json when it ends) and
// serves it on its Unix socket as JSON-RPC, pushing every event to
// subscribers.
//
// The launcher (package control) starts it with its options as one JSON
// line on standard input, the log file as standard error, a pipe for
// progress steps as file descriptor 3, and a pipe for the handshake as
// standard output, which the worker closes once the handshake is written.
package worker

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/drive"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/gofrs/flock"
	"golang.org/x/sys/unix"
)

// Main runs the worker process and returns its exit code.
func Main() int {
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	var opts session.Options
	line, err := bufio.NewReader(os.Stdin).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &opts)
	}
	if err != nil {
		writeHandshake(os.Stdout, control.Handshake{Error: protocol.Errorf(protocol.InvalidArgs,
			"reading options from standard input: %v (bdg-rpc worker is started by bdg-rpc start, not by hand)", err)})
		return 2
	}
	logMax := opts.LogMaxBytes
	if logMax == 0 {
		logMax = session.DefaultLogMaxBytes
	}
	d, err := session.NewDir(opts.Home, opts.Session)
	if err != nil {
		writeHandshake(os.Stdout, control.Handshake{Error: protocol.AsError(err)})
		return 2
	}
	logw := openLog(d.File(session.LogFile), logMax)
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug})).With("pid", os.Getpid())
	progress := os.NewFile(3, "progress")

	w := &worker{opts: opts, dir: d, log: logger, logw: logw, progress: progress,
		stopReq: make(chan stopRequest), stopped: make(chan struct{}), conns: map[net.Conn]struct{}{}}
	code := w.run(ctx, os.Stdout)
	logger.Info("worker exits", "code", code)
	return code
}

// maxCommandSize is the largest CDP command the worker sends: 1 MiB.
const maxCommandSize = 1 << 20

// maxConns is how many clients the worker serves at once; more wait in the
// socket's backlog (their reads time out and are answered from the files).
const maxConns = rpc.DefaultMaxConns

type worker struct {
	opts     session.Options
	dir      session.Dir
	log      *slog.Logger
	logw     io.Writer
	progress *os.File

	lock     *flock.Flock
	start    time.Time
	epoch    string // this run of the session, paired with every seq
	capture  *capture.Capture
	chrome   *browser.Chrome     // nil when attached to a running Chrome
	attached protocol.AttachInfo // how it attached to a running Chrome
	tabLock  *session.TabLock    // the tab of a running Chrome it watches
	closeTab atomic.Bool         // stop asked to close that tab
	conn     *browser.Conn
	page     *browser.Session
	pageID   atomic.Pointer[string] // the page's CDP session, for onEvent
	targets  *targetTree            // set before pageID; owned by onEvent
	persist  *persister             // the journal's writer; nil without one
	version  string
	drive    *drive.Page // page/evaluate, page/navigate, ...
	// metaPending is the write of writeMetaAsync under way, if any.
	metaPending chan error
	meta        session.Meta
	ln          net.Listener
	socket      string
	pageGone    chan string // a lifecycle event ended the page: its reason
	stopReq     chan stopRequest
	targetMu    sync.Mutex
	target      protocol.Target
	stateMu     sync.Mutex
	state       string
	socketIno   uint64         // of the socket file this worker created
	servers     sync.WaitGroup // the accept loops
	acceptor    rpc.Acceptor   // serves the clients' connections
	serveCtx    context.Context
	serveStop   context.CancelFunc

	connsMu sync.Mutex
	conns   map[net.Conn]struct{}
	pumps   sync.WaitGroup // subscription pumps
	replies inflight       // stop calls whose replies are still to be written

	pendingStop []stopRequest             // owned by the main loop
	finalStop   atomic.Pointer[stopReply] // set once the session has ended
	stopped     chan struct{}             // closed when finalStop is set
}

type stopRequest struct {
	reply chan stopReply
}

type stopReply struct {
	res protocol.StopResult
	err error
}

func (w *worker) setState(s string) {
	w.stateMu.Lock()
	w.state = s
	w.stateMu.Unlock()
}

func (w *worker) getState() string {
	w.stateMu.Lock()
	defer w.stateMu.Unlock()
	return w.state
}

// run starts the session, writes the handshake to hs, and serves until the
// session ends. It returns the process's exit code.
func (w *worker) run(ctx context.Context, hs *os.File) int {
	w.start = time.Now()
	w.epoch = newEpoch()
	w.setState(protocol.StateStarting)
	w.log.Info("worker starting", "session", w.opts.Session, "url", w.opts.URL)
	handshake, err := w.startup(ctx)
	if err != nil {
		w.log.Error("start failed", "error", err)
		handshake = control.Handshake{Error: startError(err)}
	}
	writeHandshake(hs, handshake)
	// Nothing more goes to the launcher: standard output becomes /dev/null,
	// so that the launcher exiting can never make a write fail.
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		_ = unix.Dup2(int(null.Fd()), 1)
		null.Close()
	}
	hs.Close()
	if w.progress != nil {
		w.progress.Close()
	}
	if err != nil {
		w.shutdownChrome()
		w.removeRuntimeFiles()
		return 1
	}
	w.setState(protocol.StateRunning)
	reason, errText := w.wait(ctx)
	return w.end(reason, errText)
}

func (w *worker) step(s string) {
	w.log.Info(s)
	if w.progress != nil {
		b, _ := json.Marshal(control.Progress{Step: s})
		_, _ = w.progress.Write(append(b, '\n'))
	}
}

// startup gets the session ready: lock, Chrome, page, domains, socket,
// navigation.
func (w *worker) startup(ctx context.Context) (control.Handshake, error) {
	lock, err := w.dir.AcquireWorkerLock(ctx)
	if err != nil {
		return control.Handshake{}, err
	}
	w.lock = lock
	w.socket = w.dir.SocketPath()
	pidStart, _ := proc.Start(os.Getpid())
	exe, _ := os.Executable()
	w.meta = session.Meta{
		Version: protocol.Version, Session: w.opts.Session, State: protocol.StateStarting,
		PID: os.Getpid(), PIDStart: pidStart, Executable: exe, SocketPath: w.socket,
		StartTime: w.start, URL: w.opts.URL, Options: w.opts,
	}
	// The first meta file is written (and synced, a few ms on a slow disk)
	// while Chrome is found or launched; the next write waits for it.
	w.writeMetaAsync()
	defer w.awaitMeta()

	copts := capture.Options{
		Session: w.opts.Session, MaxBodyBytes: w.opts.MaxBodyBytes, IncludeAll: w.opts.IncludeAll, Logger: w.log,
		FetchBody: w.fetchBody, WorkersAttached: true,
	}
	if w.opts.Limits != nil {
		copts.SetLimits(*w.opts.Limits)
	}
	if w.opts.MaxBodyBytes < 0 { // --max-body-size 0: no bodies
		copts.FetchBody, copts.MaxBodyBytes = nil, 0
	}
	w.capture = capture.New(copts)
	w.pageGone = make(chan string, 1)

	b, err := w.browser(ctx)
	if err != nil {
		return control.Handshake{}, err
	}
	w.step(control.StepConnecting)
	dialCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// Commands are small; a large write buffer would only be memory held
	// for the life of the session (cdp/send refuses larger commands).
	dialOpts := []browser.DialOption{browser.OnEvent(w.onEvent), browser.MaxCommandSize(maxCommandSize)}
	if w.chrome != nil { // ours: over its pipe
		w.conn, err = w.chrome.Dial(dialCtx, dialOpts...)
	} else {
		w.conn, err = browser.Dial(dialCtx, b.WS, dialOpts...)
	}
	if err != nil {
		where := "its pipe"
		if b.WS != "" {
			where = b.WS
		}
		perr := protocol.Errorf(protocol.CDPError, "connecting to Chrome over %s: %v", where, err).WithCause(err)
		if w.chrome == nil {
			perr = perr.WithHint(control.AttachHint)
		}
		return control.Handshake{}, perr
	}
	attach := browser.AttachOptions{}
	if w.chrome == nil {
		if attach, err = w.chooseTab(dialCtx, b); err != nil {
			return control.Handshake{}, err
		}
		if attach.TargetID != "" {
			if err := w.lockTab(attach.TargetID); err != nil {
				return control.Handshake{}, err
			}
		}
	}
	pageSess, info, err := browser.AttachPage(dialCtx, w.conn, attach)
	if err != nil {
		return control.Handshake{}, cdpErr("attaching to a page", err)
	}
	if w.chrome == nil && w.tabLock == nil {
		if err := w.lockTab(info.TargetID); err != nil {
			return control.Handshake{}, err
		}
	}
	w.page = pageSess
	id := pageSess.ID()
	w.targets = newTargetTree(w, id, info)
	w.capture.TargetAttached(w.targets.main.ref)
	w.pageID.Store(&id)
	w.setTarget(protocol.Target{ID: info.TargetID, URL: info.URL, Title: info.Title})
	w.capture.SetMainFrame(info.TargetID)
	w.drive = drive.New(drive.Config{
		Conn: w.conn, Main: pageSess, MainFrame: info.TargetID, Navigation: w.capture.Navigation,
		FrameContext: w.capture.FrameContext,
		Target: func(id string) (*browser.Session, bool) {
			s, ok := w.targets.sessionOf(id)
			return w.conn.Session(s), ok
		},
	})
	if err := w.enableDomains(dialCtx); err != nil {
		return control.Handshake{}, err
	}
	if err := w.listen(); err != nil {
		return control.Handshake{}, err
	}
	w.serveCtx, w.serveStop = context.WithCancel(context.Background())
	w.acceptor = rpc.Acceptor{Max: maxConns, Serve: w.serveConn, Log: w.log}
	go w.capture.Run(w.serveCtx)
	w.startJournal(w.serveCtx)
	w.servers.Add(1)
	go w.accept(w.ln)

	w.meta.State = protocol.StateRunning
	w.meta.Chrome.Version = w.version
	if err := w.writeMeta(); err != nil {
		return control.Handshake{}, err
	}
	target := w.getTarget()
	if w.opts.URL != "" {
		w.step(control.StepNavigating)
		res, err := cdp.Call(dialCtx, w.page, page.Navigate, page.NavigateParams{URL: w.opts.URL})
		if err != nil {
			return control.Handshake{}, cdpErr("navigating to "+w.opts.URL, err)
		}
		if res.ErrorText != "" {
			// The page shows Chrome's error page; the failed request is
			// captured like any other. The session goes on.
			w.log.Warn("navigation failed", "url", w.opts.URL, "error", res.ErrorText)
		}
		target.URL, target.Title = w.opts.URL, "" // the new page's title is not known yet
		w.setTarget(target)
	} else if w.opts.Reload {
		if err := w.reload(dialCtx); err != nil {
			return control.Handshake{}, err
		}
	}
	hs := control.Handshake{
		Version: protocol.Version, PID: os.Getpid(), SocketPath: w.socket,
		Chrome: w.chromeInfo(), Target: target,
	}
	if w.chrome == nil {
		a := w.attached
		hs.Attach = &a
	}
	w.log.Info("ready", "socket", w.socket, "target", hs.Target.ID, "chrome", w.version, "took", time.Since(w.start))
	return hs, nil
}

// browser launches Chrome or finds the one to attach to, and returns its
// endpoint: no websocket for a Chrome it launched, which it talks to over
// a pipe.
func (w *worker) browser(ctx context.Context) (browser.Browser, error) {
	if w.opts.Attaching() {
		w.step(control.StepConnecting)
		b, err := control.FindBrowser(ctx, w.opts.Endpoint(), w.opts.AutoConnect, os.Getenv)
		if err != nil {
			return b, err
		}
		w.attached = protocol.AttachInfo{Endpoint: b.Endpoint, Via: b.Via}
		w.log.Info("attaching", "endpoint", b.Endpoint, "via", b.Via, "ws", b.WS)
		return b, nil
	}
	w.step(control.StepLaunching)
	explicit := w.opts.ChromePath
	if explicit == "" {
		explicit = os.Getenv(browser.ChromeEnv)
	}
	exe, err := browser.FindChrome(explicit)
	if err != nil {
		return browser.Browser{}, protocol.Wrap(protocol.ChromeNotFound, err)
	}
	headless := !hasDisplay()
	if w.opts.Headless != nil {
		headless = *w.opts.Headless
	}
	// Over a pipe: a Chrome the worker launches opens no DevTools port that
	// any local process could connect to.
	opts := append(browser.DefaultOptions(), browser.Pipe(), browser.ExecPath(exe), browser.Headless(headless), browser.Output(w.logw))
	if w.opts.UserDataDir != "" {
		opts = append(opts, browser.UserDataDir(w.opts.UserDataDir))
	}
	lctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	chrome, err := browser.Launch(lctx, opts...)
	if err != nil {
		return browser.Browser{}, protocol.Wrap(protocol.ChromeLaunchFailed, err)
	}
	w.chrome = chrome
	pidStart, _ := proc.Start(chrome.PID())
	w.meta.Chrome = session.MetaChrome{
		Chrome:   protocol.Chrome{PID: chrome.PID(), Launched: true, Headless: headless},
		PIDStart: pidStart, UserDataDir: chrome.UserDataDir(), TempProfile: chrome.TemporaryProfile(),
	}
	if err := w.writeMeta(); err != nil {
		return browser.Browser{}, err
	}
	w.log.Info("chrome launched", "pid", chrome.PID(), "exec", exe, "headless", headless, "took", chrome.LaunchDuration())
	return browser.Browser{WS: chrome.WebSocketURL()}, nil
}

// chromeInfo describes the session's Chrome as the handshake, session/status
// and session.json report it. What it reads is set before the socket opens.
func (w *worker) chromeInfo() protocol.Chrome {
	c := protocol.Chrome{Version: w.version, Launched: w.chrome != nil, Headless: w.meta.Chrome.Headless}
	if w.chrome != nil {
		c.PID = w.chrome.PID()
	}
	return c
}

func hasDisplay() bool {
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// enableDomains turns on the events the capture needs on the page, and
// makes Chrome attach its targets: iframes and workers on the page's
// session; popups and shared workers on the browser's (see targets.go).
//
// It also learns Chrome's version. The page's commands and the browser's go
// at once, each batch in its order: they do not depend on each other, and
// a session starts a round trip sooner.
func (w *worker) enableDomains(ctx context.Context) error {
	var version cdpbrowser.GetVersionResult
	getVersion := browser.Command{Method: cdpbrowser.CommandGetVersion, Result: &version}
	var rootCmds []browser.Command
	if w.page.ID() != "" { // a page endpoint has no browser session
		// Discovery: hear about the page closing, and, in a Chrome that the
		// worker did not launch, about the popups and shared workers to
		// attach to (a browser-wide auto-attach would pause the user's own
		// new tabs).
		rootCmds = append(rootCmds, browser.Command{Method: "Target.setDiscoverTargets", Params: target.SetDiscoverTargetsParams{Discover: true}})
		if w.chrome != nil {
			rootCmds = append(rootCmds, browserAutoAttach())
		}
		rootCmds = append(rootCmds, getVersion)
	}
	var rootErrs []error
	var wg sync.WaitGroup
	if len(rootCmds) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rootErrs = w.conn.Session("").Batch(ctx, rootCmds...)
		}()
	}
	cmds := append(w.enables(protocol.TargetPage), autoAttach())
	pageErrs := w.page.Batch(ctx, cmds...)
	wg.Wait()
	for i, err := range pageErrs {
		if err != nil {
			return cdpErr(cmds[i].Method, err)
		}
	}
	for i, err := range rootErrs {
		if err != nil && rootCmds[i].Method != getVersion.Method {
			return cdpErr(rootCmds[i].Method, err)
		}
	}
	if len(rootCmds) == 0 { // a page endpoint: its version, on its own session
		if v, err := browser.Version(ctx, w.conn); err == nil {
			version.Product = v
		}
	}
	w.version = version.Product
	return nil
}

// enables are the commands that turn on the events the capture needs on a
// target of the type.
func (w *worker) enables(targetType string) []browser.Command {
	maxBody := w.capture.Options().MaxBodyBytes
	cmds := []browser.Command{
		{Method: "Network.enable", Params: network.EnableParams{
			MaxResourceBufferSize: ptr(int64(maxBody) + 1<<20), MaxTotalBufferSize: ptr(int64(256 << 20)),
		}},
		{Method: "Runtime.enable"},
		{Method: "Log.enable"},
	}
	switch targetType {
	case protocol.TargetPage:
		cmds = append(cmds, browser.Command{Method: "Page.enable"}, browser.Command{Method: "Inspector.enable"})
	case protocol.TargetIframe, protocol.TargetPopup:
		cmds = append(cmds, browser.Command{Method: "Page.enable"})
	}
	return cmds
}

// capUrl cuts a target's URL to the url cap.
func (w *worker) capUrl(u string) string {
	if n := w.capture.Options().Caps.URL; len(u) > n {
		return capture.CutString(u, n)
	}
	return u
}

// listen opens the worker's socket, readable and writable by its user only.
func (w *worker) listen() error {
	if err := session.EnsureSocketDir(w.socket); err != nil {
		return err // a session_file error that says what to do
	}
	if fi, err := os.Lstat(w.socket); err == nil && fi.Mode().Type() == fs.ModeSocket {
		_ = os.Remove(w.socket) // stale or deleted-and-recreated: we hold the worker lock
	}
	old := unix.Umask(0o177)
	ln, err := net.Listen("unix", w.socket)
	unix.Umask(old)
	if err != nil {
		return protocol.Errorf(protocol.SessionFile, "listening on %s: %v", w.socket, err).WithCause(err)
	}
	// The umask made the socket 0600: no chmod by path, which would follow
	// a link put in its place.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	w.ln = ln
	w.socketIno = socketInode(w.socket)
	return nil
}

func (w *worker) writeMeta() error {
	if err := w.awaitMeta(); err != nil {
		return err
	}
	return writeMetaFile(w.dir, w.meta)
}

// writeMetaAsync writes a copy of the meta file's content in a goroutine
// of its own; awaitMeta (or the next writeMeta) waits for it, so that the
// writes land in order.
func (w *worker) writeMetaAsync() {
	m, done := w.meta, make(chan error, 1)
	w.metaPending = done
	go func() { done <- writeMetaFile(w.dir, m) }()
}

// awaitMeta waits for the write of writeMetaAsync, if one is under way, and
// returns its error.
func (w *worker) awaitMeta() error {
	if w.metaPending == nil {
		return nil
	}
	err := <-w.metaPending
	w.metaPending = nil
	return err
}

func writeMetaFile(d session.Dir, m session.Meta) error {
	if err := session.WriteJSONAtomic(d.File(session.MetaFile), m); err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	return nil
}

func (w *worker) setTarget(t protocol.Target) {
	w.targetMu.Lock()
	w.target = t
	w.targetMu.Unlock()
}

func (w *worker) getTarget() protocol.Target {
	w.targetMu.Lock()
	defer w.targetMu.Unlock()
	return w.target
}

// onEvent receives every CDP event in order: those of the page's targets
// go to the capture; target events keep the target tree; lifecycle events
// of the page end the session.
func (w *worker) onEvent(ev browser.Event) {
	id := w.pageID.Load()
	if id == nil {
		return // nothing of interest happens before the page is attached
	}
	if src, ok := w.targets.source(ev.SessionID); ok && w.capture.HandleEventFrom(src, ev.Method, ev.Params) {
		return
	}
	switch ev.Method {
	case "Inspector.targetCrashed":
		if ev.SessionID == *id {
			w.endPage(protocol.ReasonPageCrashed)
		} else {
			w.targets.targetCrashed(ev.SessionID)
		}
	case "Inspector.detached":
		if ev.SessionID == *id {
			w.endPage(protocol.ReasonPageClosed)
		}
	case "Target.attachedToTarget":
		w.targets.attachedToTarget(ev.SessionID, ev.Params)
	case "Target.targetCreated":
		w.targetCreated(ev.Params)
	case "Target.targetCrashed", "Target.targetDestroyed", "Target.targetInfoChanged", "Target.detachedFromTarget":
		w.onTargetEvent(ev)
	}
}

// targetCreated attaches, in a Chrome that the worker did not launch, to a
// popup of the page or a shared worker of its origin as Chrome announces it
// (a Chrome it launched attaches them itself: see browserAutoAttach).
func (w *worker) targetCreated(params []byte) {
	if w.chrome != nil || w.page.ID() == "" {
		return
	}
	var ev struct {
		TargetInfo target.Info `json:"targetInfo"`
	}
	if jsonv2.Unmarshal(params, &ev, jsonv2.AllowInvalidUTF8(true)) != nil {
		return
	}
	if _, ours := w.targets.classify("", &ev.TargetInfo); !ours {
		return
	}
	t := w.targets
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(t.ctx, readyTimeout)
		defer cancel()
		flatten := true
		_, err := cdp.Call(ctx, w.conn.Session(""), target.AttachToTarget, target.AttachToTargetParams{TargetID: ev.TargetInfo.TargetID, Flatten: &flatten})
		if err != nil && t.ctx.Err() == nil {
			w.log.Debug("attaching to a target of the page", "id", ev.TargetInfo.TargetID, "error", err)
		}
	}()
}

func (w *worker) onTargetEvent(ev browser.Event) {
	var p struct {
		TargetID   string      `json:"targetId"`
		SessionID  string      `json:"sessionId"`
		TargetInfo target.Info `json:"targetInfo"`
	}
	if jsonv2.Unmarshal(ev.Params, &p, jsonv2.AllowInvalidUTF8(true)) != nil {
		return
	}
	t := w.getTarget()
	switch ev.Method {
	case "Target.targetInfoChanged":
		if string(p.TargetInfo.TargetID) == t.ID {
			t.URL, t.Title = p.TargetInfo.URL, p.TargetInfo.Title
			w.setTarget(t)
		}
		w.targets.infoChanged(&p.TargetInfo)
	case "Target.targetCrashed":
		if p.TargetID == t.ID {
			w.endPage(protocol.ReasonPageCrashed)
		}
		w.targets.gone(p.TargetID, protocol.TargetCrashed)
	case "Target.targetDestroyed":
		if p.TargetID == t.ID {
			w.endPage(protocol.ReasonPageClosed)
		}
		w.targets.gone(p.TargetID, protocol.TargetDestroyed)
	case "Target.detachedFromTarget":
		if id := w.pageID.Load(); id != nil && p.SessionID == *id {
			w.endPage(protocol.ReasonPageClosed)
		}
		w.targets.detached(p.SessionID)
	}
}

func (w *worker) endPage(reason string) {
	select {
	case w.pageGone <- reason:
	default:
	}
}

// fetchBody asks a target for a response body, on the CDP session that
// finished the request. It decodes the reply itself: a text body may hold
// lone surrogates, which cdproto's strict decoding refuses.
func (w *worker) fetchBody(ctx context.Context, session, requestID string) (string, bool, error) {
	if err := w.targets.bodyRefusal(session); err != nil {
		return "", false, fmt.Errorf("Network.getResponseBody: %w", err)
	}
	params, _ := json.Marshal(map[string]string{"requestId": requestID})
	raw, err := w.conn.Session(session).CallRaw(ctx, "Network.getResponseBody", params)
	if err != nil {
		return "", false, err
	}
	var res struct {
		Body          string `json:"body"`
		Base64Encoded bool   `json:"base64Encoded"`
	}
	if err := jsonv2.Unmarshal(raw, &res, jsonv2.AllowInvalidUTF8(true)); err != nil {
		return "", false, fmt.Errorf("decoding the body of %s: %w", requestID, err)
	}
	return res.Body, res.Base64Encoded, nil
}

// errTargetEnded: the target of a request ended or crashed before its
// body was asked for; Chrome has it no more.
var errTargetEnded = errors.New("its target has ended or crashed")

// errSharedWorkerBody: a shared worker's response body is not asked for
// (targetTree.bodyRefusal).
var errSharedWorkerBody = errors.New("not asked of a shared worker: Chrome crashes when asked as the worker ends")

func ptr[T any](v T) *T { return &v }

func writeHandshake(out io.Writer, hs control.Handshake) {
	b, err := json.Marshal(hs)
	if err != nil {
		b = []byte(`{"error":{"code":-32603,"kind":"","message":"encoding the handshake failed"}}`)
	}
	_, _ = out.Write(append(b, '\n'))
}

// startError is the error a failed start reports in its handshake: a
// bdg-rpc error as it is, and anything else as a CDP failure.
func startError(err error) *protocol.Error {
	var e *protocol.Error
	if errors.As(err, &e) {
		return protocol.AsError(err)
	}
	kind := protocol.CDPError
	if errors.Is(err, context.DeadlineExceeded) {
		kind = protocol.CDPTimeout
	}
	return protocol.Wrap(kind, err)
}

// cdpErr is a failed CDP step: a timeout, or a CDP error.
func cdpErr(what string, err error) *protocol.Error {
	kind := protocol.CDPError
	if errors.Is(err, context.DeadlineExceeded) {
		kind = protocol.CDPTimeout
	}
	return protocol.Errorf(kind, "%s: %v", what, err).WithCause(err)
}

// accept serves connections on ln until it is closed, through the worker's
// acceptor: at most maxConns at once, whichever listener they came from,
// and a temporary failure (no file descriptor left) is retried, never the
// end of accepting. The listener is its own: checkSocket replaces w.ln on
// the main goroutine.
func (w *worker) accept(ln net.Listener) {
	defer w.servers.Done()
	if err := w.acceptor.Accept(w.serveCtx, ln); err != nil {
		w.log.Error("no longer accepting connections", "error", err)
	}
}

// newEpoch returns a run id no other run of the session shares: 64 random
// bits.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}
