package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Errors are *protocol.Error: the command line exits with the code of
// their kind (protocol.Kinds) and prints their hint. Any other error is a
// generic failure (exit 1).

func printExitCodes(w io.Writer) {
	fmt.Fprintln(w, "Exit codes of bdg-rpc (the bdg CLI's scheme; stable):")
	for _, d := range protocol.ExitCodes {
		fmt.Fprintf(w, "  %3d  %s\n", d.Code, d.Text)
	}
}

// errHelpShown ends a command whose --help was printed: exit 0.
var errHelpShown = errors.New("help shown")

// exitStatus is the exit status of a process the command ran as (a worker,
// a backend), passed on with nothing more to say; or of a command that has
// said why itself (eval of an expression that threw), msg "".
type exitStatus struct {
	code int
	msg  string
}

func (e *exitStatus) Error() string { return e.msg }

// usageErrorf is an error in the command line itself (exit 81). It has no
// hint but the one the caller adds.
func usageErrorf(format string, args ...any) *protocol.Error {
	e := protocol.Errorf(protocol.InvalidArgs, format, args...)
	e.Hint = ""
	return e
}

// report prints err as one line (and a hint) on stderr and returns its exit
// code.
func report(env *Env, err error) int {
	if errors.Is(err, errHelpShown) {
		return protocol.ExitOK
	}
	var status *exitStatus
	if errors.As(err, &status) {
		if status.msg != "" { // else the command has said it
			fmt.Fprintf(env.Stderr, "bdg-rpc: %s\n", status.msg)
		}
		return status.code
	}
	e := protocol.AsError(err)
	if env.jsonOutput {
		_ = printJSON(env, errorEnvelope{Version: protocol.Version, Success: false,
			Error: envelopeError{Code: e.Exit(), Kind: e.Kind, Message: e.Error(), Hint: e.Hint, Session: e.Session}})
	}
	fmt.Fprintf(env.Stderr, "bdg-rpc: %s\n", e.Error())
	if e.Hint != "" {
		fmt.Fprintf(env.Stderr, "hint: %s\n", e.Hint)
	}
	return e.Exit()
}
