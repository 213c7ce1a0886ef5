package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
)

// Exit codes, the scheme of the Node bdg CLI. They are a stable API:
// scripts depend on them, and "bdg-rpc help exit-codes" lists them.
const (
	ExitOK             = 0
	ExitGeneric        = 1
	ExitInvalidURL     = 80
	ExitInvalidArgs    = 81
	ExitNoSession      = 83
	ExitAlreadyRunning = 86
	ExitChromeLaunch   = 100
	ExitCDPConnection  = 101
	ExitCDPTimeout     = 102
	ExitSessionFile    = 103
	ExitInterrupted    = 130
)

var exitCodeDocs = []struct {
	code int
	text string
}{
	{ExitOK, "success"},
	{ExitGeneric, "generic failure"},
	{ExitInvalidURL, "invalid URL"},
	{ExitInvalidArgs, "invalid arguments (unknown flag or command, malformed JSON)"},
	{ExitNoSession, "no session (nothing running, unknown session or request id)"},
	{ExitAlreadyRunning, "session already running"},
	{ExitChromeLaunch, "Chrome launch failed (or Chrome not found)"},
	{ExitCDPConnection, "CDP connection failed"},
	{ExitCDPTimeout, "CDP timeout"},
	{ExitSessionFile, "session file error"},
	{ExitInterrupted, "interrupted"},
}

func printExitCodes(w io.Writer) {
	fmt.Fprintln(w, "Exit codes of bdg-rpc (the bdg CLI's scheme; stable):")
	for _, d := range exitCodeDocs {
		fmt.Fprintf(w, "  %3d  %s\n", d.code, d.text)
	}
}

// errHelpShown ends a command whose --help was printed: exit 0.
var errHelpShown = errors.New("help shown")

// cliError is an error with the exit code it earns and a hint a person can
// act on.
type cliError struct {
	code int
	msg  string
	hint string
	err  error
}

func (e *cliError) Error() string { return e.msg }
func (e *cliError) Unwrap() error { return e.err }

func (e *cliError) withHint(h string) *cliError { e.hint = h; return e }

func usageErrorf(format string, args ...any) *cliError {
	return &cliError{code: ExitInvalidArgs, msg: fmt.Sprintf(format, args...)}
}

// report prints err as one line (and a hint) on stderr and returns its exit
// code.
func report(env *Env, err error) int {
	if errors.Is(err, errHelpShown) {
		return ExitOK
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		ce = &cliError{code: ExitGeneric, msg: err.Error()}
	}
	if env.jsonOutput {
		_ = printJSON(env, errorEnvelope{Version: protocol.Version, Success: false,
			Error: envelopeError{Code: ce.code, Kind: session.KindOf(err), Message: ce.msg, Hint: ce.hint}})
	}
	fmt.Fprintf(env.Stderr, "bdg-rpc: %s\n", ce.msg)
	if ce.hint != "" {
		fmt.Fprintf(env.Stderr, "hint: %s\n", ce.hint)
	}
	return ce.code
}
