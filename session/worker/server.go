package worker

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/queries"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

const (
	// writeTimeout is how long a client may leave a write waiting before
	// it is disconnected: a stuck client must not hold a goroutine forever.
	writeTimeout = 30 * time.Second
	// pumpBatch is how many events a subscriber's pump encodes at a time.
	pumpBatch = 256
	// cdpTimeout bounds a cdp/send call.
	cdpTimeout = 60 * time.Second
)

// connState is one client connection of the worker.
type connState struct {
	w      *worker
	nc     net.Conn
	stream *rpc.Stream
	ctx    context.Context

	mu       sync.Mutex
	stopPump context.CancelFunc
}

func (w *worker) serveConn(nc net.Conn) {
	w.trackConn(nc, true)
	defer w.trackConn(nc, false)
	ctx, cancel := context.WithCancel(w.serveCtx)
	defer cancel()
	cs := &connState{w: w, nc: nc, ctx: ctx}
	cs.stream = rpc.NewStream(deadlineWriter{nc}, rpc.WithLogger(w.log))
	h := rpc.NewHandler(w.mux(cs).Dispatch, w.log)
	conn := rpc.NewConn(ctx, cs.stream, h, w.log)
	select {
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
		conn.Close()
	}
	cs.stopSubscription()
	h.Wait()
}

// deadlineWriter gives every write a deadline, so a client that stops
// reading is disconnected rather than holding its writer forever.
type deadlineWriter struct{ net.Conn }

func (d deadlineWriter) Write(p []byte) (int, error) {
	_ = d.Conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return d.Conn.Write(p)
}

func (w *worker) mux(cs *connState) *rpc.Mux {
	m := rpc.NewMux()
	queries.Register(m, w.capture, protocol.Stale{}, w.dir.File(session.BodiesDir))
	rpc.Handle(m, protocol.Status, func(context.Context, protocol.StatusParams) (protocol.StatusResult, error) {
		return w.status(), nil
	})
	rpc.Handle(m, protocol.CDPSend, func(ctx context.Context, p protocol.CDPSendParams) (protocol.RawResult, error) {
		rpc.Async(ctx)
		return w.cdpSend(ctx, p)
	})
	handleDrive(m, protocol.Evaluate, w.drive.Evaluate)
	rpc.Handle(m, protocol.Navigate, func(ctx context.Context, p protocol.NavigateParams) (protocol.NavigateResult, error) {
		rpc.Async(ctx)
		u, err := session.NormalizeURL(p.URL)
		if err != nil {
			return protocol.NavigateResult{}, err
		}
		p.URL = u
		return w.drive.Navigate(ctx, p)
	})
	rpc.Handle(m, protocol.Reload, func(ctx context.Context, p protocol.ReloadParams) (protocol.NavigateResult, error) {
		rpc.Async(ctx)
		return w.drive.Reload(ctx, p)
	})
	rpc.Handle(m, protocol.Back, func(ctx context.Context, p protocol.HistoryParams) (protocol.NavigateResult, error) {
		rpc.Async(ctx)
		return w.drive.Back(ctx, p)
	})
	rpc.Handle(m, protocol.Forward, func(ctx context.Context, p protocol.HistoryParams) (protocol.NavigateResult, error) {
		rpc.Async(ctx)
		return w.drive.Forward(ctx, p)
	})
	rpc.Handle(m, protocol.Screenshot, func(ctx context.Context, p protocol.ScreenshotParams) (protocol.ScreenshotResult, error) {
		rpc.Async(ctx)
		ctx, cancel := context.WithTimeout(ctx, cdpTimeout)
		defer cancel()
		return w.drive.Screenshot(ctx, w.dir.File(session.ScreenshotsDir), p)
	})
	handleDrive(m, protocol.DOMQuery, w.drive.Query)
	handleDrive(m, protocol.Snapshot, w.drive.Snapshot)
	handleDrive(m, protocol.Click, w.drive.Click)
	handleDrive(m, protocol.Fill, w.drive.Fill)
	handleDrive(m, protocol.Press, w.drive.Press)
	handleDrive(m, protocol.Hover, w.drive.Hover)
	handleDrive(m, protocol.Emulate, w.drive.Emulate)
	handleDrive(m, protocol.SourceResolve, w.drive.Resolve)
	handleDrive(m, protocol.ObjectProperties, w.drive.Properties)
	rpc.Handle(m, protocol.WaitFor, func(ctx context.Context, p protocol.WaitForParams) (protocol.WaitForResult, error) {
		rpc.Async(ctx)
		return w.drive.WaitFor(ctx, p, w.capture.InFlight)
	})
	rpc.Handle(m, protocol.Subscribe, func(ctx context.Context, p protocol.SubscribeParams) (protocol.SubscribeResult, error) {
		since, reset := p.Since, p.Epoch != "" && p.Epoch != w.epoch
		if reset { // a since of another run of the session: from the start
			since = new(uint64)
		}
		sub, res := w.capture.Subscribe(since)
		res.Epoch, res.Reset = w.epoch, reset
		// The reply goes first; the events follow it.
		rpc.AfterReply(ctx, func() { cs.startPump(sub) })
		return res, nil
	})
	rpc.Handle(m, protocol.Stop, func(ctx context.Context, p protocol.StopParams) (protocol.StopResult, error) {
		rpc.Async(ctx)
		if p.CloseTab {
			w.closeTab.Store(true)
		}
		if !w.replies.add() {
			return protocol.StopResult{}, protocol.Errorf(protocol.NoSession, "session %q is ending", w.opts.Session).
				WithHint("its session.json is being written; bdg-rpc status shows it")
		}
		rpc.AfterReply(ctx, w.replies.done)
		return w.requestStop(ctx)
	})
	return m
}

