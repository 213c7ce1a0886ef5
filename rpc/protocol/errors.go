package protocol

import "github.com/bdg-rpc/bdg-rpc/rpc"

// Error kinds: the data.kind of a bdg-rpc error, each with its own stable
// code in -32000..-32099. The command line maps kinds to exit codes.
const (
	KindAlreadyRunning     = "already_running"
	KindNoSession          = "no_session"
	KindNotFound           = "not_found"
	KindChromeNotFound     = "chrome_not_found"
	KindChromeLaunchFailed = "chrome_launch_failed"
	KindCDPTimeout         = "cdp_timeout"
	KindCDPError           = "cdp_error"
	KindSessionFile        = "session_file"
	KindInvalidURL         = "invalid_url"
	KindInvalidArgs        = "invalid_args"
)

// ErrorKind describes one kind of error.
type ErrorKind struct {
	Kind string
	Code int64
	// Hint is the default advice for a person; errors may carry a sharper one.
	Hint string
}

// ErrorKinds lists every kind, in code order.
var ErrorKinds = []ErrorKind{
	{KindAlreadyRunning, -32001, "stop it first: bdg-rpc stop, or use another --session name"},
	{KindNoSession, -32003, "start one: bdg-rpc start URL (bdg-rpc sessions lists them)"},
	{KindNotFound, -32004, "list what exists: bdg-rpc network list"},
	{KindChromeNotFound, -32010, "install Chromium (apt-get install chromium) or pass --chrome PATH / set BDG_CHROME"},
	{KindChromeLaunchFailed, -32011, "check logs: bdg-rpc logs"},
	{KindCDPTimeout, -32012, "Chrome did not answer in time; check logs: bdg-rpc logs"},
	{KindCDPError, -32013, "check logs: bdg-rpc logs"},
	{KindSessionFile, -32020, "check that BDG_HOME is writable; bdg-rpc cleanup removes stale files"},
	{KindInvalidURL, -32021, "give a full URL such as http://localhost:3000/, or a host[:port]"},
	{KindInvalidArgs, -32022, "see docs/PROTOCOL.md"},
}

// LookupKind returns the description of kind, and false for an unknown one.
func LookupKind(kind string) (ErrorKind, bool) {
	for _, k := range ErrorKinds {
		if k.Kind == kind {
			return k, true
		}
	}
	return ErrorKind{}, false
}

// KindOfCode returns the kind with the given code, or "".
func KindOfCode(code int64) string {
	for _, k := range ErrorKinds {
		if k.Code == code {
			return k.Kind
		}
	}
	return ""
}

// NewError returns the JSON-RPC error of kind with message and, when hint is
// empty, the kind's default hint.
func NewError(kind, message, hint string) *rpc.Error {
	k, ok := LookupKind(kind)
	if !ok {
		return rpc.NewKindError(rpc.CodeInternalError, kind, message, hint)
	}
	if hint == "" {
		hint = k.Hint
	}
	return rpc.NewKindError(k.Code, kind, message, hint)
}
