package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
)

// Client is a JSON-RPC connection to a session's worker. Call its methods
// with rpc.Call(ctx, c.Conn, protocol.Status, params).
type Client struct {
	Conn *jsonrpc2.Conn
	Dir  session.Dir
}

// socketOf returns the socket the metadata names, or the computed one.
func socketOf(d session.Dir) string {
	if m, err := d.ReadMeta(); err == nil && m.SocketPath != "" {
		return m.SocketPath
	}
	return d.SocketPath()
}

// Connect dials the session's worker. It never starts anything: a session
// without a worker is a no_session error.
func Connect(ctx context.Context, d session.Dir, h jsonrpc2.Handler, log *slog.Logger, opts ...rpc.StreamOption) (*Client, error) {
	conn, err := rpc.Dial(ctx, socketOf(d), h, log, opts...)
	if err != nil {
		if alive, _ := d.WorkerAlive(); alive {
			return nil, protocol.Errorf(protocol.NoSession, "session %q has a worker, but its socket does not answer: %v", d.Name, err).
				WithCause(err).
				WithHint("it may be starting, or its socket was removed; check logs: bdg-rpc logs, or stop it: bdg-rpc stop")
		}
		return nil, NoSession(d)
	}
	return &Client{Conn: conn, Dir: d}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// Stop asks the session's worker to stop, and returns once it has written
// session.json and exited. A worker that does not answer within stopGrace
// (stopped, stuck) is verified to be ours and terminated: SIGTERM, then
// SIGKILL; what it left is then rescued into session.json, marked partial.
// OutputPath is empty when no session.json exists (a session stopped before
// it had started).
func Stop(ctx context.Context, d session.Dir) (protocol.StopResult, error) {
	return StopWith(ctx, d, protocol.StopParams{})
}

// StopWith is Stop with the params of session/stop, such as closeTab.
func StopWith(ctx context.Context, d session.Dir, p protocol.StopParams) (protocol.StopResult, error) {
	var res protocol.StopResult
	alive, err := d.WorkerAlive()
	if err != nil {
		return res, err
	}
	if !alive {
		return res, NoSession(d)
	}
	cctx, cancel := context.WithTimeout(ctx, ReadTimeout())
	c, err := Connect(cctx, d, nil, nil)
	cancel()
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, stopGrace)
		res, err = rpc.Call(sctx, c.Conn, protocol.Stop, protocol.StopParams{CloseTab: p.CloseTab})
		timedOut := sctx.Err() != nil
		cancel()
		c.Close()
		var answered *protocol.Error
		if errors.As(err, &answered) {
			return res, err // the worker answered: it could not end the session as asked
		}
		// A worker that is still writing a large session.json (hundreds of
		// megabytes from disk) answers session/status meanwhile, "stopping":
		// it is waited for as long as it does, not terminated.
		for err != nil && timedOut && ctx.Err() == nil && stillStopping(ctx, d) {
			wctx, cancel := context.WithTimeout(ctx, stopGrace)
			if d.WaitWorkerGone(wctx) == nil {
				err = nil
			}
			cancel()
		}
		if alive, _ := d.WorkerAlive(); err != nil && timedOut && !alive {
			err = nil // it ended between two looks
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return res, err
	}
	if err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		if terr := terminate(ctx, d); terr != nil {
			return res, fmt.Errorf("stopping session %q, which did not answer (%v): %w", d.Name, err, terr)
		}
		res = protocol.StopResult{Session: d.Name}
	}
	wctx, cancel := context.WithTimeout(ctx, stopGrace)
	defer cancel()
	if err := d.WaitWorkerGone(wctx); err != nil {
		return res, err
	}
	if res.OutputPath == "" {
		if _, err := Cleanup(d); err != nil { // a partial capture becomes session.json
			return res, err
		}
		if _, err := os.Lstat(d.File(session.OutputFile)); err == nil {
			res.OutputPath = d.File(session.OutputFile)
		}
	}
	return res, nil
}

// stillStopping reports whether the session's worker answers, ending the
// session.
func stillStopping(ctx context.Context, d session.Dir) bool {
	var st protocol.StatusResult
	err := callWorker(ctx, d, protocol.Status.Name, protocol.StatusParams{}, &st, ReadTimeout())
	return err == nil && st.State == protocol.StateStopping
}

// terminate ends a worker that does not answer, if the pid in its metadata
// is still the very worker that wrote it: SIGTERM, then SIGKILL (which also
// ends a stopped process).
func terminate(ctx context.Context, d session.Dir) error {
	// A worker writes its metadata right after it takes its lock: a stop
	// that comes in between waits for it a moment.
	m, err := d.ReadMeta()
	for deadline := time.Now().Add(time.Second); errors.Is(err, os.ErrNotExist) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		m, err = d.ReadMeta()
	}
	if err != nil {
		return fmt.Errorf("reading its metadata: %w", err)
	}
	if !isOurWorker(m) {
		return fmt.Errorf("pid %d is no longer its worker", m.PID)
	}
	_ = syscall.Kill(m.PID, syscall.SIGTERM)
	_ = syscall.Kill(m.PID, syscall.SIGCONT) // a stopped worker handles SIGTERM once it runs
	wctx, cancel := context.WithTimeout(ctx, termGrace)
	werr := d.WaitWorkerGone(wctx)
	cancel()
	if werr != nil && isOurWorker(m) {
		_ = syscall.Kill(m.PID, syscall.SIGKILL)
	}
	return nil
}

