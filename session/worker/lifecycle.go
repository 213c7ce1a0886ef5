package worker

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/redact"
)

const (
	minPartialInterval  = time.Second
	socketCheckInterval = time.Second
	drainTimeout        = 2 * time.Second
	chromeCloseTimeout  = 5 * time.Second
	finalRetryInterval  = 2 * time.Second
	finalRetryFor       = 2 * time.Minute
)

// wait serves until something ends the session, writing the partial file
// on the way, and returns why it ended.
func (w *worker) wait(ctx context.Context) (reason, errText string) {
	// The partial file is rewritten soon after a change while it is cheap
	// to write, and less often as it grows: each write may take a fiftieth
	// of the time between writes (2% of a core), between
	// minPartialInterval and the configured interval (5 s).
	partialEvery := min(minPartialInterval, w.opts.PartialInterval())
	partial := time.NewTimer(partialEvery)
	defer partial.Stop()
	memory := newMemoryGovernor()
	sockCheck := time.NewTicker(socketCheckInterval)
	defer sockCheck.Stop()
	var timeout <-chan time.Time
	if w.opts.TimeoutSeconds > 0 {
		t := time.NewTimer(time.Duration(w.opts.TimeoutSeconds) * time.Second)
		defer t.Stop()
		timeout = t.C
	}
	var chromeDone <-chan struct{}
	if w.chrome != nil {
		chromeDone = w.chrome.Done()
	}
	for {
		select {
		case <-ctx.Done():
			return protocol.ReasonSignal, ""
		case req := <-w.stopReq:
			w.pendingStop = append(w.pendingStop, req)
			return protocol.ReasonStopped, ""
		case <-chromeDone:
			return protocol.ReasonChromeExit, fmt.Sprintf("Chrome exited (%v)", w.chrome.ExitErr())
		case <-w.conn.Done():
			return protocol.ReasonChromeExit, fmt.Sprintf("the connection to Chrome was lost: %v", w.conn.Err())
		case r := <-w.pageGone:
			if r == protocol.ReasonPageCrashed {
				return r, "the page crashed"
			}
			return r, ""
		case <-timeout:
			return protocol.ReasonTimeout, ""
		case <-partial.C:
			if w.capture.TakeChanged() {
				began := time.Now()
				if err := w.writeOutput(false, "", ""); err != nil {
					w.capture.MarkChanged() // try again next time; the data is in memory
					w.log.Error("writing the partial file", "error", err)
				}
				partialEvery = min(max(50*time.Since(began), minPartialInterval), w.opts.PartialInterval())
			}
			memory.tune()
			partial.Reset(partialEvery)
		case <-sockCheck.C:
			w.checkSocket()
		}
	}
}

// end finishes the session: session.json, the ended event, the stop
// replies, Chrome closed, files removed. It returns the exit code.
func (w *worker) end(reason, errText string) int {
	w.setState(protocol.StateStopping)
	w.log.Info("session ending", "reason", reason, "error", errText)
	chromeClosed := make(chan struct{})
	go func() { // in parallel with writing the result
		defer close(chromeClosed)
		w.shutdownChrome()
	}()

	outputPath := w.dir.File(session.OutputFile)
	err := w.writeOutput(true, reason, errText)
	if err != nil {
		w.log.Error("writing session.json", "error", err)
		w.replyStops(stopReply{err: protocol.Errorf(protocol.SessionFile,
			"could not write session.json: %v; the worker keeps the capture in memory and retries for %s", err, finalRetryFor).WithCause(err).
			WithHint("free disk space or fix the permissions of " + w.dir.Path + "; bdg-rpc status shows the session meanwhile")}, false)
		err = w.retryOutput(reason, errText)
	}
	if err != nil {
		outputPath = ""
		errText = fmt.Sprintf("%s; session.json could not be written: %v", errText, err)
	}
	w.capture.End(reason, outputPath, errText)
	if !w.persist.wait(journalCloseTimeout) {
		w.log.Warn("the session's journal did not take its last events in time")
	}
	st := w.capture.State()
	final := stopReply{res: protocol.StopResult{
		Session: w.opts.Session, OutputPath: outputPath, DurationMs: time.Since(w.start).Milliseconds(),
		Counts: st.Counts, Dropped: st.Dropped,
	}}
	if err != nil {
		final.err = protocol.Errorf(protocol.SessionFile, "could not write session.json: %v", err).WithCause(err)
	}
	w.replyStops(final, true)
	w.drain()
	w.persist.close(w)
	<-chromeClosed
	w.removeRuntimeFiles()
	if err == nil {
		_ = session.RemoveOutput(w.dir.File(session.PartialFile)) // superseded by session.json
	}
	w.log.Info("session ended", "reason", reason, "output", outputPath, "took", time.Since(w.start))
	if err != nil {
		return 1
	}
	return 0
}

// retryOutput keeps trying to write session.json while the worker goes on
// answering queries from memory.
func (w *worker) retryOutput(reason, errText string) error {
	deadline := time.Now().Add(finalRetryFor)
	for {
		time.Sleep(finalRetryInterval)
		err := w.writeOutput(true, reason, errText)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		w.log.Error("writing session.json, will retry", "error", err)
		for _, r := range w.takeStops() { // later stop requests learn the same
			r.reply <- stopReply{err: protocol.Errorf(protocol.SessionFile, "could not write session.json yet: %v", err).WithCause(err)}
		}
	}
}

// replyStops answers every stop request received so far. The final reply
// also answers any that arrive later.
func (w *worker) replyStops(r stopReply, final bool) {
	if final {
		w.finalStop.Store(&r)
		close(w.stopped)
	}
	for _, req := range w.takeStops() {
		req.reply <- r
	}
}

