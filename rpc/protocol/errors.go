package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Kind is the kind of a bdg-rpc failure: the data.kind of its JSON-RPC
// error, for programs. Each kind has one row in Kinds.
type Kind string

// The kinds of failure.
const (
	AlreadyRunning     Kind = "already_running"
	NoSession          Kind = "no_session"
	NotFound           Kind = "not_found"
	ChromeNotFound     Kind = "chrome_not_found"
	ChromeLaunchFailed Kind = "chrome_launch_failed"
	CDPTimeout         Kind = "cdp_timeout"
	CDPError           Kind = "cdp_error"
	SessionFile        Kind = "session_file"
	InvalidURL         Kind = "invalid_url"
	InvalidArgs        Kind = "invalid_args"
	TooLarge           Kind = "too_large"
)

// Exit codes of the command line: the scheme of the Node bdg CLI. They are
// a stable API that scripts depend on; "bdg-rpc help exit-codes" lists them.
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

// ExitCodes describes every exit code, in order.
var ExitCodes = []struct {
	Code int
	Text string
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

// KindInfo is the error model of one kind: its JSON-RPC error code (in
// -32000..-32099), the command line's exit code, and the default advice
// for a person (an error may carry a sharper one).
type KindInfo struct {
	Kind Kind
	Code int64
	Exit int
	Hint string
}

// Kinds is the one table of the error model, in code order.
var Kinds = []KindInfo{
	{AlreadyRunning, -32001, ExitAlreadyRunning, "stop it first: bdg-rpc stop, or use another --session name"},
	{NoSession, -32003, ExitNoSession, "start one: bdg-rpc start URL (bdg-rpc sessions lists them)"},
	{NotFound, -32004, ExitNoSession, "list what exists: bdg-rpc network list"},
	{TooLarge, -32005, ExitGeneric, "ask for less: a smaller last, with offset for the next page (the command line pages by itself)"},
	{ChromeNotFound, -32010, ExitChromeLaunch, "install Chromium (apt-get install chromium) or pass --chrome PATH / set BDG_CHROME"},
	{ChromeLaunchFailed, -32011, ExitChromeLaunch, "check logs: bdg-rpc logs"},
	{CDPTimeout, -32012, ExitCDPTimeout, "Chrome did not answer in time; check logs: bdg-rpc logs"},
	{CDPError, -32013, ExitCDPConnection, "check logs: bdg-rpc logs"},
	{SessionFile, -32020, ExitSessionFile, "check that BDG_HOME is writable; bdg-rpc cleanup removes stale files"},
	{InvalidURL, -32021, ExitInvalidURL, "give a full URL such as http://localhost:3000/, or a host[:port]"},
	{InvalidArgs, -32022, ExitInvalidArgs, "see docs/PROTOCOL.md"},
}

// Info returns the row of k, and false for a kind not in the table.
func (k Kind) Info() (KindInfo, bool) {
	for _, i := range Kinds {
		if i.Kind == k {
			return i, true
		}
	}
	return KindInfo{}, false
}

// The codes of JSON-RPC 2.0 and of the LSP conventions bdg-rpc follows.
// Package rpc sends them for what it finds wrong with a message.
const (
	CodeParseError           = -32700 // the line is not JSON
	CodeInvalidRequest       = -32600 // JSON, but not a JSON-RPC 2.0 message
	CodeMethodNotFound       = -32601
	CodeInvalidParams        = -32602 // params do not fit the method
	CodeInternalError        = -32603
	CodeServerNotInitialized = -32002 // a request before "initialize"
	CodeRequestCancelled     = -32800 // cancelled by "$/cancelRequest"
)

// Codes names the codes above, for the docs and the clients.
var Codes = []struct {
	Name string
	Code int64
}{
	{"ParseError", CodeParseError},
	{"InvalidRequest", CodeInvalidRequest},
	{"MethodNotFound", CodeMethodNotFound},
	{"InvalidParams", CodeInvalidParams},
	{"InternalError", CodeInternalError},
	{"ServerNotInitialized", CodeServerNotInitialized},
	{"RequestCancelled", CodeRequestCancelled},
}

// Error is a bdg-rpc failure: what went wrong, its kind, and what a person
// can do about it. Handlers return it and the JSON-RPC layer sends it as an
// error object ({code, message, data: {kind, hint}}); clients turn the
// error objects they receive back into it (FromWire); the command line
// prints it and exits with its kind's code. A worker's handshake carries it
// as it is, in JSON.
type Error struct {
	Code    int64  `json:"code"`
	Kind    Kind   `json:"kind,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// Session names the session an already_running error is about: the one
	// that runs, or the one that watches the tab.
	Session string `json:"session,omitempty"`
	Err     error  `json:"-"` // the cause, for errors.Is and errors.As
}

// Errorf returns an error of kind, with its code and default hint.
func Errorf(kind Kind, format string, args ...any) *Error {
	e := &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Code: CodeInternalError}
	if i, ok := kind.Info(); ok {
		e.Code, e.Hint = i.Code, i.Hint
	}
	return e
}

// Wrap returns an error of kind whose message is err's.
func Wrap(kind Kind, err error) *Error {
	e := Errorf(kind, "%s", err.Error())
	e.Err = err
	return e
}

// WithHint replaces the hint; an empty one keeps the default.
func (e *Error) WithHint(hint string) *Error {
	if hint != "" {
		e.Hint = hint
	}
	return e
}

// WithSession names the session the error is about.
func (e *Error) WithSession(name string) *Error {
	e.Session = name
	return e
}

// WithCause records the error that caused e.
func (e *Error) WithCause(err error) *Error {
	e.Err = err
	return e
}

func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Exit returns the command line's exit code for e.
func (e *Error) Exit() int {
	if i, ok := e.Kind.Info(); ok {
		return i.Exit
	}
	return ExitGeneric
}

// ErrorData is the data member of a bdg-rpc error object.
type ErrorData struct {
	Kind    Kind   `json:"kind,omitempty"`
	Hint    string `json:"hint,omitempty"`
	Session string `json:"session,omitempty"`
}

// WireCode and WireData make e the error object of a JSON-RPC reply (see
// rpc.WireError).
func (e *Error) WireCode() int64 { return e.Code }

// WireData returns the data member of e's error object.
func (e *Error) WireData() any {
	if e.Kind == "" && e.Hint == "" && e.Session == "" {
		return nil
	}
	return ErrorData{Kind: e.Kind, Hint: e.Hint, Session: e.Session}
}

// FromWire turns an error object received from a peer into an Error. Its
// kind is the data's, else the kind of its code.
func FromWire(code int64, message string, data []byte) *Error {
	var d ErrorData
	if len(data) > 0 {
		_ = json.Unmarshal(data, &d) // data of another shape: no kind, no hint
	}
	e := &Error{Code: code, Kind: d.Kind, Message: message, Hint: d.Hint, Session: d.Session}
	if e.Kind == "" {
		for _, i := range Kinds {
			if i.Code == code {
				e.Kind = i.Kind
			}
		}
	}
	return e
}

// KindOf returns the kind of err, or "" when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// AsError returns err as an *Error: itself when it is one (or wraps one),
// else an error without a kind that has err's message.
// An error that wraps one (fmt.Errorf("...: %w", e)) keeps its own message.
func AsError(err error) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Code: CodeInternalError, Message: err.Error(), Err: err}
	}
	if error(e) == err {
		return e
	}
	c := *e
	c.Message, c.Err = err.Error(), err
	return &c
}
