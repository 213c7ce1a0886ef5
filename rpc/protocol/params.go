package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Session states, as session/status and session/list report them.
const (
	StateStarting = "starting" // the worker is launching
	StateRunning  = "running"  // the worker answers on its socket
	StateStopping = "stopping" // the worker is writing session.json
	StateEnded    = "ended"    // no worker; session.json holds the result
	StateStale    = "stale"    // no worker, and it did not end cleanly
)

// LastParams picks the newest items of a list. Last 0 (or absent) means
// the method's default; Offset skips that many of the newest first.
type LastParams struct {
	Last   int `json:"last,omitempty"`
	Offset int `json:"offset,omitempty"`
}

func (p LastParams) validate() error {
	if p.Last < 0 {
		return errors.New(`field "last" must not be negative`)
	}
	if p.Offset < 0 {
		return errors.New(`field "offset" must not be negative`)
	}
	return nil
}

// ListParams select and page the records of console/list and
// network/list. Every field is optional: without any, a list answers the
// oldest DefaultListLimit records, and its nextCursor the rest.
type ListParams struct {
	// Filter is the kind's filter language (docs/PROTOCOL.md).
	Filter string `json:"filter,omitempty"`
	// Types keeps records of these types: a console message's type (log,
	// error, exception, violation...), a request's resource type
	// (Document, XHR, Fetch...), case-insensitive.
	Types []string `json:"types,omitempty"`
	// Since and Until keep records made at or after Since and before
	// Until, in milliseconds since the Unix epoch.
	Since float64 `json:"since,omitempty"`
	Until float64 `json:"until,omitempty"`
	// Navigation keeps the records of one navigation (its navigationId).
	Navigation int `json:"navigation,omitempty"`
	// Target keeps the records of one target of the page: its id, or a
	// type (page, iframe, worker, shared_worker, service_worker, popup).
	Target string `json:"target,omitempty"`
	// Limit is the most items answered: DefaultListLimit when absent, all
	// with 0.
	Limit *int `json:"limit,omitempty"`
	// Cursor continues a list where an answer's nextCursor left it.
	Cursor string `json:"cursor,omitempty"`
	// Order is "asc" (oldest first, the default) or "desc" (newest first).
	Order string `json:"order,omitempty"`
	// Brief answers each record without its bulk (ConsoleMessage.Brief,
	// NetworkRequest.Brief): what a line of a list shows, for clients
	// that list thousands and ask for one in full when they need it.
	Brief bool `json:"brief,omitempty"`
	// Format "lines" answers the page as text, one line per record
	// (Lines), instead of items: what an LLM reads, a tenth of the bytes.
	Format string `json:"format,omitempty"`
	// Last and Offset are the older form: the newest Last records after
	// skipping the Offset newest, oldest first. Last takes the place of
	// Limit, Cursor and Order.
	LastParams
}

// DefaultListLimit is how many items a list answers by default.
const DefaultListLimit = 1000

