package server

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol/wire"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// A link carries one session's events to one client: a subscription on the
// worker's socket whose notification lines are written to the client as
// they are, in seq order, without being decoded. When the connection to
// the worker drops without session/ended, the link reconnects from the last
// seq it forwarded; if the worker is gone for good, it tells the client
// with a session/ended of its own.
type link struct {
	c   *client
	dir session.Dir

	epoch   string // the run of the session the link follows; set before watch starts
	lastSeq atomic.Uint64
	ended   atomic.Bool

	mu     sync.Mutex
	wc     *control.Client
	closed bool
	done   chan struct{} // closed when the watcher goroutine ends
	cancel context.CancelFunc

	// Events wait until the reply to the call that made the link (start or
	// attach) has been written: a client sees the result first.
	gate     chan struct{}
	openGate func()
	stopped  chan struct{} // closed by close
}

// Bounds of a link's attempts to reach a worker again.
const (
	reconnectTries = 5
	reconnectWait  = 200 * time.Millisecond
)

// attach subscribes the client to a session's events, after since (nil:
// only new events), replacing an earlier link to the same session.
func (c *client) attach(ctx context.Context, d session.Dir, since *uint64, epoch string) (protocol.SubscribeResult, error) {
	c.mu.Lock()
	old := c.links[d.Name]
	delete(c.links, d.Name)
	c.mu.Unlock()
	if old != nil {
		old.close()
	}
	lctx, cancel := context.WithCancel(context.Background())
	l := &link{c: c, dir: d, done: make(chan struct{}), cancel: cancel, gate: make(chan struct{}), stopped: make(chan struct{})}
	l.openGate = sync.OnceFunc(func() { close(l.gate) })
	if !rpc.AfterReply(ctx, l.openGate) {
		l.openGate()
	}
	res, err := l.connect(ctx, since, epoch)
	if err != nil {
		cancel()
		return res, err
	}
	l.epoch = res.Epoch
	if res.Reset {
		l.lastSeq.Store(0)
	} else if since != nil {
		l.lastSeq.Store(*since)
	} else {
		l.lastSeq.Store(res.LastSeq)
	}
	c.mu.Lock()
	c.links[d.Name] = l
	c.mu.Unlock()
	go l.watch(lctx) // owned by the link: close stops it
	return res, nil
}

// connect dials the worker and subscribes.
// A worker that does not answer within the read timeout is not joined: the
// client gets an error rather than a call that hangs.
func (l *link) connect(ctx context.Context, since *uint64, epoch string) (protocol.SubscribeResult, error) {
	var res protocol.SubscribeResult
	timeout := control.ReadTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	wc, err := control.Connect(ctx, l.dir, nil, l.c.log, rpc.InterceptNotifications(l.forward), rpc.TrustNotifications(wire.Recognize))
	if err != nil {
		return res, err
	}
	if res, err = rpc.Call(ctx, wc.Conn, protocol.Subscribe, protocol.SubscribeParams{Since: since, Epoch: epoch}); err != nil {
		wc.Close()
		if ctx.Err() == context.DeadlineExceeded {
			err = protocol.Errorf(protocol.NoSession, "the worker of session %q did not answer events/subscribe within %s", l.dir.Name, timeout).
				WithHint("the worker may be stopped or overloaded: bdg-rpc logs --session " + l.dir.Name)
		}
		return res, err
	}
	l.mu.Lock()
	l.wc = wc
	l.mu.Unlock()
	return res, nil
}

// forward writes one event of the worker to the client. It runs on the
// worker connection's read loop, so events go out in the order they came.
// Lines are queued while more are already buffered from the worker, and
// written together when there are none: a burst goes out in large writes.
func (l *link) forward(method string, frame []byte, more bool) bool {
	select {
	case <-l.gate:
	case <-l.stopped:
		return true
	}
	if h, err := wire.ReadHead(frame); err == nil && h.HasSeq {
		l.lastSeq.Store(h.Seq)
	}
	if method == protocol.NotifyEnded {
		l.ended.Store(true)
	}
	err := l.c.stream.QueueLine(frame)
	if err == nil && !more {
		err = l.c.stream.Flush()
	}
	if err != nil {
		l.c.log.Debug("could not forward an event", "session", l.dir.Name, "error", err)
	}
	return true
}

// watch waits for the worker connection to drop, and reconnects or ends the
// session for the client.
func (l *link) watch(ctx context.Context) {
	defer close(l.done)
	for {
		l.mu.Lock()
		wc := l.wc
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-wc.Conn.DisconnectNotify():
		}
		if l.ended.Load() || ctx.Err() != nil {
			return
		}
		if l.reconnect(ctx) {
			continue
		}
		l.workerGone(ctx)
		return
	}
}

// reconnect tries to subscribe again from the last seq forwarded, while a
// worker still holds the session.
func (l *link) reconnect(ctx context.Context) bool {
	for try := range reconnectTries {
		if alive, _ := l.dir.WorkerAlive(); !alive {
			return false
		}
		since := l.lastSeq.Load()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		// A worker of another run (the session was started again) is not
		// this link's: its seqs start again at 1. The client learns that
		// the run it followed ended, and attaches to the new one.
		if st, err := control.Status(cctx, l.dir); err == nil && st.Epoch != "" && st.Epoch != l.epoch {
			cancel()
			l.c.log.Info("the session was started again", "session", l.dir.Name, "epoch", st.Epoch, "was", l.epoch)
			return false
		}
		res, err := l.connect(cctx, &since, l.epoch)
		cancel()
		if err == nil && res.Reset {
			l.closeWorker()
			return false
		}
		if err == nil {
			l.c.log.Info("reconnected to the worker", "session", l.dir.Name, "since", since)
			return true
		}
		l.c.log.Warn("reconnecting to the worker", "session", l.dir.Name, "try", try+1, "error", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(reconnectWait << try):
		}
	}
	return false
}

// workerGone tells the client that the session ended without its worker
// saying so, after rescuing what the worker left on disk.
func (l *link) workerGone(ctx context.Context) {
	ev := protocol.EndedEvent{Session: l.dir.Name, Seq: l.lastSeq.Load() + 1, Reason: protocol.ReasonWorkerDied,
		Error: "the session's worker exited without ending the session"}
	cleaned, err := control.Cleanup(l.dir)
	switch {
	case err != nil:
		l.c.log.Warn("cleaning up after a dead worker", "session", l.dir.Name, "error", err)
	case cleaned.RescuedOutput != "":
		ev.OutputPath = cleaned.RescuedOutput
	}
	if ev.OutputPath == "" {
		if _, path, _, err := l.dir.ReadOutput(); err == nil {
			ev.OutputPath = path
		}
	}
	l.ended.Store(true)
	l.c.notify(protocol.NotifyEnded, ev)
}

// closeWorker drops the connection to the worker, from the watcher.
func (l *link) closeWorker() {
	l.mu.Lock()
	wc := l.wc
	l.mu.Unlock()
	if wc != nil {
		wc.Close()
	}
}

// close stops the link; the session itself goes on.
func (l *link) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	wc := l.wc
	l.mu.Unlock()
	close(l.stopped)
	l.cancel()
	if wc != nil {
		wc.Close()
	}
	<-l.done
}
