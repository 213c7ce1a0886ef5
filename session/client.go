package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/sourcegraph/jsonrpc2"
)

// Client is a JSON-RPC connection to a session's worker.
type Client struct {
	Conn *jsonrpc2.Conn
	Dir  Dir
}

// socketOf returns the socket the metadata names, or the computed one.
func (d Dir) socketOf() string {
	if m, err := d.ReadMeta(); err == nil && m.SocketPath != "" {
		return m.SocketPath
	}
	return d.SocketPath()
}

// Connect dials the session's worker. It never starts anything: a session
// without a worker is a no_session error.
func (d Dir) Connect(ctx context.Context, h jsonrpc2.Handler, log *slog.Logger, opts ...rpc.StreamOption) (*Client, error) {
	conn, err := rpc.Dial(ctx, d.socketOf(), h, log, opts...)
	if err != nil {
		if alive, _ := d.WorkerAlive(); alive {
			return nil, &Error{Kind: protocol.KindNoSession, Err: err,
				Msg:  fmt.Sprintf("session %q has a worker, but its socket does not answer: %v", d.Name, err),
				Hint: "it may be starting, or its socket was removed; check logs: bdg-rpc logs, or stop it: bdg-rpc stop"}
		}
		return nil, noSession(d)
	}
	return &Client{Conn: conn, Dir: d}, nil
}

// Call calls a worker method.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	if err := c.Conn.Call(ctx, method, params, result); err != nil {
		return fromRPC(err)
	}
	return nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.Conn.Close() }

// fromRPC turns a JSON-RPC error from a worker back into a session error.
func fromRPC(err error) error {
	var e *jsonrpc2.Error
	if !errors.As(err, &e) {
		return err
	}
	data := rpc.DataOf(e)
	kind := data.Kind
	if kind == "" {
		kind = protocol.KindOfCode(e.Code)
	}
	return &Error{Kind: kind, Msg: e.Message, Hint: data.Hint, Err: err}
}

// Stop asks the session's worker to stop, and returns once it has written
// session.json and exited. A worker that does not answer is verified to be
// ours and terminated.
func (d Dir) Stop(ctx context.Context) (protocol.StopResult, error) {
	var res protocol.StopResult
	alive, err := d.WorkerAlive()
	if err != nil {
		return res, err
	}
	if !alive {
		return res, noSession(d)
	}
	c, err := d.Connect(ctx, nil, nil)
	if err == nil {
		err = c.Call(ctx, protocol.MethodStop, protocol.StopParams{}, &res)
		c.Close()
		var rpcErr *jsonrpc2.Error
		if errors.As(err, &rpcErr) {
			return res, err // the worker answered: it could not end the session as asked
		}
	}
	if err != nil && !errors.Is(err, jsonrpc2.ErrClosed) {
		// No answer: end the worker by signal, but only if the pid in the
		// metadata is still the worker that wrote it.
		m, merr := d.ReadMeta()
		if merr != nil || !isOurWorker(m) {
			return res, fmt.Errorf("stopping session %q: %w", d.Name, err)
		}
		_ = syscall.Kill(m.PID, syscall.SIGTERM)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		werr := d.WaitWorkerGone(wctx)
		cancel()
		if werr != nil && isOurWorker(m) {
			_ = syscall.Kill(m.PID, syscall.SIGKILL)
		}
		res = protocol.StopResult{Session: d.Name, OutputPath: d.File(OutputFile)}
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.WaitWorkerGone(wctx); err != nil {
		return res, err
	}
	if res.OutputPath == "" {
		res.OutputPath = d.File(OutputFile)
	}
	return res, nil
}

// Status reports a session's state without starting anything: from the
// worker when it answers, else from the files it left, marked stale.
func (d Dir) Status(ctx context.Context) (protocol.StatusResult, error) {
	res := protocol.StatusResult{Session: d.Name}
	if _, err := os.Stat(d.Path); errors.Is(err, os.ErrNotExist) {
		return res, noSession(d)
	}
	alive, err := d.WorkerAlive()
	if err != nil {
		return res, err
	}
	if alive {
		c, cerr := d.Connect(ctx, nil, nil)
		if cerr == nil {
			defer c.Close()
			if err := c.Call(ctx, protocol.MethodStatus, protocol.StatusParams{}, &res); err == nil {
				return res, nil
			}
		}
		if m, err := d.ReadMeta(); err == nil && m.State == protocol.StateStarting {
			res.State, res.PID = protocol.StateStarting, m.PID
			return res, nil
		}
	}
	out, path, age, err := d.ReadOutput()
	if err != nil {
		if alive {
			return res, &Error{Kind: protocol.KindNoSession, Msg: fmt.Sprintf("session %q has a worker that does not answer and no data on disk yet", d.Name), Hint: "check logs: bdg-rpc logs"}
		}
		return res, noSession(d)
	}
	res.State = protocol.StateEnded
	if out.Partial || path == d.File(PartialFile) {
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
	if path == d.File(OutputFile) {
		res.OutputPath = path
	}
	res.Stale = protocol.Stale{Stale: true, DataAgeMs: age.Milliseconds(), Source: path}
	return res, nil
}
