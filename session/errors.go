package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/rpc"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Error is a session failure of a known kind (protocol.Kind*), with advice
// for a person. Callers map the kind to a JSON-RPC code or an exit code.
type Error struct {
	Kind string
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(kind, hint, format string, args ...any) *Error {
	return &Error{Kind: kind, Hint: hint, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, or "" when it has none.
func KindOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, ErrInvalidName) {
		return protocol.KindInvalidArgs
	}
	if errors.Is(err, ErrInvalidURL) {
		return protocol.KindInvalidURL
	}
	return ""
}

// HintOf returns the advice attached to err, or the default of its kind.
func HintOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Hint != "" {
		return e.Hint
	}
	if k, ok := protocol.LookupKind(KindOf(err)); ok {
		return k.Hint
	}
	return ""
}

// RPCError turns an error into what a JSON-RPC handler returns: a session
// Error becomes the protocol error of its kind (code, message, hint); an
// error that already is a JSON-RPC error, or a cancellation, passes as it
// is.
func RPCError(err error) error {
	if err == nil {
		return nil
	}
	var e *rpc.Error
	if errors.As(err, &e) || errors.Is(err, context.Canceled) {
		return err
	}
	if kind := KindOf(err); kind != "" {
		return protocol.NewError(kind, err.Error(), HintOf(err))
	}
	return err
}

// AlreadyRunning is the error of a start that finds the session running or
// starting.
func alreadyRunning(d Dir, pid int, starting bool) *Error {
	msg := fmt.Sprintf("session %q already running", d.Name)
	if pid > 0 {
		msg += fmt.Sprintf(" (pid %d)", pid)
	}
	if starting {
		msg += "; it is still starting"
	}
	return &Error{Kind: protocol.KindAlreadyRunning, Msg: msg,
		Hint: fmt.Sprintf("stop it first (bdg-rpc stop --session %s), or choose another --session name", d.Name)}
}

// NoSession is the error for a session without a worker.
func NoSession(d Dir) *Error { return noSession(d) }

func noSession(d Dir) *Error {
	return &Error{Kind: protocol.KindNoSession, Msg: fmt.Sprintf("no session %q is running", d.Name),
		Hint: "start one: bdg-rpc start URL (bdg-rpc sessions lists them)"}
}