// List orders.
const (
	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// List formats: items (the default) or lines.
const (
	FormatItems = "items"
	FormatLines = "lines"
)

func (p ListParams) validate() error {
	if err := p.LastParams.validate(); err != nil {
		return err
	}
	if p.Limit != nil && *p.Limit < 0 {
		return errors.New(`field "limit" must not be negative (0: all)`)
	}
	if p.Order != "" && p.Order != OrderAsc && p.Order != OrderDesc {
		return fmt.Errorf(`field "order": unknown order %q (want "asc" or "desc")`, p.Order)
	}
	if p.Format != "" && p.Format != FormatItems && p.Format != FormatLines {
		return fmt.Errorf(`field "format": unknown format %q (want "items" or "lines")`, p.Format)
	}
	if p.Since < 0 || p.Until < 0 {
		return errors.New(`fields "since" and "until" are milliseconds since the Unix epoch, not negative`)
	}
	if p.Since > 0 && p.Until > 0 && p.Until <= p.Since {
		return errors.New(`field "until" must be after "since"`)
	}
	if p.Navigation < 0 {
		return errors.New(`field "navigation" must not be negative`)
	}
	if _, err := ParseCursor(p.Cursor); err != nil {
		return err
	}
	return nil
}

// PageLimit returns the most items to answer: 0 for all.
func (p ListParams) PageLimit() int {
	if p.Limit == nil {
		return DefaultListLimit
	}
	return *p.Limit
}

// ListPage says what a list answer holds and what is left.
type ListPage struct {
	// Total counts the records of the kind the session holds; Matched,
	// those that match the params (cursor and limit aside); Returned, the
	// items of this answer.
	Total    int `json:"total"`
	Matched  int `json:"matched"`
	Returned int `json:"returned"`
	// Dropped counts the records of the kind the session dropped (the
	// store's bounds evicted them) within the scope of the params: their
	// levels, types, navigation, target and time. A filter's other terms
	// cannot be tested on records that are gone, so with them it is an
	// upper bound.
	Dropped int `json:"dropped"`
	// NextCursor continues the list, in the same order, when more
	// matching records follow.
	NextCursor string `json:"nextCursor,omitempty"`
}

// Cursors are opaque to clients; this one is the key of the last record
// answered (a console message's seq, a request's place in the order the
// requests were sent), in decimal.

// FormatCursor makes the cursor after a record of the given key.
func FormatCursor(key uint64) string { return strconv.FormatUint(key, 10) }

// ParseCursor reads a cursor; "" is the start of the list.
func ParseCursor(c string) (uint64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(c, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf(`field "cursor": %q is not a cursor of this list (pass an answer's nextCursor as it is)`, c)
	}
	return n, nil
}

// StatusParams are the params of session/status.
type StatusParams struct {
	Session string `json:"session,omitempty"` // backend only: which session
}

// StatusResult is what session/status answers.
type StatusResult struct {
	Session   string `json:"session"`
	State     string `json:"state"`
	PID       int    `json:"pid,omitempty"`
	StartTime string `json:"startTime,omitempty"` // RFC 3339
	UptimeMs  int64  `json:"uptimeMs,omitempty"`
	Target    Target `json:"target"`
	Chrome    Chrome `json:"chrome"`
	Counts    Counts `json:"counts"`
	Dropped   Counts `json:"dropped"`
	// Targets counts the targets of the page the session follows now,
	// by type (page, iframe, worker...); TargetsEnded those that went.
	Targets      map[string]int `json:"targets,omitempty"`
	TargetsEnded map[string]int `json:"targetsEnded,omitempty"`
	LastSeq      uint64         `json:"lastSeq"`
	NavigationID int            `json:"navigationId"`
	// Journal says how the session's journal on disk stands.
	Journal     *JournalStatus `json:"journal,omitempty"`
	SocketPath  string         `json:"socketPath,omitempty"`
	OutputPath  string         `json:"outputPath,omitempty"`
	Subscribers int            `json:"subscribers"` // clients receiving the events
	// Epoch identifies this run of the session: a session started again
	// under the same name has another, and its seqs start again at 1.
	Epoch string `json:"epoch,omitempty"`
	Stale
}

// JournalStatus is the session's journal on disk: every event of the run,
// as a subscriber receives it.
type JournalStatus struct {
	Path    string `json:"path"`
	Records uint64 `json:"records"` // events written (or lost)
	Bytes   int64  `json:"bytes"`   // on disk
	// Lost counts the events not on disk: appended while the disk failed,
	// or in the oldest segments deleted past the journal's bound.
	Lost  uint64 `json:"lost,omitempty"`
	Error string `json:"error,omitempty"` // the disk error it is in
}

// Chrome describes the browser a session drives.
type Chrome struct {
	PID      int    `json:"pid,omitempty"`
	Version  string `json:"version,omitempty"`
	Launched bool   `json:"launched"` // false when the session attached to a running Chrome
	Headless bool   `json:"headless"`
}

// SetStale marks the answer that embeds s.
func (s *Stale) SetStale(v Stale) { *s = v }

// Stale marks an answer read from session.partial.json or session.json
// because the worker was not there to ask, or did not answer in time.
// DataAgeMs says how old the file is; Source names it.
type Stale struct {
	Stale     bool   `json:"stale,omitempty"`
	DataAgeMs int64  `json:"dataAgeMs,omitempty"`
	Source    string `json:"source,omitempty"`
	// Reason says why, when a worker runs but did not answer in time.
	Reason string `json:"staleReason,omitempty"`
}

// Kinds of item a peek can ask for.
const (
	PeekNetwork = "network"
	PeekConsole = "console"
)

// PeekParams are the params of session/peek: the newest Last items of each
// kind asked for (default 20 of each of network and console).
type PeekParams struct {
	Session string   `json:"session,omitempty"`
	Last    int      `json:"last,omitempty"`
	Kinds   []string `json:"kinds,omitempty"`
}

// SessionName implements SessionNamer.
func (p PeekParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p PeekParams) Validate() error {
	if p.Last < 0 {
		return errors.New(`field "last" must not be negative`)
	}
	for _, k := range p.Kinds {
		if k != PeekNetwork && k != PeekConsole {
			return fmt.Errorf(`field "kinds": unknown kind %q (want "network" or "console")`, k)
		}
	}
	return nil
}

// DefaultPeekLast is how many items of each kind a peek returns by default.
const DefaultPeekLast = 20

// PeekResult is what session/peek answers.
type PeekResult struct {
	Network []NetworkRequest `json:"network"`
	Console []ConsoleMessage `json:"console"`
	Counts  Counts           `json:"counts"`
	Dropped Counts           `json:"dropped"`
	LastSeq uint64           `json:"lastSeq"`
	Stale
}

// NetworkListParams are the params of network/list.
type NetworkListParams struct {
	Session string `json:"session,omitempty"`
	ListParams
	// Bodies includes the captured response bodies (for a HAR export).
	Bodies bool `json:"bodies,omitempty"`
}

// SessionName implements SessionNamer.
func (p NetworkListParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p NetworkListParams) Validate() error { return p.ListParams.validate() }

// NetworkListResult is what network/list answers, in the order asked.
type NetworkListResult struct {
	Items []NetworkRequest `json:"items"` // empty with format "lines"
	// Lines are the page as text, with format "lines": one line per
	// record, each ending with a newline (docs/PROTOCOL.md).
	Lines string `json:"lines,omitempty"`
	ListPage
	Stale
}

// NetworkGetParams are the params of network/get.
type NetworkGetParams struct {
	Session   string `json:"session,omitempty"`
	RequestID string `json:"requestId"`
	Body      bool   `json:"body,omitempty"`
	// BodyFile asks for the response body in a file (0600, in the
	// session's bodies directory), whose path the result gives, so that a
	// large body never crosses the socket as JSON.
	BodyFile bool `json:"bodyFile,omitempty"`
}

// SessionName implements SessionNamer.
func (p NetworkGetParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p NetworkGetParams) Validate() error {
	if p.RequestID == "" {
		return errors.New(`missing required field "requestId"`)
	}
	return nil
}

// NetworkGetResult is what network/get answers.
type NetworkGetResult struct {
	Request NetworkRequest `json:"request"`
	// BodyFile is the path of the file holding the response body, with
	// bodyFile when the request has a body.
	BodyFile string `json:"bodyFile,omitempty"`
	Stale
}

// ConsoleListParams are the params of console/list.
type ConsoleListParams struct {
	Session string `json:"session,omitempty"`
	ListParams
	Levels []string `json:"levels,omitempty"` // default: all
}

// Levels lists the console levels, least severe first.
var Levels = []string{LevelDebug, LevelLog, LevelInfo, LevelWarning, LevelError}

// SessionName implements SessionNamer.
func (p ConsoleListParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p ConsoleListParams) Validate() error {
	for _, l := range p.Levels {
		if !slices.Contains(Levels, l) {
			return fmt.Errorf(`field "levels": unknown level %q (want one of debug, log, info, warning, error)`, l)
		}
	}
	return p.ListParams.validate()
}

// ConsoleListResult is what console/list answers, in the order asked.
type ConsoleListResult struct {
	Items []ConsoleMessage `json:"items"` // empty with format "lines"
	// Lines are the page as text, with format "lines": one line per
	// record, each ending with a newline (docs/PROTOCOL.md).
	Lines string `json:"lines,omitempty"`
	ListPage
	Stale
}

// CDPSendParams are the params of cdp/send: a raw CDP command for the
// session's page.
type CDPSendParams struct {
	Session string          `json:"session,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

// SessionName implements SessionNamer.
func (p CDPSendParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p CDPSendParams) Validate() error {
	if p.Method == "" {
		return errors.New(`missing required field "method" (a CDP method such as "Runtime.evaluate")`)
	}
	if len(p.Params) > 0 && p.Params[0] != '{' {
		return errors.New(`field "params" must be an object`)
	}
	return nil
}

// SubscribeParams are the params of events/subscribe. With Since, the
// retained events after that seq are replayed first; without it, only new
// events follow. Epoch is the run of the session that Since belongs to (as
// a subscription, a start or a status reported it): when it is not the
// worker's, Since means nothing to this run and the events are replayed
// from its first retained one (Reset in the result).
type SubscribeParams struct {
	Session string  `json:"session,omitempty"`
	Since   *uint64 `json:"since,omitempty"`
	Epoch   string  `json:"epoch,omitempty"`
}

// SubscribeResult is what events/subscribe answers, before any event.
type SubscribeResult struct {
	LastSeq   uint64 `json:"lastSeq"`   // the newest event so far
	OldestSeq uint64 `json:"oldestSeq"` // the oldest event still retained
	Epoch     string `json:"epoch"`     // this run of the session
	// Reset says that the given epoch was another run's: the events are
	// replayed from the start, whatever Since said.
	Reset bool `json:"reset,omitempty"`
}

// StopParams are the params of session/stop.
type StopParams struct {
	Session string `json:"session,omitempty"`
	// CloseTab closes the tab of a session attached to a running Chrome;
	// by default stop detaches and leaves it open.
	CloseTab bool `json:"closeTab,omitempty"`
}

// StopResult is what session/stop answers, once session.json is written.
type StopResult struct {
	Session    string `json:"session"`
	OutputPath string `json:"outputPath"`
	DurationMs int64  `json:"durationMs"`
	Counts     Counts `json:"counts"`
	Dropped    Counts `json:"dropped"`
}

// ConsoleEvent is the params of console/message.
type ConsoleEvent struct {
	Session string         `json:"session"`
	Seq     uint64         `json:"seq"`
	Message ConsoleMessage `json:"message"`
}

// NetworkEvent is the params of network/request, network/response,
// network/finished and network/failed: the request as it stands after the
// event (without its body).
type NetworkEvent struct {
	Session string         `json:"session"`
	Seq     uint64         `json:"seq"`
	Request NetworkRequest `json:"request"`
}

// NavigatedEvent is the params of page/navigated.
type NavigatedEvent struct {
	Session    string     `json:"session"`
	Seq        uint64     `json:"seq"`
	Navigation Navigation `json:"navigation"`
}

// WebSocketFrameEvent is the params of websocket/frame.
type WebSocketFrameEvent struct {
	Session string         `json:"session"`
	Seq     uint64         `json:"seq"`
	Frame   WebSocketFrame `json:"frame"`
}

// EventSourceEvent is the params of eventsource/message.
type EventSourceEvent struct {
	Session string             `json:"session"`
	Seq     uint64             `json:"seq"`
	Message EventSourceMessage `json:"message"`
}

// TargetEvent is the params of target/attached, when the session starts
// following a target of the page, and target/detached, when the target
// has gone (its records stay).
type TargetEvent struct {
	Session string    `json:"session"`
	Seq     uint64    `json:"seq"`
	Target  TargetRef `json:"target"`
	// Reason says why it went (target/detached only): destroyed (a worker
	// ended, an iframe was removed, a popup closed), crashed, or detached
	// (Chrome let the session go).
	Reason string `json:"reason,omitempty"`
}

// Why a target went.
const (
	TargetDestroyed = "destroyed"
	TargetCrashed   = "crashed"
	TargetDetached  = "detached"
)

// Reasons a session ends.
const (
	ReasonStopped     = "stopped"       // session/stop or bdg-rpc stop
	ReasonSignal      = "signal"        // SIGTERM or SIGINT
	ReasonChromeExit  = "chrome_exited" // Chrome went away
	ReasonPageClosed  = "page_closed"   // the page's target closed
	ReasonPageCrashed = "page_crashed"  // the renderer crashed
	ReasonTimeout     = "timeout"       // --timeout passed
	ReasonWorkerDied  = "worker_died"   // the worker vanished (seen by others)
	ReasonError       = "error"         // anything else; see error
)

// EndedEvent is the params of session/ended.
type EndedEvent struct {
	Session    string `json:"session"`
	Seq        uint64 `json:"seq"`
	Reason     string `json:"reason"`
	OutputPath string `json:"outputPath,omitempty"`
	Error      string `json:"error,omitempty"`
}

// DroppedEvent is the params of events/dropped: this subscriber fell so far
// behind that Count events (FromSeq..ToSeq) are no longer retained. They
// are still counted in the stores; the items are in the lists if the stores
// kept them.
type DroppedEvent struct {
	Session string `json:"session"`
	Count   uint64 `json:"count"`
	FromSeq uint64 `json:"fromSeq"`
	ToSeq   uint64 `json:"toSeq"`
}

// ---- The backend's own methods ----

// InitializeParams are the params of initialize. Unknown members are
// allowed, for clients that send LSP's.
type InitializeParams struct {
	ProcessID  int        `json:"processId,omitempty"`
	ClientInfo ClientInfo `json:"clientInfo,omitempty"`
	// ProtocolVersion is the version of the protocol the client speaks
	// (ProtocolVersion); a client of another major version is refused.
	// Absent: not checked.
	ProtocolVersion string `json:"protocolVersion,omitempty"`
}

// ProtocolMajor is the major version of a protocol version ("1" of "1.2").
func ProtocolMajor(v string) string {
	major, _, _ := strings.Cut(v, ".")
	return major
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

// StartParams are the params of session/start.
type StartParams struct {
	URL            string  `json:"url"`
	Session        string  `json:"session,omitempty"`
	Headless       *bool   `json:"headless,omitempty"`
	BrowserURL     string  `json:"browserURL,omitempty"` // an alias of attach
	WSURL          string  `json:"wsURL,omitempty"`      // an alias of attach
	ChromePath     string  `json:"chromePath,omitempty"`
	MaxBodyBytes   int     `json:"maxBodyBytes,omitempty"`
	Limits         *Limits `json:"limits,omitempty"` // override the bounds on what is kept
	IncludeAll     bool    `json:"includeAll,omitempty"`
	NoRedact       bool    `json:"noRedact,omitempty"` // keep credentials in session.json
	TimeoutSeconds int     `json:"timeoutSeconds,omitempty"`
	AttachOptions
}

// AttachOptions say which running Chrome a session attaches to, and which
// of its tabs: the fields session/start and the command line's start share.
type AttachOptions struct {
	// Attach is a running Chrome's endpoint: a port, host:port, an http://
	// URL, a ws:// URL of the browser or of a page, or the path of a
	// user-data directory or of its DevToolsActivePort file.
	Attach string `json:"attach,omitempty"`
	// AutoConnect finds a running Chrome by its DevToolsActivePort in the
	// usual profile directories.
	AutoConnect bool `json:"autoConnect,omitempty"`
	// Tab picks the tab: a target id, an index from 0, or a URL or title
	// substring or glob. Default: the active tab, else the first.
	Tab string `json:"tab,omitempty"`
	// NewTab opens a tab for the session (at URL, else about:blank).
	NewTab bool `json:"newTab,omitempty"`
	// Reload reloads the attached tab once capture is on, so that its load
	// is captured; without it, capture starts at attach.
	Reload bool `json:"reload,omitempty"`
}

// Attaching reports whether the session attaches to a running Chrome.
func (a AttachOptions) Attaching(aliases ...string) bool {
	return a.AutoConnect || a.Endpoint(aliases...) != ""
}

// Endpoint returns the running Chrome's endpoint: Attach, else the first
// of its aliases given ("" with AutoConnect).
func (a AttachOptions) Endpoint(aliases ...string) string {
	if a.Attach != "" {
		return a.Attach
	}
	for _, s := range aliases {
		if s != "" {
			return s
		}
	}
	return ""
}

// Check says what is wrong with the attach options of a start with url
// and the endpoints given by the aliases.
func (a AttachOptions) Check(url string, aliases ...string) error {
	n := 0
	for _, s := range append([]string{a.Attach}, aliases...) {
		if s != "" {
			n++
		}
	}
	if a.AutoConnect {
		n++
	}
	switch {
	case n > 1:
		return errors.New(`give one of "attach", "autoConnect", "browserURL" and "wsURL"`)
	case n == 0 && (a.Tab != "" || a.NewTab || a.Reload):
		return errors.New(`"tab", "newTab" and "reload" need a running Chrome: give "attach" or "autoConnect"`)
	case n == 0 && strings.TrimSpace(url) == "":
		return errors.New(`missing required field "url"`)
	case a.Tab != "" && (a.NewTab || strings.TrimSpace(url) != ""):
		return errors.New(`"tab" picks a tab that exists: it takes no "newTab" or "url" (which open a new one)`)
	case a.Reload && (a.NewTab || strings.TrimSpace(url) != ""):
		return errors.New(`"reload" reloads an existing tab: a new tab ("newTab", "url") is captured from its first load already`)
	}
	return nil
}

// Validate implements rpc.Validator.
func (p StartParams) Validate() error {
	if err := p.Check(p.URL, p.BrowserURL, p.WSURL); err != nil {
		return err
	}
	if p.MaxBodyBytes < 0 || p.TimeoutSeconds < 0 {
		return errors.New(`"maxBodyBytes" and "timeoutSeconds" must not be negative`)
	}
	if p.Limits != nil {
		return p.Limits.Validate()
	}
	return nil
}

// StartResult is what session/start answers once the worker is ready and
// its events flow to the client.
type StartResult struct {
	Session    string      `json:"session"`
	PID        int         `json:"pid"`
	SocketPath string      `json:"socketPath"`
	Chrome     Chrome      `json:"chrome"`
	Target     Target      `json:"target"`
	Epoch      string      `json:"epoch"`            // this run of the session: pass it with since to session/attach
	Attach     *AttachInfo `json:"attach,omitempty"` // how a session attached to a running Chrome
}

// AttachInfo says how a session attached to a running Chrome: where it
// found the browser, which tab it took and why, and from when it captures.
type AttachInfo struct {
	// Endpoint is what was given, or the profile auto-connect found.
	Endpoint string `json:"endpoint"`
	// Via says how the browser's websocket was found: "/json/version",
	// "websocket URL", "DevToolsActivePort PATH", "auto-connect: NAME (DIR)".
	Via string `json:"via"`
	// Picked says why this tab: "id", "index", "match" (by --tab), "active"
	// (the most recently active tab), "first" (nothing told which is
	// active), "new" (opened for the session), "page" (a page endpoint).
	Picked string `json:"picked"`
	// Tabs is how many tabs the browser had.
	Tabs int `json:"tabs"`
	// CaptureFrom is "attach" (what the tab did before is absent), "reload"
	// (reloaded once capture was on) or "load" (a new tab, captured from its
	// first load).
	CaptureFrom string `json:"captureFrom"`
}

// Values of AttachInfo.CaptureFrom.
const (
	CaptureFromAttach = "attach"
	CaptureFromReload = "reload"
	CaptureFromLoad   = "load"
)

// TabsParams are the params of browser/tabs: the browser whose tabs to
// list, by endpoint or auto-connect.
type TabsParams struct {
	Endpoint    string `json:"endpoint,omitempty"`
	AutoConnect bool   `json:"autoConnect,omitempty"`
}

// Validate implements rpc.Validator.
func (p TabsParams) Validate() error {
	if (p.Endpoint == "") == !p.AutoConnect {
		return errors.New(`give "endpoint" or "autoConnect: true"`)
	}
	return nil
}

// TabsResult is what browser/tabs answers.
type TabsResult struct {
	Endpoint string `json:"endpoint"` // as given, or the profile auto-connect found
	Via      string `json:"via"`      // as in AttachInfo
	Version  string `json:"version,omitempty"`
	Tabs     []Tab  `json:"tabs"`
}

// Tab is one page target of a browser.
type Tab struct {
	Index    int    `json:"index"` // from 0: what start's tab takes
	ID       string `json:"id"`    // the target id
	Title    string `json:"title"`
	URL      string `json:"url"`
	Attached bool   `json:"attached"`          // some DevTools client is attached to it
	Session  string `json:"session,omitempty"` // the bdg-rpc session watching it
}

// AttachParams are the params of session/attach: join a running session
// and receive its events, those after Since first (default: only new ones).
// Epoch is the run Since belongs to; from another run, the events are
// replayed from the start (Reset in the result).
type AttachParams struct {
	Session string  `json:"session,omitempty"`
	Since   *uint64 `json:"since,omitempty"`
	Epoch   string  `json:"epoch,omitempty"`
}

// AttachResult is what session/attach answers.
type AttachResult struct {
	Status    StatusResult `json:"status"`
	OldestSeq uint64       `json:"oldestSeq"` // the oldest event the worker still retains
	Epoch     string       `json:"epoch"`     // this run of the session
	// Reset says that Epoch is not the one asked for: the session was
	// started again since, and its events are replayed from the start.
	Reset bool `json:"reset,omitempty"`
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

// RawResult is a result passed on as the JSON it was received as.
type RawResult = json.RawMessage

// Null is the result of a method that answers null.
type Null struct{}

// MarshalJSON implements json.Marshaler.
func (Null) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// CancelParams are the params of $/cancelRequest: the id of the call to
// cancel.
type CancelParams struct {
	ID json.RawMessage `json:"id"`
}
