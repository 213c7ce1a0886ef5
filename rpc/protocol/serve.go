package protocol

import (
	"errors"
	"strings"
)

// ProtocolVersion is the version of the backend protocol of docs/PROTOCOL.md.
// It changes when a method, notification or field changes incompatibly.
const ProtocolVersion = "1"

// Methods and notifications of the backend (bdg-rpc serve) only.
const (
	MethodInitialize  = "initialize"
	NotifyInitialized = "initialized"
	MethodShutdown    = "shutdown"
	NotifyExit        = "exit"
	MethodStart       = "session/start"
	MethodAttach      = "session/attach"
	MethodList        = "session/list"
	NotifyProgress    = "$/progress"
)

// InitializeParams are the params of initialize. Unknown members are
// allowed, for clients that send LSP's.
type InitializeParams struct {
	ProcessID  int        `json:"processId,omitempty"`
	ClientInfo ClientInfo `json:"clientInfo,omitempty"`
}

// ClientInfo names a client.
type ClientInfo struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// InitializeResult is what initialize answers.
type InitializeResult struct {
	ServerInfo      ServerInfo   `json:"serverInfo"`
	ProtocolVersion string       `json:"protocolVersion"`
	Capabilities    Capabilities `json:"capabilities"`
}

// ServerInfo names the server.
type ServerInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Capabilities lists what the server offers.
type Capabilities struct {
	Methods       []string `json:"methods"`
	Notifications []string `json:"notifications"`
}

// Notifications lists every notification a client can receive.
var Notifications = []string{
	NotifyConsole, NotifyRequest, NotifyResponse, NotifyFinished, NotifyFailed,
	NotifyNavigated, NotifyEnded, NotifyDropped, NotifyProgress,
}

// StartParams are the params of session/start.
type StartParams struct {
	URL            string `json:"url"`
	Session        string `json:"session,omitempty"`
	Headless       *bool  `json:"headless,omitempty"`
	BrowserURL     string `json:"browserURL,omitempty"`
	WSURL          string `json:"wsURL,omitempty"`
	ChromePath     string `json:"chromePath,omitempty"`
	MaxBodyBytes   int    `json:"maxBodyBytes,omitempty"`
	IncludeAll     bool   `json:"includeAll,omitempty"`
	TimeoutSeconds int    `json:"timeoutSeconds,omitempty"`
}

// Validate implements rpc.Validator.
func (p StartParams) Validate() error {
	if strings.TrimSpace(p.URL) == "" && p.BrowserURL == "" && p.WSURL == "" {
		return errors.New(`missing required field "url"`)
	}
	if p.BrowserURL != "" && p.WSURL != "" {
		return errors.New(`give "browserURL" or "wsURL", not both`)
	}
	if p.MaxBodyBytes < 0 || p.TimeoutSeconds < 0 {
		return errors.New(`"maxBodyBytes" and "timeoutSeconds" must not be negative`)
	}
	return nil
}

// StartResult is what session/start answers once the worker is ready and
// its events flow to the client.
type StartResult struct {
	Session    string `json:"session"`
	PID        int    `json:"pid"`
	SocketPath string `json:"socketPath"`
	Chrome     Chrome `json:"chrome"`
	Target     Target `json:"target"`
}

// AttachParams are the params of session/attach: join a running session
// and receive its events, those after Since first (default: only new ones).
type AttachParams struct {
	Session string  `json:"session,omitempty"`
	Since   *uint64 `json:"since,omitempty"`
}

// AttachResult is what session/attach answers.
type AttachResult struct {
	Status    StatusResult `json:"status"`
	OldestSeq uint64       `json:"oldestSeq"` // the oldest event the worker still retains
}

// ListResult is what session/list answers.
type ListResult struct {
	Sessions []StatusResult `json:"sessions"`
}

// ProgressParams are the params of $/progress while a session starts.
// Kind is begin, report or end, as in LSP's work-done progress.
type ProgressParams struct {
	Token   string `json:"token"` // "start/<session>"
	Session string `json:"session"`
	Kind    string `json:"kind"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
}
