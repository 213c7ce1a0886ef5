package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/queries"
)

// Ask calls a method of the session's worker and returns its result. When
// no worker answers, the methods the table marks Offline are answered from
// the session's files by the same code the worker runs, marked stale with
// the file and its age (design review issue #5); other methods fail with
// no_session. Ask never starts anything.
func Ask(ctx context.Context, d session.Dir, method string, params json.RawMessage) (json.RawMessage, error) {
	res, err := ask(ctx, d, method, params, false)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(res.(rpc.RawResult)), nil
}

// AskForward is Ask for a backend that passes the answer on to its client:
// it returns an *rpc.Forward, which passes the worker's reply on as it
// arrives (issue 14: decoding and encoding a large list again was most of
// serve's time), or, from the session's files, an rpc.RawResult. Either is
// a result for an rpc handler to return.
func AskForward(ctx context.Context, d session.Dir, method string, params json.RawMessage) (any, error) {
	return ask(ctx, d, method, params, true)
}

func ask(ctx context.Context, d session.Dir, method string, params json.RawMessage, forward bool) (any, error) {
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	offline := slices.Contains(protocol.MethodsOn(protocol.Offline), method)
	var reason string // why the worker's files answer
	if alive, _ := d.WorkerAlive(); alive {
		timeout := cdpCallTimeout
		if offline {
			timeout = ReadTimeout()
		}
		res, err := askWorker(ctx, d, method, params, timeout, forward)
		var na *errNoAnswer
		switch {
		case errors.As(err, &na) && offline:
			reason = na.Error()
		case err == nil:
			return res, nil
		case protocol.KindOf(err) != protocol.NoSession:
			return nil, noAnswer(err)
		}
	}
	if !offline {
		return nil, protocol.Errorf(protocol.NoSession, "no session %q is running", d.Name).
			WithHint("start one: bdg-rpc start URL")
	}
	var err error
	var res any
	if method == protocol.Peek.Name {
		res, err = peekSummary(ctx, d, params, reason)
	}
	if res == nil && err == nil {
		mux, done, merr := offlineMux(d, reason)
		if merr != nil {
			return nil, merr
		}
		res, err = mux.Dispatch(ctx, &rpc.Request{Method: method, Params: params})
		done() // the answer holds its records: the files are read
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encoding the answer to %s from the session's files: %w", method, err)
	}
	return rpc.RawResult(b), nil
}

// offlineMux returns the methods that a session whose worker is gone
// answers from what its files hold, and a func that closes the files, to
// call once the answer is made; reason is why its answers are stale when
// a worker runs but did not answer. A document with an index (session.OpenIndexed) is read
// through it: only the records an answer returns are read. Without one
// (a document of an older version, or one whose index was not written)
// it is read whole.
func offlineMux(d session.Dir, reason string) (*rpc.Mux, func(), error) {
	stale := func(path string, age time.Duration) protocol.Stale {
		return protocol.Stale{Stale: true, DataAgeMs: age.Milliseconds(), Source: path, Reason: reason}
	}
	mux := rpc.NewMux()
	if out, ix, path, age, err := d.OpenIndexed(); err == nil {
		c, err := capture.FromDocument(named(out, d), ix.Doc, ix)
		if err == nil {
			queries.Register(mux, c, stale(path, age), d.File(session.BodiesDir))
			return mux, func() { ix.Close() }, nil
		}
		ix.Close()
	}
	out, path, age, err := d.ReadOutput()
	switch {
	case errors.Is(err, session.ErrNoOutput) && reason != "":
		return nil, nil, protocol.Errorf(protocol.NoSession, "%s, and it has written no data yet", reason).
			WithHint(fmt.Sprintf("the worker may be stopped or overloaded: bdg-rpc logs --session %s", d.Name))
	case errors.Is(err, session.ErrNoOutput):
		return nil, nil, protocol.Wrap(protocol.NoSession, err).WithHint("start a session: bdg-rpc start URL")
	case err != nil:
		return nil, nil, unreadable(err)
	}
	queries.Register(mux, capture.Restore(named(out, d)), stale(path, age), d.File(session.BodiesDir))
	return mux, func() {}, nil
}

// named gives a document without a session name the session's.
func named(out protocol.Output, d session.Dir) protocol.Output {
	if out.Session == "" {
		out.Session = d.Name
	}
	return out
}

// unreadable is the error of a session file that exists but cannot be
// read: as the session package said it (a link, another user's file), or
// damaged.
func unreadable(err error) error {
	var e *protocol.Error
	if errors.As(err, &e) {
		return err
	}
	return protocol.Wrap(protocol.SessionFile, err).WithHint("the file is damaged: move it away to start afresh")
}

// peekSummary answers session/peek from the summary of the session's
// document, when the summary holds what the peek asks for: the document
// itself may be hundreds of megabytes. It returns nil when it cannot.
func peekSummary(ctx context.Context, d session.Dir, params json.RawMessage, reason string) (any, error) {
	var p protocol.PeekParams
	if err := rpc.DecodeParams(params, &p); err != nil {
		return nil, err
	}
	out, path, age, full, err := d.ReadSummary()
	if err != nil || (!full && max(p.Last, protocol.DefaultPeekLast) > session.SummaryItems) {
		return nil, nil // the whole document answers, or says what is wrong
	}
	mux := rpc.NewMux()
	queries.Register(mux, capture.Restore(out), protocol.Stale{Stale: true, DataAgeMs: age.Milliseconds(), Source: path, Reason: reason}, d.File(session.BodiesDir))
	res, err := mux.Dispatch(ctx, &rpc.Request{Method: protocol.Peek.Name, Params: params})
	if err != nil {
		return nil, err
	}
	peek := res.(protocol.PeekResult)
	peek.Counts, peek.Dropped, peek.LastSeq = out.Counts, out.Dropped, out.LastSeq // the document's, not the summary's
	return peek, nil
}