// isOurWorker reports whether the worker described by m is still running
// as the very process that wrote m.
func isOurWorker(m session.Meta) bool {
	if !proc.Same(m.PID, m.PIDStart) {
		return false
	}
	args := proc.Cmdline(m.PID)
	return len(args) >= 2 && args[1] == "worker"
}

// Status reports a session's state without starting anything: from the
// worker when it answers, else from the files it left, marked stale.
func Status(ctx context.Context, d session.Dir) (protocol.StatusResult, error) {
	res := protocol.StatusResult{Session: d.Name}
	if _, err := os.Stat(d.Path); errors.Is(err, os.ErrNotExist) {
		return res, NoSession(d)
	}
	alive, err := d.WorkerAlive()
	if err != nil {
		return res, err
	}
	reason := ""
	if alive {
		var st protocol.StatusResult
		err := callWorker(ctx, d, protocol.Status.Name, protocol.StatusParams{}, &st, ReadTimeout())
		if err == nil {
			return st, nil
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return res, err
		}
		if m, err := d.ReadMeta(); err == nil && m.State == protocol.StateStarting {
			res.State, res.PID = protocol.StateStarting, m.PID
			return res, nil
		}
		var na *errNoAnswer
		if errors.As(err, &na) {
			reason = na.Error()
		}
	}
	out, path, age, _, err := d.ReadSummary()
	switch {
	case err != nil && !errors.Is(err, session.ErrNoOutput):
		return res, unreadable(err)
	case err != nil && alive:
		return res, protocol.Errorf(protocol.NoSession, "session %q has a worker that does not answer and no data on disk yet", d.Name).
			WithHint("check logs: bdg-rpc logs; bdg-rpc stop ends it")
	case err != nil:
		return res, NoSession(d)
	}
	res.State = protocol.StateEnded
	if out.Partial || path == d.File(session.PartialFile) {
		res.State = protocol.StateStale
	}
	if alive {
		res.State = protocol.StateRunning // but unreachable: answering from the file
	}
	res.StartTime = out.Timestamp
	res.Target = out.Target
	res.Chrome = out.Chrome
	res.Chrome.PID = 0 // gone with the worker
	if n := len(out.Navigations); n > 0 {
		res.NavigationID = out.Navigations[n-1].ID
	}
	res.Counts, res.Dropped, res.LastSeq = out.Counts, out.Dropped, out.LastSeq
	if path == d.File(session.OutputFile) {
		res.OutputPath = path
	}
	res.Stale = protocol.Stale{Stale: true, DataAgeMs: age.Milliseconds(), Source: path, Reason: reason}
	if m, err := d.ReadMeta(); alive && err == nil {
		res.PID = m.PID
	}
	return res, nil
}

// List reports the state of every session under home that has something
// to show; a session whose state cannot be read is listed as stale.
func List(ctx context.Context, home string) ([]protocol.StatusResult, error) {
	if err := session.CheckHome(home); err != nil {
		return nil, err
	}
	names, err := session.List(home)
	if err != nil {
		return nil, protocol.Wrap(protocol.SessionFile, err)
	}
	// Concurrently: a worker that does not answer costs its read timeout
	// once, not once per session after it.
	list := make([]protocol.StatusResult, len(names))
	show := make([]bool, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		d, err := session.NewDir(home, name)
		if err != nil {
			continue
		}
		wg.Go(func() {
			st, err := Status(ctx, d)
			if err != nil {
				if protocol.KindOf(err) == protocol.NoSession {
					return // a directory without a worker or data: nothing to show
				}
				st = protocol.StatusResult{Session: name, State: protocol.StateStale}
			}
			list[i], show[i] = st, true
		})
	}
	wg.Wait()
	out := []protocol.StatusResult{}
	for i, st := range list {
		if show[i] {
			out = append(out, st)
		}
	}
	return out, nil
}

// NoSession is the error for a session without a worker.
func NoSession(d session.Dir) *protocol.Error {
	return protocol.Errorf(protocol.NoSession, "no session %q is running", d.Name).
		WithHint("start one: bdg-rpc start URL (bdg-rpc sessions lists them)")
}

// alreadyRunning is the error of a start that finds the session running or
// starting.
func alreadyRunning(d session.Dir, pid int, starting bool) *protocol.Error {
	msg := fmt.Sprintf("session %q already running", d.Name)
	if pid > 0 {
		msg += fmt.Sprintf(" (pid %d)", pid)
	}
	if starting {
		msg += "; it is still starting"
	}
	return protocol.Errorf(protocol.AlreadyRunning, "%s", msg).
		WithHint(fmt.Sprintf("stop it first (bdg-rpc stop --session %s), or choose another --session name", d.Name)).
		WithSession(d.Name)
}