// handleDrive serves a drive method that acts on the page: off the read
// loop, bounded by cdpTimeout.
func handleDrive[P, R any](m *rpc.Mux, method protocol.Method[P, R], f func(context.Context, P) (R, error)) {
	rpc.Handle(m, method, func(ctx context.Context, p P) (R, error) {
		rpc.Async(ctx)
		ctx, cancel := context.WithTimeout(ctx, cdpTimeout)
		defer cancel()
		return f(ctx, p)
	})
}

// requestStop asks the main loop to end the session and waits for the
// result: session.json written.
func (w *worker) requestStop(ctx context.Context) (protocol.StopResult, error) {
	req := stopRequest{reply: make(chan stopReply, 1)}
	select {
	case w.stopReq <- req:
	case <-w.stopped:
		r := w.finalStop.Load()
		return r.res, r.err
	case <-ctx.Done():
		return protocol.StopResult{}, ctx.Err()
	}
	select {
	case r := <-req.reply:
		return r.res, r.err
	case <-ctx.Done():
		return protocol.StopResult{}, ctx.Err()
	}
}

func (w *worker) status() protocol.StatusResult {
	st := w.capture.State()
	res := protocol.StatusResult{
		Session: w.opts.Session, State: w.getState(), PID: os.Getpid(),
		StartTime: w.start.UTC().Format(time.RFC3339Nano), UptimeMs: time.Since(w.start).Milliseconds(),
		Target: w.getTarget(), Counts: st.Counts, Dropped: st.Dropped, LastSeq: st.LastSeq,
		NavigationID: st.Navigation.ID, SocketPath: w.socket, Subscribers: w.capture.Subscribers(),
		Chrome: w.chromeInfo(), Epoch: w.epoch, Targets: st.Targets, TargetsEnded: st.TargetsEnded,
		Journal: w.persist.status(),
	}
	return res
}

func (w *worker) cdpSend(ctx context.Context, p protocol.CDPSendParams) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, cdpTimeout)
	defer cancel()
	params := p.Params
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	// Browser-wide domains go to the browser session, the rest to the page.
	sess := w.page
	if isBrowserMethod(p.Method) && w.page.ID() != "" {
		sess = w.conn.Session("")
	}
	res, err := sess.CallRaw(ctx, p.Method, jsonv2.Value(params))
	if err != nil {
		var cerr *browser.CDPError
		switch {
		case errors.As(err, &cerr):
			return nil, protocol.Errorf(protocol.CDPError, "%s", cerr.Error()).
				WithHint("check the method and params against https://chromedevtools.github.io/devtools-protocol/")
		case errors.Is(err, context.DeadlineExceeded):
			return nil, protocol.Errorf(protocol.CDPTimeout, "%s: no answer from Chrome within %s", p.Method, cdpTimeout)
		case errors.Is(err, context.Canceled):
			return nil, err
		}
		return nil, protocol.Errorf(protocol.CDPError, "%s: %v", p.Method, err)
	}
	return json.RawMessage(res), nil
}

func isBrowserMethod(method string) bool {
	for _, prefix := range []string{"Browser.", "Target.", "SystemInfo."} {
		if len(method) > len(prefix) && method[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// startPump delivers a subscription's events on this connection, replacing
// an earlier subscription of the same connection.
func (cs *connState) startPump(sub *capture.Subscription) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.stopPump != nil {
		cs.stopPump()
	}
	ctx, cancel := context.WithCancel(cs.ctx)
	cs.stopPump = cancel
	cs.w.pumps.Add(1)
	go func() {
		defer cs.w.pumps.Done()
		defer sub.Close()
		for {
			b, err := sub.Next(ctx, pumpBatch)
			if err != nil {
				return
			}
			if err := cs.stream.WriteLines(b.Lines); err != nil {
				cs.w.log.Warn("dropping a subscriber that cannot be written to", "error", err)
				cs.nc.Close()
				return
			}
			if b.Ended {
				return
			}
		}
	}()
}

func (cs *connState) stopSubscription() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.stopPump != nil {
		cs.stopPump()
	}
}

// inflight counts calls whose replies must be written before the worker
// closes its connections; once closing has begun it admits no more.
type inflight struct {
	mu      sync.Mutex
	n       int
	closing bool
	zero    chan struct{}
}

func (f *inflight) add() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return false
	}
	f.n++
	return true
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.zero != nil {
		close(f.zero)
		f.zero = nil
	}
}

// wait admits no more calls and waits for those in flight.
func (f *inflight) wait() {
	f.mu.Lock()
	f.closing = true
	if f.n == 0 {
		f.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	f.zero = ch
	f.mu.Unlock()
	<-ch
}
