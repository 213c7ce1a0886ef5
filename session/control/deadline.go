package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// Every call to a worker has a deadline: a worker that is stopped, stuck or
// flooded must never hang the command line or the backend. A read that
// gets no answer in time is answered from the session's files, marked
// stale with the reason; session/stop escalates to signals.
const (
	// DefaultReadTimeout bounds a read (session/status and the queries):
	// $BDG_WORKER_TIMEOUT (a duration such as 500ms or 10s) changes it.
	DefaultReadTimeout = 3 * time.Second
	// TimeoutEnv names the variable that sets the read timeout.
	TimeoutEnv = "BDG_WORKER_TIMEOUT"
	// stopGrace is how long session/stop may take before the worker is
	// terminated by signal: writing a large session.json takes a second or
	// two.
	stopGrace = 10 * time.Second
	// termGrace is how long a worker has to exit on SIGTERM before SIGKILL.
	termGrace = 5 * time.Second
	// cdpCallTimeout bounds the calls that reach the page (cdp/send): the
	// worker's own 60 s for Chrome, and a margin.
	cdpCallTimeout = 65 * time.Second
)

// ReadTimeout returns how long a read waits for a worker.
func ReadTimeout() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(TimeoutEnv)); err == nil && d > 0 {
		return d
	}
	return DefaultReadTimeout
}

// errNoAnswer is the error of a call that the worker did not answer in time.
type errNoAnswer struct {
	session string
	method  string
	after   time.Duration
}

func (e *errNoAnswer) Error() string {
	return fmt.Sprintf("the worker of session %q did not answer %s within %s", e.session, e.method, e.after)
}

// callWorker connects to the session's worker and calls method, both within
// timeout. A worker that does not answer in time is an *errNoAnswer; the
// caller's own cancellation passes as it is.
func callWorker(ctx context.Context, d session.Dir, method string, params, result any, timeout time.Duration) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := Connect(cctx, d, nil, nil)
	if err == nil {
		defer c.Close()
		err = rpc.CallRaw(cctx, c.Conn, method, params, result)
	}
	if err != nil && cctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		return &errNoAnswer{session: d.Name, method: method, after: timeout}
	}
	return err
}

// askWorker is callWorker for a call whose result passes on as it is: it
// connects and calls with rpc.CallOnce, and returns the result as the
// worker wrote it (an rpc.RawResult), never decoded; or, with forward,
// with rpc.CallForward, an *rpc.Forward that passes it on as it arrives.
func askWorker(ctx context.Context, d session.Dir, method string, params json.RawMessage, timeout time.Duration, forward bool) (any, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	var dialer net.Dialer
	c, err := dialer.DialContext(cctx, "unix", socketOf(d))
	if err != nil {
		defer cancel()
		if cctx.Err() == nil {
			if alive, _ := d.WorkerAlive(); alive {
				return nil, protocol.Errorf(protocol.NoSession, "session %q has a worker, but its socket does not answer: %v", d.Name, err).
					WithCause(err).
					WithHint("it may be starting, or its socket was removed; check logs: bdg-rpc logs, or stop it: bdg-rpc stop")
			}
			return nil, NoSession(d)
		}
	} else {
		var res any
		if forward {
			// The Forward owns the connection and the deadline until the
			// reply has been passed on.
			res, err = rpc.CallForward(cctx, c, method, params, func() { c.Close(); cancel() })
		} else {
			defer cancel()
			defer c.Close()
			res, err = rpc.CallOnce(cctx, c, method, params)
		}
		if err == nil {
			return res, nil
		}
	}
	// (A Forward that failed has cancelled cctx already: only its deadline
	// says the worker did not answer in time.)
	if errors.Is(cctx.Err(), context.DeadlineExceeded) && !errors.Is(ctx.Err(), context.Canceled) {
		return nil, &errNoAnswer{session: d.Name, method: method, after: timeout}
	}
	return nil, err
}

// noAnswer turns an *errNoAnswer into the error a caller that cannot fall
// back to files returns.
func noAnswer(err error) error {
	var na *errNoAnswer
	if !errors.As(err, &na) {
		return err
	}
	return protocol.Errorf(protocol.NoSession, "%s", na.Error()).WithCause(err).
		WithHint(fmt.Sprintf("the worker may be stopped or overloaded: bdg-rpc logs --session %s; bdg-rpc stop --session %s ends it", na.session, na.session))
}
