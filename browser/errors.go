package browser

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is: the errors that the package
// returns wrap them with the details.
var (
	// ErrChromeNotFound means that FindChrome found no Chrome binary. The
	// error is a *ChromeNotFoundError, which lists what it tried.
	ErrChromeNotFound = errors.New("chrome not found")

	// ErrLaunchFailed means that Launch could not start Chrome, or that Chrome
	// exited or did not open its DevTools port (or, with Pipe, did not answer
	// on its pipe). The error is a *LaunchError, which holds the last lines
	// that Chrome wrote.
	ErrLaunchFailed = errors.New("chrome launch failed")

	// ErrConnectionLost means that the connection to Chrome broke: Chrome
	// exited or crashed, or the socket or pipe failed. Every call that was waiting
	// and every later call fails with it.
	ErrConnectionLost = errors.New("connection to Chrome lost")

	// ErrClosed means that the caller closed the connection with Conn.Close.
	ErrClosed = errors.New("connection to Chrome closed")

	// ErrSessionDetached means that Chrome detached the session of a call
	// (for example because its page closed) before it answered.
	ErrSessionDetached = errors.New("CDP session detached")

	// ErrCommandTooLarge means that a command is larger than the
	// MaxCommandSize of its connection, and so was not sent. Chrome rejects a
	// command that arrives in more than one websocket frame, and the websocket
	// library splits a message that does not fit its write buffer.
	ErrCommandTooLarge = errors.New("CDP command too large")
)

// CDPError is an error reply from Chrome to a command, such as
// {"code":-32601,"message":"'Foo.bar' wasn't found"}.
type CDPError struct {
	// Method is the command that failed, such as "Page.navigate".
	Method string `json:"-"`
	// Code is the JSON-RPC error code, such as -32601 (method not found) or
	// -32602 (invalid params), or -32000 for most other errors.
	Code int64 `json:"code"`
	// Message is Chrome's description of the error.
	Message string `json:"message"`
	// Data holds more details, when Chrome gives them.
	Data string `json:"data,omitzero"`
}

// Error implements error.
func (e *CDPError) Error() string {
	msg := fmt.Sprintf("%s: chrome error %d: %s", e.Method, e.Code, e.Message)
	if e.Data != "" {
		msg += " (" + e.Data + ")"
	}
	return msg
}