func (w *worker) takeStops() []stopRequest {
	reqs := w.pendingStop
	w.pendingStop = nil
	for {
		select {
		case req := <-w.stopReq:
			reqs = append(reqs, req)
		default:
			return reqs
		}
	}
}

// drain lets subscribers receive session/ended and stop callers their
// replies, then closes every connection.
func (w *worker) drain() {
	done := make(chan struct{})
	go func() {
		w.pumps.Wait()
		w.replies.wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(drainTimeout):
		w.log.Warn("some clients did not take the last events in time")
	}
	w.ln.Close()
	w.serveStop()
	w.closeConns()
	w.servers.Wait()
	w.acceptor.Wait()
}

// shutdownChrome closes a Chrome the worker launched (Browser.close, then
// its whole process group) and the CDP connection. A Chrome the worker
// attached to is left running, as it was (leaveBrowser).
func (w *worker) shutdownChrome() {
	ctx, cancel := context.WithTimeout(context.Background(), chromeCloseTimeout)
	if w.chrome != nil {
		err := w.chrome.Close(ctx, w.conn)
		if err != nil {
			w.log.Warn("closing Chrome", "error", err)
		}
	} else {
		w.leaveBrowser(ctx)
	}
	cancel()
	if w.targets != nil {
		w.targets.cancel() // the commands in flight fail at once
	}
	if w.conn != nil {
		w.conn.Close()
	}
	if w.targets != nil {
		w.targets.stop()
	}
}

// removeRuntimeFiles removes the socket and metadata of a worker that is
// about to exit. The lock goes with the process.
func (w *worker) removeRuntimeFiles() {
	w.tabLock.Release()
	if w.socketIno != 0 && socketInode(w.socket) == w.socketIno {
		_ = os.Remove(w.socket)
	}
	_ = os.Remove(w.dir.File(session.MetaFile))
}

// checkSocket re-creates the socket if someone deleted it under a live
// worker: clients find the worker by its path.
func (w *worker) checkSocket() {
	if socketInode(w.socket) == w.socketIno {
		return
	}
	w.log.Warn("the socket file was removed or replaced; listening again", "socket", w.socket)
	old := w.ln
	if err := w.listen(); err != nil {
		w.log.Error("listening again", "error", err)
		return
	}
	old.Close()
	w.servers.Add(1)
	go w.accept(w.ln)
}

func socketInode(path string) uint64 {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode().Type() != fs.ModeSocket {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// writeOutput writes session.partial.json (final false) or session.json.
func (w *worker) writeOutput(final bool, reason, errText string) error {
	snap := w.capture.Snapshot()
	out := w.output(snap, final, reason, errText)
	name := session.PartialFile
	if final {
		name = session.OutputFile
	}
	network := snap.Network
	if !w.opts.NoRedact {
		network = redacted(network)
	}
	// The partial file has what is in memory; session.json every record,
	// the older read from the disk as they are written.
	requests, messages := session.RecordsOf(network), session.RecordsOf(snap.Console)
	if final && snap.ColdNetwork {
		requests.Each = func(visit func(*protocol.NetworkRequest) bool) error {
			return w.capture.NetworkRecords(func(r *protocol.NetworkRequest) bool {
				if !w.opts.NoRedact {
					r = redacted([]*protocol.NetworkRequest{r})[0]
				}
				return visit(r)
			})
		}
	}
	if final && snap.Cold {
		messages.Each = w.capture.ConsoleRecords
	}
	return session.WriteOutputStream(w.dir.File(name), out, requests, messages)
}

// redacted returns the requests with their credentials redacted, sharing
// those that have none.
func redacted(reqs []*protocol.NetworkRequest) []*protocol.NetworkRequest {
	out := make([]*protocol.NetworkRequest, len(reqs))
	for i, r := range reqs {
		c := redact.Request(*r)
		if c.URL == r.URL && string(c.RequestHeaders) == string(r.RequestHeaders) &&
			string(c.ResponseHeaders) == string(r.ResponseHeaders) && len(r.Redirects) == 0 {
			out[i] = r
		} else {
			out[i] = &c
		}
	}
	return out
}

// output builds the bdg-shaped document from a snapshot.
func (w *worker) output(snap capture.Snapshot, final bool, reason, errText string) protocol.Output {
	t := w.getTarget()
	out := protocol.Output{
		Version: protocol.Version, Success: errText == "", Timestamp: w.start.UTC().Format(time.RFC3339Nano),
		Duration: time.Since(w.start).Milliseconds(), Target: protocol.Target{URL: t.URL, Title: t.Title},
		Partial: !final || reason != protocol.ReasonStopped && reason != protocol.ReasonSignal && reason != protocol.ReasonTimeout,
		Error:   errText, Session: w.opts.Session, WrittenAt: time.Now().UTC().Format(time.RFC3339Nano),
		LastSeq: snap.LastSeq, Counts: snap.Counts, Dropped: snap.Dropped, Navigations: snap.Navigations,
		Chrome: w.chromeInfo(), Targets: snap.Targets,
	}
	if final {
		out.Reason = reason
	}
	return out
}

func (w *worker) closeConns() {
	w.connsMu.Lock()
	defer w.connsMu.Unlock()
	for c := range w.conns {
		c.Close()
	}
}

func (w *worker) trackConn(c net.Conn, add bool) {
	w.connsMu.Lock()
	defer w.connsMu.Unlock()
	if add {
		w.conns[c] = struct{}{}
	} else {
		delete(w.conns, c)
	}
}
